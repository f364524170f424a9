import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { openRecordingSocket } from '../../../sim/test-support/socket.js';
import { waitFor } from '../../../sim/test-support/wait.js';
import { VenueHttpError } from '../../errors.js';
import { loadInstruments } from '../instruments.js';
import hyperliquidSim from './index.js';
import { HyperliquidSimVenue, SIM_HISTORY_BATCH_SIZE } from './venue.js';

type Level = [string, string];

const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * A deliberately small client following Hyperliquid's documented procedure, not FlowRS's code: skip
 * the greeting; one subscribe per coin per channel; every l2Book message replaces the book unless its
 * time is not newer than the last one held; the first trades message after subscribing is history;
 * trades dedupe by tid; `{"method":"ping"}` keeps the connection; a missing pong or a closed socket
 * means reconnect and subscribe again (the next picture is whole, so nothing else is needed).
 */
class ReferenceClient {
  bids: Level[] = [];
  asks: Level[] = [];
  time: number | undefined;
  readonly trades: { tid: number; side: 'buy' | 'sell' }[] = [];
  readonly historyTids = new Set<number>();
  errors: string[] = [];
  invalid = 0;
  connects = 0;
  private ws: WebSocket | undefined;
  private closed = false;
  private awaitingHistory = false;
  private awaitingPong = false;
  private pinger: NodeJS.Timeout | undefined;
  private readonly seen = new Set<number>();

  constructor(
    readonly url: string,
    readonly coin: string,
    readonly options: { fast?: boolean; pingMs?: number; ignoreTime?: boolean } = {},
  ) {}

  connect(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.connects++;
    ws.on('open', () => {
      this.time = undefined;
      this.awaitingHistory = true;
      this.awaitingPong = false;
      const book: Record<string, unknown> = { type: 'l2Book', coin: this.coin };
      if (this.options.fast) book.fast = true;
      ws.send(JSON.stringify({ method: 'subscribe', subscription: book }));
      ws.send(JSON.stringify({ method: 'subscribe', subscription: { type: 'trades', coin: this.coin } }));
      this.pinger = setInterval(() => {
        // A ping left unanswered since the last one: the connection is dead.
        if (this.awaitingPong) {
          ws.terminate();
          return;
        }
        this.awaitingPong = true;
        ws.send('{"method":"ping"}');
      }, this.options.pingMs ?? 1_000);
    });
    ws.on('message', (data) => this.onFrame(data.toString()));
    ws.on('close', () => {
      clearInterval(this.pinger);
      if (!this.closed) setTimeout(() => this.connect(), 10);
    });
    ws.on('error', () => undefined);
  }

  /** Subscribes the book again on the open connection (after a refusal). */
  resubscribeBook(): void {
    const book: Record<string, unknown> = { type: 'l2Book', coin: this.coin };
    if (this.options.fast) book.fast = true;
    this.ws?.send(JSON.stringify({ method: 'subscribe', subscription: book }));
  }

  close(): void {
    this.closed = true;
    clearInterval(this.pinger);
    this.ws?.terminate();
  }

  private onFrame(text: string): void {
    if (text === 'Websocket connection established.') return;
    let m: { channel?: unknown; data?: unknown };
    try {
      m = JSON.parse(text);
    } catch {
      this.invalid++;
      return;
    }
    if (m.channel === 'pong') this.awaitingPong = false;
    else if (m.channel === 'error') this.errors.push(String(m.data));
    else if (m.channel === 'l2Book') this.onBook(m.data);
    else if (m.channel === 'trades') this.onTrades(m.data);
  }

  private onBook(data: unknown): void {
    const d = data as { time?: unknown; levels?: unknown };
    const levels = d?.levels as { px: unknown; sz: unknown }[][] | undefined;
    if (typeof d?.time !== 'number' || !Array.isArray(levels) || levels.length !== 2) {
      this.invalid++;
      return;
    }
    const sides = levels.map((side) => (Array.isArray(side) ? side.map((l) => [l?.px, l?.sz]) : []));
    if (
      sides.some((s) =>
        s.some(([p, q]) => typeof p !== 'string' || typeof q !== 'string' || !DECIMAL.test(p) || !DECIMAL.test(q)),
      )
    ) {
      this.invalid++;
      return;
    }
    if (!this.options.ignoreTime && this.time !== undefined && d.time <= this.time) return;
    this.time = d.time;
    this.bids = sides[0] as Level[];
    this.asks = sides[1] as Level[];
  }

  private onTrades(data: unknown): void {
    if (!Array.isArray(data)) return;
    const history = this.awaitingHistory;
    this.awaitingHistory = false;
    for (const t of data as { tid: number; side: string }[]) {
      if (this.seen.has(t.tid)) continue;
      this.seen.add(t.tid);
      if (history) this.historyTids.add(t.tid);
      else this.trades.push({ tid: t.tid, side: t.side === 'B' ? 'buy' : 'sell' });
    }
  }
}

function holdsTruth(venue: HyperliquidSimVenue, client: ReferenceClient): boolean {
  const truth = venue.truthAt(client.coin, client.options.fast ? 'fast' : 'default');
  return (
    client.time === truth.updateId &&
    JSON.stringify(client.bids) === JSON.stringify(truth.bids) &&
    JSON.stringify(client.asks) === JSON.stringify(truth.asks)
  );
}

async function assertHoldsTruth(venue: HyperliquidSimVenue, client: ReferenceClient, what: string): Promise<void> {
  await waitFor(
    () => holdsTruth(venue, client),
    () =>
      `${what}: client time ${client.time}, venue ${venue.truthAt(client.coin, client.options.fast ? 'fast' : 'default').updateId}`,
  );
  const truth = venue.truthAt(client.coin, client.options.fast ? 'fast' : 'default');
  assert.deepEqual(
    { time: client.time, bids: client.bids, asks: client.asks },
    { time: truth.updateId, bids: truth.bids, asks: truth.asks },
  );
}

describe('simulated Hyperliquid perpetuals', () => {
  let venue: HyperliquidSimVenue;
  before(async () => {
    venue = new HyperliquidSimVenue({ seed: 5, market: { fairSeed: 5 }, idleCloseMs: 60_000 });
    await venue.listen();
  });
  after(async () => {
    await venue.stop();
  });

  it('names coins the venue’s way: BTC and kPEPE (1,000 PEPE), canonical BTC-USDC and 1000PEPE-USDC, sizes in coin units', () => {
    assert.deepEqual(venue.symbols(), ['BTC', 'ETH', 'kPEPE']);
    assert.equal(venue.canonical('BTC'), 'BTC-USDC');
    assert.equal(venue.canonical('kPEPE'), '1000PEPE-USDC');
    assert.equal(venue.contractSize('kPEPE'), '1');
    assert.equal(hyperliquidSim({ seed: 1 }).id, 'hyperliquid');
  });

  it('serves POST /info {"type":"meta"} in the real shape, which the FlowRS loader reads; 429 when rate limited', async () => {
    const instruments = await loadInstruments({ restUrl: venue.restBaseUrl }, AbortSignal.timeout(5_000));
    assert.deepEqual(
      instruments.map((i) => [i.symbol, i.canonical, i.lotSize]),
      [
        ['BTC', 'BTC-USDC', '0.001'],
        ['ETH', 'ETH-USDC', '0.001'],
        ['kPEPE', '1000PEPE-USDC', '1'],
      ],
    );
    venue.rateLimitNext(1);
    await assert.rejects(
      loadInstruments({ restUrl: venue.restBaseUrl }, AbortSignal.timeout(5_000)),
      (e) => e instanceof VenueHttpError && e.status === 429,
    );
    assert.equal((await loadInstruments({ restUrl: venue.restBaseUrl }, AbortSignal.timeout(5_000))).length, 3);
  });

  it('speaks the exact wire: greeting, content-echo acks, whole pictures of 20 (or 5 fast) levels, history batch, pong, error texts', async () => {
    const { ws, frames } = await openRecordingSocket(venue.wsUrl);
    const send = (o: unknown) => ws.send(JSON.stringify(o));
    await waitFor(() => frames.length >= 1, 'greeting');
    assert.equal(frames[0], 'Websocket connection established.');
    send({ method: 'subscribe', subscription: { type: 'l2Book', coin: 'BTC' } });
    await waitFor(() => frames.length >= 3, 'ack and first picture');
    assert.equal(
      frames[1],
      '{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}}}',
    );
    const first = JSON.parse(frames[2]);
    assert.deepEqual(Object.keys(first.data), ['coin', 'time', 'levels']);
    assert.equal(first.data.levels[0].length, 20);
    assert.equal(first.data.levels[1].length, 20);
    assert.deepEqual(Object.keys(first.data.levels[0][0]), ['px', 'sz', 'n']);
    assert.ok(Number(first.data.levels[0][0].px) < Number(first.data.levels[1][0].px), 'bids below asks');

    send({ method: 'subscribe', subscription: { type: 'l2Book', coin: 'ETH', fast: true } });
    send({ method: 'subscribe', subscription: { type: 'trades', coin: 'BTC' } });
    await waitFor(() => frames.length >= 7, 'fast ack + picture, trades ack + history');
    const fast = JSON.parse(frames[4]);
    assert.equal(
      frames[3],
      '{"channel":"subscriptionResponse","data":{"method":"subscribe","subscription":{"type":"l2Book","coin":"ETH","fast":true}}}',
    );
    assert.equal(fast.data.levels[0].length, 5);
    const historyBatch = JSON.parse(frames[6]);
    assert.equal(historyBatch.channel, 'trades');
    assert.equal(historyBatch.data.length, SIM_HISTORY_BATCH_SIZE);
    assert.deepEqual(Object.keys(historyBatch.data[0]), ['coin', 'side', 'px', 'sz', 'hash', 'time', 'tid', 'users']);

    const before = frames.length;
    send({ method: 'subscribe', subscription: { type: 'l2Book', coin: 'NOPE' } });
    send({ method: 'subscribe', subscription: { type: 'l2Book', coin: 'BTC' } });
    send({
      method: 'subscribe',
      subscription: [
        { type: 'l2Book', coin: 'ETH' },
        { type: 'trades', coin: 'ETH' },
      ],
    });
    send({ method: 'unsubscribe', subscription: { type: 'l2Book', coin: 'BTC' } });
    send({ method: 'unsubscribe', subscription: { type: 'l2Book', coin: 'BTC' } });
    send({ method: 'ping' });
    await waitFor(() => frames.length >= before + 5, 'five answers (the batch gets none)');
    assert.deepEqual(frames.slice(before), [
      '{"channel":"error","data":"Invalid subscription {\\"type\\":\\"l2Book\\",\\"coin\\":\\"NOPE\\"}"}',
      '{"channel":"error","data":"Already subscribed: {\\"type\\":\\"l2Book\\",\\"coin\\":\\"BTC\\"}"}',
      '{"channel":"subscriptionResponse","data":{"method":"unsubscribe","subscription":{"type":"l2Book","coin":"BTC"}}}',
      '{"channel":"error","data":"Already unsubscribed: {\\"type\\":\\"l2Book\\",\\"coin\\":\\"BTC\\"}"}',
      '{"channel":"pong"}',
    ]);
    assert.ok(venue.stats.ignoredRequests >= 1);

    // Each step is one block: one picture per coin with a strictly later time, and the taker's side on trades.
    const at = frames.length;
    for (let i = 0; i < 50; i++) venue.step('ETH');
    await waitFor(
      () => frames.slice(at).filter((f) => f.startsWith('{"channel":"l2Book"')).length === 50,
      '50 pictures',
    );
    const times = frames
      .slice(at)
      .filter((f) => f.startsWith('{"channel":"l2Book"'))
      .map((f) => JSON.parse(f).data.time);
    for (let i = 1; i < times.length; i++) assert.ok(times[i] > times[i - 1], 'time rises');
    ws.close();
  });

  it('a reference client reproduces truth() exactly through missed, repeated and late pictures, drops, closes, stalls, bad frames, a venue jump and a refusal', async () => {
    const client = new ReferenceClient(venue.wsUrl, 'BTC', { pingMs: 100 });
    const fastClient = new ReferenceClient(venue.wsUrl, 'kPEPE', { fast: true, pingMs: 100 });
    client.connect();
    fastClient.connect();
    const steps = (n: number) => {
      for (let i = 0; i < n; i++) venue.step();
    };
    try {
      steps(20);
      await assertHoldsTruth(venue, client, 'steady');
      await assertHoldsTruth(venue, fastClient, 'steady, fast');
      assert.equal(fastClient.bids.length, 5);
      assert.equal(client.bids.length, 20);

      venue.faults.withholdNext('BTC', 3);
      steps(5);
      await assertHoldsTruth(venue, client, 'after missed pictures (no gap to detect: the next one is whole)');

      venue.faults.duplicateNext('BTC', 2);
      venue.faults.reorderNext('BTC');
      steps(4);
      await assertHoldsTruth(venue, client, 'after repeated and late pictures');

      venue.faults.reorderNext('BTC');
      steps(1);
      // The held picture is not delivered yet: the client holds the one before, as truth() says.
      await assertHoldsTruth(venue, client, 'while a picture is held back');
      steps(1);
      await assertHoldsTruth(venue, client, 'after the late picture (older time: dropped)');

      const connects = client.connects;
      venue.dropAllConnections();
      await waitFor(() => client.connects > connects, 'reconnect after a drop');
      steps(3);
      await assertHoldsTruth(venue, client, 'after a drop');

      venue.closeAllConnections();
      steps(2);
      await assertHoldsTruth(venue, client, 'after a clean close');

      venue.stall({ pong: false });
      steps(5);
      await assertHoldsTruth(venue, client, 'after a stall without pongs (missing pong → reconnect)');

      const invalid = client.invalid;
      venue.sendMalformed('bad_level');
      venue.sendMalformed('invalid_json');
      venue.sendMalformed('wrong_types');
      await waitFor(() => client.invalid >= invalid + 3, 'malformed frames seen');
      await assertHoldsTruth(venue, client, 'a bad frame changes nothing');
      steps(1);
      await assertHoldsTruth(venue, client, 'the next real picture applies after a bad frame');

      venue.venueReset('BTC');
      await assertHoldsTruth(venue, client, 'after a venue jump');
      steps(2);
      await assertHoldsTruth(venue, fastClient, 'fast client through everything');

      venue.rejectNextSubscription('BTC');
      venue.dropAllConnections();
      await waitFor(() => client.errors.some((e) => e.startsWith('Subscription refused: ')), 'the refusal');
      client.resubscribeBook();
      steps(1);
      await assertHoldsTruth(venue, client, 'after a refused subscription is retried');

      // Trades: the history batch is never counted as new, tids never repeat, the taker side is B/A.
      assert.ok(client.historyTids.size >= SIM_HISTORY_BATCH_SIZE);
      assert.ok(client.trades.length > 0);
      assert.ok(client.trades.every((t) => !client.historyTids.has(t.tid)));
      assert.equal(new Set(client.trades.map((t) => t.tid)).size, client.trades.length);
      assert.ok(client.trades.some((t) => t.side === 'buy') && client.trades.some((t) => t.side === 'sell'));
    } finally {
      client.close();
      fastClient.close();
    }
  });

  it('a careless client that applies every picture regardless of its time ends up behind after a late one', async () => {
    const careless = new ReferenceClient(venue.wsUrl, 'ETH', { pingMs: 100, ignoreTime: true });
    careless.connect();
    try {
      venue.step('ETH');
      await waitFor(() => careless.time === venue.truth('ETH').updateId, 'in step');
      venue.faults.reorderNext('ETH');
      venue.step('ETH');
      venue.step('ETH');
      const truth = venue.truth('ETH');
      await waitFor(
        () => careless.time !== undefined && careless.time < truth.updateId,
        'the late picture overwrote the newer one',
      );
      assert.notDeepEqual({ bids: careless.bids, time: careless.time }, { bids: truth.bids, time: truth.updateId });
    } finally {
      careless.close();
    }
  });

  it('closes a connection it has not heard from within the idle limit, and keeps one that pings', async () => {
    const quiet = new HyperliquidSimVenue({ seed: 2, idleCloseMs: 200 });
    await quiet.listen();
    try {
      const silent = await openRecordingSocket(quiet.wsUrl);
      let closed = false;
      silent.ws.on('close', () => {
        closed = true;
      });
      const pinging = new ReferenceClient(quiet.wsUrl, 'ETH', { pingMs: 50 });
      pinging.connect();
      await waitFor(() => closed, 'the silent connection is closed');
      assert.equal(pinging.connects, 1, 'the pinging client was never closed');
      quiet.step('ETH');
      await assertHoldsTruth(quiet, pinging, 'pinging client still served');
      pinging.close();
    } finally {
      await quiet.stop();
    }
  });
});
