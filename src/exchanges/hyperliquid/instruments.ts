import { canonicalPerp, type Instrument } from '../../core/instrument.js';
import { VenueResponseError } from '../errors.js';
import { isInt, isObject } from '../json-guards.js';
import { fetchResponse } from '../snapshot-queue.js';
import { HYPERLIQUID_ID, type HyperliquidSettings } from './settings.js';

/** The info endpoint: every read is a `POST` with a JSON body naming the request `type`. */
export const HYPERLIQUID_INFO_PATH = '/info';
/** Perpetuals of the first (main) perp dex: `{"universe":[{"name","szDecimals","maxLeverage",…}],…}`. */
export const HYPERLIQUID_META_REQUEST = '{"type":"meta"}';
export const DEFAULT_HYPERLIQUID_INSTRUMENTS_TIMEOUT_MS = 10_000;

/** Every Hyperliquid perpetual is margined and settled in USDC. */
export const HYPERLIQUID_QUOTE = 'USDC';
/**
 * Coins named `k<BASE>` quote 1,000 units of BASE (`kPEPE` is 1,000 PEPE, sizes count kPEPE): their
 * canonical base is `1000<BASE>`, as Binance and Bybit name the same markets (`1000PEPEUSDT`).
 */
export const HYPERLIQUID_KILO_PREFIX = 'k';
export const KILO_BASE_PREFIX = '1000';
/** Prices are at most 6 decimals for perps, less `szDecimals` (docs: tick-and-lot-size). */
export const HYPERLIQUID_PERP_MAX_PRICE_DECIMALS = 6;

/** `kPEPE` → `1000PEPE`; `BTC` → `BTC`. Only a lowercase `k` before an uppercase letter or digit counts. */
export function baseOfCoin(coin: string): string {
  if (coin.length > 1 && coin.startsWith(HYPERLIQUID_KILO_PREFIX) && /^[A-Z0-9]$/.test(coin[1])) {
    return `${KILO_BASE_PREFIX}${coin.slice(1)}`;
  }
  return coin;
}

/**
 * The venue's coin for a canonical instrument by the naming rule alone (the list unavailable):
 * `BTC-USDC` → `BTC`, `1000PEPE-USDC` → `kPEPE`; undefined for another quote (`BTC-USDT`). With the
 * list loaded, prefer the instrument's own `symbol`: a rule cannot know which coins exist.
 */
export function symbolFor(canonical: string): string | undefined {
  const dash = canonical.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const base = canonical.slice(0, dash);
  if (canonical.slice(dash + 1) !== HYPERLIQUID_QUOTE) return undefined;
  if (base.startsWith(KILO_BASE_PREFIX) && base.length > KILO_BASE_PREFIX.length) {
    return `${HYPERLIQUID_KILO_PREFIX}${base.slice(KILO_BASE_PREFIX.length)}`;
  }
  return base;
}

/** `10^-decimals` as an exact decimal string: 0 → `"1"`, 3 → `"0.001"`. */
function unitOf(decimals: number): string {
  return decimals <= 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`;
}

/**
 * A `meta` answer → the listed perpetuals (`isDelisted: true` entries left out). Sizes are base units
 * (of the coin: kPEPE for `kPEPE`), so `contractSize` is `"1"`. `tickSize` is the finest price step
 * the venue allows, `10^-(6 − szDecimals)`; prices are also limited to 5 significant figures, so the
 * effective step is coarser at high prices (BTC near 90,000 moves by 1).
 */
export function parseMeta(text: string): Instrument[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new VenueResponseError(`meta: not JSON: ${text.slice(0, 120)}`);
  }
  if (!isObject(body) || !Array.isArray(body.universe)) {
    throw new VenueResponseError(`meta: unexpected answer: ${text.slice(0, 200)}`);
  }
  const out: Instrument[] = [];
  for (const entry of body.universe) {
    if (!isObject(entry) || typeof entry.name !== 'string' || !isInt(entry.szDecimals) || entry.szDecimals < 0) {
      throw new VenueResponseError('meta: a universe entry without name/szDecimals');
    }
    if (entry.isDelisted === true) continue;
    const base = baseOfCoin(entry.name);
    out.push({
      exchange: HYPERLIQUID_ID,
      symbol: entry.name,
      canonical: canonicalPerp(base, HYPERLIQUID_QUOTE),
      base,
      quote: HYPERLIQUID_QUOTE,
      settle: HYPERLIQUID_QUOTE,
      type: 'perp',
      tickSize: unitOf(Math.max(0, HYPERLIQUID_PERP_MAX_PRICE_DECIMALS - entry.szDecimals)),
      lotSize: unitOf(entry.szDecimals),
      contractSize: '1',
    });
  }
  return out;
}

/** `POST {restUrl}/info {"type":"meta"}` → the listed perpetuals. Non-2xx answers throw VenueHttpError. */
export async function loadInstruments(
  settings: Pick<HyperliquidSettings, 'restUrl'>,
  signal: AbortSignal,
  timeoutMs = DEFAULT_HYPERLIQUID_INSTRUMENTS_TIMEOUT_MS,
): Promise<Instrument[]> {
  const url = `${settings.restUrl.replace(/\/+$/, '')}${HYPERLIQUID_INFO_PATH}`;
  const { body } = await fetchResponse(url, AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: HYPERLIQUID_META_REQUEST,
  });
  return parseMeta(body);
}
