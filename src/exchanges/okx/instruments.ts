import { decimalMul, isDecimalString } from '../../core/decimal.js';
import { canonicalPerp, type Instrument } from '../../core/instrument.js';
import { VenueResponseError } from '../errors.js';
import { isObject } from '../json-guards.js';
import { DEFAULT_REST_TIMEOUT_MS, fetchText } from '../snapshot-queue.js';
import { OkxApiError } from './errors.js';
import { OKX_ID, type OkxSettings } from './settings.js';

export const OKX_INSTRUMENTS_PATH = '/api/v5/public/instruments';
/** Perpetual swaps ("20 requests per 2 seconds", per IP and instrument type). */
export const OKX_SWAP_INST_TYPE = 'SWAP';
/** "ctType: linear: linear contract" — sizes in contracts of `ctVal × ctMult` base units, settled in the quote. */
export const OKX_LINEAR = 'linear';
/** "state: live" (not `suspend`, `preopen` or `test`): the only state with a live book. */
export const OKX_LIVE_STATE = 'live';
/** Quote (= settlement) currencies FlowRS follows. */
export const OKX_SETTLE_CURRENCIES: readonly string[] = ['USDT', 'USDC'];
/** OKX's naming rule for perpetual swaps: `BTC-USDT` → `BTC-USDT-SWAP`. */
export const OKX_SWAP_SUFFIX = '-SWAP';

/**
 * `GET /api/v5/public/instruments?instType=SWAP` → the linear, live, USDT- or USDC-settled swaps. For a
 * linear swap the contract value currency (`ctValCcy`) is the base and the settlement currency the
 * quote, and OKX's instrument family (`instFamily`, formerly `uly`) says the same, `BTC-USDT`: an entry
 * where they disagree is not the contract FlowRS understands and is left out. One contract is
 * `ctVal × ctMult` base units, exactly (BTC-USDT-SWAP: 0.01 × 1 = 0.01 BTC).
 */
export function parseOkxInstruments(text: string): Instrument[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new VenueResponseError(`${OKX_INSTRUMENTS_PATH}: not JSON: ${text.slice(0, 120)}`);
  }
  if (!isObject(body)) throw new VenueResponseError(`${OKX_INSTRUMENTS_PATH}: not an object`);
  if (body.code !== '0') {
    throw new OkxApiError(OKX_INSTRUMENTS_PATH, String(body.code), typeof body.msg === 'string' ? body.msg : '');
  }
  if (!Array.isArray(body.data)) throw new VenueResponseError(`${OKX_INSTRUMENTS_PATH}: data is not an array`);
  const out: Instrument[] = [];
  for (const entry of body.data) {
    if (!isObject(entry)) throw new VenueResponseError(`${OKX_INSTRUMENTS_PATH}: an entry is not an object`);
    const { instId, instType, ctType, state, settleCcy, ctValCcy, ctVal, ctMult, tickSz, lotSz } = entry;
    if (typeof instId !== 'string') throw new VenueResponseError(`${OKX_INSTRUMENTS_PATH}: an entry without instId`);
    if (instType !== OKX_SWAP_INST_TYPE || ctType !== OKX_LINEAR || state !== OKX_LIVE_STATE) continue;
    if (typeof settleCcy !== 'string' || !OKX_SETTLE_CURRENCIES.includes(settleCcy)) continue;
    const family = typeof entry.instFamily === 'string' && entry.instFamily !== '' ? entry.instFamily : entry.uly;
    if (typeof ctValCcy !== 'string' || ctValCcy === '' || family !== `${ctValCcy}-${settleCcy}`) continue;
    if (![ctVal, ctMult, tickSz, lotSz].every((v) => typeof v === 'string' && isDecimalString(v))) {
      throw new VenueResponseError(`${OKX_INSTRUMENTS_PATH}: ${instId}: bad ctVal/ctMult/tickSz/lotSz`);
    }
    out.push({
      exchange: OKX_ID,
      symbol: instId,
      canonical: canonicalPerp(ctValCcy, settleCcy),
      base: ctValCcy,
      quote: settleCcy,
      settle: settleCcy,
      type: 'perp',
      tickSize: tickSz as string,
      lotSize: lotSz as string,
      contractSize: decimalMul(ctVal as string, ctMult as string),
    });
  }
  return out;
}

export function okxInstrumentsUrl(restUrl: string): string {
  return `${restUrl.replace(/\/+$/, '')}${OKX_INSTRUMENTS_PATH}?instType=${OKX_SWAP_INST_TYPE}`;
}

/** The instrument list (one request: OKX does not page this endpoint). */
export async function loadOkxInstruments(
  settings: Pick<OkxSettings, 'restUrl'>,
  signal: AbortSignal,
): Promise<Instrument[]> {
  signal.throwIfAborted();
  const text = await fetchText(okxInstrumentsUrl(settings.restUrl), DEFAULT_REST_TIMEOUT_MS);
  signal.throwIfAborted();
  return parseOkxInstruments(text);
}

/** OKX's symbol for a canonical perpetual by its naming rule: `BTC-USDT` → `BTC-USDT-SWAP`. */
export function okxSymbolFor(canonical: string): string | undefined {
  const match = /^([A-Z0-9]+)-(USDT|USDC)$/.exec(canonical);
  return match === null ? undefined : `${match[1]}-${match[2]}${OKX_SWAP_SUFFIX}`;
}
