/**
 * Configured symbols the venue does not list: found from the paginated instrument list, or from the
 * venue's own refusal when the list cannot be had; never subscribed, never retried. Driven through the
 * Bybit module against the Bybit simulator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import {
  bybitStack,
  bybitStatus,
  capturingLogger,
  recordResyncs,
  settleExact,
  waitOpen,
} from './test-support/bybit-stack.js';

const subscribedTopics = (sim: Simulator) => sim.bybit.subscriptions().flat();

describe('SubscriptionConnector and symbols the venue does not list', () => {
  let sim: Simulator;
  before(async () => {
    sim = await Simulator.start({ seed: 41 });
  });
  after(async () => {
    await sim.stop();
  });

  it('flags them unknown_symbol from the paginated instrument list, logs it once, and never subscribes them', async () => {
    // One instrument a page: ETHUSDT sits on the third, so the cursor must be followed to the end.
    sim.bybit.setInstrumentsPageSize(1);
    const requestsBefore = sim.bybit.stats.instrumentRequests;
    const { log, lines, raw } = capturingLogger();
    const stack = bybitStack(sim, ['BTCUSDT', 'ETHUSDT', 'NOPEUSDT'], {}, log);
    const reasons = recordResyncs(stack);
    try {
      const nope = stack.books.ensure('bybit', 'NOPEUSDT');
      await waitFor(() => nope.resyncReason() === 'unknown_symbol', 'NOPEUSDT flagged unknown_symbol');
      await waitOpen(stack);
      await settleExact(sim, stack, ['BTCUSDT', 'ETHUSDT']);
      assert.ok(sim.bybit.stats.instrumentRequests - requestsBefore >= 3, 'every page was fetched');
      assert.equal(sim.bybit.topicSubscribes.get('orderbook.200.NOPEUSDT'), undefined, 'never subscribed');
      assert.equal(sim.bybit.topicSubscribes.get('publicTrade.NOPEUSDT'), undefined, 'never subscribed');
      assert.deepEqual(reasons.get('NOPEUSDT'), ['unknown_symbol'], 'flagged once');
      assert.equal(reasons.get('ETHUSDT'), undefined, 'a listed symbol on a later page is not flagged');
      const said = lines.filter((l) => l.exchange === 'bybit' && JSON.stringify(l).includes('NOPEUSDT'));
      assert.equal(said.length, 1, 'one log line from the connector');
      assert.equal(said[0].book, 'bybit:NOPEUSDT');
      assert.equal(said[0].source, 'instrument list');
      assert.match(String(said[0].msg), /^unknown symbol NOPEUSDT: bybit does not list it/);
      assert.equal(bybitStatus(stack).counters.subscriptionFailures, 0);
      // The registry binds `exchange` on the venue's logger: the connector must not add it again.
      for (const line of raw) assert.ok((line.match(/"exchange":/g) ?? []).length <= 1, `one exchange key: ${line}`);
    } finally {
      await stack.stop();
      sim.bybit.setInstrumentsPageSize(1000);
    }
  });

  it('opens no connection when every configured symbol is unknown', async () => {
    const opened = sim.bybit.stats.connectionsOpened;
    const stack = bybitStack(sim, ['NOPEUSDT', 'GONEUSDT']);
    try {
      for (const s of ['NOPEUSDT', 'GONEUSDT']) {
        const book = stack.books.ensure('bybit', s);
        await waitFor(() => book.resyncReason() === 'unknown_symbol', `${s} flagged unknown_symbol`);
      }
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(bybitStatus(stack).connections, []);
      assert.equal(sim.bybit.stats.connectionsOpened, opened);
    } finally {
      await stack.stop();
    }
  });

  it('without the list, takes `handler not found` as unknown_symbol (asked once), then drops symbols the list, once loaded, does not have', async () => {
    // The first load fails; the list arrives on the background retry.
    sim.bybit.failInstrumentRequests(1);
    const ethSubscribes = sim.bybit.topicSubscribes.get('orderbook.200.ETHUSDT') ?? 0;
    // Listed but no longer trading: the stream still serves it, so only the list can say.
    sim.bybit.setInstrumentStatus('ETHUSDT', 'Closed');
    // The list's retry comes well after the refusal's re-ask, so each path is seen on its own.
    const stack = bybitStack(sim, ['BTCUSDT', 'ETHUSDT', 'NOPEUSDT'], {
      timing: { subscriptionRetryMs: 20, instrumentRetryMs: 1_500 },
    });
    const reasons = recordResyncs(stack);
    try {
      const nope = stack.books.ensure('bybit', 'NOPEUSDT');
      await waitFor(() => nope.resyncReason() === 'unknown_symbol', 'NOPEUSDT flagged from the venue’s answer');
      // BTCUSDT and ETHUSDT shared NOPEUSDT's refused request (Bybit answers a request once, for all its
      // topics): they are subscribed again on the same connection, without waiting for the list.
      await settleExact(sim, stack, ['BTCUSDT']);
      assert.equal(
        sim.bybit.topicSubscribes.get('orderbook.200.ETHUSDT'),
        ethSubscribes + 2,
        'asked again after the refusal',
      );
      const eth = stack.books.ensure('bybit', 'ETHUSDT');
      await waitFor(() => eth.resyncReason() === 'unknown_symbol', 'ETHUSDT flagged once the list arrives');
      await waitFor(() => !subscribedTopics(sim).some((t) => t.endsWith('.ETHUSDT')), 'ETHUSDT unsubscribed');
      await settleExact(sim, stack, ['BTCUSDT']);
      assert.equal(sim.bybit.topicSubscribes.get('orderbook.200.NOPEUSDT'), 1, 'asked once, never retried');
      assert.deepEqual(reasons.get('NOPEUSDT'), ['unknown_symbol']);
      assert.ok(!subscribedTopics(sim).some((t) => t.endsWith('.NOPEUSDT')));
      assert.deepEqual(reasons.get('ETHUSDT'), ['unknown_symbol']);
      assert.equal(reasons.get('BTCUSDT'), undefined);
      assert.equal(stack.manager.reconnections().bybit, 0, 'no reconnect was needed');
    } finally {
      await stack.stop();
      sim.bybit.setInstrumentStatus('ETHUSDT', 'Trading');
    }
  });

  it('serves nothing more of a symbol the list stops listing, even while the venue still streams it', async () => {
    // The first load fails, so ETHUSDT is subscribed; the list that arrives on the retry drops it.
    sim.bybit.failInstrumentRequests(1);
    sim.bybit.setInstrumentStatus('ETHUSDT', 'Closed');
    // Its unsubscribe is lost: the venue keeps sending its trades and deltas.
    sim.bybit.loseNextRequest('unsubscribe');
    const stack = bybitStack(sim, ['BTCUSDT', 'ETHUSDT']);
    try {
      const eth = stack.books.ensure('bybit', 'ETHUSDT');
      await waitOpen(stack);
      await settleExact(sim, stack, ['ETHUSDT']);
      await waitFor(() => eth.resyncReason() === 'unknown_symbol', 'ETHUSDT flagged once the list arrives');
      assert.ok(subscribedTopics(sim).includes('publicTrade.ETHUSDT'), 'the venue still streams it');
      const trades = stack.trades.filter((t) => t.symbol === 'ETHUSDT').length;
      const sequence = eth.sequence;
      const sent = sim.bybit.framesSent.get('publicTrade.ETHUSDT') ?? 0;
      for (let i = 0; i < 50; i++) sim.bybit.step('ETHUSDT');
      await settleExact(sim, stack, ['BTCUSDT']);
      assert.equal(stack.trades.filter((t) => t.symbol === 'ETHUSDT').length, trades, 'no trade of it forwarded');
      assert.equal(eth.sequence, sequence, 'its book unchanged');
      assert.ok((sim.bybit.framesSent.get('publicTrade.ETHUSDT') ?? 0) > sent, 'the venue did send trades of it');
    } finally {
      await stack.stop();
      sim.bybit.setInstrumentStatus('ETHUSDT', 'Trading');
    }
  });
});
