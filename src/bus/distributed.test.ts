import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type TestClient } from '../server/test-support/app.js';
import { waitFor } from '../sim/test-support/wait.js';
import { NATS_CONNECTION_NAME } from './gateway-connector.js';
import { type BusCluster, nodeLive, startBusCluster, wsUrl } from './test-support/cluster.js';
import { startTcpProxy, type TcpProxy } from './test-support/tcp-proxy.js';
import { caughtUp, levelsOf, servedBook, type TrueBook, topOf, truths } from './test-support/truth.js';

const DEPTH = 20;
const RATE = 400;

/** Pauses the market, waits for the node to reach it, and checks every served book against the truth. */
async function assertExact(c: BusCluster, nodes: readonly Parameters<typeof caughtUp>[0][]): Promise<TrueBook[]> {
  c.sim.pause();
  const now = truths(c.sim);
  for (const node of nodes) {
    await caughtUp(node, now);
    for (const t of now) {
      const view = await servedBook(node, t, DEPTH);
      assert.equal(view.status, 'live', `${t.exchange}:${t.symbol}`);
      assert.equal(view.updateId, t.updateId);
      assert.deepEqual(levelsOf(view), topOf(t, DEPTH), `${t.exchange}:${t.symbol} at ${t.updateId}`);
    }
  }
  return now;
}

/** The client's latest view of each book equals the truth's top levels. */
async function assertClientSees(client: TestClient, now: readonly TrueBook[]): Promise<void> {
  const latest = () => {
    const views = new Map<string, { updateId: number; status: string; bids: unknown; asks: unknown }>();
    for (const s of client.of('snapshot')) for (const v of s.orderbooks) views.set(`${v.exchange}:${v.symbol}`, v);
    for (const v of client.of('orderbook')) views.set(`${v.exchange}:${v.symbol}`, v);
    return views;
  };
  await waitFor(
    () => now.every((t) => latest().get(`${t.exchange}:${t.symbol}`)?.updateId === t.updateId),
    'the client received every book at the truth’s update id',
  );
  for (const t of now) {
    const v = latest().get(`${t.exchange}:${t.symbol}`) as Parameters<typeof levelsOf>[0] & { status: string };
    assert.equal(v.status, 'live');
    assert.deepEqual(levelsOf(v), topOf(t, v.bids.length), `${t.exchange}:${t.symbol}`);
    assert.ok(v.bids.length >= 5);
  }
}

describe('distributed mode: ingest + gateways on a real nats-server', () => {
  let c: BusCluster;
  let proxy: TcpProxy;
  before(async () => {
    c = await startBusCluster({ gateways: 2 });
    proxy = await startTcpProxy(c.nats.port);
    c.sim.run(RATE);
    await nodeLive(c.ingests[0]);
  });
  after(async () => {
    await proxy?.stop();
    await c?.stop();
  });

  it('clients on both gateways see books equal to the simulator’s truth', async () => {
    const clients = await Promise.all(c.gateways.map((g) => connect(wsUrl(g))));
    await Promise.all(c.gateways.map((g) => nodeLive(g)));
    // Let the market move under the bus for a while, then stop it and compare.
    const frames = () => c.gateways.map((g) => g.connectors.reduce((n, k) => n + k.status().counters.frames, 0));
    const before = frames();
    await waitFor(() => frames().every((n, i) => n > before[i] + 200), 'gateways took 200 bus messages each');
    const now = await assertExact(c, [c.ingests[0], ...c.gateways]);
    for (const client of clients) await assertClientSees(client, now);
    for (const g of c.gateways) {
      for (const k of g.connectors) assert.equal(k.status().counters.gaps, 0, `${k.exchange}: no chain break`);
    }
    for (const client of clients) client.ws.close();
    c.sim.run(RATE);
  });

  it('a gateway started late loads the last snapshots, applies exactly the deltas after them, and is exact', async () => {
    // The market keeps moving while it starts: it joins mid-stream.
    const late = await c.addGateway();
    await nodeLive(late);
    await waitFor(
      () => late.connectors.every((k) => k.status().counters.frames > 50),
      'the late gateway took deltas after its snapshots',
    );
    await assertExact(c, [late]);
    for (const k of late.connectors) {
      assert.ok(k.status().counters.snapshotsFetched >= 1, 'anchored with DirectGet');
      assert.equal(k.status().counters.gaps, 0);
    }
    c.sim.run(RATE);
  });

  it('a gateway whose NATS connection is cut shows it, marks its books resyncing, and recovers exactly', async () => {
    const g = await c.addGateway({ FLOWRS_NATS_URL: proxy.url });
    await nodeLive(g);
    const client = await connect(wsUrl(g));
    proxy.cut();
    await waitFor(
      () => g.app.books.list().every((b) => b.status() === 'resyncing' && b.resyncReason() === 'disconnected'),
      'every book resyncing (disconnected)',
    );
    const nats = () => g.app.exchanges.status()[0].connections.find((x) => x.name === NATS_CONNECTION_NAME);
    assert.equal(nats()?.status.type, 'reconnecting');
    const health = (await (await fetch(`${`http://127.0.0.1:${g.app.address!.port}`}/health`)).json()) as {
      status: string;
    };
    assert.notEqual(health.status, 'ok', '/health says the gateway is not healthy while cut off');
    await waitFor(
      () =>
        client
          .of('orderbook')
          .some((v) => v.exchange === 'binance' && v.status === 'resyncing' && v.reason === 'disconnected'),
      'the client was told',
    );
    // The market moves on while the gateway is cut off.
    const emitted = c.sim.emitted;
    await waitFor(() => c.sim.emitted > emitted + 200, 'the market moved during the cut');
    proxy.restore();
    await waitFor(() => nats()?.status.type === 'open', 'reconnected');
    assert.ok((nats()?.reconnections ?? 0) >= 1);
    await nodeLive(g);
    const now = await assertExact(c, [g]);
    await assertClientSees(client, now);
    client.ws.close();
    c.sim.run(RATE);
  });
});
