import { VenueResponseError } from '../errors.js';
import { isObject } from '../json-guards.js';
import type { BookFrame } from '../kit/venue-frame.js';
import { DEFAULT_REST_TIMEOUT_MS, fetchText } from '../snapshot-queue.js';
import { OkxApiError, OkxSnapshotUnsequencedError } from './errors.js';
import { OKX_SNAPSHOT_PREV_SEQ_ID, OkxBookSequencer } from './sequencer.js';
import { OKX_BOOK_DEPTH } from './settings.js';

/**
 * The REST way into an OKX book, for when the in-band snapshot does not come: OKX announced ("Delist
 * initial snapshot and checksum field in order book channels", production "early August 2026") that the
 * `books` channel will stop sending it, with this procedure:
 *
 * 1. "Open a JSON WebSocket connection and subscribe to the incremental order book channel."
 * 2. "Buffer the events received from the stream. Ignore the first event received (action is snapshot),
 *    and record the prevSeqId of the second event."
 * 3. "Get a depth snapshot from GET / Order book, e.g. …/api/v5/market/books?instId=BTC-USDT-SWAP&source=0"
 * 4. "If the seqId from the snapshot is strictly less than the prevSeqId from step 2, go back to step 3."
 * 5. "In the buffered events, discard any event where stream seqId is <= snapshot seqId."
 * 6. "The first buffered event should satisfy the condition: stream prevSeqId <= snapshot seqId < stream seqId."
 * 7. "Set your local order book to the snapshot. Its sequence ID is snapshot seqId."
 * 8. Apply the buffered events, then the stream, by the usual `prevSeqId` rule.
 *
 * Steps 3 (URL, answer) and 4–6 (alignment, pure) are here; the connector base owns the buffering and
 * the timer (settings `restSnapshotAfterMs`).
 */

export const OKX_REST_BOOKS_PATH = '/api/v5/market/books';
/** `source=0` as in OKX's own example of the procedure (the regular order book). */
export const OKX_REST_BOOKS_SOURCE = '0';
/** "40 requests per 2 seconds", per IP. */
export const OKX_REST_BOOKS_PER_2S = 40;

export function okxRestBooksUrl(restUrl: string, instId: string): string {
  const query = new URLSearchParams({ instId, sz: String(OKX_BOOK_DEPTH), source: OKX_REST_BOOKS_SOURCE });
  return `${restUrl.replace(/\/+$/, '')}${OKX_REST_BOOKS_PATH}?${query}`;
}

/**
 * `{"code":"0","msg":"","data":[{"asks":[["41006.8","0.6","0","1"]],"bids":[…],"ts":"1629966436396","seqId":…}]}`
 * → a snapshot frame whose update id is the snapshot's `seqId` (and whose `prevUpdateId` is -1, as for
 * every OKX snapshot). Throws OkxApiError for an OKX error answer, VenueResponseError for a body that is
 * not the documented shape, and OkxSnapshotUnsequencedError when it has no `seqId` (the 2025 REST docs
 * show none; the 2026 procedure relies on it).
 */
export function parseOkxRestBooks(text: string, instId: string): BookFrame {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new VenueResponseError(`${OKX_REST_BOOKS_PATH}: not JSON: ${text.slice(0, 120)}`);
  }
  if (!isObject(body)) throw new VenueResponseError(`${OKX_REST_BOOKS_PATH}: not an object`);
  if (body.code !== '0') {
    throw new OkxApiError(OKX_REST_BOOKS_PATH, String(body.code), typeof body.msg === 'string' ? body.msg : '');
  }
  const entry = Array.isArray(body.data) ? body.data[0] : undefined;
  if (!isObject(entry)) throw new VenueResponseError(`${OKX_REST_BOOKS_PATH}: no data for ${instId}`);
  const bids = restLevels(entry.bids);
  const asks = restLevels(entry.asks);
  const ts = typeof entry.ts === 'string' && /^\d{1,16}$/.test(entry.ts) ? Number(entry.ts) : undefined;
  if (bids === undefined || asks === undefined || ts === undefined) {
    throw new VenueResponseError(`${OKX_REST_BOOKS_PATH}: bad bids/asks/ts for ${instId}`);
  }
  const seqId = sequenceId(entry.seqId);
  if (seqId === undefined) throw new OkxSnapshotUnsequencedError(instId);
  return {
    kind: 'book',
    symbol: instId,
    action: 'snapshot',
    bids,
    asks,
    firstUpdateId: seqId,
    updateId: seqId,
    prevUpdateId: OKX_SNAPSHOT_PREV_SEQ_ID,
    venueTs: ts,
    // The same 400-level window the `books` channel keeps (levels leaving it are sent as "0"), so, like the
    // in-band snapshot, it is the whole window: a level entering it later is known, not a guess.
  };
}

/** The snapshot of one instrument (non-2xx answers throw VenueHttpError, 429 included). */
export async function fetchOkxRestBooks(
  restUrl: string,
  instId: string,
  timeout: number | AbortSignal = DEFAULT_REST_TIMEOUT_MS,
): Promise<BookFrame> {
  return parseOkxRestBooks(await fetchText(okxRestBooksUrl(restUrl, instId), timeout), instId);
}

/** What to do with a REST snapshot and the updates buffered meanwhile. */
export type OkxSnapshotAlignment =
  /** Replace the book with `snapshot`, then apply `updates` in order; the stream continues from the last. */
  | { readonly type: 'ready'; readonly snapshot: BookFrame; readonly updates: readonly BookFrame[] }
  /** The snapshot is older than the buffered stream: fetch it again (step 4). */
  | { readonly type: 'refetch'; readonly detail: string }
  /** The buffer cannot be joined to any snapshot (a hole or a sequence reset inside it): resubscribe. */
  | { readonly type: 'gap'; readonly detail: string };

/**
 * Steps 4–6, pure: given the REST snapshot and the book frames buffered since subscribing (oldest
 * first; an in-band snapshot among them is ignored, as step 2 says), which updates to apply after it.
 * With nothing buffered the snapshot is ready alone, and the sequencer applies the same rule to the
 * next live update.
 */
export function alignOkxRestSnapshot(snapshot: BookFrame, buffered: readonly BookFrame[]): OkxSnapshotAlignment {
  const updates = buffered.filter((f) => f.action === 'update');
  const snapshotSeqId = snapshot.updateId;
  if (updates.length === 0) return { type: 'ready', snapshot, updates: [] };
  const first = updates[0].prevUpdateId;
  if (first === undefined || updates.some((u) => u.prevUpdateId === undefined)) {
    return { type: 'gap', detail: 'the buffered stream has no seqId/prevSeqId' };
  }
  // A maintenance reset inside the buffer ("smaller seqId than prevSeqId") breaks the ordering that
  // steps 4–6 rely on: start over rather than discard post-reset updates as old.
  if (updates.some((u) => u.updateId < (u.prevUpdateId as number))) {
    return { type: 'gap', detail: 'a sequence reset inside the buffered stream' };
  }
  // Step 4: "If the seqId from the snapshot is strictly less than the prevSeqId ... go back to step 3."
  if (snapshotSeqId < first) {
    return { type: 'refetch', detail: `snapshot seqId ${snapshotSeqId} < first buffered prevSeqId ${first}` };
  }
  // Steps 5–6 and the chain after them are the sequencer's post-snapshot rules.
  const sequencer = new OkxBookSequencer();
  sequencer.applied(snapshot);
  const kept: BookFrame[] = [];
  for (const update of updates) {
    const verdict = sequencer.check(update);
    if (verdict.type === 'duplicate') continue;
    if (verdict.type !== 'apply') {
      return { type: 'gap', detail: `buffered update: expected ${describe(verdict)}` };
    }
    sequencer.applied(update);
    kept.push(update);
  }
  return { type: 'ready', snapshot, updates: kept };
}

function describe(verdict: ReturnType<OkxBookSequencer['check']>): string {
  return verdict.type === 'gap' ? `${verdict.expected}, got ${verdict.got}` : verdict.type;
}

function sequenceId(value: unknown): number | undefined {
  // Documented as an integer on the WebSocket; accept the REST API's habit of numeric strings too.
  const n = typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function restLevels(value: unknown): [string, string][] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: [string, string][] = [];
  for (const level of value) {
    if (!Array.isArray(level) || typeof level[0] !== 'string' || typeof level[1] !== 'string') return undefined;
    out.push([level[0], level[1]]);
  }
  return out;
}

/** Everything the connector base needs for the REST path, as one export (see the module comment). */
export const okxRestSnapshot = {
  url: okxRestBooksUrl,
  parse: parseOkxRestBooks,
  fetch: fetchOkxRestBooks,
  align: alignOkxRestSnapshot,
} as const;
