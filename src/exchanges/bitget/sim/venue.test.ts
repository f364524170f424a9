import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { WebSocket } from 'ws';
import { NAMED_INSTRUMENTS } from '../../../sim/market.js';
import { waitFor } from '../../../sim/test-support/wait.js';
import { VenueHttpError } from '../../errors.js';
import { loadInstruments } from '../instruments.js';
import bitgetSim from './index.js';
import { BitgetSimVenue, type BitgetSimVenueOptions } from './venue.js';

type Level = [string, string];

/**
 * A deliberately small client following Bitget's documented procedure, not FlowRS's code: one
 * connection; `{"op":"subscribe","args":[{instType, channel, instId}]}` for `books` and `trade`; the
 * first `books` push is a snapshot that replaces the book, each update sets absolute sizes (0 deletes);
 * an update applies iff its `pseq` is the last `seq` (or, without `pseq`, iff its `seq` is larger); a
 * non-zero checksum (the OKX string over the raw strings, signed CRC32) must match; any break →
 * unsubscribe and subscribe again; the first `trade` push (`snapshot`) is past trades; the text `ping`
 * every interval, and no `pong` since the last one, or no data for a while → reconnect.
 */
class ReferenceClient {
  readonly books = new Map<string, { bids: Map<string, string>; asks: Map<string, string>; seq: number } | null>();
  readonly history: { tradeId: string; side: string; size: string }[] = [];
  readonly live: { tradeId: string; side: string; size: string }[] = [];
  readonly errors: { code: number; msg: string; instId?: string }[] = [];
  resyncs = 0;
  invalid = 0;
  connects = 0;
  lastDataAt = Date.now();
  private ws: WebSocket | undefined;
  private closed = false;
  private awaitingPong = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly url: string,
    readonly symbols: readonly string[],
    readonly options: { pingMs?: number; dataTimeoutMs?: number; noPing?: boolean } = {},
  ) {}

  connect(): void {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    this.connects++;
    ws.on('open', () => {
      for (const s of this.symbols) this.books.set(s, null);
      this.awaitingPong = false;
      this.lastDataAt = Date.now();
      this.send(
        'subscribe',
        this.symbols.flatMap((s) => [this.arg('books', s), this.arg('trade', s)]),
      );
      this.timer = setInterval(() => this.tick(ws), this.options.pingMs ?? 100);
    });
    ws.on('message', (data) => this.onFrame(data.toString()));
    ws.on('close', () => {
      clearInterval(this.timer);
      if (!this.closed) setTimeout(() => this.connect(), 10);
    });
    ws.on('error', () => undefined);
  }

  private tick(ws: WebSocket): void {
    const stale = Date.now() - this.lastDataAt > (this.options.dataTimeoutMs ?? 2_000);
    if (this.awaitingPong || stale) {
      ws.terminate();
      return;
    }
    if (this.options.noPing) return;
    this.awaitingPong = true;
    ws.send('ping');
  }

  private arg(channel: string, instId: string) {
    return { instType: 'USDT-FUTURES', channel, instId };
  }

  private send(op: string, args: object[]): void {
    this.ws?.send(JSON.stringify({ op, args }));
  }

  subscribeBook(instId: string): void {
    this.send('subscribe', [this.arg('books', instId)]);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.ws?.terminate();
  }

  bookOf(instId: string): { bids: Level[]; asks: Level[]; seq: number } | undefined {
    const b = this.books.get(instId);
    if (!b) return undefined;
    const sorted = (m: Map<string, string>, desc: boolean) =>
      [...m].sort((x, y) => (desc ? Number(y[0]) - Number(x[0]) : Number(x[0]) - Number(y[0])));
    return { bids: sorted(b.bids, true), asks: sorted(b.asks, false), seq: b.seq };
  }

  private resync(instId: string): void {
    this.resyncs++;
    this.books.set(instId, null);
    this.send('unsubscribe', [this.arg('books', instId)]);
    this.send('subscribe', [this.arg('books', instId)]);
  }

  private onFrame(text: string): void {
    if (text === 'pong') {
      this.awaitingPong = false;
      return;
    }
    let m: { event?: string; action?: string; arg?: { channel?: string; instId?: string }; data?: unknown[] };
    m = {};
    try {
      m = JSON.parse(text);
    } catch {
      this.invalid++;
      return;
    }
    if (m.event === 'error') {
      const e = m as unknown as { code: number; msg: string };
      this.errors.push({ code: e.code, msg: e.msg, instId: m.arg?.instId });
      return;
    }
    if (m.event !== undefined) return;
    const instId = m.arg?.instId;
    if (typeof instId !== 'string' || !Array.isArray(m.data)) {
      this.invalid++;
      return;
    }
    if (m.arg?.channel === 'trade') this.onTrades(m.action, m.data);
    else if (m.arg?.channel === 'books') this.onBook(instId, m.action, m.data[0]);
    else this.invalid++;
  }

  private onTrades(action: string | undefined, data: unknown[]): void {
    const into = action === 'snapshot' ? this.history : this.live;
    for (const t of data as { tradeId: string; side: string; size: string }[]) into.push(t);
  }

  private onBook(instId: string, action: string | undefined, raw: unknown): void {
    const d = raw as { asks?: unknown; bids?: unknown; seq?: unknown; pseq?: unknown; checksum?: unknown };
    const valid = (side: unknown): side is Level[] =>
      Array.isArray(side) &&
      side.every(
        (l) => Array.isArray(l) && typeof l[0] === 'string' && /^\d+(\.\d+)?$/.test(l[0]) && /^\d+(\.\d+)?$/.test(l[1]),
      );
    if (!d || typeof d.seq !== 'number' || !valid(d.asks) || !valid(d.bids)) {
      this.invalid++;
      return;
    }
    this.lastDataAt = Date.now();
    let book = this.books.get(instId);
    if (action === 'snapshot') {
      book = { bids: new Map(), asks: new Map(), seq: d.seq };
      this.books.set(instId, book);
    } else {
      if (!book) return;
      if (typeof d.pseq === 'number') {
        if (d.pseq !== book.seq) {
          if (d.seq <= book.seq && d.pseq !== 0) return; // a repeat
          this.resync(instId);
          return;
        }
      } else if (d.seq <= book.seq) {
        return;
      }
      book.seq = d.seq;
    }
    for (const [p, q] of d.bids) q === '0' || Number(q) === 0 ? book.bids.delete(p) : book.bids.set(p, q);
    for (const [p, q] of d.asks) q === '0' || Number(q) === 0 ? book.asks.delete(p) : book.asks.set(p, q);
    if (typeof d.checksum === 'number' && d.checksum !== 0) {
      const b = this.bookOf(instId)!;
      const parts: string[] = [];
      for (let i = 0; i < 25; i++) {
        if (i < b.bids.length) parts.push(...b.bids[i]);
        if (i < b.asks.length) parts.push(...b.asks[i]);
      }
      if ((crc32(parts.join(':')) | 0) !== d.checksum) this.resync(instId);
    }
  }
}

const venues: BitgetSimVenue[] = [];
const clients: ReferenceClient[] = [];

async function start(options: Partial<BitgetSimVenueOptions> = {}): Promise<BitgetSimVenue> {
  const venue = new BitgetSimVenue({ seed: 7, ...options });
  await venue.listen();
  venues.push(venue);
  return venue;
}

function client(venue: BitgetSimVenue, symbols = venue.symbols(), options = {}): ReferenceClient {
  const c = new ReferenceClient(venue.wsUrl, symbols, options);
  clients.push(c);
  c.connect();
  return c;
}

function matches(c: ReferenceClient, venue: BitgetSimVenue, instId: string): boolean {
  const held = c.bookOf(instId);
  const truth = venue.truth(instId);
  return (
    held !== undefined &&
    held.seq === truth.updateId &&
    JSON.stringify(held.bids) === JSON.stringify(truth.bids) &&
    JSON.stringify(held.asks) === JSON.stringify(truth.asks)
  );
}

async function exact(c: ReferenceClient, venue: BitgetSimVenue, what: string): Promise<void> {
  for (const s of venue.symbols()) {
    await waitFor(
      () => matches(c, venue, s),
      () => `${what}: ${s} at ${c.bookOf(s)?.seq} vs ${venue.truth(s).updateId}`,
    );
  }
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const v of venues.splice(0)) await v.stop();
});

describe('Bitget simulated venue: REST contracts', () => {
  it('lists the instruments with Bitget names, base coins and exact ticks, as FlowRS loads them', async () => {
    const venue = await start();
    const list = await loadInstruments({ restUrl: venue.restBaseUrl }, new AbortController().signal);
    assert.deepEqual(
      list.map((i) => [i.symbol, i.canonical, i.tickSize, i.lotSize, i.contractSize]),
      [
        ['BTCUSDT', 'BTC-USDT', '0.1', '0.001', '1'],
        ['ETHUSDT', 'ETH-USDT', '0.01', '0.001', '1'],
        ['PEPEUSDT', 'PEPE-USDT', '0.0000000001', '1000', '1'],
      ],
    );
    assert.deepEqual(venue.symbols(), ['BTCUSDT', 'ETHUSDT', 'PEPEUSDT']);
    assert.equal(venue.canonical('PEPEUSDT'), 'PEPE-USDT');
  });

  it('answers HTTP 429 while rate limited, then the list again', async () => {
    const venue = await start();
    venue.rateLimitNext(1);
    await assert.rejects(
      loadInstruments({ restUrl: venue.restBaseUrl }, new AbortController().signal),
      (e: unknown) => e instanceof VenueHttpError && e.status === 429 && e.pausesVenue,
    );
    assert.equal((await loadInstruments({ restUrl: venue.restBaseUrl }, new AbortController().signal)).length, 3);
  });

  it('is the default export of the sim folder', () => {
    assert.equal(bitgetSim({ seed: 1 }).id, 'bitget');
  });
});

describe('Bitget simulated venue: a reference client holds truth()', () => {
  it('follows snapshots and pseq-chained updates exactly, trailing zeros and base-coin sizes included', async () => {
    const venue = await start();
    const c = client(venue);
    await exact(c, venue, 'after the snapshots');
    for (let i = 0; i < 200; i++) venue.step();
    await exact(c, venue, 'after 200 steps');
    // Prices keep the instrument's decimals (BTC "…0" ticks at 2 decimals); PEPE sizes count PEPE (×1000).
    assert.match(venue.truth('BTCUSDT').bids[0][0], /^\d+\.\d0$/);
    assert.ok(venue.truth('PEPEUSDT').bids.every(([, q]) => q.endsWith('000')));
    assert.equal(c.invalid, 0);
    assert.equal(c.resyncs, 0);
  });

  it('detects a withheld update by pseq and recovers by resubscribing', async () => {
    const venue = await start();
    const c = client(venue);
    await exact(c, venue, 'start');
    venue.faults.withholdNext('BTCUSDT');
    for (let i = 0; i < 5; i++) venue.step('BTCUSDT');
    await exact(c, venue, 'after the gap');
    assert.ok(c.resyncs >= 1);
  });

  it('drops duplicates and repairs a reordering', async () => {
    const venue = await start();
    const c = client(venue);
    await exact(c, venue, 'start');
    venue.faults.duplicateNext('ETHUSDT', 3);
    for (let i = 0; i < 5; i++) venue.step('ETHUSDT');
    await exact(c, venue, 'after duplicates');
    assert.equal(c.resyncs, 0);
    venue.faults.reorderNext('ETHUSDT');
    for (let i = 0; i < 5; i++) venue.step('ETHUSDT');
    await exact(c, venue, 'after a reorder');
  });

  it('with seq only and a non-zero checksum, a lost update is caught by the checksum', async () => {
    const venue = await start({ sequence: 'seq', checksum: 'crc' });
    const c = client(venue);
    await exact(c, venue, 'start');
    venue.faults.withholdNext('BTCUSDT');
    for (let i = 0; i < 5; i++) venue.step('BTCUSDT');
    await exact(c, venue, 'after the gap');
    assert.ok(c.resyncs >= 1);
  });

  it('sends no checksum key in absent mode and 0 by default', async () => {
    const absent = await start({ checksum: 'absent' });
    const frames: string[] = [];
    const ws = new WebSocket(absent.wsUrl);
    ws.on('message', (d) => frames.push(d.toString()));
    await new Promise((r) => ws.once('open', r));
    ws.send('{"op":"subscribe","args":[{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"}]}');
    await waitFor(() => frames.length >= 2, 'ack and snapshot');
    ws.close();
    assert.equal(
      frames[0],
      '{"event":"subscribe","arg":{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"}}',
    );
    assert.ok(!frames[1].includes('checksum') && frames[1].includes('"pseq":0'));
  });

  it('symbol maintenance: seq jumps back, then a fresh snapshot; both sequence variants recover', async () => {
    for (const sequence of ['pseq', 'seq'] as const) {
      const venue = await start({ sequence });
      const c = client(venue);
      await exact(c, venue, `${sequence}: start`);
      venue.venueReset('BTCUSDT');
      assert.ok(venue.truth('BTCUSDT').updateId < 10);
      for (let i = 0; i < 5; i++) venue.step('BTCUSDT');
      await exact(c, venue, `${sequence}: after the reset`);
    }
  });

  it('malformed frames are ignored and the book stays exact', async () => {
    const venue = await start();
    const c = client(venue);
    await exact(c, venue, 'start');
    for (const kind of ['invalid_json', 'wrong_types', 'unknown_event', 'bad_level'] as const)
      venue.sendMalformed(kind);
    for (let i = 0; i < 5; i++) venue.step();
    await exact(c, venue, 'after malformed frames');
    await waitFor(() => c.invalid >= 3, 'malformed frames seen');
  });

  it('dropped and closed connections: the client reconnects and is exact again', async () => {
    const venue = await start();
    const c = client(venue);
    await exact(c, venue, 'start');
    venue.dropAllConnections();
    await waitFor(() => c.connects === 2, 'reconnected after a drop');
    venue.step();
    await exact(c, venue, 'after a drop');
    venue.closeAllConnections();
    await waitFor(() => c.connects === 3, 'reconnected after a close');
    venue.step();
    await exact(c, venue, 'after a close');
  });

  it('a stall with pongs is caught by no data, a stall without by the missing pong', async () => {
    for (const pong of [true, false]) {
      const venue = await start();
      const c = client(venue, venue.symbols(), { dataTimeoutMs: 300 });
      await exact(c, venue, 'start');
      const connects = c.connects;
      venue.stall({ pong });
      const stepper = setInterval(() => venue.step(), 20);
      try {
        await waitFor(() => c.connects > connects, `reconnected after a stall (pong ${pong})`);
      } finally {
        clearInterval(stepper);
      }
      await exact(c, venue, `after a stall (pong ${pong})`);
    }
  });

  it('closes a connection that sends no ping for the idle limit', async () => {
    const venue = await start({ idleCloseMs: 200 });
    const c = client(venue, ['BTCUSDT'], { noPing: true, dataTimeoutMs: 60_000 });
    await waitFor(() => c.connects >= 2, 'closed for silence and reconnected');
    assert.ok(venue.stats.idleCloses >= 1);
  });
});

describe('Bitget simulated venue: subscriptions and trades', () => {
  it('answers an unknown instrument with 30001 naming the argument, and a refusal with an error naming it', async () => {
    const venue = await start();
    const c = client(venue, ['BTCUSDT', 'NOPEUSDT']);
    await waitFor(() => c.errors.length >= 2, 'two errors');
    assert.deepEqual(c.errors.slice(0, 2), [
      {
        code: 30001,
        msg: "instType:USDT-FUTURES,channel:books,instId:NOPEUSDT,precision:null doesn't exist",
        instId: 'NOPEUSDT',
      },
      {
        code: 30001,
        msg: "instType:USDT-FUTURES,channel:trade,instId:NOPEUSDT,precision:null doesn't exist",
        instId: 'NOPEUSDT',
      },
    ]);
    venue.rejectNextSubscription('ETHUSDT');
    c.subscribeBook('ETHUSDT');
    await waitFor(() => c.errors.length === 3, 'the refusal');
    assert.deepEqual(c.errors[2], { code: 30006, msg: 'request too many', instId: 'ETHUSDT' });
    c.subscribeBook('ETHUSDT');
    await waitFor(() => matches(c, venue, 'ETHUSDT'), 'subscribed on the second try');
  });

  it('sends recent past trades as a snapshot push, then new trades with the taker side', async () => {
    const venue = await start();
    for (let i = 0; i < 60; i++) venue.step('BTCUSDT');
    const c = client(venue, ['BTCUSDT']);
    await waitFor(() => c.history.length > 0, 'the trade snapshot');
    const before = c.history.length;
    assert.ok(before <= 30);
    for (let i = 0; i < 60; i++) venue.step('BTCUSDT');
    await waitFor(() => c.live.length > 0, 'new trades');
    assert.equal(c.history.length, before);
    assert.ok(c.live.every((t) => (t.side === 'buy' || t.side === 'sell') && /^\d+\.\d{3}$/.test(t.size)));
    // Newer trades have larger ids; none of the history is repeated as new.
    const historyIds = new Set(c.history.map((t) => t.tradeId));
    assert.ok(c.live.every((t) => !historyIds.has(t.tradeId)));
  });

  it('follows the shared fair value across named instruments', async () => {
    const venue = await start({ instruments: NAMED_INSTRUMENTS.slice(0, 2), market: { fairSeed: 3, fairLagSteps: 1 } });
    const c = client(venue);
    for (let i = 0; i < 50; i++) venue.step();
    await exact(c, venue, 'with a shared fair value');
  });
});
