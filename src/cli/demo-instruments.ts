/**
 * The demo simulates exactly the symbols the user configured: known names get their realistic specs
 * (tick size, price scale), other names a generated one, so a user's own list is never replaced.
 */
import type { SymbolRequest } from '../app/config.js';
import { type InstrumentSpec, NAMED_INSTRUMENTS } from '../sim/market.js';

/** Venues whose own symbols the simulator uses as its instrument names (`BTCUSDT`). */
const SIMULATOR_NAMING_VENUES: readonly string[] = ['binance', 'bybit'];

/** Levels a side a generated instrument starts with (as the named ones). */
export const DEFAULT_GENERATED_LEVELS = 1_200;
/** A generated instrument trades around 1–10 in price, at 4 decimals with a 0.0001 tick. */
const GENERATED_PRICE_DECIMALS = 4;
const GENERATED_MIN_START_TICKS = 10_000;
const GENERATED_START_TICKS_SPAN = 90_000;

/** A stable 32-bit hash (FNV-1a), so a symbol always starts at the same price. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The simulator's spec for `symbol`: the named one when there is one, otherwise a generated one. */
export function instrumentFor(symbol: string): InstrumentSpec {
  const named = NAMED_INSTRUMENTS.find((i) => i.symbol === symbol);
  if (named !== undefined) return named;
  return {
    symbol,
    priceDecimals: GENERATED_PRICE_DECIMALS,
    tickUnits: 1,
    quantityDecimals: 1,
    startTicks: GENERATED_MIN_START_TICKS + (hash(symbol) % GENERATED_START_TICKS_SPAN),
    levels: DEFAULT_GENERATED_LEVELS,
  };
}

export function instrumentsFor(symbols: readonly string[]): InstrumentSpec[] {
  return symbols.map(instrumentFor);
}

/**
 * The simulator's instrument names for the configured symbols: `BTC-USDT` → `BTCUSDT` (the simulated
 * venues' naming), `bybit:ETHUSDT` → `ETHUSDT`; another venue's own symbol has no simulated twin.
 * Duplicates are dropped, the order kept.
 */
export function simulatedSymbols(requests: readonly SymbolRequest[]): string[] {
  const names = requests.flatMap((r) =>
    r.kind === 'canonical'
      ? [r.canonical.replace('-', '')]
      : SIMULATOR_NAMING_VENUES.includes(r.exchange)
        ? [r.symbol.toUpperCase()]
        : [],
  );
  return [...new Set(names)];
}
