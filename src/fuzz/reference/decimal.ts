/**
 * The reference's decimals: written from the documented contract only (README, "Exactness rules"),
 * on strings, sharing no code with src/core/decimal.ts. A venue decimal is `digits[.digits]`, at most
 * 64 characters; a price is positive with at most 15 significant digits; zero in any spelling deletes.
 */
export const REFERENCE_MAX_DECIMAL_CHARS = 64;
export const REFERENCE_MAX_PRICE_SIGNIFICANT_DIGITS = 15;

export interface ReferenceDecimal {
  /** The text as the venue wrote it (what is stored and served). */
  readonly text: string;
  /** One spelling per value: no leading zeros, no trailing fraction zeros ("007.50" → "7.5"). */
  readonly canonical: string;
  /** Orders like the value as plain string comparison: a length tag, the integer digits, the fraction. */
  readonly key: string;
  readonly zero: boolean;
  readonly significantDigits: number;
}

const ZERO = 48;
const NINE = 57;
const DOT = 46;

/**
 * The decimal, or undefined when `value` is not a string of the accepted form: `[0-9]+(\.[0-9]+)?`.
 * One scan finds the digits that matter; the canonical spelling and the ordering key are cut from them.
 */
export function readDecimal(value: unknown): ReferenceDecimal | undefined {
  if (typeof value !== 'string') return undefined;
  const len = value.length;
  if (len === 0 || len > REFERENCE_MAX_DECIMAL_CHARS) return undefined;
  let dot = -1;
  let firstNonZero = -1; // first non-zero digit anywhere
  let lastNonZero = -1; // last non-zero digit anywhere
  let firstIntegerNonZero = -1; // first non-zero digit before the dot
  for (let i = 0; i < len; i++) {
    const c = value.charCodeAt(i);
    if (c === DOT) {
      if (dot !== -1 || i === 0 || i === len - 1) return undefined;
      dot = i;
    } else if (c < ZERO || c > NINE) {
      return undefined;
    } else if (c !== ZERO) {
      if (firstNonZero === -1) firstNonZero = i;
      if (dot === -1 && firstIntegerNonZero === -1) firstIntegerNonZero = i;
      lastNonZero = i;
    }
  }
  const end = dot === -1 ? len : dot;
  const integer = firstIntegerNonZero === -1 ? '' : value.slice(firstIntegerNonZero, end);
  const fraction = dot !== -1 && lastNonZero > dot ? value.slice(dot + 1, lastNonZero + 1) : '';
  // Significant digits: the span from the first to the last non-zero digit ("37000" → 2, "0.0120" → 2).
  let significantDigits = 0;
  if (firstNonZero !== -1) {
    significantDigits = lastNonZero - firstNonZero + 1;
    if (dot > firstNonZero && dot < lastNonZero) significantDigits--;
  }
  return {
    text: value,
    canonical: (integer === '' ? '0' : integer) + (fraction === '' ? '' : `.${fraction}`),
    key: String.fromCharCode(65 + integer.length) + integer + '.' + fraction,
    zero: firstNonZero === -1,
    significantDigits,
  };
}

/** A valid price: an accepted decimal, not zero, at most 15 significant digits. */
export function readPrice(value: unknown): ReferenceDecimal | undefined {
  const d = readDecimal(value);
  if (d === undefined || d.zero || d.significantDigits > REFERENCE_MAX_PRICE_SIGNIFICANT_DIGITS) return undefined;
  return d;
}

/** The canonical spelling of a decimal string the book served (for comparisons); the text itself if invalid. */
export function canonicalOf(text: string): string {
  return readDecimal(text)?.canonical ?? text;
}
