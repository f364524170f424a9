import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decimalMul } from '../core/decimal.js';
import { exactDecimal } from '../core/test-support/exact-decimal.js';
import type { PriceLevel } from '../core/types.js';
import { VENUE_IDS } from '../exchanges/venues.js';
import { sleep, waitFor } from '../sim/test-support/wait.js';
import type { ConsolidatedBookView } from './protocol.js';
import { allLive, connect, startApp, type TestApp } from './test-support/app.js';

const exact = exactDecimal;

/** The venues' true books merged by exact price: [price value, summed quantity value][] best first. */
function trueMerge(sides: PriceLevel[][], side: 'bids' | 'asks', depth: number): [bigint, bigint][] {
  const totals = new Map<bigint, bigint>();
  for (const levels of sides)
    for (const [p, q] of levels) totals.set(exact(p), (totals.get(exact(p)) ?? 0n) + exact(q));
  return [...totals.entries()]
    .sort((a, b) => (side === 'bids' ? (a[0] > b[0] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .slice(0, depth);
}

describe('GET /api/consolidated/:symbol', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({}, {}, 54);
    t.sim.run(200);
    await allLive(t);
  });
  after(async () => {
    await t.stop();
  });

  const get = async (path: string) => {
    const res = await fetch(`${t.httpUrl}${path}`);
    return { status: res.status, body: (await res.json()) as ConsolidatedBookView & { error?: string } };
  };

  it('merges both venues’ books by price with exact summed quantities, equal to the venues’ true books', async () => {
    t.sim.pause();
    const truthB = t.sim.binance.truth('BTCUSDT');
    const truthY = t.sim.bybit.truth('BTCUSDT', 200);
    await waitFor(
      () =>
        t.app.books.find('binance', 'BTCUSDT')?.updateId === truthB.lastUpdateId &&
        t.app.books.find('bybit', 'BTCUSDT')?.updateId === truthY.u,
      'FlowRS caught up with the paused venues',
    );
    const { status, body } = await get('/api/consolidated/btcusdt?depth=40');
    assert.equal(status, 200);
    assert.equal(body.symbol, 'BTC-USDT', 'the canonical instrument');
    assert.deepEqual(body.quotes, ['USDT']);
    assert.equal(body.status, 'live');
    assert.deepEqual(
      body.sources.map((s) => [s.exchange, s.included]),
      [
        ['binance', true],
        ['bybit', true],
      ],
    );
    for (const side of ['bids', 'asks'] as const) {
      const truth = trueMerge([truthB[side], truthY[side]], side, 40);
      assert.deepEqual(
        body[side].map((l) => [exact(l.price), exact(l.quantity)]),
        truth,
        side,
      );
      for (const level of body[side]) {
        assert.match(level.price, /^\d+\.\d{2}$/, 'a venue’s own price string');
        assert.equal(
          level.venues.reduce((sum, v) => sum + exact(v.quantity), 0n),
          exact(level.quantity),
        );
      }
    }
    // Each level names exactly the venues quoting that price.
    for (const side of ['bids', 'asks'] as const) {
      const onB = new Set(truthB[side].map(([p]) => exact(p)));
      const onY = new Set(truthY[side].map(([p]) => exact(p)));
      for (const level of body[side]) {
        const expected = [
          ...(onB.has(exact(level.price)) ? ['binance'] : []),
          ...(onY.has(exact(level.price)) ? ['bybit'] : []),
        ];
        assert.deepEqual(
          level.venues.map((v) => v.exchange),
          expected,
          level.price,
        );
      }
    }
    assert.equal(body.bestBid?.price, body.bids[0].price);
    assert.equal(body.crossed, exact(body.bids[0].price) >= exact(body.asks[0].price));
    t.sim.run(200);
  });

  it('leaves out a venue whose book is being repaired, and says so', async () => {
    t.sim.binance.setSnapshotDelay(800);
    t.sim.binance.faults.withholdNext('ETHUSDT');
    await waitFor(() => t.app.books.find('binance', 'ETHUSDT')?.status() === 'resyncing', 'Binance ETHUSDT resyncing');
    const { body } = await get('/api/consolidated/ETHUSDT');
    assert.equal(body.status, 'partial');
    assert.deepEqual(
      body.sources.map((s) => [s.exchange, s.status, s.included]),
      [
        ['binance', 'resyncing', false],
        ['bybit', 'live', true],
      ],
    );
    assert.ok(body.bids.every((l) => l.venues.every((v) => v.exchange === 'bybit')));
    t.sim.binance.setSnapshotDelay(0);
    await waitFor(() => t.app.books.find('binance', 'ETHUSDT')?.status() === 'live', 'repaired', 10_000);
    await sleep(50);
    assert.equal((await get('/api/consolidated/ETHUSDT')).body.status, 'live');
  });

  it('answers 404 for a symbol no venue serves and 400 for a bad depth', async () => {
    const missing = await get('/api/consolidated/NOPEUSDT');
    assert.equal(missing.status, 404);
    assert.match(missing.body.error ?? '', /no book for NOPEUSDT/);
    for (const bad of ['0', '101', 'x'])
      assert.equal((await get(`/api/consolidated/BTCUSDT?depth=${bad}`)).status, 400);
  });
});

describe('the consolidated stream', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({}, {}, 57);
    t.sim.run(300);
    await allLive(t);
  });
  after(async () => {
    await t.stop();
  });

  it('pushes the consolidated book on the book throttle, equal to GET /api/consolidated, and nothing else unasked', async () => {
    const c = await connect(t.wsUrl);
    await waitFor(() => c.of('snapshot').length === 1, 'first snapshot');
    c.ws.send(JSON.stringify({ type: 'subscribe', books: [], consolidated: ['BTC-USDT'] }));
    await waitFor(() => c.of('snapshot').length === 2, 'the subscribe snapshot');
    const snapshot = c.of('snapshot')[1];
    assert.deepEqual(snapshot.orderbooks, []);
    assert.deepEqual(
      snapshot.consolidated.map((v) => [v.symbol, v.sources.map((s) => s.exchange)]),
      [['BTC-USDT', ['binance', 'bybit']]],
    );
    const from = c.messages.length;
    await waitFor(() => c.messages.slice(from).filter((m) => m.type === 'consolidated').length >= 5, 'five pushes');
    t.sim.pause();
    const truthB = t.sim.binance.truth('BTCUSDT');
    const truthY = t.sim.bybit.truth('BTCUSDT', 200);
    await waitFor(
      () =>
        c
          .of('consolidated')
          .some(
            (m) =>
              m.sources.find((s) => s.exchange === 'binance')?.updateId === truthB.lastUpdateId &&
              m.sources.find((s) => s.exchange === 'bybit')?.updateId === truthY.u,
          ),
      'a push at the paused venues’ last update',
    );
    const pushed = c.of('consolidated').at(-1)!;
    const { type: _type, ...view } = pushed;
    const polled = (await (await fetch(`${t.httpUrl}/api/consolidated/BTC-USDT`)).json()) as ConsolidatedBookView;
    assert.deepEqual(view, polled);
    assert.equal(pushed.status, 'live');
    assert.ok(pushed.bids.length > 0 && pushed.asks.length > 0);
    const unasked = c.messages.slice(from).filter((m) => m.type === 'orderbook' || m.type === 'trade');
    assert.deepEqual(unasked, [], 'no book updates or trades were asked for');
    t.sim.run(300);
    c.ws.close();
  });

  it('refuses a consolidated instrument no venue lists, and changes nothing', async () => {
    const c = await connect(`${t.wsUrl}?books=binance:BTCUSDT`);
    await waitFor(() => c.of('snapshot').length === 1, 'first snapshot');
    c.ws.send(JSON.stringify({ type: 'subscribe', consolidated: ['NOPE-USDT'] }));
    c.ws.send(JSON.stringify({ type: 'subscribe', consolidated: ['binance:BTCUSDT'] }));
    await waitFor(() => c.of('error').length === 2, 'two errors');
    assert.deepEqual(
      c.of('error').map((e) => e.code),
      ['FLOWRS_UNKNOWN_BOOK', 'FLOWRS_BAD_MESSAGE'],
    );
    assert.deepEqual(c.of('error')[0].books, ['NOPE-USDT']);
    assert.equal(c.of('snapshot').length, 1);
    c.ws.close();
  });
});

describe('GET /api/consolidated/:instrument across six venues', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({}, {}, 55, VENUE_IDS);
    t.sim.run(600);
    await allLive(t);
  });
  after(async () => {
    await t.stop();
  });

  /** Each venue's true BTC book, sizes converted to base units exactly. */
  const truthInBase = (id: string) => {
    const venue = t.sim.venue(id);
    const symbol = venue.symbols()[0];
    const truth = venue.truth(symbol);
    const size = venue.contractSize(symbol);
    const base = (levels: readonly (readonly [string, string])[]): PriceLevel[] =>
      levels.map(([p, q]) => [p, decimalMul(q, size)]);
    return {
      symbol,
      canonical: venue.canonical(symbol),
      updateId: truth.updateId,
      bids: base(truth.bids),
      asks: base(truth.asks),
    };
  };

  it('merges every USDT venue by canonical instrument, in base units; USDC stays apart unless asked', async () => {
    t.sim.pause();
    const truths = new Map(VENUE_IDS.map((id) => [id, truthInBase(id)]));
    await waitFor(
      () =>
        VENUE_IDS.every((id) => t.app.books.find(id, truths.get(id)!.symbol)?.updateId === truths.get(id)!.updateId),
      'FlowRS caught up with the paused venues',
    );
    const usdt = VENUE_IDS.filter((id) => truths.get(id)!.canonical === 'BTC-USDT');
    assert.deepEqual(usdt, ['binance', 'bybit', 'okx', 'gate', 'bitget']);
    assert.equal(truths.get('hyperliquid')!.canonical, 'BTC-USDC');

    const merged = async (path: string, venues: readonly string[]) => {
      const res = await fetch(`${t.httpUrl}${path}`);
      assert.equal(res.status, 200, path);
      const body = (await res.json()) as ConsolidatedBookView;
      assert.equal(body.status, 'live', path);
      assert.deepEqual(
        body.sources.map((s) => s.exchange),
        venues,
      );
      for (const side of ['bids', 'asks'] as const) {
        // A depth every venue's window covers: the merge is exact there.
        const expected = trueMerge(
          venues.map((id) => truths.get(id)![side]),
          side,
          body[side].length,
        );
        assert.ok(body[side].length >= 5, `${path} ${side}: at least 5 merged levels`);
        assert.deepEqual(
          body[side].map((l) => [exact(l.price), exact(l.quantity)]),
          expected,
          `${path} ${side}`,
        );
      }
      return body;
    };
    const plain = await merged('/api/consolidated/BTC-USDT?depth=10', usdt);
    assert.equal(plain.symbol, 'BTC-USDT');
    assert.deepEqual(plain.quotes, ['USDT']);
    const usdc = await merged('/api/consolidated/BTC-USDC?depth=10', ['hyperliquid']);
    assert.deepEqual(usdc.quotes, ['USDC']);
    const all = await merged('/api/consolidated/BTC-USDT?depth=10&quotes=usd', VENUE_IDS);
    assert.deepEqual([...(all.quotes ?? [])].sort(), ['USDC', 'USDT'], 'the answer says which quotes it merged');
    assert.equal((await fetch(`${t.httpUrl}/api/consolidated/BTC-USDT?quotes=eur`)).status, 400);
    t.sim.run(600);
  });
});
