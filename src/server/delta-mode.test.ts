/**
 * Delta mode end to end: FlowrsClient subscribes to deep books as snapshot + deltas, verifies every
 * message (sequence and CRC-32 of its top levels), and recovers when a delta is corrupted or lost on
 * the wire between the server and the client.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { FlowrsClient, type WebSocketConstructor } from '../client/flowrs-client.js';
import { waitFor } from '../sim/test-support/wait.js';
import type { BookDeltaMessage, ServerMessage } from './protocol.js';
import { allLive, connect, startApp, type TestApp } from './test-support/app.js';

const DEPTH = 20;

/** A WebSocket proxy in front of FlowRS that can change or drop server → client messages. */
async function tamperingProxy(
  target: string,
  tamper: (message: ServerMessage) => ServerMessage | 'drop' | undefined,
): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (client, req) => {
    const upstream = new WebSocket(`${target}${(req.url ?? '/').slice(1)}`);
    const early: string[] = [];
    upstream.on('open', () => {
      for (const m of early.splice(0)) upstream.send(m);
    });
    client.on('message', (data) => {
      const text = data.toString();
      if (upstream.readyState === WebSocket.OPEN) upstream.send(text);
      else early.push(text);
    });
    upstream.on('message', (data) => {
      const message = JSON.parse(data.toString()) as ServerMessage;
      const changed = tamper(message);
      if (changed === 'drop') return;
      client.send(changed === undefined ? data.toString() : JSON.stringify(changed));
    });
    client.on('close', () => upstream.close());
    upstream.on('close', () => client.close());
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** The client's copy of every book equals FlowRS's own top levels (waits for the last deltas to arrive). */
async function copiesEqualServer(t: TestApp, client: FlowrsClient, keys: readonly string[]): Promise<void> {
  t.sim.pause();
  await waitFor(
    () =>
      keys.every((key) => {
        const served = t.app.books.get(key as `${string}:${string}`)!.levels(DEPTH);
        const copy = client.books.get(key);
        return (
          copy !== undefined &&
          JSON.stringify(copy.bids.map((l) => [l.price, l.quantity])) === JSON.stringify(served.bids) &&
          JSON.stringify(copy.asks.map((l) => [l.price, l.quantity])) === JSON.stringify(served.asks)
        );
      }),
    'every copy equal to the served book',
  );
}

describe('delta mode: snapshot + verified deltas', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ FLOWRS_DEPTH: '100', FLOWRS_THROTTLE_MS: '50' }, {}, 61);
    t.sim.run(400);
    await allLive(t);
  });
  after(async () => {
    await t.stop();
  });

  it('states the protocol version and the limits in the snapshot', async () => {
    const c = await connect(t.wsUrl);
    await waitFor(() => c.of('snapshot').length === 1, 'snapshot');
    const snapshot = c.of('snapshot')[0];
    assert.equal(snapshot.protocol, 2);
    assert.equal(snapshot.mode, 'top');
    assert.deepEqual(snapshot.limits, {
      maxSelectedBooks: 1_000,
      maxConsolidated: 100,
      maxOnDemandBooksPerClient: 50,
      maxOnDemandBooks: t.app.config.maxDynamicBooks,
      maxClientMessageBytes: 65_536,
      maxClientMessagesPerSecond: 50,
      throttleMs: 50,
      displayDepth: t.app.config.displayDepth,
      maxDepth: 100,
    });
    c.ws.close();
  });

  it('keeps a client copy of depth-20 books equal to the server’s, every delta verified', async () => {
    t.sim.run(400);
    const keys = ['binance:BTCUSDT', 'bybit:ETHUSDT'];
    const client = new FlowrsClient(t.wsUrl, {
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      books: keys,
      mode: 'delta',
      depth: DEPTH,
    });
    try {
      await waitFor(() => client.integrity.deltasApplied >= 40, 'forty verified deltas');
      await copiesEqualServer(t, client, keys);
      assert.deepEqual(client.integrity, {
        deltasApplied: client.integrity.deltasApplied,
        sequenceGaps: 0,
        checksumFailures: 0,
        resyncsRequested: 0,
      });
      assert.equal(client.books.get('binance:BTCUSDT')!.bids.length, DEPTH);
    } finally {
      client.close();
    }
  });

  /**
   * A delta-mode client behind a proxy that tampers with one message: it must see exactly the expected
   * failures, ask for the book once, and end with a copy equal to the served book.
   */
  async function recoversFrom(
    key: string,
    tamper: Parameters<typeof tamperingProxy>[1],
    expected: { checksumFailures: number; sequenceGaps: number },
  ): Promise<void> {
    t.sim.run(400);
    const proxy = await tamperingProxy(t.wsUrl, tamper);
    const client = new FlowrsClient(proxy.url, {
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      books: [key],
      mode: 'delta',
      depth: DEPTH,
    });
    try {
      const failures = () => client.integrity.checksumFailures + client.integrity.sequenceGaps;
      await waitFor(() => failures() === 1, 'the tampering detected');
      const applied = client.integrity.deltasApplied;
      await waitFor(() => client.integrity.deltasApplied >= applied + 10, 'ten more verified deltas after the resync');
      await copiesEqualServer(t, client, [key]);
      assert.deepEqual(
        { ...expected, resyncsRequested: 1 },
        {
          checksumFailures: client.integrity.checksumFailures,
          sequenceGaps: client.integrity.sequenceGaps,
          resyncsRequested: client.integrity.resyncsRequested,
        },
      );
    } finally {
      client.close();
      await proxy.close();
    }
  }

  it('detects a corrupted delta by its checksum, asks for the book again and recovers', async () => {
    let corrupted: BookDeltaMessage | undefined;
    await recoversFrom(
      'binance:BTCUSDT',
      (m) => {
        if (corrupted !== undefined || m.type !== 'delta' || m.bids.length === 0) return undefined;
        // One quantity changed in flight: the sequence still follows on, only the checksum can tell.
        corrupted = { ...m, bids: [[m.bids[0][0], '123.456'], ...m.bids.slice(1)] };
        return corrupted;
      },
      { checksumFailures: 1, sequenceGaps: 0 },
    );
  });

  it('detects a lost delta by its sequence, asks for the book again and recovers', async () => {
    let dropped = false;
    await recoversFrom(
      'bybit:ETHUSDT',
      (m) => {
        if (dropped || m.type !== 'delta') return undefined;
        dropped = true;
        return 'drop';
      },
      { checksumFailures: 0, sequenceGaps: 1 },
    );
  });

  it('answers a resync with the book at its stream sequence, and refuses one outside delta mode', async () => {
    const c = await connect(`${t.wsUrl}?books=binance:BTCUSDT&mode=delta&depth=10`);
    await waitFor(() => c.of('snapshot').length === 1, 'snapshot');
    const snapshot = c.of('snapshot')[0];
    assert.equal(snapshot.mode, 'delta');
    assert.deepEqual(snapshot.orderbooks, []);
    assert.deepEqual(
      snapshot.books.map((b) => [b.exchange, b.symbol, b.depth, b.bids.length]),
      [['binance', 'BTCUSDT', 10, 10]],
    );
    c.ws.send(JSON.stringify({ type: 'resync', books: ['binance:BTCUSDT'] }));
    await waitFor(() => c.of('book').length === 1, 'the book again');
    assert.ok(c.of('book')[0].sequence >= snapshot.books[0].sequence);
    c.ws.send(JSON.stringify({ type: 'resync', books: 'binance:BTCUSDT' }));
    await waitFor(() => c.of('error').length === 1, 'an error');
    assert.equal(c.of('error')[0].code, 'FLOWRS_BAD_MESSAGE');
    c.ws.close();
  });
});
