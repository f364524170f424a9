/**
 * Low-level pieces of the venues' frame scanners: a cursor over one frame's text that recognises a
 * strict subset of JSON (no whitespace, no escapes, non-negative integers only) and reads the values a
 * parser needs without building the generic object tree.
 *
 * Contract: every reader either consumes exactly one well-formed token of that subset and returns its
 * value, or returns a failure sentinel (`NO_INT`, `undefined`, `false`) and leaves the caller to give up.
 * A scanner built on it gives up on anything it does not recognise and lets the `JSON.parse` path decide,
 * so a frame the scanner accepts is always valid JSON with exactly the values `JSON.parse` would produce.
 */
import type { PriceLevel } from '../core/types.js';

/** Returned by the integer readers when the text there is not a plain non-negative safe integer. */
export const NO_INT = -1;

/**
 * Strings shorter than this come out of `slice` as fresh copies; longer ones would be views that keep
 * the whole frame alive as long as the string lives (a price kept in a book for hours). V8's
 * `SlicedString::kMinLength`.
 */
const MIN_SLICED_LENGTH = 13;

const QUOTE = 34; // "
const BACKSLASH = 92;
const COMMA = 44;
const OPEN_BRACKET = 91; // [
const CLOSE_BRACKET = 93; // ]
const CLOSE_BRACE = 125; // }
const ZERO = 48;
const NINE = 57;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const LOWER_E = 101;
const UPPER_E = 69;
const SPACE = 32;

/** Digits of the longest integer the scanner reads: no safe integer (at most 2^53 − 1) has more. */
const MAX_INT_DIGITS = 16;

/** A copy of `text[start, end)` that does not hold on to `text` (see MIN_SLICED_LENGTH). */
export function detachedSlice(text: string, start: number, end: number): string {
  if (end - start < MIN_SLICED_LENGTH) return text.slice(start, end);
  // Short pieces are copies; joined, they make a string that refers to them, not to the frame.
  let out = text.slice(start, start + MIN_SLICED_LENGTH - 1);
  for (let i = start + MIN_SLICED_LENGTH - 1; i < end; i += MIN_SLICED_LENGTH - 1) {
    out += text.slice(i, Math.min(end, i + MIN_SLICED_LENGTH - 1));
  }
  return out;
}

/**
 * A cursor over one frame. Reuse one instance per scanner (`reset` per frame): scanning then allocates
 * nothing but the values it returns.
 */
export class JsonScanner {
  text = '';
  pos = 0;

  reset(text: string): void {
    this.text = text;
    this.pos = 0;
  }

  /** True when the whole text has been consumed (JSON allows trailing whitespace; this subset does not). */
  atEnd(): boolean {
    return this.pos === this.text.length;
  }

  /** Consumes `literal` (punctuation and keys, e.g. `,"u":`) if the text continues with it exactly. */
  literal(literal: string): boolean {
    const text = this.text;
    const pos = this.pos;
    const n = literal.length;
    if (pos + n > text.length) return false;
    for (let i = 0; i < n; i++) if (text.charCodeAt(pos + i) !== literal.charCodeAt(i)) return false;
    this.pos = pos + n;
    return true;
  }

  /** Consumes one character if it is `code`. */
  char(code: number): boolean {
    if (this.text.charCodeAt(this.pos) !== code) return false;
    this.pos++;
    return true;
  }

  /** The code of the next character (NaN at the end) without consuming it. */
  peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  /**
   * A JSON number that is a non-negative integer (`0` or digits without a leading zero, no fraction, no
   * exponent) of at most 16 digits and at most 2^53 − 1: its exact value. Anything else (a sign, a
   * fraction, an exponent, more digits): NO_INT, with the cursor where it was. The caller's next
   * `literal` rejects a number that goes on (`12.5`, `1e3`).
   */
  uint(): number {
    const text = this.text;
    const start = this.pos;
    let c = text.charCodeAt(start);
    if (!(c >= ZERO && c <= NINE)) return NO_INT;
    if (c === ZERO) {
      c = text.charCodeAt(start + 1);
      if (c >= ZERO && c <= NINE) return NO_INT; // a leading zero is not JSON
      this.pos = start + 1;
      return 0;
    }
    let value = 0;
    let i = start;
    for (; i < text.length; i++) {
      c = text.charCodeAt(i);
      if (c < ZERO || c > NINE) break;
      value = value * 10 + (c - ZERO);
    }
    // Exact while below 2^53: a computed value at most MAX_SAFE_INTEGER means the true one is too.
    if (i - start > MAX_INT_DIGITS || value > Number.MAX_SAFE_INTEGER) return NO_INT;
    this.pos = i;
    return value;
  }

  /**
   * A JSON string without escapes or control characters: its text (a detached copy). Anything else:
   * undefined, cursor unchanged.
   */
  string(): string | undefined {
    const text = this.text;
    if (text.charCodeAt(this.pos) !== QUOTE) return undefined;
    const end = stringEnd(text, this.pos + 1);
    if (end < 0) return undefined;
    const value = detachedSlice(text, this.pos + 1, end);
    this.pos = end + 1;
    return value;
  }

  /**
   * `[]` or `[["price","size"],…]`: exactly two strings a level (anything else — an extra element, a
   * number, an escape — is for the JSON path). Undefined on anything else.
   */
  levels(): PriceLevel[] | undefined {
    // The hot loop of every book frame: one pass, positions in locals, the cursor moved once at the end.
    const text = this.text;
    let i = this.pos;
    if (text.charCodeAt(i) !== OPEN_BRACKET) return undefined;
    i++;
    const out: PriceLevel[] = [];
    if (text.charCodeAt(i) !== CLOSE_BRACKET) {
      for (;;) {
        if (text.charCodeAt(i) !== OPEN_BRACKET || text.charCodeAt(i + 1) !== QUOTE) return undefined;
        const priceEnd = stringEnd(text, i + 2);
        if (priceEnd < 0 || text.charCodeAt(priceEnd + 1) !== COMMA || text.charCodeAt(priceEnd + 2) !== QUOTE) {
          return undefined;
        }
        const sizeEnd = stringEnd(text, priceEnd + 3);
        if (sizeEnd < 0 || text.charCodeAt(sizeEnd + 1) !== CLOSE_BRACKET) return undefined;
        out.push([detachedSlice(text, i + 2, priceEnd), detachedSlice(text, priceEnd + 3, sizeEnd)]);
        i = sizeEnd + 2;
        const c = text.charCodeAt(i);
        if (c === CLOSE_BRACKET) break;
        if (c !== COMMA) return undefined;
        i++;
      }
    }
    this.pos = i + 1;
    return out;
  }

  /**
   * Consumes one scalar whose value the parser ignores: a string (subset above), a JSON number (any valid
   * spelling), `true`, `false` or `null`. False on anything else (objects and arrays included).
   */
  skipScalar(): boolean {
    const c = this.text.charCodeAt(this.pos);
    if (c === QUOTE) return this.skipString();
    if (c === MINUS || (c >= ZERO && c <= NINE)) return this.skipNumber();
    return this.literal('true') || this.literal('false') || this.literal('null');
  }

  /** `true` or `false`: its value; undefined on anything else. */
  boolean(): boolean | undefined {
    if (this.literal('true')) return true;
    if (this.literal('false')) return false;
    return undefined;
  }

  /** Consumes a string of the subset above without copying it out. */
  skipString(): boolean {
    const text = this.text;
    if (text.charCodeAt(this.pos) !== QUOTE) return false;
    const end = stringEnd(text, this.pos + 1);
    if (end < 0) return false;
    this.pos = end + 1;
    return true;
  }

  /** JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. */
  private skipNumber(): boolean {
    const text = this.text;
    let i = this.pos;
    if (text.charCodeAt(i) === MINUS) i++;
    let c = text.charCodeAt(i);
    if (c === ZERO) {
      i++;
    } else if (c >= ZERO + 1 && c <= NINE) {
      while (isDigit(text.charCodeAt(i))) i++;
    } else {
      return false;
    }
    if (text.charCodeAt(i) === DOT) {
      i++;
      if (!isDigit(text.charCodeAt(i))) return false;
      while (isDigit(text.charCodeAt(i))) i++;
    }
    c = text.charCodeAt(i);
    if (c === LOWER_E || c === UPPER_E) {
      i++;
      c = text.charCodeAt(i);
      if (c === PLUS || c === MINUS) i++;
      if (!isDigit(text.charCodeAt(i))) return false;
      while (isDigit(text.charCodeAt(i))) i++;
    }
    // A digit right after a lone `0` (`01`) is not JSON; the caller's next literal would refuse it anyway.
    this.pos = i;
    return true;
  }
}

/**
 * Index of the quote closing a string whose text starts at `start`, or -1 when the string has an escape
 * or a control character (for the JSON path) or is not closed.
 */
function stringEnd(text: string, start: number): number {
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < SPACE) return -1;
  }
  return -1;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** Characters the scanners match, named for readability at the call sites. */
export const CHAR = { COMMA, CLOSE_BRACKET, CLOSE_BRACE } as const;
