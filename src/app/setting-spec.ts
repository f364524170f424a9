import type { z } from 'zod';

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
