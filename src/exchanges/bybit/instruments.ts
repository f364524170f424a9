import { VenueResponseError } from '../errors.js';
import { isObject } from '../json-guards.js';
import { fetchText } from '../snapshot-queue.js';

export const BYBIT_INSTRUMENTS_PATH = '/v5/market/instruments-info';
/** The largest page instruments-info serves (its `limit` is 1–1000). */
export const BYBIT_INSTRUMENTS_PAGE_LIMIT = 1000;
/** Linear lists hold ~800 instruments today; stop following cursors past this many pages. */
export const BYBIT_INSTRUMENTS_MAX_PAGES = 20;
export const DEFAULT_INSTRUMENTS_TIMEOUT_MS = 10_000;
/** Only this status streams a live book (PreLaunch has no feed; Delivering/Closed are going away). */
export const BYBIT_LISTED_STATUS = 'Trading';

/** One page of instruments-info: symbols with status `Trading`, and the cursor of the next page ("" at the end). */
export function parseInstrumentsPage(text: string): { listed: string[]; nextPageCursor: string } {
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
  const listed: string[] = [];
  for (const entry of list) {
    if (!isObject(entry) || typeof entry.symbol !== 'string' || typeof entry.status !== 'string') {
      throw new VenueResponseError('instruments-info: an entry without symbol/status');
    }
    if (entry.status === BYBIT_LISTED_STATUS) listed.push(entry.symbol);
  }
  return { listed, nextPageCursor: typeof nextPageCursor === 'string' ? nextPageCursor : '' };
}

/** Every linear symbol Bybit lists as `Trading`, following `nextPageCursor` to the last page. */
export async function fetchBybitLinearSymbols(
  restUrl: string,
  timeoutMs = DEFAULT_INSTRUMENTS_TIMEOUT_MS,
): Promise<ReadonlySet<string>> {
  const symbols = new Set<string>();
  let cursor = '';
  for (let page = 0; page < BYBIT_INSTRUMENTS_MAX_PAGES; page++) {
    const query = new URLSearchParams({ category: 'linear', limit: String(BYBIT_INSTRUMENTS_PAGE_LIMIT) });
    if (cursor !== '') query.set('cursor', cursor);
    const url = `${restUrl.replace(/\/+$/, '')}${BYBIT_INSTRUMENTS_PATH}?${query}`;
    const { listed, nextPageCursor } = parseInstrumentsPage(await fetchText(url, timeoutMs));
    for (const s of listed) symbols.add(s);
    if (nextPageCursor === '' || nextPageCursor === cursor) return symbols;
    cursor = nextPageCursor;
  }
  throw new VenueResponseError(`instruments-info: more than ${BYBIT_INSTRUMENTS_MAX_PAGES} pages`);
}
