import { VenueHttpError } from '../errors.js';

/** Binance's error code for a symbol it does not list: `{"code":-1121,"msg":"Invalid symbol."}`. */
export const BINANCE_INVALID_SYMBOL_CODE = -1121;

/** The venue's `code` in an error body, if the body is Binance's `{"code":…,"msg":…}` shape. */
export function binanceErrorCode(body: string): number | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const code = (parsed as { code?: unknown }).code;
  return typeof code === 'number' && Number.isInteger(code) ? code : undefined;
}

/** A 400 with code -1121: Binance does not list the symbol, so asking again cannot help. */
export function isBinanceInvalidSymbol(error: unknown): boolean {
  return (
    error instanceof VenueHttpError &&
    error.status === 400 &&
    binanceErrorCode(error.body) === BINANCE_INVALID_SYMBOL_CODE
  );
}
