/**
 * The connector base every subscribe-by-message venue shares (Bybit, OKX, Gate, Bitget, Hyperliquid),
 * driven through the Bybit module against the Bybit simulator: steady books, gaps, duplicates, bad
 * frames, venue restarts, disconnects, stalls and refused subscriptions.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { Simulator } from '../../sim/simulator.js';
import { sleep, waitFor } from '../../sim/test-support/wait.js';
import type { Stack } from '../test-support/stack.js';
import {
  bybitStack,
  bybitStatus,
  recordResyncs,
  settleExact,
  waitOpen,
  withholdOneDelta,
} from './test-support/bybit-stack.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', '1000PEPEUSDT'];

describe('SubscriptionConnector against the Bybit simulator', () => {
  let sim: Simulator;
  let stack: Stack;
  before(async () => {
    sim = await Simulator.start({ seed: 31 });
  });
  after(async () => {
    await sim.stop();
  });
  beforeEach(async () => {
    stack = bybitStack(sim, SYMBOLS);
    await waitOpen(stack);
  });
  afterEach(async () => {
    await stack.stop();
  });

  it('keeps every book exactly equal to the venue’s window, with trades on the taker side', async () => {
    await settleExact(sim, stack, SYMBOLS, 50);
    const trades = stack.trades.filter((t) => t.exchange === 'bybit');
    assert.ok(trades.some((t) => t.side === 'buy') && trades.some((t) => t.side === 'sell'));
    assert.equal(bybitStatus(stack).counters.gaps, 0);
  });

  it('repairs a gap by unsubscribing, waiting for the ack and subscribing once again', async () => {
    const reasons = recordResyncs(stack);
    await settleExact(sim, stack, SYMBOLS);
    const subscribes = sim.bybit.topicSubscribes.get('orderbook.200.ETHUSDT') ?? 0;
    const unsubscribes = sim.bybit.stats.unsubscribeRequests;
    withholdOneDelta(sim, 'ETHUSDT');
    await waitFor(() => reasons.get('ETHUSDT')?.includes('gap') === true, 'the gap is seen');
    await settleExact(sim, stack, SYMBOLS);
    assert.equal(bybitStatus(stack).counters.gaps, 1);
    assert.equal(sim.bybit.stats.unsubscribeRequests, unsubscribes + 1, 'unsubscribed first');
    assert.equal(sim.bybit.topicSubscribes.get('orderbook.200.ETHUSDT'), subscribes + 1, 'one resubscription');
    assert.deepEqual(reasons.get('ETHUSDT'), ['gap'], 'flagged once');
    assert.equal(reasons.get('BTCUSDT'), undefined, 'other books untouched');
  });

  it('ignores duplicates, recovers from reordering, and drops malformed frames', async () => {
    await settleExact(sim, stack, SYMBOLS);
    sim.bybit.faults.duplicateNext('BTCUSDT', 2);
    await settleExact(sim, stack, SYMBOLS);
    assert.ok(bybitStatus(stack).counters.duplicates >= 2);
    sim.bybit.faults.reorderNext('BTCUSDT');
    await settleExact(sim, stack, SYMBOLS);
    const sequences = SYMBOLS.map((s) => stack.books.ensure('bybit', s).sequence);
    const invalid = stack.invalid.length;
    for (const kind of ['invalid_json', 'wrong_types', 'unknown_event', 'bad_level'] as const) {
      sim.bybit.sendMalformed(kind);
    }
    // `unknown_event` is a well-formed frame of another channel: ignored, not invalid.
    await waitFor(() => stack.invalid.length >= invalid + 2, 'malformed frames reported');
    await sleep(20);
    assert.deepEqual(stack.invalid.slice(invalid, invalid + 2), ['not_json', 'bad_field']);
    assert.deepEqual(
      SYMBOLS.map((s) => stack.books.ensure('bybit', s).sequence),
      sequences,
      'no book changed',
    );
    const gaps = bybitStatus(stack).counters.gaps;
    await settleExact(sim, stack, SYMBOLS);
    assert.equal(bybitStatus(stack).counters.gaps, gaps, 'the bad-level frame did not break the sequence');
  });

  it('takes a mid-stream snapshot with u = 1 (a venue restart) as the new book, with no resync', async () => {
    await settleExact(sim, stack, SYMBOLS);
    const reasons = recordResyncs(stack);
    const subscribes = sim.bybit.stats.subscribeRequests;
    sim.bybit.venueReset('1000PEPEUSDT');
    await waitFor(() => stack.books.ensure('bybit', '1000PEPEUSDT').updateId === 1, 'u = 1 accepted');
    await settleExact(sim, stack, SYMBOLS);
    assert.equal(bybitStatus(stack).counters.gaps, 0, 'a restart is not a gap');
    assert.equal(reasons.get('1000PEPEUSDT'), undefined);
    assert.equal(sim.bybit.stats.subscribeRequests, subscribes, 'nothing subscribed again');
  });

  it('flags live books disconnected once, reconnects after a drop and after a clean close, resubscribing everything', async () => {
    await settleExact(sim, stack, SYMBOLS);
    const reasons = recordResyncs(stack);
    sim.bybit.dropAllConnections();
    await waitFor(() => reasons.get('BTCUSDT')?.includes('disconnected') === true, 'disconnect flagged');
    await waitOpen(stack);
    await settleExact(sim, stack, SYMBOLS);
    for (const s of SYMBOLS) assert.deepEqual(reasons.get(s), ['disconnected'], `${s} flagged once`);
    const reconnections = stack.manager.reconnections().bybit;
    sim.bybit.closeAllConnections();
    await waitFor(() => stack.manager.reconnections().bybit > reconnections, 'the close is seen');
    await waitOpen(stack);
    await settleExact(sim, stack, SYMBOLS);
    for (const s of SYMBOLS) assert.deepEqual(reasons.get(s), ['disconnected', 'disconnected'], s);
    assert.ok(stack.manager.reconnections().bybit >= 2);
  });
});

describe('SubscriptionConnector stall detection', () => {
  it('reconnects a connection that stops sending data, whether it still answers pings or not', async () => {
    const sim = await Simulator.start({ seed: 37 });
    const stack = bybitStack(sim, SYMBOLS, { dataTimeoutMs: 400, timing: { pingIntervalMs: 100, pongTimeoutMs: 300 } });
    try {
      await waitOpen(stack);
      await settleExact(sim, stack, SYMBOLS);
      for (const pong of [true, false]) {
        const before = stack.manager.reconnections().bybit;
        sim.bybit.stall({ pong });
        await waitFor(() => stack.manager.reconnections().bybit > before, `stall (pong ${pong}) detected`);
        await waitOpen(stack);
        await settleExact(sim, stack, SYMBOLS);
      }
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });
});

describe('SubscriptionConnector and refused subscriptions', () => {
  it('reports success:false as subscription_failed for that book only, and retries until it is live', async () => {
    const sim = await Simulator.start({ seed: 33 });
    // Bybit answers a request once, for all its topics: refusing ETHUSDT's book refuses the whole request.
    sim.bybit.rejectNextSubscription('ETHUSDT');
    const stack = bybitStack(sim, SYMBOLS);
    const reasons = recordResyncs(stack);
    try {
      const eth = stack.books.ensure('bybit', 'ETHUSDT');
      await waitFor(() => reasons.get('ETHUSDT')?.includes('subscription_failed') === true, 'the refusal is reported');
      assert.ok(bybitStatus(stack).counters.subscriptionFailures >= 1);
      await settleExact(sim, stack, SYMBOLS);
      assert.equal(eth.status(), 'live', 'the retry succeeded');
      assert.equal(reasons.get('BTCUSDT'), undefined, 'the other books were not flagged');
      assert.equal(reasons.get('ETHUSDT')?.includes('unknown_symbol'), false, 'a listed symbol is never unknown');
      // The topics the refusal did not name were subscribed again on the same connection, not by a reconnect.
      assert.equal(sim.bybit.stats.connectionsOpened, 1, 'no reconnect was needed');
      assert.equal(stack.manager.reconnections().bybit, 0);
      assert.deepEqual(sim.bybit.subscriptions(), [
        SYMBOLS.flatMap((s) => [`orderbook.200.${s}`, `publicTrade.${s}`]).sort(),
      ]);
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });
});

describe('SubscriptionConnector and unanswered subscribe requests', () => {
  it('asks again on the same connection for a subscribe request the venue lost, and every book ends exact', async () => {
    const sim = await Simulator.start({ seed: 35 });
    sim.bybit.loseNextRequest('subscribe');
    const stack = bybitStack(sim, SYMBOLS);
    const reasons = recordResyncs(stack);
    try {
      await waitOpen(stack);
      await settleExact(sim, stack, SYMBOLS);
      assert.equal(sim.bybit.stats.connectionsOpened, 1, 'no reconnect was needed');
      for (const s of SYMBOLS) {
        assert.equal(sim.bybit.topicSubscribes.get(`orderbook.200.${s}`), 1, `${s}: asked again once`);
        assert.equal(reasons.get(s), undefined, `${s}: a book that never synced is not flagged`);
      }
      assert.equal(bybitStatus(stack).counters.subscriptionFailures, 1);
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });
});
