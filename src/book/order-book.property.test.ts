import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { exactDecimal } from '../core/test-support/exact-decimal.js';
import type { PriceLevel } from '../core/types.js';
import { OrderBook } from './order-book.js';

/**
 * A deliberately naive reference book: a Map keyed by the exact decimal value (BigInt at 30 decimals,
 * independent of the engine's float keys), fully re-sorted on every read.
 */
class ReferenceBook {
  bids = new Map<bigint, PriceLevel>();
  asks = new Map<bigint, PriceLevel>();
  bidBoundary: bigint | undefined;
  askBoundary: bigint | undefined;

  constructor(
    readonly depth: number,
    readonly trimFactor: number,
  ) {}

  static isZero(s: string): boolean {
    return exactDecimal(s) === 0n;
  }

  sorted(side: 'bids' | 'asks'): [bigint, PriceLevel][] {
    const entries = [...this[side].entries()];
    entries.sort((a, b) => (a[0] === b[0] ? 0 : (side === 'bids' ? a[0] > b[0] : a[0] < b[0]) ? -1 : 1));
    return entries;
  }

  snapshot(bids: PriceLevel[], asks: PriceLevel[], depthLimit?: number): void {
    for (const [side, levels] of [
      ['bids', bids],
      ['asks', asks],
    ] as const) {
      this[side] = new Map();
      for (const level of levels) {
        if (!ReferenceBook.isZero(level[1])) this[side].set(exactDecimal(level[0]), level);
      }
      const truncated = depthLimit !== undefined && levels.length >= depthLimit;
      const all = this.sorted(side);
      const boundary = truncated && all.length > 0 ? all[all.length - 1][0] : undefined;
      if (side === 'bids') this.bidBoundary = boundary;
      else this.askBoundary = boundary;
    }
    this.trim();
  }

  delta(bids: PriceLevel[], asks: PriceLevel[]): void {
    for (const [side, levels] of [
      ['bids', bids],
      ['asks', asks],
    ] as const) {
      for (const level of levels) {
        const key = exactDecimal(level[0]);
        if (ReferenceBook.isZero(level[1])) this[side].delete(key);
        else this[side].set(key, level);
      }
    }
    this.trim();
  }

  trim(): void {
    for (const side of ['bids', 'asks'] as const) {
      if (this[side].size <= this.depth * this.trimFactor) continue;
      const kept = this.sorted(side).slice(0, Math.max(this.depth, Math.floor((this.depth * this.trimFactor) / 2)));
      this[side] = new Map(kept);
      // A trim can only narrow trust: the new worst kept level, or the old boundary if it was nearer the touch.
      const keptWorst = kept[kept.length - 1][0];
      const old = side === 'bids' ? this.bidBoundary : this.askBoundary;
      if (side === 'bids') this.bidBoundary = old === undefined || keptWorst > old ? keptWorst : old;
      else this.askBoundary = old === undefined || keptWorst < old ? keptWorst : old;
    }
  }

  trusted(side: 'bids' | 'asks'): number {
    const boundary = side === 'bids' ? this.bidBoundary : this.askBoundary;
    const all = this.sorted(side);
    if (boundary === undefined) return all.length;
    return all.filter(([k]) => (side === 'bids' ? k >= boundary : k <= boundary)).length;
  }

  top(side: 'bids' | 'asks', n: number): PriceLevel[] {
    return this.sorted(side)
      .slice(0, Math.min(n, this.trusted(side)))
      .map(([, level]) => level);
  }

  crossed(): boolean {
    const b = this.sorted('bids')[0];
    const a = this.sorted('asks')[0];
    return b !== undefined && a !== undefined && b[0] >= a[0];
  }
}

// Prices on a small grid so that updates collide with existing levels, written in several
// spellings of the same value ("12.3", "12.30", "12.300") to prove keys are by value.
const priceArb = fc
  .tuple(fc.integer({ min: 1, max: 40 }), fc.constantFrom(1, 2, 3))
  .map(([ticks, decimals]) => (ticks / 10 + 10).toFixed(decimals));
const zeroArb = fc.constantFrom('0', '0.000', '0.00000000', '00.0');
const positiveQtyArb = fc
  .tuple(fc.integer({ min: 1, max: 99_999 }), fc.constantFrom(0, 3, 8))
  .map(([units, decimals]) => (units / 1000).toFixed(decimals))
  .filter((q) => !ReferenceBook.isZero(q));
const quantityArb = fc.oneof({ weight: 2, arbitrary: positiveQtyArb }, { weight: 1, arbitrary: zeroArb });
const levelArb = fc.tuple(priceArb, quantityArb) as fc.Arbitrary<PriceLevel>;
const levelsArb = fc.array(levelArb, { maxLength: 12 });

type Op =
  | { kind: 'snapshot'; bids: PriceLevel[]; asks: PriceLevel[]; depthLimit?: number }
  | { kind: 'delta'; bids: PriceLevel[]; asks: PriceLevel[] };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('snapshot' as const),
      bids: levelsArb,
      asks: levelsArb,
      depthLimit: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
    }),
  },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('delta' as const), bids: levelsArb, asks: levelsArb }) },
);

function assertSameObservables(book: OrderBook, model: ReferenceBook): void {
  for (const n of [1, 3, 5, 50]) {
    const top = book.top(n);
    assert.deepEqual(top.bids, model.top('bids', n), `bids top ${n}`);
    assert.deepEqual(top.asks, model.top('asks', n), `asks top ${n}`);
  }
  assert.equal(book.bids.trustedDepth(), model.trusted('bids'));
  assert.equal(book.asks.trustedDepth(), model.trusted('asks'));
  assert.equal(book.bids.size, model.bids.size);
  assert.equal(book.asks.size, model.asks.size);
  assert.equal(book.isCrossed(), model.crossed());
  const bestBid = model.sorted('bids')[0]?.[1];
  const bestAsk = model.sorted('asks')[0]?.[1];
  assert.deepEqual(book.bestBid(), bestBid);
  assert.deepEqual(book.bestAsk(), bestAsk);
  if (bestBid && bestAsk) {
    const spread = exactDecimal(bestAsk[0]) - exactDecimal(bestBid[0]);
    assert.equal(exactDecimal(book.spread()!.replace('-', '')) * (spread < 0n ? -1n : 1n), spread);
    const mid2 = exactDecimal(bestAsk[0]) + exactDecimal(bestBid[0]);
    assert.equal(exactDecimal(book.mid()!) * 2n, mid2);
  } else {
    assert.equal(book.spread(), undefined);
    assert.equal(book.mid(), undefined);
  }
  const size = model.top('bids', 3).reduce((sum, [, q]) => sum + exactDecimal(q), 0n);
  assert.equal(exactDecimal(book.sizeWithin('bids', 3)), size);
}

describe('OrderBook matches a naive reference model', () => {
  it('for random snapshot/delta sequences, with trimming', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 3 }),
        (ops, depth, trimFactor) => {
          const book = new OrderBook({ depth, trimFactor });
          const model = new ReferenceBook(depth, trimFactor);
          for (const op of ops) {
            if (op.kind === 'snapshot') {
              book.applySnapshot(op.bids, op.asks, op.depthLimit);
              model.snapshot(op.bids, op.asks, op.depthLimit);
            } else {
              book.applyDelta(op.bids, op.asks);
              model.delta(op.bids, op.asks);
            }
            assertSameObservables(book, model);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('without trimming (large depth), the book is the model exactly', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80 }), (ops) => {
        const book = new OrderBook({ depth: 1000 });
        const model = new ReferenceBook(1000, 10);
        for (const op of ops) {
          if (op.kind === 'snapshot') {
            book.applySnapshot(op.bids, op.asks);
            model.snapshot(op.bids, op.asks);
          } else {
            book.applyDelta(op.bids, op.asks);
            model.delta(op.bids, op.asks);
          }
        }
        assertSameObservables(book, model);
      }),
      { numRuns: 300 },
    );
  });
});
