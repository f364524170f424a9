import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { PriceLevel } from '../core/types.js';
import { OrderBook } from './order-book.js';

/**
 * The strongest statement the engine makes: every level it calls trusted is exactly the venue's.
 * Here the venue's whole book is known (the "truth"); the engine sees only what a real feed shows it:
 * truncated snapshots and every change as a delta, including changes to deep levels beyond the
 * snapshot's last level, whose neighbours it never learns. Histories mix markets that move by many
 * ticks with scattered deep updates, so sides pass the trim limit while holding learned-but-gappy
 * deep levels: the history that once made a trim declare unknown gaps exact.
 */

const TICK_DECIMALS = 1;
const priceOf = (tick: number): string => (tick / 10).toFixed(TICK_DECIMALS);

class VenueTruth {
  readonly bids = new Map<number, string>();
  readonly asks = new Map<number, string>();

  constructor(mid: number, levels: number, qty: (i: number) => string) {
    for (let i = 1; i <= levels; i++) {
      this.bids.set(mid - i, qty(i));
      this.asks.set(mid + i, qty(i + levels));
    }
  }

  best(side: 'bids' | 'asks'): number | undefined {
    const ticks = [...this[side].keys()];
    if (ticks.length === 0) return undefined;
    return side === 'bids' ? Math.max(...ticks) : Math.min(...ticks);
  }

  top(side: 'bids' | 'asks', n: number): PriceLevel[] {
    return [...this[side].entries()]
      .sort((a, b) => (side === 'bids' ? b[0] - a[0] : a[0] - b[0]))
      .slice(0, n)
      .map(([tick, q]) => [priceOf(tick), q] as const);
  }
}

type Op =
  | { kind: 'snapshot'; limit: number }
  | { kind: 'change'; side: 'bids' | 'asks'; offset: number; qty: string }
  | { kind: 'move'; side: 'bids' | 'asks'; ticks: number };

const qtyArb = fc.integer({ min: 1, max: 9_999 }).map((n) => (n / 1000).toFixed(3));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('snapshot' as const), limit: fc.integer({ min: 3, max: 25 }) }),
  },
  {
    // Offsets from the touch: near it, and far beyond any snapshot's reach (the deep, scattered kind).
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('change' as const),
      side: fc.constantFrom('bids' as const, 'asks' as const),
      offset: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 20, max: 120 })),
      qty: fc.oneof({ weight: 3, arbitrary: qtyArb }, { weight: 1, arbitrary: fc.constant('0') }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('move' as const),
      side: fc.constantFrom('bids' as const, 'asks' as const),
      ticks: fc.integer({ min: 1, max: 30 }),
    }),
  },
);

/** Applies an op to the truth and returns the delta a feed would carry (or the snapshot to send). */
function step(
  truth: VenueTruth,
  op: Op,
):
  | { snapshot: { bids: PriceLevel[]; asks: PriceLevel[]; limit: number } }
  | { bids: PriceLevel[]; asks: PriceLevel[] } {
  if (op.kind === 'snapshot') {
    return { snapshot: { bids: truth.top('bids', op.limit), asks: truth.top('asks', op.limit), limit: op.limit } };
  }
  const bids: PriceLevel[] = [];
  const asks: PriceLevel[] = [];
  const out = { bids, asks };
  if (op.kind === 'change') {
    const best = truth.best(op.side);
    const other = truth.best(op.side === 'bids' ? 'asks' : 'bids');
    if (best === undefined || other === undefined) return out;
    const tick = op.side === 'bids' ? best - op.offset : best + op.offset;
    // Never cross the truth: a bid stays below the best ask, an ask above the best bid.
    if (op.side === 'bids' ? tick >= other : tick <= other) return out;
    if (op.qty === '0') truth[op.side].delete(tick);
    else truth[op.side].set(tick, op.qty);
    out[op.side].push([priceOf(tick), op.qty]);
    return out;
  }
  // The market moves: the best `ticks` levels of one side are taken, and the other side follows.
  const taken = truth.top(op.side, op.ticks);
  const otherSide = op.side === 'bids' ? 'asks' : 'bids';
  for (const [price] of taken) {
    const tick = Math.round(Number(price) * 10);
    truth[op.side].delete(tick);
    truth[otherSide].set(tick, '1.000');
    out[op.side].push([price, '0']);
    out[otherSide].push([price, '1.000']);
  }
  return out;
}

describe('trusted levels are always the venue’s true levels', () => {
  it('through truncated snapshots, deep scattered deltas, market moves and trims', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 150 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 10, max: 25 }),
        (ops, depth, trimFactor, firstLimit) => {
          const truth = new VenueTruth(10_000, 200, (i) => ((i % 97) / 10 + 0.1).toFixed(3));
          const book = new OrderBook({ depth, trimFactor });
          book.applySnapshot(truth.top('bids', firstLimit), truth.top('asks', firstLimit), firstLimit);
          for (const op of ops) {
            const change = step(truth, op);
            if ('snapshot' in change)
              book.applySnapshot(change.snapshot.bids, change.snapshot.asks, change.snapshot.limit);
            else book.applyDelta(change.bids, change.asks);
            for (const side of ['bids', 'asks'] as const) {
              const trusted = book[side].trustedDepth();
              const shown = side === 'bids' ? book.top(trusted).bids : book.top(trusted).asks;
              assert.deepEqual(shown, truth.top(side, trusted), `${side}: the ${trusted} trusted levels`);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
