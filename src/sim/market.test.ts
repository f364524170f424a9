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
    assert.ok(tied.gap <= 5, `tied venues stay within 5 ticks (widest ${tied.gap})`);
    assert.ok(tied.range >= 50, `the shared market still wanders (range ${tied.range} ticks)`);
    assert.ok(free.gap > tied.gap * 3, `free walks drift further apart (${free.gap} vs ${tied.gap})`);
  });

  it('crosses another venue rarely and briefly: only while one of them lags a move of the fair value', () => {
    for (const spec of [btc, NAMED_INSTRUMENTS[5]]) {
      const venues = [0, 1].map((lag, i) => new MarketModel(spec, 100 + i, { fairSeed: 9, fairLagSteps: lag }));
      let crossed = 0;
      let run = 0;
      let longest = 0;
      const steps = 20_000;
      for (let i = 0; i < steps; i++) {
        for (const v of venues) v.step();
        const bid = Math.max(...venues.map((v) => v.bestBid()));
        const ask = Math.min(...venues.map((v) => v.bestAsk()));
        run = bid >= ask ? run + 1 : 0;
        if (run > 0) crossed++;
        longest = Math.max(longest, run);
      }
      assert.ok(crossed > 0, `${spec.symbol}: crossings still happen, so the crossed flag is exercised`);
      assert.ok(crossed / steps < 0.03, `${spec.symbol}: crossed ${((100 * crossed) / steps).toFixed(2)}% of steps`);
      assert.ok(longest <= 3, `${spec.symbol}: the longest crossing lasted ${longest} steps`);
    }
  });
});
