/** The protocol's limits and close codes: what a client may send, and how the server ends connections. */

/** Most books one selection may name. */
export const MAX_SELECTED_BOOKS = 1_000;
/** Most instruments one client may follow consolidated. */
export const MAX_CONSOLIDATED = 100;
/** Most books one client may have followed on demand (the server-wide bound is FLOWRS_MAX_DYNAMIC_BOOKS). */
export const MAX_ON_DEMAND_BOOKS_PER_CLIENT = 50;
/** Largest client frame accepted; larger ones close the connection with 1009 (control messages are tiny). */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;
/** Client messages allowed per second; more closes the connection with 1008. */
export const MAX_CLIENT_MESSAGES_PER_SECOND = 50;
/** Close codes FlowRS uses. */
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_POLICY = 1008;
export const CLOSE_GOING_AWAY = 1001;
/** The connection carried no valid token (FLOWRS_AUTH_TOKENS / FLOWRS_AUTH_TOKEN_FILE); not retried by FlowrsClient. */
export const CLOSE_UNAUTHORIZED = 4401;
/** The browser page's origin is not in FLOWRS_ALLOWED_ORIGINS; not retried by FlowrsClient. */
export const CLOSE_FORBIDDEN_ORIGIN = 4403;

/** A book name: `exchange:SYMBOL`, or a canonical instrument `BASE-QUOTE`. */
const BOOK_NAME = /^(?:[^:\s]{1,30}:[^:\s]{1,60}|[A-Za-z0-9]{1,20}-[A-Za-z0-9]{2,10})$/;
/** A canonical instrument. */
const INSTRUMENT_NAME = /^[A-Za-z0-9]{1,20}-[A-Za-z0-9]{2,10}$/;

/** Says what a value is without serialising it: a value nested thousands deep would overflow the stack. */
function describe(value: unknown): string {
  return typeof value === 'string'
    ? JSON.stringify(value.slice(0, 60))
    : Array.isArray(value)
      ? 'an array'
      : typeof value;
}

/** A subscribe request whose shape is valid (whether its books exist is the server's question). */
export interface ParsedSubscription {
  readonly books?: readonly string[] | '*';
  readonly consolidated?: readonly string[];
  readonly mode?: 'top' | 'delta';
  readonly depth?: number;
}

/** Validates a subscribe message's fields (`books`, `consolidated`, `mode`, `depth`), or says why it is invalid. */
export function parseSubscription(message: Record<string, unknown>): ParsedSubscription | { invalid: string } {
  const out: { -readonly [K in keyof ParsedSubscription]: ParsedSubscription[K] } = {};
  if (message.books !== undefined) {
    const books = parseNames(message.books, MAX_SELECTED_BOOKS, BOOK_NAME, '"exchange:SYMBOL" or "BASE-QUOTE"', true);
    if ('invalid' in books) return { invalid: `"books": ${books.invalid}` };
    out.books = books.names;
  }
  if (message.consolidated !== undefined) {
    const names = parseNames(message.consolidated, MAX_CONSOLIDATED, INSTRUMENT_NAME, '"BASE-QUOTE"', false);
    if ('invalid' in names) return { invalid: `"consolidated": ${names.invalid}` };
    out.consolidated = names.names as readonly string[];
  }
  if (message.mode !== undefined) {
    if (message.mode !== 'top' && message.mode !== 'delta') return { invalid: '"mode" must be "top" or "delta"' };
    out.mode = message.mode;
  }
  if (message.depth !== undefined) {
    if (typeof message.depth !== 'number' || !Number.isInteger(message.depth) || message.depth < 1)
      return { invalid: '"depth" must be a positive integer' };
    out.depth = message.depth;
  }
  if (out.books === undefined && out.consolidated === undefined && out.mode === undefined && out.depth === undefined)
    return { invalid: 'a subscribe message needs "books", "consolidated", "mode" or "depth"' };
  return out;
}

function parseNames(
  value: unknown,
  max: number,
  pattern: RegExp,
  form: string,
  star: boolean,
): { names: readonly string[] | '*' } | { invalid: string } {
  if (star && value === '*') return { names: '*' };
  if (!Array.isArray(value)) return { invalid: `must be ${star ? '"*" or ' : ''}an array of ${form} strings` };
  if (value.length > max) return { invalid: `at most ${max} names` };
  for (const name of value) {
    if (typeof name !== 'string' || !pattern.test(name)) return { invalid: `not a ${form} name: ${describe(name)}` };
  }
  return { names: value as string[] };
}

/** Validates a selection's shape (not whether the books exist): the names, `'*'`, or why it is invalid. */
export function parseBookSelection(value: unknown): readonly string[] | '*' | { invalid: string } {
  if (value === '*') return '*';
  if (!Array.isArray(value)) return { invalid: '"books" must be "*" or an array of "exchange:SYMBOL" strings' };
  if (value.length > MAX_SELECTED_BOOKS) return { invalid: `at most ${MAX_SELECTED_BOOKS} books` };
  for (const name of value) {
    if (typeof name !== 'string' || name.length > 100 || !/^[^:]+:[^:]+$/.test(name)) {
      // Say what it is without serialising it: a value nested thousands deep would overflow the stack.
      const what =
        typeof name === 'string' ? JSON.stringify(name.slice(0, 60)) : Array.isArray(name) ? 'an array' : typeof name;
      return { invalid: `not an "exchange:SYMBOL" name: ${what}` };
    }
  }
  return value as string[];
}
