/** Structural checks for parsed venue JSON, shared by every venue's parser. */
import type { PriceLevel } from '../core/types.js';
export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** A whole number written as a decimal string (`"1597026383085"`), exactly (at most 2^53); else undefined. */
export function wholeNumberString(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d{1,16}$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * `[[price, size, …], …]` with string price and size (extra elements, such as OKX's order counts, are
 * ignored) → `[price, size]` levels; undefined if any is malformed.
 */
export function stringLevels(value: unknown): PriceLevel[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: PriceLevel[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const level = value[i];
    if (!Array.isArray(level) || typeof level[0] !== 'string' || typeof level[1] !== 'string') return undefined;
    out[i] = [level[0], level[1]];
  }
  return out;
}
