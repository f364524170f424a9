import { canonicalPerp, type Instrument } from '../../core/instrument.js';
import { VenueResponseError } from '../errors.js';
import { isObject } from '../json-guards.js';
import { fetchText } from '../snapshot-queue.js';

export const BYBIT_INSTRUMENTS_PATH = '/v5/market/instruments-info';
/** The largest page instruments-info serves (its `limit` is 1–1000). */
export const BYBIT_INSTRUMENTS_PAGE_LIMIT = 1000;
/** Linear lists hold ~800 instruments today; stop following cursors past this many pages. */
export const BYBIT_INSTRUMENTS_MAX_PAGES = 20;
/** Only this status streams a live book (PreLaunch has no feed; Delivering/Closed are going away). */
export const BYBIT_LISTED_STATUS = 'Trading';

/** Only perpetuals: dated linear futures (`LinearFutures`) are other markets. */
export const BYBIT_PERPETUAL_CONTRACT_TYPE = 'LinearPerpetual';

/**
 * One page of instruments-info: the perpetuals with status `Trading`, as instruments (Bybit linear sizes
 * are base units: contract size 1), and the cursor of the next page ("" at the end).
 */
export function parseInstrumentsPage(text: string): { instruments: Instrument[]; nextPageCursor: string } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new VenueResponseError(`instruments-info: not JSON: ${text.slice(0, 120)}`);
  }
  if (!isObject(body) || body.retCode !== 0 || !isObject(body.result) || !Array.isArray(body.result.list)) {
    throw new VenueResponseError(`instruments-info: unexpected answer: ${text.slice(0, 200)}`);
  }
  const { list, nextPageCursor } = body.result;
  const instruments: Instrument[] = [];
  for (const entry of list) {
    if (!isObject(entry) || typeof entry.symbol !== 'string' || typeof entry.status !== 'string') {
      throw new VenueResponseError('instruments-info: an entry without symbol/status');
    }
    if (entry.status !== BYBIT_LISTED_STATUS) continue;
    if (entry.contractType !== undefined && entry.contractType !== BYBIT_PERPETUAL_CONTRACT_TYPE) continue;
    const { baseCoin, quoteCoin, settleCoin } = entry;
    if (typeof baseCoin !== 'string' || typeof quoteCoin !== 'string') continue;
    const tick = isObject(entry.priceFilter) ? entry.priceFilter.tickSize : undefined;
    const step = isObject(entry.lotSizeFilter) ? entry.lotSizeFilter.qtyStep : undefined;
    instruments.push({
      exchange: 'bybit',
      symbol: entry.symbol,
      canonical: canonicalPerp(baseCoin, quoteCoin),
      base: baseCoin,
      quote: quoteCoin,
      settle: typeof settleCoin === 'string' ? settleCoin : quoteCoin,
      type: 'perp',
      tickSize: typeof tick === 'string' ? tick : '',
      lotSize: typeof step === 'string' ? step : '',
      contractSize: '1',
    });
  }
  return { instruments, nextPageCursor: typeof nextPageCursor === 'string' ? nextPageCursor : '' };
}

/** Every linear perpetual Bybit lists as `Trading`, following `nextPageCursor` to the last page. */
export async function fetchBybitLinearInstruments(restUrl: string, signal: AbortSignal): Promise<Instrument[]> {
  const instruments: Instrument[] = [];
  let cursor = '';
  for (let page = 0; page < BYBIT_INSTRUMENTS_MAX_PAGES; page++) {
    const query = new URLSearchParams({ category: 'linear', limit: String(BYBIT_INSTRUMENTS_PAGE_LIMIT) });
    if (cursor !== '') query.set('cursor', cursor);
    const url = `${restUrl.replace(/\/+$/, '')}${BYBIT_INSTRUMENTS_PATH}?${query}`;
    const { instruments: listed, nextPageCursor } = parseInstrumentsPage(await fetchText(url, signal));
    instruments.push(...listed);
    if (nextPageCursor === '' || nextPageCursor === cursor) return instruments;
    cursor = nextPageCursor;
  }
  throw new VenueResponseError(`instruments-info: more than ${BYBIT_INSTRUMENTS_MAX_PAGES} pages`);
}

/** Bybit names a linear perpetual `BASEQUOTE` (`BTC-USDT` → `BTCUSDT`). */
export function bybitSymbolFor(canonical: string): string | undefined {
  const [base, quote, ...rest] = canonical.split('-');
  return base && quote && rest.length === 0 ? `${base}${quote}` : undefined;
}
