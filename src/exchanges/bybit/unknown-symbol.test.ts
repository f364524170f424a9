import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { assertExact, settle, startStack } from '../test-support/stack.js';
import { capturingLogger, recordResyncs, waitOpen } from './test-support.js';

const subscribedTopics = (sim: Simulator) => sim.bybit.subscriptions().flat();

describe('Bybit symbols the venue does not list', () => {
  let sim: Simulator;
  before(async () => {
    sim = await Simulator.start({ seed: 41 });
  });
  after(async () => {
    await sim.stop();
  });

  it('flags them unknown_symbol at once from the paginated instrument list, logs it once, and never subscribes them', async () => {
    // One instrument a page: ETHUSDT sits on the third, so the cursor must be followed to the end.
    sim.bybit.setInstrumentsPageSize(1);
    const requestsBefore = sim.bybit.stats.instrumentRequests;
    const { log, lines, raw } = capturingLogger();
    // Bound as the registry binds a venue's logger: the connector must not add `exchange` again.
    const venueLog = log.child({ exchange: 'bybit' });
    const stack = startStack(
      sim,
      { bybit: { restUrl: sim.bybit.restBaseUrl, subscriptionRetryMs: 20, log: venueLog } },
      ['BTCUSDT', 'ETHUSDT', 'NOPEUSDT'],
    );
    const reasons = recordResyncs(stack);
    try {
      const nope = stack.books.ensure('bybit', 'NOPEUSDT');
      await waitFor(() => nope.resyncReason() === 'unknown_symbol', 'NOPEUSDT flagged unknown_symbol');
      await waitOpen(stack);
      for (const s of ['BTCUSDT', 'ETHUSDT']) await settle(sim, stack, 'bybit', s);
      for (const s of ['BTCUSDT', 'ETHUSDT']) assertExact(sim, stack, 'bybit', s);
      assert.ok(sim.bybit.stats.instrumentRequests - requestsBefore >= 3, 'every page was fetched');
      assert.equal(sim.bybit.topicSubscribes.get('orderbook.200.NOPEUSDT'), undefined, 'never subscribed');
      assert.equal(sim.bybit.topicSubscribes.get('publicTrade.NOPEUSDT'), undefined, 'never subscribed');
      assert.deepEqual(reasons.get('NOPEUSDT'), ['unknown_symbol'], 'flagged once');
      assert.equal(reasons.get('ETHUSDT'), undefined, 'a listed symbol on a later page is not flagged');
      const said = lines.filter((l) => JSON.stringify(l).includes('NOPEUSDT'));
      assert.equal(said.length, 1, 'one log line');
      assert.equal(said[0].book, 'bybit:NOPEUSDT');
      assert.match(String(said[0].msg), /unknown symbol NOPEUSDT: Bybit/);
      assert.equal(stack.manager.status()[0].counters.subscriptionFailures, 0);
      for (const line of raw) assert.ok((line.match(/"exchange":/g) ?? []).length <= 1, `one exchange key: ${line}`);
    } finally {
      await stack.stop();
      sim.bybit.setInstrumentsPageSize(1000);
    }
  });

  it('opens no connection when every configured symbol is unknown', async () => {
    const opened = sim.bybit.stats.connectionsOpened;
    const stack = startStack(sim, { bybit: { restUrl: sim.bybit.restBaseUrl } }, ['NOPEUSDT', 'GONEUSDT']);
    try {
      for (const s of ['NOPEUSDT', 'GONEUSDT']) {
        const book = stack.books.ensure('bybit', s);
        await waitFor(() => book.resyncReason() === 'unknown_symbol', `${s} flagged unknown_symbol`);
      }
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(stack.manager.status()[0].connections, []);
      assert.equal(sim.bybit.stats.connectionsOpened, opened);
    } finally {
      await stack.stop();
    }
  });

  it('without the list, takes `handler not found` as unknown_symbol (no retries), then drops unlisted symbols when the list arrives', async () => {
    sim.bybit.failInstrumentRequests(3);
    // Listed but no longer trading: the stream still serves it, so only the refetched list can say.
    sim.bybit.setInstrumentStatus('ETHUSDT', 'Closed');
    const stack = startStack(
      sim,
      { bybit: { restUrl: sim.bybit.restBaseUrl, instrumentRetryMs: 100, subscriptionRetryMs: 20 } },
      ['BTCUSDT', 'ETHUSDT', 'NOPEUSDT'],
    );
    const reasons = recordResyncs(stack);
    try {
      const nope = stack.books.ensure('bybit', 'NOPEUSDT');
      await waitFor(() => nope.resyncReason() === 'unknown_symbol', 'NOPEUSDT flagged from the venue’s answer');
      const eth = stack.books.ensure('bybit', 'ETHUSDT');
      await waitFor(() => eth.resyncReason() === 'unknown_symbol', 'ETHUSDT flagged once the list arrives', 10_000);
      await waitFor(() => !subscribedTopics(sim).some((t) => t.endsWith('.ETHUSDT')), 'ETHUSDT unsubscribed');
      await settle(sim, stack, 'bybit', 'BTCUSDT');
      assertExact(sim, stack, 'bybit', 'BTCUSDT');
      assert.equal(sim.bybit.topicSubscribes.get('orderbook.200.NOPEUSDT'), 1, 'asked once, never retried');
      assert.deepEqual(reasons.get('NOPEUSDT'), ['unknown_symbol']);
      assert.ok(!subscribedTopics(sim).some((t) => t.endsWith('.NOPEUSDT')));
      assert.equal(reasons.get('ETHUSDT')?.at(-1), 'unknown_symbol');
    } finally {
      await stack.stop();
      sim.bybit.setInstrumentStatus('ETHUSDT', 'Trading');
    }
  });
});
