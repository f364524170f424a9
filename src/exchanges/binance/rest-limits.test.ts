import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { assertExact, settle, startStack } from '../test-support/stack.js';
import { DEFAULT_BAD_SNAPSHOT_RETRY_MS } from './book-sync.js';
import type { BinanceConnector } from './connector.js';

/** Waits, if needed, until the current calendar minute has at least `ms` left (venue weight counts per minute). */
async function awayFromMinuteEnd(ms = 10_000): Promise<void> {
  await waitFor(() => 60_000 - (Date.now() % 60_000) > ms, 'a minute with time left', 15_000);
}

describe('Binance connector and the venue’s REST answers', () => {
  it('waits before asking again for a snapshot the book engine refused, and says why', async () => {
    const sim = await Simulator.start({ seed: 31 });
    const stack = startStack(sim, { binance: {} }, ['BTCUSDT']);
    try {
      const connector = stack.manager.get('binance') as BinanceConnector;
      await waitFor(() => stack.manager.status()[0].connections.every((c) => c.status.type === 'open'), 'connected');
      const book = stack.books.ensure('binance', 'BTCUSDT');
      sim.binance.armBadSnapshot('BTCUSDT');
      const asked = Date.now();
      for (let i = 0; i < 5; i++) sim.binance.step('BTCUSDT');
      await waitFor(() => book.resyncReason() === 'invalid_data', 'the book says why it is not live');
      const notBefore = connector.snapshotNotBefore('BTCUSDT');
      assert.ok(notBefore !== undefined, 'the next snapshot is queued');
      assert.ok(
        notBefore >= asked + DEFAULT_BAD_SNAPSHOT_RETRY_MS / 2,
        `not at once: scheduled ${notBefore - asked} ms after the first request`,
      );
      await settle(sim, stack, 'binance', 'BTCUSDT');
      assertExact(sim, stack, 'binance', 'BTCUSDT');
      assert.equal(sim.binance.stats.snapshotRequestsBySymbol.get('BTCUSDT'), 2, 'the refused one, then one good');
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });

  it('reads X-MBX-USED-WEIGHT-1M, failures included, and holds snapshots when other processes used the budget', async () => {
    await awayFromMinuteEnd();
    const sim = await Simulator.start({ seed: 32 });
    // Another process on the same IP has spent 1,190 of FlowRS's 1,200 this minute.
    sim.binance.addForeignWeight(1_190);
    sim.binance.failExchangeInfo(1);
    const stack = startStack(sim, { binance: { instrumentRetryMs: 20 } }, ['BTCUSDT']);
    try {
      const connector = stack.manager.get('binance') as BinanceConnector;
      await waitFor(() => connector.venueUsedWeight >= 1_191, 'the weight reported with the 500 was read');
      await waitFor(() => stack.manager.status()[0].connections.every((c) => c.status.type === 'open'), 'connected');
      for (let i = 0; i < 5; i++) sim.binance.step('BTCUSDT');
      await waitFor(() => connector.snapshotStats.heldForVenueWeight > 0, 'the queue holds the snapshot');
      assert.equal(
        sim.binance.stats.snapshotRequestsBySymbol.get('BTCUSDT') ?? 0,
        0,
        'held: 20 more would pass the budget by the venue’s count',
      );
      assert.equal(sim.binance.usedWeight() <= 1_200, true, 'FlowRS kept the IP within its budget');
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });
});
