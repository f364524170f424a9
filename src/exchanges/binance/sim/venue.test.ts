import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { Simulator } from '../../../sim/simulator.js';
import { BinanceReferenceClient, sortedLevels } from '../../../sim/test-support/reference-clients.js';
import { sleep, waitFor } from '../../../sim/test-support/wait.js';

function collect(url: string): { ws: WebSocket; frames: string[]; opened: Promise<void> } {
  const ws = new WebSocket(url);
  const frames: string[] = [];
  ws.on('message', (d) => frames.push(d.toString()));
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames, opened };
}

/** The reference client's book equals the venue's true book over the top `depth` levels. */
function assertEqualsTruth(sim: Simulator, client: BinanceReferenceClient, symbol: string, depth = 200): void {
  const truth = sim.binance.truth(symbol);
  assert.equal(client.lastU, truth.lastUpdateId, 'client has applied every event');
  const mine = sortedLevels(client.book, depth);
  assert.deepEqual(mine.bids, truth.bids.slice(0, depth));
  assert.deepEqual(mine.asks, truth.asks.slice(0, depth));
}

async function runUntilInSync(
  sim: Simulator,
  client: BinanceReferenceClient,
  symbol: string,
  steps = 30,
): Promise<void> {
  for (let i = 0; i < steps; i++) {
    sim.binance.step(symbol);
    await sleep(1);
  }
  await waitFor(() => client.lastU === sim.binance.truth(symbol).lastUpdateId, 'client catches up with the venue');
}

describe('simulated Binance USDⓈ-M futures', () => {
  let sim: Simulator;
  before(async () => {
    sim = await Simulator.start({ seed: 7 });
  });
  after(async () => {
    await sim.stop();
  });

  it('serves REST depth snapshots in the venue format, with its errors and weight header', async () => {
    const res = await fetch(`${sim.binance.restBaseUrl}/fapi/v1/depth?symbol=BTCUSDT&limit=5`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-mbx-used-weight-1m') !== null, true);
    const text = await res.text();
    assert.match(text, /^\{"lastUpdateId":\d+,"E":\d+,"T":\d+,"bids":\[\["\d+\.\d{2}","\d+\.\d{3}"\]/);
    const body = JSON.parse(text);
    assert.equal(body.bids.length, 5);
    assert.ok(Number(body.bids[0][0]) > Number(body.bids[1][0]), 'bids high → low');
    assert.ok(Number(body.asks[0][0]) < Number(body.asks[1][0]), 'asks low → high');
    const bad = await fetch(`${sim.binance.restBaseUrl}/fapi/v1/depth?symbol=NOPE&limit=5`);
    assert.equal(bad.status, 400);
    assert.deepEqual(await bad.json(), { code: -1121, msg: 'Invalid symbol.' });
    const badLimit = await fetch(`${sim.binance.restBaseUrl}/fapi/v1/depth?symbol=BTCUSDT&limit=7`);
    assert.equal(badLimit.status, 400);
  });

  it('routes by category: depth on /public, aggTrade on /market, and an unrouted URL acks aggTrade but sends none', async () => {
    const pub = collect(`${sim.binance.wsBaseUrl}/public/stream?streams=btcusdt@depth@100ms`);
    const market = collect(`${sim.binance.wsBaseUrl}/market/stream?streams=btcusdt@aggTrade`);
    const unrouted = collect(`${sim.binance.wsBaseUrl}/stream`);
    const raw = collect(`${sim.binance.wsBaseUrl}/public/ws/btcusdt@depth@100ms`);
    await Promise.all([pub.opened, market.opened, unrouted.opened, raw.opened]);
    unrouted.ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['btcusdt@aggTrade', 'btcusdt@depth'], id: 1 }));
    await waitFor(() => unrouted.frames.length > 0, 'subscribe ack');
    assert.equal(unrouted.frames[0], '{"result":null,"id":1}');
    for (let i = 0; i < 200; i++) sim.binance.step('BTCUSDT');
    await waitFor(
      () => market.frames.length > 3 && pub.frames.length > 100 && raw.frames.length > 100,
      'data on routed connections',
    );
    const trade = JSON.parse(market.frames[0]);
    assert.equal(trade.stream, 'btcusdt@aggTrade');
    assert.deepEqual(Object.keys(trade.data), ['e', 'E', 'a', 's', 'p', 'q', 'f', 'l', 'T', 'm']);
    const depth = JSON.parse(pub.frames[0]);
    assert.equal(depth.stream, 'btcusdt@depth@100ms');
    assert.deepEqual(Object.keys(depth.data), ['e', 'E', 'T', 's', 'U', 'u', 'pu', 'b', 'a']);
    assert.equal(JSON.parse(raw.frames[0]).e, 'depthUpdate', 'raw streams are not wrapped');
    const unroutedData = unrouted.frames.slice(1).map((f) => JSON.parse(f));
    assert.ok(unroutedData.length > 0, 'public data still flows on the unrouted connection');
    assert.ok(
      unroutedData.every((f) => f.data.e === 'depthUpdate'),
      'but never aggTrade',
    );
    // U jumps (ids are shared by all symbols) while pu chains to the previous u.
    const events = pub.frames.map((f) => JSON.parse(f).data);
    let jumps = 0;
    for (let i = 1; i < events.length; i++) {
      assert.equal(events[i].pu, events[i - 1].u);
      if (events[i].U > events[i - 1].u + 1) jumps++;
    }
    assert.ok(jumps > 0, 'U is not previous u + 1');
    for (const c of [pub, market, unrouted, raw]) c.ws.close();
  });

  it('answers live method calls and refuses what the venue refuses', async () => {
    const c = collect(`${sim.binance.wsBaseUrl}/public/stream`);
    await c.opened;
    c.ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['ethusdt@depth@100ms'], id: 5 }));
    c.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: 6 }));
    c.ws.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['x'], id: -1 }));
    c.ws.send(JSON.stringify({ method: 'NOPE', id: 7 }));
    await waitFor(() => c.frames.length >= 4, 'four answers');
    assert.equal(c.frames[0], '{"result":null,"id":5}');
    assert.equal(c.frames[1], '{"result":["ethusdt@depth@100ms"],"id":6}');
    assert.equal(c.frames[2], '{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"}');
    assert.match(c.frames[3], /unknown variant NOPE/);
    const tooMany = Array.from({ length: 201 }, (_, i) => `s${i}usdt@depth`).join('/');
    const refused = new WebSocket(`${sim.binance.wsBaseUrl}/public/stream?streams=${tooMany}`);
    await new Promise<void>((resolve) => refused.once('error', () => resolve()));
    c.ws.close();
  });

  it('disconnects a connection that sends more than 10 messages a second', async () => {
    const c = collect(`${sim.binance.wsBaseUrl}/public/stream`);
    await c.opened;
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    for (let i = 0; i < 11; i++) c.ws.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id: i }));
    assert.equal(await closed, 1008);
  });

  it('lets a reference client reproduce the true book exactly, through every fault', async () => {
    const symbol = 'ETHUSDT';
    const client = new BinanceReferenceClient(sim.binance.wsBaseUrl, sim.binance.restBaseUrl, symbol);
    client.connect();
    await sleep(30);
    await runUntilInSync(sim, client, symbol);
    assertEqualsTruth(sim, client, symbol);

    sim.binance.faults.withholdNext(symbol);
    await runUntilInSync(sim, client, symbol);
    assert.equal(client.resyncs, 1, 'the gap was seen');
    assertEqualsTruth(sim, client, symbol);

    sim.binance.faults.duplicateNext(symbol);
    sim.binance.faults.reorderNext(symbol);
    await runUntilInSync(sim, client, symbol);
    assertEqualsTruth(sim, client, symbol);

    for (const kind of ['invalid_json', 'wrong_types', 'unknown_event', 'bad_level'] as const)
      sim.binance.sendMalformed(kind);
    await runUntilInSync(sim, client, symbol);
    assert.equal(client.malformed, 4);
    assertEqualsTruth(sim, client, symbol);

    sim.binance.failSnapshots(2, { status: 429, retryAfterSec: 0 });
    sim.binance.failSnapshots(1, { status: 503 });
    sim.binance.faults.withholdNext(symbol);
    await runUntilInSync(sim, client, symbol);
    assertEqualsTruth(sim, client, symbol);

    const attempts = client.snapshotAttempts;
    sim.binance.armStaleSnapshot(symbol);
    sim.binance.dropAllConnections();
    await sleep(60);
    await runUntilInSync(sim, client, symbol);
    assert.ok(client.snapshotAttempts >= attempts + 2, 'the stale snapshot was refetched');
    assertEqualsTruth(sim, client, symbol);

    sim.binance.setSnapshotDelay(50);
    sim.binance.closeAllConnections();
    await sleep(40);
    await runUntilInSync(sim, client, symbol, 80);
    sim.binance.setSnapshotDelay(0);
    assertEqualsTruth(sim, client, symbol);
    client.close();
  });

  it('catches a client that ignores pu: it diverges after a gap', async () => {
    const symbol = '1000PEPEUSDT';
    const careless = new BinanceReferenceClient(sim.binance.wsBaseUrl, sim.binance.restBaseUrl, symbol, {
      ignorePu: true,
    });
    careless.connect();
    await sleep(30);
    await runUntilInSync(sim, careless, symbol);
    sim.binance.faults.withholdNext(symbol, 3);
    await runUntilInSync(sim, careless, symbol, 4);
    const truth = sim.binance.truth(symbol);
    const mine = sortedLevels(careless.book, 200);
    assert.notDeepEqual(
      { bids: mine.bids, asks: mine.asks },
      { bids: truth.bids.slice(0, 200), asks: truth.asks.slice(0, 200) },
    );
    careless.close();
  });

  it('stalls: the socket stays open with no data, and optionally no pong', async () => {
    const c = collect(`${sim.binance.wsBaseUrl}/public/stream?streams=btcusdt@depth@100ms`);
    await c.opened;
    sim.binance.stall({ pong: false });
    let pongs = 0;
    c.ws.on('pong', () => pongs++);
    c.ws.ping();
    for (let i = 0; i < 20; i++) sim.binance.step('BTCUSDT');
    await sleep(50);
    assert.equal(c.frames.length, 0);
    assert.equal(pongs, 0);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    c.ws.terminate();
    // A new connection is healthy.
    const fresh = collect(`${sim.binance.wsBaseUrl}/public/stream?streams=btcusdt@depth@100ms`);
    await fresh.opened;
    sim.binance.step('BTCUSDT');
    await waitFor(() => fresh.frames.length > 0, 'data on a new connection');
    fresh.ws.close();
  });

  it('sends malformed frames exactly as described', async () => {
    const c = collect(`${sim.binance.wsBaseUrl}/public/stream?streams=btcusdt@depth@100ms`);
    await c.opened;
    for (const kind of ['invalid_json', 'wrong_types', 'unknown_event', 'bad_level'] as const)
      sim.binance.sendMalformed(kind);
    await waitFor(() => c.frames.length >= 4, 'four frames');
    assert.throws(() => JSON.parse(c.frames[0]));
    assert.equal(typeof JSON.parse(c.frames[1]).data.E, 'string');
    assert.equal(JSON.parse(c.frames[2]).data.e, 'mysteryEvent');
    assert.deepEqual(JSON.parse(c.frames[3]).data.b, [['1e-8', '1']]);
    c.ws.close();
  });

  it('serves exchangeInfo in the venue’s shape, listing its instruments as USDⓈ-M perpetuals', async () => {
    const res = await fetch(`${sim.binance.restBaseUrl}/fapi/v1/exchangeInfo`);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.timezone, 'UTC');
    assert.equal(typeof body.serverTime, 'number');
    assert.deepEqual(body.rateLimits[0], {
      rateLimitType: 'REQUEST_WEIGHT',
      interval: 'MINUTE',
      intervalNum: 1,
      limit: 2400,
    });
    assert.deepEqual(
      body.symbols.map((s: { symbol: string }) => s.symbol),
      sim.binance.symbols(),
    );
    const btc = body.symbols[0];
    assert.deepEqual(
      {
        symbol: btc.symbol,
        pair: btc.pair,
        contractType: btc.contractType,
        status: btc.status,
        baseAsset: btc.baseAsset,
        quoteAsset: btc.quoteAsset,
        marginAsset: btc.marginAsset,
        pricePrecision: btc.pricePrecision,
        quantityPrecision: btc.quantityPrecision,
      },
      {
        symbol: 'BTCUSDT',
        pair: 'BTCUSDT',
        contractType: 'PERPETUAL',
        status: 'TRADING',
        baseAsset: 'BTC',
        quoteAsset: 'USDT',
        marginAsset: 'USDT',
        pricePrecision: 2,
        quantityPrecision: 3,
      },
    );
    const filter = (type: string) => btc.filters.find((f: { filterType: string }) => f.filterType === type);
    assert.equal(filter('PRICE_FILTER').tickSize, '0.10');
    assert.equal(filter('LOT_SIZE').stepSize, '0.001');
    sim.binance.setInstrumentStatus('ETHUSDT', 'SETTLING');
    const after = await (await fetch(`${sim.binance.restBaseUrl}/fapi/v1/exchangeInfo`)).json();
    assert.equal(after.symbols.find((s: { symbol: string }) => s.symbol === 'ETHUSDT').status, 'SETTLING');
    sim.binance.setInstrumentStatus('ETHUSDT', 'TRADING');
  });

  it('fails exchangeInfo on demand, then serves it again', async () => {
    sim.binance.failExchangeInfo(2);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${sim.binance.restBaseUrl}/fapi/v1/exchangeInfo`);
      assert.equal(res.status, 500);
      await res.text();
    }
    assert.equal((await fetch(`${sim.binance.restBaseUrl}/fapi/v1/exchangeInfo`)).status, 200);
  });

  it('reports the IP’s used weight on every REST answer, other processes’ weight included', async () => {
    const weight = async (path: string): Promise<number> => {
      const res = await fetch(`${sim.binance.restBaseUrl}${path}`);
      await res.text();
      const header = res.headers.get('x-mbx-used-weight-1m');
      assert.notEqual(header, null, `${path} answers with X-MBX-USED-WEIGHT-1M`);
      return Number(header);
    };
    const first = await weight('/fapi/v1/exchangeInfo');
    // A minute boundary between two requests resets the count; retry until both land in one minute.
    for (let attempt = 0; attempt < 3; attempt++) {
      const start = await weight('/fapi/v1/exchangeInfo');
      const snapshot = await weight('/fapi/v1/depth?symbol=BTCUSDT&limit=1000');
      const unknown = await weight('/fapi/v1/depth?symbol=NOPE&limit=5');
      sim.binance.addForeignWeight(500);
      const afterForeign = await weight('/fapi/v1/exchangeInfo');
      if (afterForeign < start) continue;
      assert.ok(first >= 1);
      assert.equal(snapshot, start + 20, 'limit 1000 weighs 20');
      assert.equal(unknown, snapshot + 2, 'an error answer is counted and reported too');
      assert.equal(afterForeign, unknown + 500 + 1, 'weight spent by another process on the IP shows');
      return;
    }
    assert.fail('three minute boundaries in a row');
  });

  it('refuses a connection URL longer than the ~8 KB seen in front of the venue', async () => {
    const long = (n: number) =>
      Array.from({ length: n }, (_, i) => `${'x'.repeat(24)}${String(i).padStart(3, '0')}usdt@depth@100ms`).join('/');
    const refused = new WebSocket(`${sim.binance.wsBaseUrl}/public/stream?streams=${long(190)}`);
    const status = await new Promise<number>((resolve) =>
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    assert.equal(status, 414);
    const accepted = collect(`${sim.binance.wsBaseUrl}/public/stream?streams=${long(150)}`);
    await accepted.opened;
    accepted.ws.close();
  });
});
