import { decimalMul, isDecimalString } from '../../core/decimal.js';
import { canonicalPerp, type Instrument } from '../../core/instrument.js';
import { VenueResponseError } from '../errors.js';
import { isObject } from '../json-guards.js';
import { DEFAULT_REST_TIMEOUT_MS, fetchText } from '../snapshot-queue.js';
import { BitgetApiError } from './errors.js';
import { BITGET_ID, type BitgetSettings } from './settings.js';
import { BITGET_INST_TYPE } from './topics.js';

export const BITGET_CONTRACTS_PATH = '/api/v2/mix/market/contracts';
/** The success code of every Bitget REST answer. */
export const BITGET_OK_CODE = '00000';
/** "symbolType: perpetual" (not `delivery`, a dated future). */
export const BITGET_PERPETUAL = 'perpetual';
/**
 * "symbolStatus: normal" (listed and trading). Others: `listed` (not yet open), `maintain`,
 * `limit_open`, `restrictedAPI`, `off`: FlowRS follows normal ones only.
 */
export const BITGET_NORMAL_STATUS = 'normal';
/** USDT-FUTURES contracts are quoted and settled in USDT. */
export const BITGET_QUOTE = 'USDT';

/** `10^-places` × step as an exact decimal: (1, "5") → "0.5"; (0, "1") → "1"; (10, "1") → "0.0000000001". */
export function tickOf(pricePlace: number, priceEndStep: string): string {
  const unit = pricePlace <= 0 ? '1' : `0.${'0'.repeat(pricePlace - 1)}1`;
  return decimalMul(priceEndStep, unit);
}

/**
 * `GET /api/v2/mix/market/contracts?productType=USDT-FUTURES` → the normal USDT perpetuals. The
 * canonical key comes from `baseCoin`/`quoteCoin` (never from splitting `symbol`). Prices step by
 * `priceEndStep × 10^-pricePlace`; sizes step by `sizeMultiplier`. Sizes are base coin, so
 * `contractSize` is "1": the contract config calls `minTradeNum` a base-coin amount, ccxt sets
 * contractSize 1 for every Bitget swap, and a live probe found the WebSocket top 5 equal to the REST
 * `merge-depth` book level for level.
 */
export function parseBitgetContracts(text: string): Instrument[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new VenueResponseError(`${BITGET_CONTRACTS_PATH}: not JSON: ${text.slice(0, 120)}`);
  }
  if (!isObject(body)) throw new VenueResponseError(`${BITGET_CONTRACTS_PATH}: not an object`);
  if (body.code !== BITGET_OK_CODE) {
    throw new BitgetApiError(BITGET_CONTRACTS_PATH, String(body.code), typeof body.msg === 'string' ? body.msg : '');
  }
  if (!Array.isArray(body.data)) throw new VenueResponseError(`${BITGET_CONTRACTS_PATH}: data is not an array`);
  const out: Instrument[] = [];
  for (const entry of body.data) {
    if (!isObject(entry)) throw new VenueResponseError(`${BITGET_CONTRACTS_PATH}: an entry is not an object`);
    const { symbol, baseCoin, quoteCoin, symbolType, symbolStatus, pricePlace, priceEndStep, sizeMultiplier } = entry;
    if (typeof symbol !== 'string' || symbol === '') {
      throw new VenueResponseError(`${BITGET_CONTRACTS_PATH}: an entry without symbol`);
    }
    if (symbolType !== BITGET_PERPETUAL || symbolStatus !== BITGET_NORMAL_STATUS) continue;
    if (quoteCoin !== BITGET_QUOTE || typeof baseCoin !== 'string' || baseCoin === '') continue;
    const places = typeof pricePlace === 'string' && /^\d{1,2}$/.test(pricePlace) ? Number(pricePlace) : undefined;
    if (
      places === undefined ||
      typeof priceEndStep !== 'string' ||
      !isDecimalString(priceEndStep) ||
      typeof sizeMultiplier !== 'string' ||
      !isDecimalString(sizeMultiplier)
    ) {
      throw new VenueResponseError(`${BITGET_CONTRACTS_PATH}: ${symbol}: bad pricePlace/priceEndStep/sizeMultiplier`);
    }
    out.push({
      exchange: BITGET_ID,
      symbol,
      canonical: canonicalPerp(baseCoin, quoteCoin),
      base: baseCoin,
      quote: quoteCoin,
      settle: quoteCoin,
      type: 'perp',
      tickSize: tickOf(places, priceEndStep),
      lotSize: sizeMultiplier,
      contractSize: '1',
    });
  }
  return out;
}

export function bitgetContractsUrl(restUrl: string): string {
  return `${restUrl.replace(/\/+$/, '')}${BITGET_CONTRACTS_PATH}?productType=${BITGET_INST_TYPE}`;
}

/** The instrument list (one request: the endpoint is not paged). Non-2xx answers throw VenueHttpError. */
export async function loadInstruments(
  settings: Pick<BitgetSettings, 'restUrl'>,
  signal: AbortSignal,
): Promise<Instrument[]> {
  signal.throwIfAborted();
  const text = await fetchText(bitgetContractsUrl(settings.restUrl), DEFAULT_REST_TIMEOUT_MS);
  signal.throwIfAborted();
  return parseBitgetContracts(text);
}

/**
 * Bitget's symbol for a canonical USDT perpetual by its naming rule: `BTC-USDT` → `BTCUSDT`; undefined
 * for another quote. With the list loaded, prefer the instrument's own `symbol`.
 */
export function symbolFor(canonical: string): string | undefined {
  const match = /^([A-Z0-9]+)-USDT$/.exec(canonical);
  return match === null ? undefined : `${match[1]}${BITGET_QUOTE}`;
}
