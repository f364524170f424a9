/**
 * What a refused client is told: WebSocket close codes (browsers see nothing else of a refusal) and the
 * `code` of the JSON body of an HTTP refusal. Stable: clients may branch on them.
 */

export { CLOSE_FORBIDDEN_ORIGIN, CLOSE_UNAUTHORIZED } from '../../protocol/limits.js';

/** The `code` of an HTTP refusal's JSON body `{"code","message"}`. */
export type RefusalCode =
  | 'FLOWRS_UNAUTHORIZED'
  | 'FLOWRS_FORBIDDEN_ORIGIN'
  | 'FLOWRS_TOO_MANY_CONNECTIONS'
  | 'FLOWRS_TOO_MANY_HANDSHAKES'
  | 'FLOWRS_SERVER_FULL'
  | 'FLOWRS_SHUTTING_DOWN';

/** The access configuration cannot be used (a token file or TLS file missing, unreadable or malformed). */
export class AccessSetupError extends Error {
  readonly code = 'FLOWRS_ACCESS_SETUP';
  constructor(
    /** The variable to fix, e.g. `FLOWRS_TLS_KEY`. */
    readonly setting: string,
    message: string,
    options?: { cause: unknown },
  ) {
    super(`${setting}: ${message}`, options);
    this.name = 'AccessSetupError';
  }
}
