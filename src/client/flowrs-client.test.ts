import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { loadConfig } from '../app/config.js';
import { Flowrs } from '../app/flowrs.js';
import { silentLogger } from '../log.js';
import { allLive, startApp } from '../server/test-support/app.js';
import { sleep, waitFor } from '../sim/test-support/wait.js';
import { type ClientStatus, FlowrsClient, type WebSocketConstructor } from './flowrs-client.js';

describe('FlowrsClient', () => {
  it('keeps the latest view of every book, collects trades, and reconnects after a server restart', async () => {
    const t = await startApp({}, {}, 71);
    t.sim.run(300);
    await allLive(t);
    const statuses: ClientStatus['type'][] = [];
    let snapshots = 0;
    const client = new FlowrsClient(t.wsUrl, {
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      reconnectMinMs: 20,
      onStatus: (s) => statuses.push(s.type),
      onMessage: (m) => {
        if (m.type === 'snapshot') snapshots++;
      },
    });
    await waitFor(
      () => client.books.size === 6 && client.trades.length > 0 && client.metrics !== undefined,
      'state filled',
    );
    assert.equal(client.simulated, true);
    assert.equal(client.books.get('binance:BTCUSDT')?.status, 'live');
    // Restart FlowRS on the same port: the client reconnects and gets a fresh snapshot.
    const port = t.app.address!.port;
    await t.app.stop();
    await waitFor(() => client.status.type === 'reconnecting', 'noticed the loss');
    const restarted = new Flowrs(loadConfig([], { ...t.sim.env(), FLOWRS_LISTEN: `127.0.0.1:${port}` }), {
      log: silentLogger,
    });
    await restarted.start();
    const snapshotsBefore = snapshots;
    await waitFor(
      () => client.status.type === 'open' && snapshots > snapshotsBefore,
      'reconnected with a fresh snapshot',
      10_000,
    );
    assert.ok(statuses.includes('reconnecting'));
    client.close();
    await waitFor(() => client.status.type === 'closed', 'closed');
    await restarted.stop();
    await t.sim.stop();
  });

  it('keeps only the selected books, changes the selection, and keeps it across reconnections', async () => {
    const t = await startApp({}, {}, 72);
    const statuses: ClientStatus['type'][] = [];
    let client: FlowrsClient | undefined;
    try {
      t.sim.run(300);
      await allLive(t);
      client = new FlowrsClient(t.wsUrl, {
        WebSocket: WebSocket as unknown as WebSocketConstructor,
        reconnectMinMs: 20,
        books: ['binance:BTCUSDT', 'bybit:BTCUSDT'],
        onStatus: (s) => statuses.push(s.type),
      });
      const c = client;
      await waitFor(() => c.books.size === 2 && c.trades.length >= 3, 'the selection');
      assert.deepEqual([...c.books.keys()].sort(), ['binance:BTCUSDT', 'bybit:BTCUSDT']);
      assert.ok(c.trades.every((tr) => tr.symbol === 'BTCUSDT'));
      c.subscribe(['bybit:ETHUSDT']);
      await waitFor(() => c.books.size === 1 && c.books.has('bybit:ETHUSDT'), 'the new selection');
      // A reconnection starts from the same selection.
      for (const session of t.app.broadcaster.sessions) session.ws.terminate();
      await waitFor(() => statuses.includes('reconnecting') && c.status.type === 'open', 'reconnected');
      await sleep(300);
      assert.deepEqual([...c.books.keys()], ['bybit:ETHUSDT']);
    } finally {
      client?.close();
      await t.stop();
    }
  });

  it('consolidates a symbol across venues from the views it holds, equal to the server’s consolidated book', async () => {
    const t = await startApp({ FLOWRS_THROTTLE_MS: '50' }, {}, 74);
    let client: FlowrsClient | undefined;
    try {
      t.sim.run(300);
      await allLive(t);
      client = new FlowrsClient(t.wsUrl, { WebSocket: WebSocket as unknown as WebSocketConstructor });
      const c = client;
      await waitFor(() => c.books.size === 6, 'every book');
      t.sim.pause();
      // The paused venues' last ids: FlowRS and then the client must both have caught up with them.
      const binanceId = t.sim.binance.truth('BTCUSDT').lastUpdateId;
      const bybitId = t.sim.bybit.truth('BTCUSDT', 200).u;
      await waitFor(
        () =>
          t.app.books.find('binance', 'BTCUSDT')?.updateId === binanceId &&
          t.app.books.find('bybit', 'BTCUSDT')?.updateId === bybitId &&
          c.books.get('binance:BTCUSDT')?.updateId === binanceId &&
          c.books.get('bybit:BTCUSDT')?.updateId === bybitId,
        'FlowRS and the client hold the venues’ latest state',
      );
      const local = c.consolidated('BTC-USDT');
      const server = (await (await fetch(`${t.httpUrl}/api/consolidated/BTCUSDT?depth=5`)).json()) as ReturnType<
        FlowrsClient['consolidated']
      >;
      assert.equal(local.status, 'live');
      assert.equal(local.bids.length, 5);
      assert.deepEqual(local.bids, server.bids);
      assert.deepEqual(local.asks, server.asks);
      assert.deepEqual(local.bestBid, server.bestBid);
    } finally {
      client?.close();
      await t.stop();
    }
  });

  it('with a token, connects to a server that requires one; without, is refused once and does not retry', async () => {
    const t = await startApp({ FLOWRS_AUTH_TOKENS: 'letmein' }, {}, 73);
    try {
      t.sim.run(300);
      await allLive(t);
      const good = new FlowrsClient(t.wsUrl, {
        WebSocket: WebSocket as unknown as WebSocketConstructor,
        token: 'letmein',
      });
      await waitFor(() => good.books.size === 6, 'books with the token');
      good.close();
      const statuses: ClientStatus[] = [];
      const refused = new FlowrsClient(t.wsUrl, {
        WebSocket: WebSocket as unknown as WebSocketConstructor,
        token: 'wrong',
        reconnectMinMs: 1,
        onStatus: (s) => statuses.push(s),
      });
      await waitFor(() => refused.status.type === 'refused', 'refused');
      assert.deepEqual(refused.status, { type: 'refused', code: 4401, reason: 'unauthorized: invalid token' });
      const rejected = t.app.server.rejectedHandshakes.unauthorized;
      const updates = t.app.metrics.updatesTotal;
      await waitFor(() => t.app.metrics.updatesTotal > updates + 100, 'the market moves on');
      assert.equal(t.app.server.rejectedHandshakes.unauthorized, rejected, 'no retry');
      assert.ok(!statuses.some((s) => s.type === 'reconnecting'));
    } finally {
      await t.stop();
    }
  });
});
