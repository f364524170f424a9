/** The protocol's limits and close codes: what a client may send, and how the server ends connections. */

/** Most books one selection may name. */
export const MAX_SELECTED_BOOKS = 1_000;
/** Largest client frame accepted; larger ones close the connection with 1009 (control messages are tiny). */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;
/** Client messages allowed per second; more closes the connection with 1008. */
export const MAX_CLIENT_MESSAGES_PER_SECOND = 50;
/** Close codes FlowRS uses. */
export const CLOSE_TOO_BIG = 1009;
export const CLOSE_POLICY = 1008;
export const CLOSE_GOING_AWAY = 1001;

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
