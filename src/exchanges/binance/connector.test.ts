import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { DEFAULT_INSTRUMENTS } from '../../sim/market.js';
import { Simulator } from '../../sim/simulator.js';
import { sleep, waitFor } from '../../sim/test-support/wait.js';
import { assertExact, type Stack, settle, startStack } from '../test-support/stack.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', '1000PEPEUSDT'];

async function settleAll(sim: Simulator, stack: Stack, steps = 20): Promise<void> {
  for (const s of SYMBOLS) await settle(sim, stack, 'binance', s, steps);
  for (const s of SYMBOLS) assertExact(sim, stack, 'binance', s);
}

describe('Binance connector against the simulator', () => {
  let sim: Simulator;
  let stack: Stack;
  before(async () => {
    sim = await Simulator.start({ seed: 21 });
  });
  after(async () => {
    await sim.stop();
  });
  beforeEach(async () => {
    stack = startStack(sim, { binance: {} });
    await waitFor(() => stack.manager.status()[0].connections.every((c) => c.status.type === 'open'), 'connected');
  });
  afterEach(async () => {
    await stack.stop();
  });

  it('syncs every symbol and keeps each book exactly equal to the venue’s, with trades on the taker side', async () => {
    for (const s of SYMBOLS) assert.equal(stack.books.ensure('binance', s).status(), 'syncing');
    await settleAll(sim, stack, 50);
    const trades = stack.trades.filter((t) => t.exchange === 'binance');
    assert.ok(trades.length > 0, 'aggTrade arrives over /market');
    assert.ok(trades.some((t) => t.side === 'buy') && trades.some((t) => t.side === 'sell'));
    const counters = stack.manager.status()[0].counters;
    assert.equal(counters.gaps, 0);
    assert.equal(counters.snapshotsFetched, 3);
  });

  it('repairs a sequence gap in one symbol from a new snapshot, leaving the others alone', async () => {
    await settleAll(sim, stack);
    const eth = stack.books.ensure('binance', 'ETHUSDT');
    const btcSeq = stack.books.ensure('binance', 'BTCUSDT').sequence;
    let readableWhileResyncing = false;
    const reasons: string[] = [];
    stack.pipeline.subscribe({
      onResync: (_e, symbol, reason) => {
        if (symbol !== 'ETHUSDT') return;
        reasons.push(reason);
        readableWhileResyncing = eth.status() === 'resyncing' && eth.book.top(5).bids.length === 5;
      },
    });
    sim.binance.faults.withholdNext('ETHUSDT');
    sim.binance.step('ETHUSDT');
    sim.binance.step('ETHUSDT');
    await waitFor(() => reasons.includes('gap'), 'the gap is flagged');
    assert.ok(readableWhileResyncing, 'the last good book stays readable, flagged resyncing');
    await settleAll(sim, stack);
    assert.equal(stack.manager.status()[0].counters.gaps, 1);
    assert.ok(stack.books.ensure('binance', 'BTCUSDT').sequence > btcSeq, 'BTCUSDT kept flowing');
  });

  it('ignores duplicates and recovers from reordered events', async () => {
    await settleAll(sim, stack);
    sim.binance.faults.duplicateNext('BTCUSDT', 3);
    await settleAll(sim, stack);
    assert.ok(stack.manager.status()[0].counters.duplicates >= 3);
    sim.binance.faults.reorderNext('ETHUSDT');
    await settleAll(sim, stack);
  });

  it('refetches a snapshot that is older than the buffered events', async () => {
    await settleAll(sim, stack);
    const before = stack.manager.status()[0].counters.snapshotsFetched;
    sim.binance.armStaleSnapshot('BTCUSDT');
    for (let i = 0; i < 5; i++) sim.binance.step('BTCUSDT');
    sim.binance.faults.withholdNext('BTCUSDT');
    await settleAll(sim, stack);
    assert.equal(stack.manager.status()[0].counters.snapshotsFetched, before + 2, 'stale snapshot, then a good one');
  });

  it('a snapshot newer than the buffered events waits for the event that reaches it', async () => {
    await settleAll(sim, stack);
    sim.binance.setSnapshotDelay(80);
    sim.binance.faults.withholdNext('ETHUSDT');
    sim.binance.step('ETHUSDT');
    sim.binance.step('ETHUSDT');
    await sleep(20); // the request is in flight; the venue moves on before the body is sent
    for (let i = 0; i < 10; i++) sim.binance.step('ETHUSDT');
    sim.binance.setSnapshotDelay(0);
    await settleAll(sim, stack);
  });

  it('resumes after a dropped connection, and after the venue’s clean 24 h close', async () => {
    await settleAll(sim, stack);
    const reasons: string[] = [];
    stack.pipeline.subscribe({ onResync: (_e, symbol, reason) => symbol === 'BTCUSDT' && reasons.push(reason) });
    sim.binance.dropAllConnections();
    await waitFor(() => reasons.includes('disconnected'), 'disconnect flagged');
    assert.equal(
      stack.books.ensure('binance', 'BTCUSDT').status(),
      'resyncing',
      'flagged until an event proves continuity',
    );
    await waitFor(() => stack.manager.status()[0].connections.every((c) => c.status.type === 'open'), 'reconnected');
    await settleAll(sim, stack);
    sim.binance.closeAllConnections(1000, 'connection lifetime expired');
    await sleep(30);
    for (let i = 0; i < 3; i++) sim.binance.step(); // events the client missed while reconnecting
    await waitFor(() => stack.manager.status()[0].connections.every((c) => c.status.type === 'open'), 'reconnected');
    await settleAll(sim, stack);
    assert.ok(stack.manager.reconnections().binance >= 4, 'two connections, two reconnects each');
  });

  it('detects a stalled stream that still answers pings, and one that does not', async () => {
    await stack.stop();
    stack = startStack(sim, { binance: { dataTimeoutMs: 400, tradeDataTimeoutMs: 400 } });
    await waitFor(() => stack.manager.status()[0].connections.every((c) => c.status.type === 'open'), 'connected');
    await settleAll(sim, stack);
    for (const pong of [true, false]) {
      const before = stack.manager.reconnections().binance;
      sim.binance.stall({ pong });
      await waitFor(() => stack.manager.reconnections().binance >= before + 2, `stall (pong ${pong}) detected`, 5_000);
      await waitFor(() => stack.manager.status()[0].connections.every((c) => c.status.type === 'open'), 'reconnected');
      await settleAll(sim, stack);
    }
  });

  it('keeps a quiet trade stream connected: no trades is a calm market, not a dead socket', async () => {
    await stack.stop();
    // No takers at all: no random trades, no sweeps, and no arbitrage against a shared fair value.
    const calm = await Simulator.start({ seed: 22, market: { tradeChance: 0, sweepChance: 0, fairSeed: undefined } });
    stack = startStack(calm, { binance: { dataTimeoutMs: 400 } });
    try {
      await waitFor(() => stack.manager.status()[0].connections.every((c) => c.status.type === 'open'), 'connected');
      // Depth keeps flowing for several depth-stream timeouts; the aggTrade connection hears only pongs.
      for (let i = 0; i < 8; i++) {
        for (const s of SYMBOLS) await settle(calm, stack, 'binance', s, 3);
        await sleep(150);
      }
      for (const s of SYMBOLS) assertExact(calm, stack, 'binance', s);
      assert.equal(stack.trades.length, 0);
      assert.equal(stack.manager.reconnections().binance, 0, 'neither connection was taken for dead');
    } finally {
      await stack.stop();
      await calm.stop();
    }
    stack = startStack(sim, { binance: {} }); // for afterEach
  });

  it('drops malformed frames without touching a book', async () => {
    await settleAll(sim, stack);
    const seq = stack.books.ensure('binance', 'BTCUSDT').sequence;
    for (const kind of ['invalid_json', 'wrong_types', 'unknown_event', 'bad_level'] as const)
      sim.binance.sendMalformed(kind);
    await waitFor(() => stack.invalid.length >= 3, 'malformed frames counted');
    assert.equal(stack.books.ensure('binance', 'BTCUSDT').sequence, seq, 'no book changed');
    await settleAll(sim, stack);
    assert.equal(stack.manager.status()[0].counters.gaps, 0, 'the bad-level frame did not break the chain');
  });
});

describe('Binance connector and the venue’s rate limits', () => {
  it('snapshots for many symbols survive 429 and 418 with Retry-After, one request at a time', async () => {
    const instruments = Array.from({ length: 12 }, (_, i) => ({
      ...DEFAULT_INSTRUMENTS[i % 3],
      symbol: `SYM${i}USDT`,
      levels: 300,
    }));
    const sim = await Simulator.start({ seed: 4, instruments });
    const symbols = instruments.map((i) => i.symbol);
    sim.binance.failSnapshots(2, { status: 429, retryAfterSec: 0 });
    sim.binance.failSnapshots(1, { status: 418, retryAfterSec: 0 });
    const stack = startStack(sim, { binance: {} }, symbols);
    await waitFor(() => stack.manager.status()[0].connections.every((c) => c.status.type === 'open'), 'connected');
    for (const s of symbols) await settle(sim, stack, 'binance', s, 3);
    for (const s of symbols) assertExact(sim, stack, 'binance', s);
    assert.equal(sim.binance.stats.snapshotRequests, 12 + 3, 'each symbol once, plus the three refused');
    await stack.stop();
    await sim.stop();
  });

  it('says once that the venue does not list a symbol, flags its book, and keeps the others exact', async () => {
    const sim = await Simulator.start({ seed: 8 });
    const stack = startStack(sim, { binance: {} }, [...SYMBOLS, 'NOPEUSDT']);
    const nope = stack.books.ensure('binance', 'NOPEUSDT');
    // The venue sends no data for an unknown stream: its instrument list says it at start.
    await waitFor(() => nope.resyncReason() === 'unknown_symbol', 'the book says why it is empty');
    assert.equal(nope.status(), 'syncing');
    for (const s of SYMBOLS) await settle(sim, stack, 'binance', s);
    for (const s of SYMBOLS) assertExact(sim, stack, 'binance', s);
    const requests = sim.binance.stats.snapshotRequests;
    await sleep(300);
    assert.equal(sim.binance.stats.snapshotRequests, requests, 'no more requests for it');
    await stack.stop();
    await sim.stop();
  });

  it('subscribes at the configured depth speed, diff depth on /public and aggTrade on /market', async () => {
    const sim = await Simulator.start({ seed: 9 });
    const stack = startStack(sim, { binance: { depthSpeed: '250ms' } });
    try {
      await waitFor(() => stack.manager.status()[0].connections.every((c) => c.status.type === 'open'), 'connected');
      await waitFor(() => sim.binance.subscriptions().length === 2, 'two connections');
      const byRoute = Object.fromEntries(sim.binance.subscriptions().map((c) => [c.route, c.streams]));
      // 250 ms is the plain documented name, `<symbol>@depth`.
      assert.deepEqual(byRoute.public, SYMBOLS.map((s) => `${s.toLowerCase()}@depth`).sort());
      assert.deepEqual(byRoute.market, SYMBOLS.map((s) => `${s.toLowerCase()}@aggTrade`).sort());
      for (const s of SYMBOLS) await settle(sim, stack, 'binance', s);
      for (const s of SYMBOLS) assertExact(sim, stack, 'binance', s);
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });

  it('splits symbols over connections at the stream limit', async () => {
    const sim = await Simulator.start({ seed: 6 });
    const stack = startStack(sim, { binance: { maxStreamsPerConnection: 2 } });
    await waitFor(() => stack.manager.status()[0].connections.length === 4, 'two public and two market connections');
    await waitFor(() => stack.manager.status()[0].connections.every((c) => c.status.type === 'open'), 'connected');
    for (const s of SYMBOLS) await settle(sim, stack, 'binance', s);
    for (const s of SYMBOLS) assertExact(sim, stack, 'binance', s);
    await stack.stop();
    await sim.stop();
  });
});
