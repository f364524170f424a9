import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { toBaseQuantity } from '../../../core/instrument.js';
import type { PriceLevel } from '../../../core/types.js';
import { sortedLevels } from '../../../sim/test-support/reference-clients.js';
import { openRecordingSocket } from '../../../sim/test-support/socket.js';
import { sleep, waitFor } from '../../../sim/test-support/wait.js';
import { VenueHttpError } from '../../errors.js';
import { loadGateInstruments } from '../instruments.js';
import { parseGateFrame } from '../parse.js';
import createGateSim from './index.js';
import type { GateSimVenue } from './venue.js';

const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * Gate's documented procedure for `futures.obu`, one stream, written from the docs alone: a full push
 * replaces the book whenever it comes; an increment applies iff `U` = last `u` + 1 ("0" deletes);
 * otherwise unsubscribe, wait for the ack, subscribe again; a refused subscription is retried.
 */
class GateReferenceClient {
  book = { bids: new Map<string, string>(), asks: new Map<string, string>() };
  lastU: number | undefined;
  resyncs = 0;
  malformed = 0;
  fulls = 0;
  refusals = 0;
  closed = false;
  private ws: WebSocket | undefined;
  private nextId = 1;
  private resubscribing = false;
  readonly stream: string;

  constructor(
    readonly url: string,
    readonly contract: string,
    depth: number,
  ) {
    this.stream = `ob.${contract}.${depth}`;
  }

  connect(): Promise<void> {
    return new Promise((resolve) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      ws.on('open', () => {
        this.send('subscribe');
        resolve();
      });
      ws.on('message', (data) => this.onFrame(data.toString()));
      ws.on('close', () => {
        if (this.closed) return;
        this.lastU = undefined;
        this.resubscribing = false;
        setTimeout(() => void this.connect(), 20);
      });
      ws.on('error', () => undefined);
    });
  }

  close(): void {
    this.closed = true;
    this.ws?.terminate();
  }

  private send(event: 'subscribe' | 'unsubscribe'): void {
    const request = {
      time: Math.floor(Date.now() / 1000),
      id: this.nextId++,
      channel: 'futures.obu',
      event,
      payload: [this.stream],
    };
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(request));
  }

  private onFrame(text: string): void {
    let m: {
      channel?: string;
      event?: string;
      error?: { code: number; message: string } | null;
      result?: { full?: boolean; s?: string; U?: number; u?: number; b?: PriceLevel[]; a?: PriceLevel[] };
    };
    try {
      m = JSON.parse(text);
    } catch {
      this.malformed++;
      return;
    }
    if (m.event === 'subscribe' || m.event === 'unsubscribe') {
      if (m.error) {
        if (m.error.message.startsWith('Alert sub')) return;
        this.refusals++;
        setTimeout(() => this.send('subscribe'), 20);
        return;
      }
      if (m.event === 'unsubscribe' && this.resubscribing) {
        this.resubscribing = false;
        this.send('subscribe');
      }
      return;
    }
    if (m.channel !== 'futures.obu') return;
    const r = m.result;
    const b = r?.b ?? [];
    const a = r?.a ?? [];
    if (
      m.event !== 'update' ||
      r === undefined ||
      r.s !== this.stream ||
      typeof r.u !== 'number' ||
      (r.full !== true && typeof r.U !== 'number') ||
      !Array.isArray(b) ||
      !Array.isArray(a) ||
      [...b, ...a].some((l) => !DECIMAL.test(l[0]) || !DECIMAL.test(l[1]))
    ) {
      this.malformed++;
      return;
    }
    if (r.full === true) {
      this.fulls++;
      this.book = { bids: new Map(b), asks: new Map(a) };
      this.lastU = r.u;
      return;
    }
    if (this.lastU === undefined) return;
    if (r.U !== this.lastU + 1) {
      this.resyncs++;
      this.lastU = undefined;
      this.resubscribing = true;
      this.send('unsubscribe');
      return;
    }
    for (const [p, q] of b) Number(q) === 0 ? this.book.bids.delete(p) : this.book.bids.set(p, q);
    for (const [p, q] of a) Number(q) === 0 ? this.book.asks.delete(p) : this.book.asks.set(p, q);
    this.lastU = r.u;
  }
}

const json = (frames: string[]) => frames.map((f) => JSON.parse(f));

async function inSync(sim: GateSimVenue, client: GateReferenceClient, steps = 40): Promise<void> {
  for (let i = 0; i < steps; i++) {
    sim.step(client.contract);
    if (i % 10 === 0) await sleep(1);
  }
  await waitFor(
    () => client.lastU === sim.truth(client.contract).updateId,
    () => `client at ${client.lastU}, venue at ${sim.truth(client.contract).updateId}`,
  );
  const truth = sim.truth(client.contract);
  const mine = sortedLevels(client.book);
  assert.deepEqual(mine.bids, truth.bids);
  assert.deepEqual(mine.asks, truth.asks);
}

describe('simulated Gate futures v4 (USDT)', () => {
  let sim: GateSimVenue;
  before(async () => {
    sim = createGateSim({ seed: 5, depth: 50 } as Parameters<typeof createGateSim>[0]) as GateSimVenue;
    await sim.listen();
  });
  after(async () => {
    await sim.stop();
  });

  it('acks exactly like the venue, then a full push and increments chained by U = last u + 1, sizes in contracts', async () => {
    const { ws, frames } = await openRecordingSocket(sim.wsUrl);
    ws.send('{"time":1,"id":1,"channel":"futures.obu","event":"subscribe","payload":["ob.BTC_USDT.50"]}');
    await waitFor(() => frames.length >= 2, 'ack and full push');
    const ack = json(frames).find((x) => x.event === 'subscribe');
    const full = json(frames).find((x) => x.event === 'update');
    assert.deepEqual(Object.keys(ack), [
      'time',
      'time_ms',
      'id',
      'conn_id',
      'trace_id',
      'channel',
      'event',
      'payload',
      'result',
    ]);
    assert.deepEqual(
      [ack.id, ack.channel, ack.payload, ack.result],
      [1, 'futures.obu', ['ob.BTC_USDT.50'], { status: 'success' }],
    );
    assert.deepEqual(Object.keys(full.result), ['t', 'full', 's', 'u', 'b', 'a']);
    assert.equal(full.result.b.length, 50);
    // BTC_USDT: one contract is 0.0001 BTC, so base = contracts × 0.0001 exactly.
    const truth = sim.truth('BTC_USDT');
    assert.deepEqual(full.result.b, truth.bids);
    assert.equal(sim.contractSize('BTC_USDT'), '0.0001');
    assert.match(
      toBaseQuantity(full.result.b[0][1], '0.0001'),
      /^\d+(\.\d{1,3})?$/,
      'a whole number of model units (0.001 BTC)',
    );
    frames.length = 0;
    for (let i = 0; i < 300; i++) sim.step('BTC_USDT');
    await waitFor(() => frames.length >= 300, 'increments');
    let u = full.result.u;
    let idOnly = 0;
    const bids = new Map<string, string>(full.result.b);
    for (const f of json(frames)) {
      if (f.result.full) {
        bids.clear();
        for (const [p, q] of f.result.b) bids.set(p, q);
        u = f.result.u;
        continue;
      }
      assert.equal(f.result.U, u + 1, 'U = last u + 1');
      assert.ok(f.result.u >= f.result.U);
      u = f.result.u;
      if (f.result.b === undefined && f.result.a === undefined) idOnly++;
      for (const [p, q] of f.result.b ?? []) q === '0' ? bids.delete(p) : bids.set(p, q);
      assert.equal(bids.size, 50, 'the window is exactly its depth');
    }
    assert.equal(u, sim.truth('BTC_USDT').updateId);
    assert.ok(idOnly > 0, 'increments with no level inside the window still move the id');
    ws.close();
  });

  it('answers with the venue’s own errors: duplicate stream, unlisted contract, unknown channel, non-JSON', async () => {
    const { ws, frames } = await openRecordingSocket(sim.wsUrl);
    ws.send('{"time":1,"id":1,"channel":"futures.obu","event":"subscribe","payload":["ob.ETH_USDT.50"]}');
    await waitFor(() => frames.length >= 2, 'first subscription');
    frames.length = 0;
    ws.send('{"time":1,"id":2,"channel":"futures.obu","event":"subscribe","payload":["ob.ETH_USDT.50"]}');
    ws.send('{"time":1,"id":3,"channel":"futures.trades","event":"subscribe","payload":["NOPE_USDT"]}');
    ws.send('{"time":1,"id":4,"channel":"futures.nope","event":"subscribe","payload":["BTC_USDT"]}');
    ws.send('hello');
    ws.send('{"time":1,"id":5,"channel":"futures.obu","event":"subscribe","payload":["ob.NOPE_USDT.50"]}');
    await waitFor(() => frames.length >= 5, 'five answers');
    const answers = json(frames);
    assert.deepEqual(
      answers.map((x) => [x.id, x.error?.code, x.error?.message, x.result?.status]),
      [
        [2, 2, 'Alert sub ob.ETH_USDT.50', 'fail'],
        [3, 2, 'unknown currency pair NOPE_USDT', 'fail'],
        [4, 2, 'Unknown channel futures.nope', 'fail'],
        [undefined, 1, 'request message need json scheme', 'fail'],
        // futures.obu acknowledges a contract it does not list, then stays silent (seen live).
        [5, undefined, undefined, 'success'],
      ],
    );
    const dup = parseGateFrame(frames[0], 0);
    const unknown = parseGateFrame(frames[1], 0);
    assert.ok(dup.kind === 'ack' && unknown.kind === 'ack');
    assert.deepEqual([dup.alreadySubscribed, dup.unknownSymbol], [true, undefined]);
    assert.deepEqual([unknown.unknownSymbol, unknown.topics], [true, ['NOPE_USDT']]);
    ws.close();
  });

  it('answers futures.ping and protocol pings, and stops when stalled without pongs', async () => {
    const { ws, frames } = await openRecordingSocket(sim.wsUrl);
    let pongs = 0;
    ws.on('pong', () => pongs++);
    ws.send('{"time":1,"channel":"futures.ping"}');
    ws.ping();
    await waitFor(() => frames.length >= 1 && pongs >= 1, 'pongs');
    assert.deepEqual(parseGateFrame(frames[0], 0), { kind: 'pong' });
    sim.stall({ pong: false });
    ws.send('{"time":1,"channel":"futures.ping"}');
    ws.ping();
    ws.send('{"time":1,"id":9,"channel":"futures.trades","event":"subscribe","payload":["BTC_USDT"]}');
    await waitFor(() => frames.length >= 2, 'the subscribe ack still comes');
    assert.equal(json(frames)[1].event, 'subscribe', 'no futures.pong while stalled without pongs');
    assert.equal(pongs, 1);
    ws.close();
  });

  it('sends trades with signed sizes: negative = taker sold, |size| in contracts', async () => {
    const { ws, frames } = await openRecordingSocket(sim.wsUrl);
    ws.send('{"time":1,"id":1,"channel":"futures.trades","event":"subscribe","payload":["BTC_USDT"]}');
    await waitFor(() => frames.length >= 1, 'ack');
    for (let i = 0; i < 200; i++) sim.step('BTC_USDT');
    await waitFor(() => json(frames).filter((f) => f.event === 'update').length >= 20, 'trades');
    const sides = new Set<string>();
    for (const text of frames.slice(1)) {
      const raw = JSON.parse(text);
      const parsed = parseGateFrame(text, 0);
      assert.ok(parsed.kind === 'trades');
      raw.result.forEach((t: { size: number }, i: number) => {
        const trade = parsed.trades[i];
        assert.equal(trade.side, t.size < 0 ? 'sell' : 'buy');
        assert.equal(trade.size, String(Math.abs(t.size)));
        sides.add(trade.side);
      });
    }
    assert.deepEqual([...sides].sort(), ['buy', 'sell']);
    ws.close();
  });

  it('serves the contracts list, and Gate’s 429 answer when rate limited', async () => {
    sim.rateLimitNext(1);
    await assert.rejects(loadGateInstruments({ restUrl: sim.restUrl }, AbortSignal.timeout(5_000)), (err) => {
      assert.ok(err instanceof VenueHttpError);
      assert.deepEqual([err.status, JSON.parse(err.body).label], [429, 'TOO_MANY_REQUESTS']);
      return true;
    });
    const list = await loadGateInstruments({ restUrl: sim.restUrl }, AbortSignal.timeout(5_000));
    assert.deepEqual(
      list.map((i) => [i.symbol, i.canonical, i.contractSize]),
      sim.symbols().map((s) => [s, sim.canonical(s), sim.contractSize(s)]),
    );
    assert.deepEqual(sim.symbols(), ['BTC_USDT', 'ETH_USDT', '1000PEPE_USDT']);
  });

  it('a reference client following the documented procedure holds truth() exactly through every fault', async () => {
    const client = new GateReferenceClient(sim.wsUrl, 'BTC_USDT', 50);
    await client.connect();
    try {
      await inSync(sim, client);

      sim.faults.withholdNext('BTC_USDT');
      await inSync(sim, client);
      assert.equal(client.resyncs, 1, 'a gap costs one resubscription');

      sim.faults.duplicateNext('BTC_USDT');
      await inSync(sim, client);
      sim.faults.reorderNext('BTC_USDT');
      await inSync(sim, client);

      const fulls = client.fulls;
      sim.step('BTC_USDT');
      sim.resendFull('BTC_USDT');
      await inSync(sim, client);
      assert.ok(client.fulls > fulls, 'the re-sent full push replaced the book');

      sim.venueReset('BTC_USDT');
      await inSync(sim, client);
      assert.ok(sim.truth('BTC_USDT').updateId < 10_000, 'ids restarted low');

      for (const kind of ['invalid_json', 'wrong_types', 'unknown_event', 'bad_level'] as const) {
        sim.sendMalformed(kind);
        await inSync(sim, client);
      }
      assert.equal(client.malformed, 4);

      sim.rejectNextSubscription('BTC_USDT');
      sim.dropAllConnections();
      await inSync(sim, client);
      assert.equal(client.refusals, 1);

      sim.closeAllConnections();
      await inSync(sim, client);
    } finally {
      client.close();
    }
  });

  it('re-sends full pushes at random times; the reference client follows them', async () => {
    const noisy = createGateSim({ seed: 9, depth: 400, spontaneousFullChance: 0.2 } as Parameters<
      typeof createGateSim
    >[0]) as GateSimVenue;
    await noisy.listen();
    const client = new GateReferenceClient(noisy.wsUrl, 'ETH_USDT', 400);
    await client.connect();
    try {
      await inSync(noisy, client, 100);
      assert.ok(client.fulls > 5, `${client.fulls} full pushes`);
      assert.equal(client.resyncs, 0);
      assert.deepEqual(noisy.env(), {
        FLOWRS_GATE_WS_URL: noisy.wsUrl,
        FLOWRS_GATE_REST_URL: noisy.restUrl,
        FLOWRS_GATE_DEPTH: '400',
      });
    } finally {
      client.close();
      await noisy.stop();
    }
  });
});
