import type { ManagedBook } from '../book/book-manager.js';
import type { BookSnapshotEvent } from '../core/types.js';

/**
 * A book's current content as a snapshot event that rebuilds it elsewhere: its trusted levels, with
 * `depthLimit` marking a truncated side (deeper levels unknown). Levels past a side's trust boundary are
 * left out: nothing serves them. One limit covers both sides, so when only one side is truncated and the
 * other is at least as deep, that other side is marked truncated too; it keeps all its levels.
 */
export function snapshotOf(book: ManagedBook): BookSnapshotEvent {
  const { bids: bidSide, asks: askSide } = book.book;
  const bids = bidSide.top(bidSide.trustedDepth());
  const asks = askSide.top(askSide.trustedDepth());
  const bidCut = bidSide.isTruncated();
  const askCut = askSide.isTruncated();
  const depthLimit =
    bidCut && askCut ? Math.min(bids.length, asks.length) : bidCut ? bids.length : askCut ? asks.length : undefined;
  return {
    type: 'book_snapshot',
    exchange: book.exchange,
    symbol: book.symbol,
    venueTs: book.venueTs,
    localTs: book.localTs,
    bids,
    asks,
    updateId: book.updateId,
    ...(depthLimit !== undefined ? { depthLimit } : {}),
  };
}
