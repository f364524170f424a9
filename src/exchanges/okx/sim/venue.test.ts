import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { WebSocket } from 'ws';
import { toBaseQuantity } from '../../../core/instrument.js';
import { openRecordingSocket } from '../../../sim/test-support/socket.js';
import { sleep, waitFor } from '../../../sim/test-support/wait.js';
import { parseOkxInstruments } from '../instruments.js';
import { OkxSimVenue } from './venue.js';

type Level = [string, string];
interface Push {
  arg: { channel: string; instId: string };
  action?: string;
  data: {
    asks: string[][];
    bids: string[][];
    ts: string;
    checksum: number;
    prevSeqId: number;
    seqId: number;
  }[];
  event?: string;
}

/**
 * A small client that follows OKX's documented procedure to the letter, independent of FlowRS's code:
 * a snapshot replaces the book; an update applies iff its prevSeqId is the last seqId; anything else
 * is repaired by unsubscribing, waiting for the answer, and subscribing again; a non-zero checksum is
 * verified after every message. In `rest` mode it never uses an in-band snapshot and follows the REST
 * procedure instead (buffer, GET /api/v5/market/books, drop seqId <= snapshot seqId, first kept must
 * satisfy prevSeqId <= snapshot seqId < seqId).
 */
class OkxReferenceClient {
  bids = new Map<string, string>();
  asks = new Map<string, string>();
  last: number | undefined;
  resyncs = 0;
  checksumsVerified = 0;
  checksumMismatches = 0;
  restSnapshots = 0;
  pongs = 0;
  readonly acks: { event: string; code?: string }[] = [];
  private ws: WebSocket | undefined;
  private closed = false;
  private repairing = false;
  private buffer: Push[] = [];
  private fetching = false;
  private nextId = 1;

  constructor(
    readonly wsUrl: string,
    readonly restUrl: string,
    readonly instId: string,
    readonly options: { rest?: boolean } = {},
  ) {}

  async connect(): Promise<void> {
    const ws = new WebSocket(this.wsUrl);
    this.ws = ws;
    ws.on('message', (data) => this.onText(data.toString()));
    ws.on('close', () => {
      if (this.closed) return;
      this.reset();
      setTimeout(() => void this.connect(), 20);
    });
    ws.on('error', () => undefined);
    await new Promise<void>((resolve) => ws.once('open', () => resolve()));
    this.send('subscribe');
  }

  close(): void {
    this.closed = true;
    this.ws?.terminate();
  }

  ping(): void {
    this.ws?.send('ping');
  }

  sorted(): { bids: Level[]; asks: Level[] } {
    return {
      bids: [...this.bids].sort((a, b) => Number(b[0]) - Number(a[0])),
      asks: [...this.asks].sort((a, b) => Number(a[0]) - Number(b[0])),
    };
  }

  private send(op: 'subscribe' | 'unsubscribe'): void {
    this.ws?.send(JSON.stringify({ id: String(this.nextId++), op, args: [{ channel: 'books', instId: this.instId }] }));
  }

  private reset(): void {
    this.last = undefined;
    this.buffer = [];
    this.bids.clear();
    this.asks.clear();
  }

  private onText(text: string): void {
    if (text === 'pong') {
      this.pongs++;
      return;
    }
    let push: Push;
    try {
      push = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof push.event === 'string') {
      this.acks.push({ event: push.event, code: (push as { code?: string }).code });
      if (push.event === 'unsubscribe' && this.repairing) {
        this.repairing = false;
        this.send('subscribe');
      }
      return;
    }
    if (push.arg?.channel !== 'books' || push.arg.instId !== this.instId || this.repairing) return;
    const d = push.data?.[0];
    if (d === undefined || !Array.isArray(d.bids) || !Array.isArray(d.asks) || typeof d.seqId !== 'number') return;
    if (![...d.bids, ...d.asks].every((l) => /^\d+(\.\d+)?$/.test(l[0]) && /^\d+(\.\d+)?$/.test(l[1]))) return;
    if (push.action === 'snapshot') {
      if (this.options.rest) return; // "Ignore the first event received (action is snapshot)".
      this.reset();
      this.apply(d);
      return;
    }
    if (this.last === undefined) {
      if (this.options.rest) {
        this.buffer.push(push);
        void this.fetchSnapshot();
      }
      return;
    }
    if (d.prevSeqId !== this.last) {
      this.repair();
      return;
    }
    this.apply(d);
  }

  private apply(d: Push['data'][number]): void {
    for (const [p, q] of d.bids) Number(q) === 0 ? this.bids.delete(p) : this.bids.set(p, q);
    for (const [p, q] of d.asks) Number(q) === 0 ? this.asks.delete(p) : this.asks.set(p, q);
    this.last = d.seqId;
    if (d.checksum !== 0) {
      const { bids, asks } = this.sorted();
      const parts: string[] = [];
      for (let i = 0; i < 25; i++) {
        if (bids[i]) parts.push(...bids[i]);
        if (asks[i]) parts.push(...asks[i]);
      }
      if ((crc32(parts.join(':')) | 0) === d.checksum) this.checksumsVerified++;
      else {
        this.checksumMismatches++;
        this.repair();
      }
    }
  }

  private repair(): void {
    this.resyncs++;
    this.reset();
    this.repairing = true;
    this.send('unsubscribe');
  }

  private async fetchSnapshot(): Promise<void> {
    if (this.fetching) return;
    this.fetching = true;
    try {
      for (;;) {
        const res = await fetch(`${this.restUrl}/api/v5/market/books?instId=${this.instId}&sz=400&source=0`);
        const body = (await res.json()) as { data: { bids: string[][]; asks: string[][]; seqId: number }[] };
        const snap = body.data[0];
        if (this.buffer.length === 0 || snap.seqId < this.buffer[0].data[0].prevSeqId) continue;
        const kept = this.buffer.filter((p) => p.data[0].seqId > snap.seqId);
        if (kept.length > 0 && !(kept[0].data[0].prevSeqId <= snap.seqId && snap.seqId < kept[0].data[0].seqId)) {
          this.buffer = [];
          this.repair();
          return;
        }
        this.restSnapshots++;
        this.reset();
        for (const [p, q] of snap.bids) this.bids.set(p, q);
        for (const [p, q] of snap.asks) this.asks.set(p, q);
        this.last = snap.seqId;
        for (const p of kept) {
          const d = p.data[0];
          if (d.prevSeqId <= (this.last as number) && (this.last as number) < d.seqId) this.apply(d);
          else {
            this.repair();
            return;
          }
        }
        return;
      }
    } finally {
      this.fetching = false;
    }
  }
}

function assertEqualsTruth(venue: OkxSimVenue, client: OkxReferenceClient): void {
  const truth = venue.truth(client.instId);
  assert.equal(client.last, truth.updateId, 'the client holds the latest seqId');
  const mine = client.sorted();
  assert.deepEqual(mine.bids, truth.bids);
  assert.deepEqual(mine.asks, truth.asks);
}

async function runUntilInSync(venue: OkxSimVenue, client: OkxReferenceClient, steps = 30): Promise<void> {
  for (let i = 0; i < steps; i++) {
    venue.step(client.instId);
    await sleep(1);
  }
  await waitFor(
    () => client.last === venue.truth(client.instId).updateId,
    () => `client at ${client.last}, venue at ${venue.truth(client.instId).updateId}`,
  );
}

describe('simulated OKX v5 public', () => {
  let venue: OkxSimVenue;
  before(async () => {
    venue = new OkxSimVenue({ seed: 21 });
    await venue.listen();
  });
  after(async () => {
    await venue.stop();
  });

  it('names instruments the OKX way, with exact contract sizes', () => {
    assert.deepEqual(venue.symbols(), ['BTC-USDT-SWAP', 'ETH-USDT-SWAP', 'PEPE-USDT-SWAP']);
    assert.equal(venue.canonical('PEPE-USDT-SWAP'), 'PEPE-USDT');
    assert.equal(venue.contractSize('BTC-USDT-SWAP'), '0.01');
    assert.deepEqual(venue.env(), { FLOWRS_OKX_WS_URL: venue.wsUrl, FLOWRS_OKX_REST_URL: venue.restBaseUrl });
  });

  it('acknowledges each argument, then sends a checksum-0 snapshot and updates chained by prevSeqId', async () => {
    const { ws, frames } = await openRecordingSocket(venue.wsUrl);
    ws.send(
      JSON.stringify({
        id: 'r1',
        op: 'subscribe',
        args: [
          { channel: 'books', instId: 'BTC-USDT-SWAP' },
          { channel: 'trades', instId: 'BTC-USDT-SWAP' },
        ],
      }),
    );
    await waitFor(() => frames.length >= 3, 'two acks and a snapshot');
    const [ack, snapshotText, tradesAck] = [JSON.parse(frames[0]), frames[1], JSON.parse(frames[2])];
    assert.deepEqual(Object.keys(ack), ['id', 'event', 'arg', 'connId']);
    assert.deepEqual(
      { ...ack, connId: 'x' },
      {
        id: 'r1',
        event: 'subscribe',
        arg: { channel: 'books', instId: 'BTC-USDT-SWAP' },
        connId: 'x',
      },
    );
    assert.deepEqual(tradesAck.arg, { channel: 'trades', instId: 'BTC-USDT-SWAP' });
    const snapshot = JSON.parse(snapshotText);
    assert.deepEqual(Object.keys(snapshot), ['arg', 'action', 'data']);
    assert.deepEqual(Object.keys(snapshot.data[0]), ['asks', 'bids', 'ts', 'checksum', 'prevSeqId', 'seqId']);
    assert.equal(snapshot.action, 'snapshot');
    assert.equal(snapshot.data[0].prevSeqId, -1);
    assert.equal(snapshot.data[0].checksum, 0);
    assert.equal(snapshot.data[0].bids.length, 400);
    assert.equal(snapshot.data[0].bids[0].length, 4);
    // Sizes are contracts of 0.01 BTC: the model's 0.001 BTC steps are 0.1 contract.
    const truth = venue.truth('BTC-USDT-SWAP');
    assert.deepEqual(
      snapshot.data[0].bids.slice(0, 3).map((l: string[]) => [l[0], l[1]]),
      truth.bids.slice(0, 3),
    );
    for (let i = 0; i < 200; i++) venue.step('BTC-USDT-SWAP');
    await waitFor(() => frames.length > 150, 'updates');
    const pushes = frames.slice(3).map((f) => JSON.parse(f));
    let seqId = snapshot.data[0].seqId;
    let jumps = 0;
    for (const push of pushes.filter((p) => p.arg.channel === 'books')) {
      assert.equal(push.action, 'update');
      assert.equal(push.data[0].prevSeqId, seqId);
      const step = push.data[0].seqId - seqId;
      assert.ok(step >= 1 && step <= 90, `step ${step}`);
      if (step > 1) jumps++;
      seqId = push.data[0].seqId;
    }
    assert.ok(jumps > 0, 'seqId steps are not +1');
    const trades = pushes.filter((p) => p.arg.channel === 'trades');
    assert.ok(trades.length > 0);
    assert.deepEqual(Object.keys(trades[0].data[0]), ['instId', 'tradeId', 'px', 'sz', 'side', 'ts', 'count']);
    assert.match(trades[0].data[0].side, /^(buy|sell)$/);
    // Prices and sizes are written without trailing zeros.
    for (const [p, q] of snapshot.data[0].asks as string[][]) assert.doesNotMatch(`${p} ${q}`, /\.\d*0\b|\.(\s|$)/);
    ws.send('ping');
    await waitFor(() => frames.includes('pong'), 'the text pong');
    ws.close();
  });

  it('answers errors per argument: an unknown instrument, a bad op, bad JSON, a refused request', async () => {
    const { ws, frames } = await openRecordingSocket(venue.wsUrl);
    ws.send(
      JSON.stringify({
        id: 'e1',
        op: 'subscribe',
        args: [
          { channel: 'books', instId: 'NOPE-USDT-SWAP' },
          { channel: 'trades', instId: 'ETH-USDT-SWAP' },
        ],
      }),
    );
    await waitFor(() => frames.length >= 2, 'two answers');
    assert.deepEqual(JSON.parse(frames[0]), {
      id: 'e1',
      event: 'error',
      code: '60018',
      msg: "Wrong URL or channel:books,instId:NOPE-USDT-SWAP doesn't exist. Please use the correct URL, channel and parameters referring to API document.",
      connId: JSON.parse(frames[0]).connId,
    });
    assert.equal(JSON.parse(frames[1]).event, 'subscribe');
    ws.send(JSON.stringify({ id: 'e2', op: 'nope', args: [] }));
    ws.send('{"op":');
    venue.rejectNextSubscription('ETH-USDT-SWAP');
    ws.send(
      JSON.stringify({
        id: 'e3',
        op: 'subscribe',
        args: [
          { channel: 'books', instId: 'ETH-USDT-SWAP' },
          { channel: 'trades', instId: 'BTC-USDT-SWAP' },
        ],
      }),
    );
    await waitFor(() => frames.length >= 5, 'three more answers');
    const [badOp, badJson, refused] = frames.slice(2, 5).map((f) => JSON.parse(f));
    assert.deepEqual([badOp.code, badOp.id], ['60019', 'e2']);
    assert.equal(badJson.code, '60012');
    assert.deepEqual([refused.event, refused.code, refused.id, refused.arg], ['error', '64007', 'e3', undefined]);
    ws.close();
  });

  it('lets a reference client reproduce the book exactly, through every fault', async () => {
    const client = new OkxReferenceClient(venue.wsUrl, venue.restBaseUrl, 'ETH-USDT-SWAP');
    await client.connect();
    await waitFor(() => client.last !== undefined, 'first snapshot');
    await runUntilInSync(venue, client);
    assertEqualsTruth(venue, client);

    venue.faults.withholdNext('ETH-USDT-SWAP');
    await runUntilInSync(venue, client);
    assert.equal(client.resyncs, 1, 'the gap was repaired by unsubscribe → subscribe');
    assertEqualsTruth(venue, client);

    venue.faults.duplicateNext('ETH-USDT-SWAP');
    await runUntilInSync(venue, client);
    assertEqualsTruth(venue, client);
    venue.faults.reorderNext('ETH-USDT-SWAP');
    await runUntilInSync(venue, client);
    assertEqualsTruth(venue, client);

    const resyncs = client.resyncs;
    venue.sendHeartbeat('ETH-USDT-SWAP');
    venue.venueReset('ETH-USDT-SWAP');
    await waitFor(() => (client.last ?? 100) < 10, 'the reset message was applied');
    await runUntilInSync(venue, client);
    assert.equal(client.resyncs, resyncs, 'the heartbeat and the reset message chain by prevSeqId');
    assertEqualsTruth(venue, client);

    for (const kind of ['invalid_json', 'wrong_types', 'unknown_event', 'bad_level'] as const)
      venue.sendMalformed(kind);
    await runUntilInSync(venue, client);
    assertEqualsTruth(venue, client);

    venue.dropAllConnections();
    await sleep(60);
    await waitFor(() => client.last !== undefined, 'resubscribed after the drop');
    await runUntilInSync(venue, client);
    assertEqualsTruth(venue, client);
    client.close();
  });

  it('makes a lost maintenance-reset message a gap, repaired like any other', async () => {
    // Every seqId after the lost reset message is below the client's last one: only the prevSeqId rule
    // notices (a client that dropped "smaller seqIds" as duplicates would freeze here).
    const client = new OkxReferenceClient(venue.wsUrl, venue.restBaseUrl, 'BTC-USDT-SWAP');
    await client.connect();
    await runUntilInSync(venue, client, 5);
    const resyncs = client.resyncs;
    venue.faults.withholdNext('BTC-USDT-SWAP');
    venue.venueReset('BTC-USDT-SWAP');
    await runUntilInSync(venue, client, 5);
    assert.equal(client.resyncs, resyncs + 1);
    assert.ok((client.last as number) < 1_000, 'the client follows the reset sequence');
    assertEqualsTruth(venue, client);
    client.close();
  });

  it('sends the legacy non-zero checksum on request, which a client can verify on every message', async () => {
    venue.setChecksumMode('legacy');
    const client = new OkxReferenceClient(venue.wsUrl, venue.restBaseUrl, 'PEPE-USDT-SWAP');
    try {
      await client.connect();
      await runUntilInSync(venue, client, 50);
      assert.ok(client.checksumsVerified >= 20, `${client.checksumsVerified} checksums verified`);
      assert.equal(client.checksumMismatches, 0);
      assertEqualsTruth(venue, client);
    } finally {
      venue.setChecksumMode('zero');
      client.close();
    }
  });

  it('can withhold the in-band snapshot: the REST procedure then builds the same book', async () => {
    venue.withholdSnapshots(true);
    const client = new OkxReferenceClient(venue.wsUrl, venue.restBaseUrl, 'BTC-USDT-SWAP', { rest: true });
    try {
      await client.connect();
      for (let i = 0; i < 5 && client.last === undefined; i++) {
        venue.step('BTC-USDT-SWAP');
        await sleep(20);
      }
      await waitFor(() => client.restSnapshots === 1, 'a REST snapshot');
      await runUntilInSync(venue, client);
      assertEqualsTruth(venue, client);
    } finally {
      venue.withholdSnapshots(false);
      client.close();
    }
  });

  it('serves the instrument list, the REST book and the rate-limit answer as OKX does', async () => {
    const res = await fetch(`${venue.restBaseUrl}/api/v5/public/instruments?instType=SWAP`);
    const instruments = parseOkxInstruments(await res.text());
    assert.deepEqual(
      instruments.map((i) => [i.symbol, i.canonical, i.contractSize, i.tickSize, i.lotSize]),
      [
        ['BTC-USDT-SWAP', 'BTC-USDT', '0.01', '0.1', '0.1'],
        ['ETH-USDT-SWAP', 'ETH-USDT', '0.1', '0.01', '0.01'],
        ['PEPE-USDT-SWAP', 'PEPE-USDT', '10000000', '0.0000000001', '0.0001'],
      ],
    );
    // A lot of BTC-USDT-SWAP (0.1 contract) is 0.001 BTC, the model's quantity step.
    assert.equal(toBaseQuantity(instruments[0].lotSize, instruments[0].contractSize), '0.001');
    const book = (await (
      await fetch(`${venue.restBaseUrl}/api/v5/market/books?instId=ETH-USDT-SWAP&sz=3&source=0`)
    ).json()) as { code: string; data: { bids: unknown[]; seqId: number }[] };
    assert.equal(book.code, '0');
    assert.equal(book.data[0].bids.length, 3);
    assert.equal(book.data[0].seqId, venue.truth('ETH-USDT-SWAP').updateId);
    const unknown = (await (await fetch(`${venue.restBaseUrl}/api/v5/market/books?instId=NOPE-USDT-SWAP`)).json()) as {
      code: string;
    };
    assert.equal(unknown.code, '51001');
    venue.rateLimitNext(1);
    const limited = await fetch(`${venue.restBaseUrl}/api/v5/public/instruments?instType=SWAP`);
    assert.equal(limited.status, 429);
    assert.deepEqual(await limited.json(), { code: '50011', msg: 'Too Many Requests', data: [] });
  });

  it('stalls with or without answering pings', async () => {
    const { ws, frames } = await openRecordingSocket(venue.wsUrl);
    ws.send(JSON.stringify({ id: 's', op: 'subscribe', args: [{ channel: 'books', instId: 'ETH-USDT-SWAP' }] }));
    await waitFor(() => frames.length >= 2, 'ack and snapshot');
    venue.stall({ pong: true });
    let before = frames.length;
    for (let i = 0; i < 10; i++) venue.step('ETH-USDT-SWAP');
    ws.send('ping');
    await waitFor(() => frames.length === before + 1, 'the pong alone');
    assert.equal(frames.at(-1), 'pong');
    venue.stall({ pong: false });
    before = frames.length;
    for (let i = 0; i < 10; i++) venue.step('ETH-USDT-SWAP');
    ws.send('ping');
    await sleep(50);
    assert.equal(frames.length, before, 'no data, no pong');
    ws.close();
  });
});
