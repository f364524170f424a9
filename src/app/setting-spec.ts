import { z } from 'zod';

/** One setting: its environment variable, expected form, default, and what it does (for --help and docs). */
export interface SettingSpec {
  readonly env: string;
  readonly schema: z.ZodType;
  readonly fallback: string;
  readonly help: string;
}

/** The parsed values of a group of settings, keyed like the group. */
export type SettingValues<T extends Record<string, SettingSpec>> = {
  readonly [K in keyof T]: z.output<T[K]['schema']>;
};

/** `a, b,,c` → `['a', 'b', 'c']`: the form every list setting takes. */
export function commaList(text: string): string[] {
  return text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

/** An integer setting with a lower bound, its message naming the bound (`an integer ≥ 1`, `milliseconds ≥ 100`). */
export function integerAtLeast(min: number, unit = 'an integer') {
  const message = `${unit} ≥ ${min}`;
  return z.coerce.number({ message }).int(message).min(min, message);
}
