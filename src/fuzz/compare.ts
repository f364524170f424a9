import type { ManagedBook } from '../book/book-manager.js';
import type { BookSide } from '../book/book-side.js';
import type { ReferenceBook, ReferenceSide } from './reference/book.js';
import { canonicalOf } from './reference/decimal.js';

/** What the reference says about a book at this moment: its levels when it vouches for them. */
export interface ReferenceView {
  readonly book: ReferenceBook | undefined;
  readonly lastU: number | undefined;
  readonly brokenBecause: string;
}

export interface ComparisonTally {
  comparisons: number;
  fullComparisons: number;
  comparedLevels: number;
  /** Largest number of levels compared on one side in one comparison. */
  deepestComparison: number;
  /**
   * Comparisons of a book live at an update id the venue never sent: a frame whose `u` was corrupted
   * while its `pu` still chained. No documented rule can detect that (the reference takes it too), so it
   * is counted, not failed.
   */
  liveAtForeignId: number;
}

export function newTally(): ComparisonTally {
  return { comparisons: 0, fullComparisons: 0, comparedLevels: 0, deepestComparison: 0, liveAtForeignId: 0 };
}

/**
 * The property: a book FlowRS serves as `live` is the reference's book at the same update id, level for
 * level over FlowRS's trusted depth (up to `depth` levels a side; `Infinity` compares all of them).
 * Returns what differs, or undefined. Books that are not `live` are not compared.
 */
export function compareLiveBook(
  flowrs: ManagedBook,
  reference: ReferenceView,
  depth: number,
  venueIds: ReadonlySet<number>,
  tally: ComparisonTally,
): string | undefined {
  if (flowrs.status() !== 'live') return undefined;
  tally.comparisons++;
  if (depth === Number.POSITIVE_INFINITY) tally.fullComparisons++;
  if (reference.book === undefined) {
    return `${flowrs.key} is served live at update id ${flowrs.updateId}, but the reference considers it broken (${reference.brokenBecause})`;
  }
  if (flowrs.updateId !== reference.lastU) {
    return `${flowrs.key} is served live at update id ${flowrs.updateId}, the reference is at ${reference.lastU}`;
  }
  if (!venueIds.has(flowrs.updateId)) tally.liveAtForeignId++;
  // Regular comparisons read the levels in place; the full ones go through `top()`, what FlowRS serves.
  const book = flowrs.book;
  if (depth === Number.POSITIVE_INFINITY) {
    const served = book.top(depth);
    return (
      compareSide('bid', servedLevels(served.bids), reference.book.bids, book.bids.isTruncated(), depth, tally) ??
      compareSide('ask', servedLevels(served.asks), reference.book.asks, book.asks.isTruncated(), depth, tally)
    );
  }
  return (
    compareSide('bid', trustedLevels(book.bids), reference.book.bids, book.bids.isTruncated(), depth, tally) ??
    compareSide('ask', trustedLevels(book.asks), reference.book.asks, book.asks.isTruncated(), depth, tally)
  );
}

/** FlowRS's levels of one side, best first, as served. */
interface ServedLevels {
  readonly count: number;
  price(i: number): string;
  quantity(i: number): string;
}

function servedLevels(levels: readonly [string, string][]): ServedLevels {
  return { count: levels.length, price: (i) => levels[i][0], quantity: (i) => levels[i][1] };
}

function trustedLevels(side: BookSide): ServedLevels {
  return { count: side.trustedDepth(), price: (i) => side.priceAt(i)!, quantity: (i) => side.quantityAt(i)! };
}

function compareSide(
  side: 'bid' | 'ask',
  served: ServedLevels,
  reference: ReferenceSide,
  flowrsTruncated: boolean,
  depth: number,
  tally: ComparisonTally,
): string | undefined {
  const servedCount = Math.min(depth, served.count);
  const expectedCount = Math.min(depth, reference.trustedCount());
  const n = Math.min(servedCount, expectedCount);
  for (let i = 0; i < n; i++) {
    const price = served.price(i);
    const quantity = served.quantity(i);
    const ref = reference.levelAt(i)!;
    // The same strings (the usual case) are equal; otherwise compare the values' canonical spellings.
    const samePrice = price === ref.price || canonicalOf(price) === canonicalOf(ref.price);
    const sameQuantity = quantity === ref.quantity || canonicalOf(quantity) === canonicalOf(ref.quantity);
    if (!samePrice || !sameQuantity) {
      return `${side} level ${i}: FlowRS serves [${price}, ${quantity}], the reference has [${ref.price}, ${ref.quantity}]`;
    }
  }
  tally.comparedLevels += n;
  if (n > tally.deepestComparison) tally.deepestComparison = n;
  if (servedCount > expectedCount) {
    return `${side} level ${expectedCount}: FlowRS serves [${served.price(expectedCount)}, ${served.quantity(expectedCount)}] as trusted, the reference vouches for only ${reference.trustedCount()} levels (${reference.size} known)`;
  }
  // Fewer trusted levels than the reference is fine when FlowRS knows its side is cut (it trusts less);
  // a side FlowRS holds as complete must not lack any.
  if (servedCount < expectedCount && !flowrsTruncated) {
    const ref = reference.levelAt(servedCount)!;
    return `${side} level ${servedCount}: FlowRS holds its side as complete but lacks [${ref.price}, ${ref.quantity}]`;
  }
  return undefined;
}
