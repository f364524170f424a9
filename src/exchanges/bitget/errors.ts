/** Bitget answered a REST request with a `code` other than "00000" (its own error codes). */
export class BitgetApiError extends Error {
  readonly code = 'FLOWRS_BITGET_API';
  constructor(
    readonly path: string,
    readonly bitgetCode: string,
    readonly bitgetMessage: string,
  ) {
    super(`Bitget ${path} answered code ${bitgetCode}: ${bitgetMessage}`);
    this.name = 'BitgetApiError';
  }
}
