import type { PriceLevel } from '../../core/types.js';
import { VenueResponseError } from '../errors.js';
import { isInt, isObject } from '../json-guards.js';
import type { BookFrame } from '../kit/venue-frame.js';

/**
 * Gate's legacy book procedure (`futures.order_book_update` + a REST `with_id` snapshot), as pure
 * functions. FlowRS's connector uses `futures.obu`; this exists to read the real 2023 capture, which
 * predates it, and to prove that capture chains under Gate's documented rules.
 */

/** `GET /api/v4/futures/usdt/order_book?contract=…&limit=…&with_id=true`. */
export const GATE_REST_BOOK_PATH = '/api/v4/futures/usdt/order_book';

function restLevels(value: unknown): PriceLevel[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: PriceLevel[] = [];
  for (const level of value) {
    if (!isObject(level) || typeof level.p !== 'string') return undefined;
    // Sizes are JSON integers of contracts (strings when asked with `X-Gate-Size-Decimal: 1`).
    const size = isInt(level.s) && level.s >= 0 ? String(level.s) : typeof level.s === 'string' ? level.s : undefined;
    if (size === undefined) return undefined;
    out.push([level.p, size]);
  }
  return out;
}

/** The REST book with its `id` → a snapshot frame whose update id is that `id` (`current` is in seconds). */
export function parseGateRestBook(text: string, contract: string): BookFrame {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new VenueResponseError(`order_book: not JSON: ${text.slice(0, 120)}`);
  }
  if (!isObject(body) || !isInt(body.id) || typeof body.current !== 'number') {
    throw new VenueResponseError(`order_book: no id/current (was with_id=true asked?): ${text.slice(0, 200)}`);
  }
  const bids = restLevels(body.bids);
  const asks = restLevels(body.asks);
  if (bids === undefined || asks === undefined) throw new VenueResponseError('order_book: bad levels');
  return {
    kind: 'book',
    symbol: contract,
    action: 'snapshot',
    bids,
    asks,
    firstUpdateId: body.id,
    updateId: body.id,
    venueTs: Math.round(body.current * 1000),
  };
}

/** What to do with a base book of id `baseId`, given the increments buffered so far (oldest first). */
export type LegacyAlignment =
  /** Start from `apply[0]`: replace the book with the snapshot, then apply these in order. */
  | { readonly type: 'aligned'; readonly apply: readonly BookFrame[] }
  /** Every buffered increment is older than the snapshot: keep it and judge the next increments. */
  | { readonly type: 'pending' }
  /** The snapshot is older than the stream: fetch a newer one. */
  | { readonly type: 'stale'; readonly firstU: number };

/**
 * Gate, "How to maintain local order book":
 * 4. "find the first one which contains the baseID, i.e. `U <= baseId+1` and `u >= baseId+1`, then start consuming from it";
 * 5. "Dump all notifications which satisfy `u < baseID+1`. If `baseID+1 < first notification U`, it means
 *    current base order book falls behind notifications. Start from step 3 to retrieve newer base order book."
 */
export function alignLegacySnapshot(baseId: number, buffered: readonly BookFrame[]): LegacyAlignment {
  const kept = buffered.filter((e) => e.updateId >= baseId + 1);
  if (kept.length === 0) return { type: 'pending' };
  if (kept[0].firstUpdateId > baseId + 1) return { type: 'stale', firstU: kept[0].firstUpdateId };
  return { type: 'aligned', apply: kept };
}
