import { isDecimalString } from '../../core/decimal.js';
import { canonicalPerp, type Instrument } from '../../core/instrument.js';
import { VenueResponseError } from '../errors.js';
import { isObject } from '../json-guards.js';
import { fetchResponse } from '../snapshot-queue.js';
import { GATE_ID, type GateSettings } from './settings.js';

/** Every USDT-settled futures contract (perpetuals), one JSON array, no paging needed for the whole list. */
export const GATE_CONTRACTS_PATH = '/api/v4/futures/usdt/contracts';
/** `type` of a linear contract (quoted and settled in USDT); `inverse` ones count dollars. */
export const GATE_LINEAR_TYPE = 'direct';
/** The only `status` that streams a live book. */
export const GATE_TRADING_STATUS = 'trading';
export const GATE_QUOTE = 'USDT';
export const DEFAULT_GATE_INSTRUMENTS_TIMEOUT_MS = 10_000;

/**
 * The contracts list → instruments. Gate's contract object has no base or quote field (only `name`,
 * e.g. `BTC_USDT`), so base and quote are the parts of the name around its last `_`; the settlement
 * currency is the endpoint's (`/futures/usdt`). Sizes count contracts of `quanto_multiplier` base units.
 */
export function parseGateContracts(text: string): Instrument[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new VenueResponseError(`contracts: not JSON: ${text.slice(0, 120)}`);
  }
  if (!Array.isArray(body)) throw new VenueResponseError(`contracts: not a list: ${text.slice(0, 200)}`);
  const out: Instrument[] = [];
  for (const c of body) {
    if (!isObject(c) || typeof c.name !== 'string') throw new VenueResponseError('contracts: an entry without name');
    if (c.type !== GATE_LINEAR_TYPE || c.in_delisting === true) continue;
    // `status` appeared in later API versions; an answer without it lists only tradable contracts.
    if (c.status !== undefined && c.status !== GATE_TRADING_STATUS) continue;
    const at = c.name.lastIndexOf('_');
    const base = c.name.slice(0, at);
    const quote = c.name.slice(at + 1);
    if (at <= 0 || quote !== GATE_QUOTE) continue;
    const multiplier = c.quanto_multiplier;
    const tick = c.order_price_round;
    const lot = typeof c.order_size_min === 'number' ? String(c.order_size_min) : c.order_size_min;
    // A contract whose sizes cannot be converted to base units exactly cannot be served.
    if (typeof multiplier !== 'string' || !isDecimalString(multiplier) || Number(multiplier) === 0) continue;
    if (typeof tick !== 'string' || typeof lot !== 'string') continue;
    out.push({
      exchange: GATE_ID,
      symbol: c.name,
      canonical: canonicalPerp(base, quote),
      base,
      quote,
      settle: GATE_QUOTE,
      type: 'perp',
      tickSize: tick,
      lotSize: lot,
      contractSize: multiplier,
    });
  }
  return out;
}

/** Gate's naming rule for USDT perpetuals: `BTC-USDT` → `BTC_USDT`. */
export function gateSymbolFor(canonical: string): string | undefined {
  const m = /^([^\s-]+)-USDT$/.exec(canonical);
  return m === null ? undefined : `${m[1]}_${GATE_QUOTE}`;
}

export async function loadGateInstruments(
  settings: Pick<GateSettings, 'restUrl'>,
  signal: AbortSignal,
  timeoutMs = DEFAULT_GATE_INSTRUMENTS_TIMEOUT_MS,
): Promise<Instrument[]> {
  const url = `${settings.restUrl.replace(/\/+$/, '')}${GATE_CONTRACTS_PATH}`;
  const { body } = await fetchResponse(url, AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]));
  return parseGateContracts(body);
}
