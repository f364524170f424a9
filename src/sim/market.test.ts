import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MarketModel, NAMED_INSTRUMENTS } from './market.js';

const btc = NAMED_INSTRUMENTS[0];
const mid = (m: MarketModel) => (m.bestBid() + m.bestAsk()) / 2;

/** Largest gap between two markets' mids, in ticks, sampled every 500 steps over `steps`. */
function widestGap(a: MarketModel, b: MarketModel, steps: number): { gap: number; range: number } {
  let gap = 0;
  let lo = mid(a);
  let hi = mid(a);
  for (let i = 1; i <= steps; i++) {
    a.step();
    b.step();
    if (i % 500 === 0) {
      gap = Math.max(gap, Math.abs(mid(a) - mid(b)));
      lo = Math.min(lo, mid(a));
      hi = Math.max(hi, mid(a));
    }
  }
  return { gap, range: hi - lo };
}

describe('MarketModel', () => {
  it('keeps two venues of one symbol close when they share a fair value, and lets free walks drift apart', () => {
    const tied = widestGap(new MarketModel(btc, 1, { fairSeed: 9 }), new MarketModel(btc, 2, { fairSeed: 9 }), 60_000);
    const free = widestGap(new MarketModel(btc, 1), new MarketModel(btc, 2), 60_000);
    assert.ok(tied.gap <= 100, `tied venues stay within 100 ticks (widest ${tied.gap})`);
    assert.ok(tied.range >= 50, `the shared market still wanders (range ${tied.range} ticks)`);
    assert.ok(free.gap > tied.gap * 3, `free walks drift further apart (${free.gap} vs ${tied.gap})`);
  });
});
