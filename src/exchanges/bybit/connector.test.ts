import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { Simulator } from '../../sim/simulator.js';
import { sleep, waitFor } from '../../sim/test-support/wait.js';
import { assertExact, type Stack, settle, startStack } from '../test-support/stack.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', '1000PEPEUSDT'];

async function settleAll(sim: Simulator, stack: Stack, steps = 20): Promise<void> {
  for (const s of SYMBOLS) await settle(sim, stack, 'bybit', s, steps);
  for (const s of SYMBOLS) assertExact(sim, stack, 'bybit', s);
}

const open = (stack: Stack) => stack.manager.status()[0].connections.every((c) => c.status.type === 'open');

describe('Bybit connector against the simulator', () => {
  let sim: Simulator;
  let stack: Stack;
  before(async () => {
    sim = await Simulator.start({ seed: 31 });
  });
  after(async () => {
    await sim.stop();
  });
  beforeEach(async () => {
    stack = startStack(sim, { bybit: { restUrl: sim.bybit.restBaseUrl } });
    await waitFor(() => open(stack), 'connected');
  });
  afterEach(async () => {
    await stack.stop();
  });

  it('keeps every orderbook.200 window exactly equal to the venue’s, with trades on the taker side', async () => {
    await settleAll(sim, stack, 50);
    const trades = stack.trades.filter((t) => t.exchange === 'bybit');
    assert.ok(trades.some((t) => t.side === 'buy') && trades.some((t) => t.side === 'sell'));
    assert.equal(stack.manager.status()[0].counters.gaps, 0);
  });

  it('repairs a gap by unsubscribing, waiting for the ack and subscribing again', async () => {
    await settleAll(sim, stack);
    const before = sim.bybit.stats.subscribeRequests;
    sim.bybit.faults.withholdNext('ETHUSDT');
    sim.bybit.step('ETHUSDT');
    sim.bybit.step('ETHUSDT');
    const eth = stack.books.ensure('bybit', 'ETHUSDT');
    await waitFor(() => eth.resyncReason() === 'gap' || sim.bybit.stats.subscribeRequests > before, 'the gap is seen');
    await settleAll(sim, stack);
    assert.equal(stack.manager.status()[0].counters.gaps, 1);
    assert.equal(sim.bybit.stats.subscribeRequests, before + 1, 'one resubscription, no storm');
  });

  it('ignores duplicates, recovers from reordering, and drops malformed frames', async () => {
    await settleAll(sim, stack);
    sim.bybit.faults.duplicateNext('BTCUSDT', 2);
    await settleAll(sim, stack);
    assert.ok(stack.manager.status()[0].counters.duplicates >= 2);
    sim.bybit.faults.reorderNext('BTCUSDT');
    await settleAll(sim, stack);
    const seq = stack.books.ensure('bybit', 'ETHUSDT').sequence;
    for (const kind of ['invalid_json', 'wrong_types', 'unknown_event', 'bad_level'] as const)
      sim.bybit.sendMalformed(kind);
    await waitFor(() => stack.invalid.length >= 3, 'malformed frames counted');
    await sleep(20);
    assert.equal(stack.books.ensure('bybit', 'ETHUSDT').sequence, seq, 'no book changed');
    const gaps = stack.manager.status()[0].counters.gaps;
    await settleAll(sim, stack);
    assert.equal(stack.manager.status()[0].counters.gaps, gaps, 'the bad-level frame did not break the sequence');
  });

  it('takes a mid-stream snapshot with u = 1 (a venue restart) as the new book', async () => {
    await settleAll(sim, stack);
    sim.bybit.venueReset('1000PEPEUSDT');
    await waitFor(() => stack.books.ensure('bybit', '1000PEPEUSDT').updateId === 1, 'u = 1 accepted');
    await settleAll(sim, stack);
    assert.equal(stack.manager.status()[0].counters.gaps, 0, 'a restart is not a gap');
  });

  it('reconnects after a drop and after a clean close, resubscribing everything', async () => {
    await settleAll(sim, stack);
    const reasons: string[] = [];
    stack.pipeline.subscribe({ onResync: (_e, symbol, reason) => symbol === 'BTCUSDT' && reasons.push(reason) });
    sim.bybit.dropAllConnections();
    await waitFor(() => reasons.includes('disconnected'), 'disconnect flagged');
    await waitFor(() => open(stack), 'reconnected');
    await settleAll(sim, stack);
    sim.bybit.closeAllConnections();
    await sleep(30);
    await waitFor(() => open(stack), 'reconnected');
    await settleAll(sim, stack);
    assert.ok(stack.manager.reconnections().bybit >= 2);
  });

  it('detects a stall with pongs (no data) and without (no pong)', async () => {
    await stack.stop();
    stack = startStack(sim, { bybit: { restUrl: sim.bybit.restBaseUrl, dataTimeoutMs: 400 } });
    await waitFor(() => open(stack), 'connected');
    await settleAll(sim, stack);
    for (const pong of [true, false]) {
      const before = stack.manager.reconnections().bybit;
      sim.bybit.stall({ pong });
      await waitFor(() => stack.manager.reconnections().bybit > before, `stall (pong ${pong}) detected`, 5_000);
      await waitFor(() => open(stack), 'reconnected');
      await settleAll(sim, stack);
    }
  });
});

describe('Bybit connector and refused subscriptions', () => {
  it('reports success:false clearly for that symbol, keeps the others, and retries', async () => {
    const sim = await Simulator.start({ seed: 33 });
    sim.bybit.rejectNextSubscription('ETHUSDT');
    const stack = startStack(sim, { bybit: { restUrl: sim.bybit.restBaseUrl, subscriptionRetryMs: 50 } });
    const eth = stack.books.ensure('bybit', 'ETHUSDT');
    const reasons: string[] = [];
    stack.pipeline.subscribe({ onResync: (_e, symbol, reason) => symbol === 'ETHUSDT' && reasons.push(reason) });
    await waitFor(() => reasons.includes('subscription_failed'), 'the refusal is reported for ETHUSDT');
    assert.equal(eth.resyncReason(), 'subscription_failed', 'a book that never synced says why');
    assert.ok(stack.manager.status()[0].counters.subscriptionFailures >= 1);
    for (const s of SYMBOLS) await settle(sim, stack, 'bybit', s);
    for (const s of SYMBOLS) assertExact(sim, stack, 'bybit', s);
    assert.equal(eth.status(), 'live', 'the retry succeeded');
    await stack.stop();
    await sim.stop();
  });
});
