import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResyncReason } from '../../core/sink.js';
import { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { assertExact, type Stack, settle, startStack } from '../test-support/stack.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', '1000PEPEUSDT'];
/** Audits every ~150 ms need more than FlowRS's default share of the weight: raise both limits. */
const WEIGHT = 1_000_000;

/** Keeps the venue's market moving (audits conclude on the next event) until `condition` holds. */
async function stepUntil(sim: Simulator, condition: () => boolean, message: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${message}`);
    sim.binance.step();
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function auditedStack(): Promise<{ sim: Simulator; stack: Stack }> {
  const sim = await Simulator.start({ seed: 41, binance: { weightLimitPerMinute: WEIGHT } });
  const stack = startStack(sim, { binance: { auditIntervalMs: 150, snapshotWeightBudgetPerMinute: WEIGHT } });
  await waitFor(() => stack.manager.status()[0].connections.every((c) => c.status.type === 'open'), 'connected');
  for (const s of SYMBOLS) await settle(sim, stack, 'binance', s);
  return { sim, stack };
}

describe('Binance book audit', () => {
  it('rebuilds each live book from a fresh snapshot plus the stream and finds it equal', async () => {
    const { sim, stack } = await auditedStack();
    try {
      const books = SYMBOLS.map((s) => stack.books.ensure('binance', s));
      await stepUntil(sim, () => books.every((b) => b.lastAudit !== undefined), 'every book audited');
      for (const b of books) {
        const audit = b.lastAudit!;
        assert.equal(audit.driftLevels, 0, `${b.key} agrees with its shadow`);
        assert.ok(audit.comparedLevels >= 5, `${b.key} compared ${audit.comparedLevels} levels a side`);
        assert.ok(audit.updateId > 0);
      }
      for (const s of SYMBOLS) await settle(sim, stack, 'binance', s);
      for (const s of SYMBOLS) assertExact(sim, stack, 'binance', s);
      assert.equal(stack.manager.status()[0].counters.gaps, 0);
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });

  it('finds a corrupted live book, resyncs it as audit_drift, and ends equal to the venue', async () => {
    const { sim, stack } = await auditedStack();
    try {
      const reasons: ResyncReason[] = [];
      stack.pipeline.subscribe({ onResync: (_e, symbol, reason) => symbol === 'BTCUSDT' && reasons.push(reason) });
      const live = stack.books.get('binance:BTCUSDT')!;
      const [[bestBid]] = live.book.top(1).bids;
      // Half a tick below the best bid: a price the venue never quotes, so no event will ever fix it.
      const planted = (Number(bestBid) - 0.05).toFixed(2);
      live.book.applyDelta([[planted, '123']], []);
      assert.equal(live.book.top(2).bids[1][0], planted);
      await stepUntil(sim, () => (live.lastAudit?.driftLevels ?? 0) > 0, 'the audit sees the drift');
      const audit = live.lastAudit!;
      assert.ok(
        audit.sample.some((d) => d.side === 'bid' && d.price === planted && d.live === '123' && d.shadow === null),
        'the planted level is named',
      );
      await waitFor(() => reasons.includes('audit_drift'), 'resynced for it');
      await settle(sim, stack, 'binance', 'BTCUSDT');
      assertExact(sim, stack, 'binance', 'BTCUSDT');
      assert.ok(!live.book.top(1_000).bids.some(([p]) => p === planted), 'the planted level is gone');
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });

  it('is off with auditIntervalMs 0: no snapshot beyond the one each book needed', async () => {
    const sim = await Simulator.start({ seed: 42 });
    const stack = startStack(sim, { binance: { auditIntervalMs: 0 } });
    try {
      await waitFor(() => stack.manager.status()[0].connections.every((c) => c.status.type === 'open'), 'connected');
      for (let round = 0; round < 5; round++) for (const s of SYMBOLS) await settle(sim, stack, 'binance', s, 5);
      assert.equal(sim.binance.stats.snapshotRequests, 3);
      for (const s of SYMBOLS) assert.equal(stack.books.ensure('binance', s).lastAudit, undefined);
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });
});
