/**
 * Books on demand end to end: clients ask for books FlowRS was not configured with; FlowRS checks them
 * against the venues' instrument lists, follows them, serves them exactly, reference-counts them across
 * clients and unfollows them a linger period after the last client left.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BookKey } from '../core/types.js';
import { waitFor } from '../sim/test-support/wait.js';
import { connect, startApp, type TestApp, type TestClient } from './test-support/app.js';

const LINGER_MS = 400;

describe('books on demand', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp(
      {
        FLOWRS_SYMBOLS: 'binance:BTCUSDT,bybit:BTCUSDT',
        FLOWRS_DYNAMIC_BOOK_LINGER_MS: String(LINGER_MS),
        FLOWRS_MAX_DYNAMIC_BOOKS: '2',
      },
      {},
      71,
    );
    t.sim.run(300);
    await waitFor(() => t.app.books.list().every((b) => b.status() === 'live'), 'the configured books live');
  });
  after(async () => {
    await t.stop();
  });

  /** Pauses the venues and waits until the served book equals the venue's truth, level by level. */
  async function exact(key: BookKey): Promise<void> {
    const [exchange, symbol] = key.split(':');
    t.sim.pause();
    const venue = t.sim.venue(exchange);
    await waitFor(() => t.app.books.get(key)?.updateId === venue.truth(symbol).updateId, `${key} caught up`);
    const served = t.app.books.get(key)!.levels(20);
    const truth = venue.truth(symbol);
    assert.deepEqual(
      served.bids,
      truth.bids.slice(0, served.bids.length).map(([p, q]) => [p, q]),
    );
    assert.deepEqual(
      served.asks,
      truth.asks.slice(0, served.asks.length).map(([p, q]) => [p, q]),
    );
    assert.equal(served.bids.length, 20);
    t.sim.run(300);
  }

  const liveUpdate = (c: TestClient, key: string) =>
    c.of('orderbook').some((m) => `${m.exchange}:${m.symbol}` === key && m.status === 'live');

  it('follows an instrument on every venue listing it, serves it exactly, and keeps it while any client holds it', async () => {
    const a = await connect(t.wsUrl);
    await waitFor(() => a.of('snapshot').length === 1, 'first snapshot');
    a.ws.send(JSON.stringify({ type: 'subscribe', books: ['ETH-USDT'] }));
    await waitFor(() => a.of('snapshot').length === 2, 'the subscribe snapshot');
    assert.deepEqual(
      a
        .of('snapshot')[1]
        .orderbooks.map((b) => `${b.exchange}:${b.symbol}`)
        .sort(),
      ['binance:ETHUSDT', 'bybit:ETHUSDT'],
      'both venues’ books, listed at once with their state',
    );
    await waitFor(() => liveUpdate(a, 'binance:ETHUSDT') && liveUpdate(a, 'bybit:ETHUSDT'), 'both live');
    assert.equal(t.app.demand.size, 2);
    // Binance streams its depth and its trades on two connections.
    assert.equal(t.sim.venue('binance').subscribers('ETHUSDT'), 2);
    await exact('binance:ETHUSDT');
    await exact('bybit:ETHUSDT');

    // A second client on one of them: the first leaving keeps that book followed, drops the other after the linger.
    const b = await connect(`${t.wsUrl}?books=binance:ETHUSDT`);
    await waitFor(() => b.of('snapshot').length === 1 && liveUpdate(b, 'binance:ETHUSDT'), 'b receives it');
    a.ws.close();
    await waitFor(() => t.app.demand.size === 1, 'bybit:ETHUSDT unfollowed after the linger');
    await waitFor(() => t.sim.venue('bybit').subscribers('ETHUSDT') === 0, 'bybit no longer streams it');
    assert.equal(t.app.books.get('bybit:ETHUSDT'), undefined);
    assert.equal(t.sim.venue('binance').subscribers('ETHUSDT'), 2, 'still held by b');
    await exact('binance:ETHUSDT');

    // The last client leaves and comes back within the linger: nothing was unsubscribed meanwhile.
    b.ws.close();
    const c = await connect(`${t.wsUrl}?books=binance:ETHUSDT`);
    await waitFor(() => c.of('snapshot').length === 1, 'c connected');
    assert.equal(c.of('snapshot')[0].orderbooks[0].status, 'live', 'taken over while lingering, still live');
    c.ws.close();
    await waitFor(() => t.app.demand.size === 0, 'unfollowed after the last client and the linger');
    await waitFor(() => t.sim.venue('binance').subscribers('ETHUSDT') === 0, 'the venue no longer streams it');
    assert.equal(t.app.books.get('binance:ETHUSDT'), undefined);
    assert.ok(t.app.books.get('binance:BTCUSDT'), 'configured books are never dropped');
  });

  it('refuses a book no venue lists without asking the venue, and one past the limit, changing nothing', async () => {
    const requests = t.sim.venue('binance').stats.subscribeRequests;
    const c = await connect(`${t.wsUrl}?books=binance:BTCUSDT`);
    await waitFor(() => c.of('snapshot').length === 1, 'snapshot');
    c.ws.send(JSON.stringify({ type: 'subscribe', books: ['binance:NOPEUSDT', 'NOPE-USDT', 'kraken:BTCUSD'] }));
    await waitFor(() => c.of('error').length === 1, 'an error');
    assert.equal(c.of('error')[0].code, 'FLOWRS_UNKNOWN_BOOK');
    assert.deepEqual(c.of('error')[0].books, ['binance:NOPEUSDT', 'NOPE-USDT', 'kraken:BTCUSD']);
    assert.equal(t.sim.venue('binance').stats.subscribeRequests, requests, 'the venue was not asked');
    // Three books on demand where the server allows two.
    c.ws.send(JSON.stringify({ type: 'subscribe', books: ['ETH-USDT', 'binance:1000PEPEUSDT'] }));
    await waitFor(() => c.of('error').length === 2, 'a second error');
    assert.equal(c.of('error')[1].code, 'FLOWRS_LIMIT');
    assert.match(c.of('error')[1].message, /at most 2 books on demand/);
    assert.equal(t.app.demand.size, 0);
    assert.equal(c.of('snapshot').length, 1, 'the selection is unchanged');
    c.ws.close();
  });

  it('follows a book for one linger period over HTTP with ?subscribe=1', async () => {
    const url = `${t.httpUrl}/api/orderbooks/bybit/1000PEPEUSDT`;
    assert.equal((await fetch(url)).status, 404);
    const first = await fetch(`${url}?subscribe=1`);
    assert.equal(first.status, 202);
    assert.equal(((await first.json()) as { status: string }).status, 'syncing');
    await waitFor(async () => (await fetch(`${url}?subscribe=1`)).status === 200, 'live over HTTP');
    await waitFor(() => t.app.demand.size === 0, 'unfollowed once no one polls');
    assert.equal((await fetch(url)).status, 404);
    const unknown = await fetch(`${t.httpUrl}/api/orderbooks/bybit/NOPEUSDT?subscribe=1`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'FLOWRS_UNKNOWN_BOOK');
  });
});

describe('books on demand while a venue’s instrument list cannot be had', () => {
  it('answers FLOWRS_UNAVAILABLE and asks the venue for nothing', async () => {
    const { Simulator } = await import('../sim/simulator.js');
    const { Flowrs } = await import('../app/flowrs.js');
    const { loadConfig } = await import('../app/config.js');
    const { silentLogger } = await import('../log.js');
    const sim = await Simulator.start({ seed: 72, venues: ['binance'] });
    // Every attempt at the list fails for the whole test.
    sim.venue('binance').failInstrumentList(1_000);
    const app = new Flowrs(
      loadConfig([], { ...sim.env(), FLOWRS_LISTEN: '127.0.0.1:0', FLOWRS_SYMBOLS: 'binance:BTCUSDT' }),
      { log: silentLogger },
    );
    await app.start();
    try {
      const requests = sim.venue('binance').stats.subscribeRequests;
      const c = await connect(`ws://127.0.0.1:${app.address!.port}/`);
      await waitFor(() => c.of('snapshot').length === 1, 'snapshot');
      c.ws.send(JSON.stringify({ type: 'subscribe', books: ['binance:ETHUSDT'] }));
      await waitFor(() => c.of('error').length === 1, 'an error');
      assert.equal(c.of('error')[0].code, 'FLOWRS_UNAVAILABLE');
      assert.deepEqual(c.of('error')[0].books, ['binance:ETHUSDT']);
      assert.equal(app.demand.size, 0);
      assert.equal(sim.venue('binance').stats.subscribeRequests, requests, 'the venue was not asked');
      c.ws.close();
    } finally {
      await app.stop();
      await sim.stop();
    }
  });
});
