import { decimalMul } from './decimal.js';
import type { Exchange } from './types.js';

/** What kind of contract an instrument is. Perpetual swaps today; spot and dated futures later. */
export type InstrumentType = 'perp';

/**
 * One venue listing, mapped to a canonical instrument. Two venues' listings are the same market when
 * their canonical keys are equal: `BTC-USDT` is the USDT-quoted BTC perpetual on Binance (`BTCUSDT`),
 * Bybit (`BTCUSDT`), OKX (`BTC-USDT-SWAP`), Gate (`BTC_USDT`) and Bitget (`BTCUSDT`); Hyperliquid's `BTC`
 * settles in USDC, so it is `BTC-USDC` and never merged with USDT books unless asked.
 */
export interface Instrument {
  readonly exchange: Exchange;
  /** The venue's own name for it (what its wire protocol uses). */
  readonly symbol: string;
  /** `BASE-QUOTE` for perpetuals, e.g. `BTC-USDT`. */
  readonly canonical: string;
  readonly base: string;
  readonly quote: string;
  readonly settle: string;
  readonly type: InstrumentType;
  /** Price increment, as the venue states it. */
  readonly tickSize: string;
  /** Size increment, in the venue's size unit (contracts where it counts contracts). */
  readonly lotSize: string;
  /**
   * Base units in one unit of the venue's size field, exact: `"1"` where sizes are already base units;
   * OKX `ctVal × ctMult` (BTC-USDT-SWAP: `"0.01"`), Gate `quanto_multiplier` (BTC_USDT: `"0.0001"`).
   */
  readonly contractSize: string;
}

/** The canonical key of a perpetual: `BTC-USDT`. */
export function canonicalPerp(base: string, quote: string): string {
  return `${base.toUpperCase()}-${quote.toUpperCase()}`;
}

/** A venue size in base units, exactly (no float ever touches it). */
export function toBaseQuantity(size: string, contractSize: string): string {
  return contractSize === '1' ? size : decimalMul(size, contractSize);
}

/** Quote currencies that are dollar stablecoins: merged across venues only when a client asks. */
export const USD_STABLECOINS: readonly string[] = ['USDT', 'USDC', 'USD'];
