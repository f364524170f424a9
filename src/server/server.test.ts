import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { PriceLevel } from '../core/types.js';
import { sleep, waitFor } from '../sim/test-support/wait.js';
import type { HealthReport } from './health.js';
import type { Metrics, OrderBookView } from './protocol.js';
import { allLive, connect, startApp, type TestApp } from './test-support/app.js';
import { parsePrometheus, seriesKey } from './test-support/prometheus-text.js';

const levels = (v: OrderBookView) => ({
  bids: v.bids.map((l) => [l.price, l.quantity]),
  asks: v.asks.map((l) => [l.price, l.quantity]),
});

describe('client server: the feed', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
    t.sim.run(300);
    await allLive(t);
  });
  after(async () => {
    await t.stop();
  });

  it('sends a snapshot of every book and the metrics first', async () => {
    const c = await connect(t.wsUrl);
    await waitFor(() => c.messages.length > 0, 'first message');
    const first = c.messages[0];
    assert.equal(first.type, 'snapshot');
    assert.ok(first.type === 'snapshot');
    assert.equal(first.reason, 'connect');
    assert.equal(first.simulated, true);
    assert.equal(first.orderbooks.length, 6);
    for (const b of first.orderbooks) {
      assert.equal(b.bids.length, 5);
      assert.match(b.bids[0].price, /^\d+\.\d+$/);
    }
    assert.equal(typeof first.metrics.processingLatencyUs.p99, 'number');
    c.ws.close();
  });

  it('every throttled update equals the venue’s true top levels at its update id', async () => {
    t.sim.pause();
    await sleep(300);
    // Record the truth at every Binance update id and every Bybit u, then drive the venues by hand.
    const truthAt = new Map<string, { bids: PriceLevel[]; asks: PriceLevel[] }>();
    const record = () => {
      for (const s of t.sim.symbols()) {
        const b = t.sim.binance.truth(s);
        truthAt.set(`binance:${s}:${b.lastUpdateId}`, { bids: b.bids.slice(0, 5), asks: b.asks.slice(0, 5) });
        const y = t.sim.bybit.truth(s, 200);
        truthAt.set(`bybit:${s}:${y.u}`, { bids: y.bids.slice(0, 5), asks: y.asks.slice(0, 5) });
      }
    };
    record();
    const c = await connect(t.wsUrl);
    const started = Date.now();
    for (let i = 0; i < 150; i++) {
      t.sim.step();
      record();
      await sleep(4);
    }
    await sleep(300);
    const elapsed = Date.now() - started;
    const views = [...(c.of('snapshot')[0]?.orderbooks ?? []), ...c.of('orderbook')];
    let checked = 0;
    for (const v of views) {
      if (v.status !== 'live') continue;
      const truth = truthAt.get(`${v.exchange}:${v.symbol}:${v.updateId}`);
      assert.ok(truth, `truth recorded for ${v.exchange}:${v.symbol}@${v.updateId}`);
      assert.deepEqual(levels(v), truth, `${v.exchange}:${v.symbol}@${v.updateId}`);
      checked++;
    }
    assert.ok(checked >= 30, `${checked} updates checked`);
    // The throttle: at most one update per book per 100 ms (count-based, no timing assertion on gaps).
    for (const key of new Set(c.of('orderbook').map((m) => `${m.exchange}:${m.symbol}`))) {
      const n = c.of('orderbook').filter((m) => `${m.exchange}:${m.symbol}` === key).length;
      assert.ok(n <= elapsed / 100 + 2, `${key}: ${n} updates in ${elapsed} ms`);
    }
    // Sequences only increase per book; skipped numbers are conflated updates.
    const seq = new Map<string, number>();
    for (const m of c.of('orderbook')) {
      const key = `${m.exchange}:${m.symbol}`;
      assert.ok(m.sequence > (seq.get(key) ?? -1));
      seq.set(key, m.sequence);
    }
    c.ws.close();
    t.sim.run(300);
  });

  it('forwards trades immediately, with the taker side', async () => {
    // Listen to the pipeline first: every trade the client can receive then passed the listener too.
    const seen: string[] = [];
    const unsubscribe = t.app.pipeline.subscribe({
      onTrade: (tr) => seen.push(`${tr.exchange}:${tr.tradeId}:${tr.side}:${tr.price}`),
    });
    const c = await connect(t.wsUrl);
    await waitFor(() => c.of('trade').length >= 10, 'trades');
    const received = c.of('trade').map((m) => `${m.exchange}:${m.tradeId}:${m.side}:${m.price}`);
    unsubscribe();
    for (const r of received) assert.ok(seen.includes(r), r);
    assert.ok(c.of('trade').every((m) => m.side === 'buy' || m.side === 'sell'));
    c.ws.close();
  });

  it('sends metrics once a second', async () => {
    const c = await connect(t.wsUrl);
    await waitFor(() => c.of('metrics').length >= 2, 'two metrics messages', 4_000);
    const m = c.of('metrics')[1];
    assert.ok(m.messagesPerSec > 0);
    assert.ok(m.processingLatencyUs.count > 0);
    assert.ok(m.memory.rssBytes > 0);
    assert.equal(m.clients, t.app.broadcaster.sessions.size);
    assert.ok(m.perSymbol['binance:BTCUSDT']);
    c.ws.close();
  });

  it('shows status changes: resyncing on a gap, stale on a stall', async () => {
    const c = await connect(t.wsUrl);
    t.sim.binance.setSnapshotDelay(600);
    t.sim.binance.faults.withholdNext('ETHUSDT');
    await waitFor(
      () =>
        c
          .of('orderbook')
          .some(
            (m) => m.exchange === 'binance' && m.symbol === 'ETHUSDT' && m.status === 'resyncing' && m.reason === 'gap',
          ),
      'resyncing (gap) shown',
      5_000,
    );
    await waitFor(
      () =>
        c
          .of('orderbook')
          .filter((m) => m.symbol === 'ETHUSDT' && m.exchange === 'binance')
          .at(-1)?.status === 'live',
      'live again',
      5_000,
    );
    t.sim.binance.setSnapshotDelay(0);
    c.ws.close();
  });

  it('answers ping with pong, and malformed or unknown messages with an error, staying connected', async () => {
    const c = await connect(t.wsUrl);
    c.ws.send('{"type":"ping"}');
    c.ws.send('not json');
    c.ws.send('{"type":"subscribe-to-everything"}');
    c.ws.send('[1,2]');
    await waitFor(() => c.of('pong').length === 1 && c.of('error').length === 3, 'answers');
    assert.deepEqual(
      c.of('error').map((e) => e.code),
      ['FLOWRS_BAD_JSON', 'FLOWRS_UNKNOWN_TYPE', 'FLOWRS_BAD_MESSAGE'],
    );
    assert.equal(c.ws.readyState, c.ws.OPEN);
    c.ws.close();
  });
});

describe('client server: the HTTP API', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({}, {}, 52);
    t.sim.run(200);
    await allLive(t);
  });
  after(async () => {
    await t.stop();
  });

  it('GET /health is ok while every book is live, with each venue’s connections and counters', async () => {
    const res = await fetch(`${t.httpUrl}/health`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as HealthReport;
    assert.equal(body.status, 'ok');
    assert.deepEqual(body.notLive, { books: [], connections: [] });
    assert.equal(body.simulated, true);
    assert.deepEqual(
      body.venues.map((v) => [v.exchange, v.books, v.liveBooks]),
      [
        ['binance', 3, 3],
        ['bybit', 3, 3],
      ],
    );
    for (const v of body.venues) {
      const status = t.app.exchanges.get(v.exchange)!.status();
      assert.deepEqual(
        v.connections.map((c) => [c.name, c.state, c.since]),
        status.connections.map((c) => [c.name, 'open', c.status.type === 'open' ? c.status.since : -1]),
      );
    }
    assert.deepEqual(
      body.books.map((b) => [`${b.exchange}:${b.symbol}`, b.status, b.lastAuditAt]),
      t.app.books.list().map((b) => [b.key, 'live', null]),
    );
  });

  it('GET /api/orderbooks and /api/orderbooks/:exchange/:symbol?depth=N serve exact books', async () => {
    const all = (await (await fetch(`${t.httpUrl}/api/orderbooks`)).json()) as OrderBookView[];
    assert.equal(all.length, 6);
    assert.ok(all.every((b) => b.bids.length === 5));
    t.sim.pause();
    await sleep(200);
    const res = await fetch(`${t.httpUrl}/api/orderbooks/BINANCE/btcusdt?depth=20`);
    assert.equal(res.status, 200);
    const book = (await res.json()) as OrderBookView;
    const truth = t.sim.binance.truth('BTCUSDT');
    assert.equal(book.updateId, truth.lastUpdateId);
    assert.deepEqual(levels(book), { bids: truth.bids.slice(0, 20), asks: truth.asks.slice(0, 20) });
    assert.equal((await fetch(`${t.httpUrl}/api/orderbooks/kraken/BTCUSDT`)).status, 404);
    assert.equal((await fetch(`${t.httpUrl}/api/orderbooks/binance/NOPEUSDT`)).status, 404);
    for (const bad of ['0', '101', 'abc', '1.5', '-3']) {
      const r = await fetch(`${t.httpUrl}/api/orderbooks/binance/BTCUSDT?depth=${bad}`);
      assert.equal(r.status, 400, bad);
      assert.match(((await r.json()) as { error: string }).error, /depth must be an integer from 1 to 100/);
    }
    t.sim.run(200);
  });

  it('GET /metrics is Prometheus text whose values are the engine’s, the books’ and the venues’', async () => {
    t.sim.pause();
    await sleep(200);
    const res = await fetch(`${t.httpUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    const samples = parsePrometheus(text);
    const value = (name: string, labels: Record<string, string> = {}) => {
      const v = samples.get(seriesKey(name, labels));
      assert.ok(v !== undefined, seriesKey(name, labels));
      return v;
    };
    for (const s of t.app.exchanges.status()) {
      assert.ok(s.counters.frames > 0);
      assert.equal(value('flowrs_venue_messages_total', { exchange: s.exchange }), s.counters.frames, s.exchange);
    }
    for (const b of t.app.metrics.bookCounters()) {
      const [exchange, symbol] = b.key.split(':');
      assert.ok(b.updates > 0);
      assert.equal(value('flowrs_book_updates_total', { exchange, symbol }), b.updates, b.key);
      assert.equal(value('flowrs_trades_total', { exchange, symbol }), b.trades, b.key);
    }
    for (const b of t.app.books.list()) {
      const labels = { exchange: b.exchange, symbol: b.symbol };
      assert.equal(value('flowrs_book_status', { ...labels, status: 'live' }), 1, b.key);
      assert.equal(value('flowrs_book_spread_bps', labels), b.book.spreadBps(), b.key);
    }
    assert.equal(value('flowrs_clients'), t.app.broadcaster.sessions.size);
    assert.equal(value('flowrs_lagging_clients'), 0);
    assert.ok(value('flowrs_processing_latency_seconds_count') > 0);
    assert.ok(value('flowrs_process_resident_memory_bytes') > 0);
    assert.ok(value('flowrs_event_loop_delay_milliseconds', { quantile: '0.99' }) >= 0);
    t.sim.run(200);
  });

  it('GET /api/metrics is the same JSON metrics clients receive', async () => {
    const c = await connect(t.wsUrl);
    await waitFor(() => c.of('metrics').length > 0, 'a metrics message');
    const served = (await (await fetch(`${t.httpUrl}/api/metrics`)).json()) as Metrics;
    await waitFor(
      () => c.of('metrics').some((m) => m.timestamp === served.timestamp),
      'the client received the same tick',
    );
    const { type, ...sent } = c.of('metrics').find((m) => m.timestamp === served.timestamp)!;
    assert.equal(type, 'metrics');
    assert.deepEqual(served, sent);
    assert.ok(served.messagesPerSec > 0);
    assert.deepEqual(
      Object.keys(served.perSymbol).sort(),
      t.app.books
        .list()
        .map((b) => b.key)
        .sort(),
    );
    c.ws.close();
  });

  it('GET / answers, and unknown routes are JSON 404s', async () => {
    assert.equal((await fetch(`${t.httpUrl}/`)).status, 200);
    const res = await fetch(`${t.httpUrl}/nope`);
    assert.equal(res.status, 404);
    assert.ok(((await res.json()) as { error: string }).error);
    assert.equal((await fetch(`${t.httpUrl}/health`, { method: 'POST' })).status, 405);
  });
});

describe('client server: /health when venues are down', () => {
  /** A port nothing listens on: connections to it are refused. */
  const refused = async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  };

  it('says degraded, naming the books that are not live and the connections that are down and why', async () => {
    const port = await refused();
    const t = await startApp({ FLOWRS_BYBIT_WS_URL: `ws://127.0.0.1:${port}/v5/public/linear` }, {}, 53);
    try {
      t.sim.run(200);
      await waitFor(
        () => t.app.books.list().every((b) => (b.exchange === 'binance') === (b.status() === 'live')),
        'binance live, bybit not',
      );
      await waitFor(
        () =>
          t.app.exchanges
            .get('bybit')!
            .status()
            .connections.some((c) => c.status.type === 'reconnecting'),
        'bybit reconnecting',
      );
      const res = await fetch(`${t.httpUrl}/health`);
      assert.equal(res.status, 200, 'some venue still serves live books');
      const body = (await res.json()) as HealthReport;
      assert.equal(body.status, 'degraded');
      assert.deepEqual(
        body.notLive.books.map((b) => [b.book, b.status]),
        t.sim.symbols().map((s) => [`bybit:${s}`, 'syncing']),
      );
      const down = body.notLive.connections.filter((c) => c.state === 'reconnecting');
      assert.ok(down.length > 0);
      for (const c of down) {
        assert.equal(c.exchange, 'bybit');
        // The connection's own account (ConnectionStatus): a typed reason and what a user can act on.
        assert.ok(['connect_failed', 'closed', 'error'].includes(c.reason ?? ''), c.reason);
        assert.ok((c.detail ?? '').length > 0);
        assert.ok((c.attempt ?? 0) > 0);
      }
      assert.deepEqual(
        body.venues.map((v) => [v.exchange, v.liveBooks]),
        [
          ['binance', 3],
          ['bybit', 0],
        ],
      );
    } finally {
      await t.stop();
    }
  });

  it('answers 503 when no venue has a live book', async () => {
    const port = await refused();
    const t = await startApp(
      {
        FLOWRS_BINANCE_WS_URL: `ws://127.0.0.1:${port}`,
        FLOWRS_BYBIT_WS_URL: `ws://127.0.0.1:${port}/v5/public/linear`,
      },
      {},
      54,
    );
    try {
      await waitFor(
        () => t.app.exchanges.status().every((s) => s.connections.every((c) => c.status.type === 'reconnecting')),
        'every connection reconnecting',
      );
      const res = await fetch(`${t.httpUrl}/health`);
      assert.equal(res.status, 503);
      const body = (await res.json()) as HealthReport;
      assert.equal(body.status, 'degraded');
      assert.equal(body.notLive.books.length, 6);
      assert.deepEqual(
        body.venues.map((v) => v.liveBooks),
        [0, 0],
      );
    } finally {
      await t.stop();
    }
  });
});
