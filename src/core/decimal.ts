/**
 * Exact decimal strings.
 *
 * FlowRS never reformats a venue's price or quantity: strings are stored and served as received.
 * Ordering needs a numeric key, and we use the IEEE-754 double that `Number(s)` returns:
 * decimal→double conversion is correctly rounded and monotonic, and any decimal with at most
 * 15 significant digits (DBL_DIG) maps to a distinct double. So for such prices, key order is
 * exactly price order and equal keys mean equal prices ("37000.1" and "37000.10" are one level).
 * Prices with more than 15 significant digits are rejected rather than risk two prices sharing a key.
 *
 * Accepted form (what every supported venue writes): `digits[.digits]`, no sign, no exponent,
 * no spaces, at most MAX_DECIMAL_LENGTH characters. "1e-8", "-1", ".5", "5.", "" are rejected.
 */

export const MAX_DECIMAL_LENGTH = 64;
export const MAX_PRICE_SIGNIFICANT_DIGITS = 15;

const DOT = 46;
const ZERO = 48;
const NINE = 57;

/** Result of inspecting a quantity string: -1 invalid, 0 zero (in any spelling), 1 positive. */
export type QuantityClass = -1 | 0 | 1;

/** Classifies a decimal string as invalid, zero ("0", "0.000", "00.0") or positive. */
export function classifyQuantity(s: string): QuantityClass {
  const len = s.length;
  if (len === 0 || len > MAX_DECIMAL_LENGTH) return -1;
  let dot = -1;
  let nonZero = false;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === DOT) {
      if (dot !== -1 || i === 0 || i === len - 1) return -1;
      dot = i;
    } else if (c < ZERO || c > NINE) {
      return -1;
    } else if (c !== ZERO) {
      nonZero = true;
    }
  }
  return nonZero ? 1 : 0;
}

/** True when `s` is a well-formed decimal string (see the module comment). */
export function isDecimalString(s: string): boolean {
  return classifyQuantity(s) !== -1;
}

/**
 * Significant digits of a well-formed decimal string: the span from its first to its last non-zero
 * digit. That span is what decides whether two values can round to the same double (DBL_DIG holds at
 * any exponent), so "37000" counts 2 and "0.00012300" counts 3.
 */
export function significantDigits(s: string): number {
  let first = -1;
  let last = -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > ZERO && c <= NINE) {
      if (first === -1) first = i;
      last = i;
    }
  }
  if (first === -1) return 0;
  const dot = s.indexOf('.');
  return last - first + 1 - (dot > first && dot < last ? 1 : 0);
}

/** 10^0 … 10^22: every one is exactly representable as a double. */
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i);
const MAX_EXACT_MANTISSA = 2 ** 53;

/**
 * The exact ordering key of a price string, or NaN when the string is not a valid price
 * (malformed, zero, or more than 15 significant digits).
 *
 * Hot path: one scan validates the string and builds its digits as an integer M with k decimals. When
 * M < 2^53 and k ≤ 22, both M and 10^k are exact doubles, so the IEEE division M / 10^k is the correctly
 * rounded value of the decimal: exactly what `Number(s)` returns, without scanning the string twice.
 */
export function priceKey(s: string): number {
  const len = s.length;
  if (len === 0 || len > MAX_DECIMAL_LENGTH) return Number.NaN;
  let mantissa = 0;
  let dot = -1;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === DOT) {
      if (dot !== -1 || i === 0 || i === len - 1) return Number.NaN;
      dot = i;
    } else if (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
    } else {
      return Number.NaN;
    }
  }
  if (mantissa === 0) return Number.NaN;
  const decimals = dot === -1 ? 0 : len - dot - 1;
  if (mantissa < MAX_EXACT_MANTISSA && decimals <= 22) {
    // M < 2^53 means at most 16 digits; only a 16-digit M can exceed 15 significant digits.
    if (mantissa >= 1e15 && significantDigits(s) > MAX_PRICE_SIGNIFICANT_DIGITS) return Number.NaN;
    return mantissa / EXACT_POWERS_OF_TEN[decimals];
  }
  // Long strings (many trailing zeros, or too many digits): the general rule.
  if (significantDigits(s) > MAX_PRICE_SIGNIFICANT_DIGITS) return Number.NaN;
  return +s;
}

/** Splits a decimal into a BigInt of its digits and its scale (digits after the dot). */
function toScaled(s: string): { digits: bigint; scale: number } {
  const dot = s.indexOf('.');
  if (dot === -1) return { digits: BigInt(s), scale: 0 };
  return { digits: BigInt(s.slice(0, dot) + s.slice(dot + 1)), scale: s.length - dot - 1 };
}

function fromScaled(digits: bigint, scale: number): string {
  const negative = digits < 0n;
  let text = (negative ? -digits : digits).toString();
  if (scale > 0) {
    text = text.padStart(scale + 1, '0');
    text = `${text.slice(0, text.length - scale)}.${text.slice(text.length - scale)}`;
  }
  return negative ? `-${text}` : text;
}

function align(a: string, b: string): { x: bigint; y: bigint; scale: number } {
  const sa = toScaled(a);
  const sb = toScaled(b);
  const scale = Math.max(sa.scale, sb.scale);
  return {
    x: sa.digits * 10n ** BigInt(scale - sa.scale),
    y: sb.digits * 10n ** BigInt(scale - sb.scale),
    scale,
  };
}

/** Exact `a - b` of two decimal strings, at the larger of their scales ("100.5" - "100.25" = "0.25"). */
export function decimalSub(a: string, b: string): string {
  const { x, y, scale } = align(a, b);
  return fromScaled(x - y, scale);
}

/** Exact sum of decimal strings, at the largest scale among them; "0" for none. */
export function decimalSum(values: Iterable<string>): string {
  let total = '0';
  for (const v of values) {
    const { x, y, scale } = align(total, v);
    total = fromScaled(x + y, scale);
  }
  return total;
}

/** Exact midpoint `(a + b) / 2`: one more decimal place than the inputs when needed. */
export function decimalMid(a: string, b: string): string {
  const { x, y, scale } = align(a, b);
  const sum = x + y;
  if (sum % 2n === 0n) return fromScaled(sum / 2n, scale);
  return fromScaled(sum * 5n, scale + 1);
}

/** Spread in basis points of the mid from numeric best bid and ask (a display figure); undefined if either is NaN. */
export function spreadBps(bid: number, ask: number): number | undefined {
  if (Number.isNaN(bid) || Number.isNaN(ask)) return undefined;
  return ((ask - bid) / ((ask + bid) / 2)) * 10_000;
}

/**
 * Exact `a × b` of two well-formed decimal strings, without trailing fractional zeros
 * (`"129" × "0.01"` = `"1.29"`, `"3" × "0.0001"` = `"0.0003"`, `"0" × "0.01"` = `"0"`). Venues that count
 * size in contracts are converted to base units with it: never through a float.
 */
export function decimalMul(a: string, b: string): string {
  const x = toScaled(a);
  const y = toScaled(b);
  let digits = x.digits * y.digits;
  let scale = x.scale + y.scale;
  while (scale > 0 && digits % 10n === 0n) {
    digits /= 10n;
    scale--;
  }
  return fromScaled(digits, scale);
}
