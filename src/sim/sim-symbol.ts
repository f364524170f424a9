/** Simulator names for meme coins quote 1,000 coins (`1000PEPEUSDT`, as Binance lists them). */
const THOUSAND_PREFIX = '1000';
/** Decimals a price gains when quoted per single coin instead of per 1,000. */
const THOUSAND_SCALE = 3;

/** A simulator instrument name as a venue that quotes single coins sees it. */
export interface SimSymbolParts {
  /** The coin: `BTC` for `BTCUSDT`, `PEPE` for `1000PEPEUSDT`. */
  readonly base: string;
  /** Decimals to add to prices (and take from sizes): 3 for `1000…` names, else 0. */
  readonly scale: number;
}

/** Splits a simulator name (`BTCUSDT`, `1000PEPEUSDT`) into its coin and price scale, dropping `quote`. */
export function splitSimSymbol(symbol: string, quote: string): SimSymbolParts {
  const bare = symbol.endsWith(quote) ? symbol.slice(0, -quote.length) : symbol;
  const thousand = bare.startsWith(THOUSAND_PREFIX) && bare.length > THOUSAND_PREFIX.length;
  return thousand ? { base: bare.slice(THOUSAND_PREFIX.length), scale: THOUSAND_SCALE } : { base: bare, scale: 0 };
}
