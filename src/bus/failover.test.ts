import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import type { PriceLevel } from '../core/types.js';
import { sleep, waitFor } from '../sim/test-support/wait.js';
import { chainHeaders, encodeDelta } from './codec.js';
import type { GatewayNode } from './gateway.js';
import type { IngestNode } from './ingest.js';
import { WRONG_LAST_SEQUENCE } from './publisher.js';
import { BookMessageKind, bookSubject } from './subjects.js';
import { type BusCluster, nodeLive, startBusCluster } from './test-support/cluster.js';
import { startTcpProxy, type TcpProxy } from './test-support/tcp-proxy.js';
import { caughtUp, levelsOf, servedBook, topOf, truths } from './test-support/truth.js';

const leads = (node: IngestNode) => [...node.leases.values()].every((l) => l.isLeader);
const standsBy = (node: IngestNode) => [...node.leases.values()].every((l) => !l.isLeader);

/**
 * Drives the market by hand and, all along, checks every live book a gateway serves against the truth
 * recorded at its update id: a book may lag or show `resyncing`, never show levels the venue never had.
 */
function watchServedBooks(c: BusCluster, gateway: GatewayNode) {
  const truthAt = new Map<string, { bids: PriceLevel[]; asks: PriceLevel[] }>();
  const record = () => {
    for (const t of truths(c.sim)) {
      truthAt.set(`${t.exchange}:${t.symbol}@${t.updateId}`, { bids: t.bids.slice(0, 5), asks: t.asks.slice(0, 5) });
    }
  };
  let checked = 0;
  let running = true;
  let failure: unknown;
  const loop = (async () => {
    // Start from a gateway that has reached the paused market: every later state is recorded.
    await caughtUp(gateway, truths(c.sim));
    record();
    while (running) {
      c.sim.step();
      record();
      for (const b of gateway.app.books.list()) {
        if (b.status() !== 'live') continue;
        const truth = truthAt.get(`${b.key}@${b.updateId}`);
        assert.ok(truth, `${b.key}: served at update id ${b.updateId}, which the venue never had`);
        assert.deepEqual(b.levels(5), truth, `${b.key}@${b.updateId}`);
        checked++;
      }
      await sleep(5);
    }
  })().catch((error: unknown) => {
    failure = error;
  });
  return {
    stop: async () => {
      running = false;
      await loop;
      if (failure !== undefined) throw failure;
      return checked;
    },
  };
}

describe('ingest redundancy: a lease per venue, fencing by epoch', () => {
  let c: BusCluster;
  let proxy: TcpProxy;
  let gateway: GatewayNode;
  let a: IngestNode;
  let b: IngestNode;
  before(async () => {
    c = await startBusCluster({ ingests: 0 });
    proxy = await startTcpProxy(c.nats.port);
    c.sim.run(300);
    // Node a reaches NATS through a relay the test can cut; node b directly.
    c.env.FLOWRS_NATS_URL = proxy.url;
    a = await c.addIngest('node-a');
    c.env.FLOWRS_NATS_URL = c.nats.url;
    await waitFor(() => leads(a), 'node a leads every venue');
    b = await c.addIngest('node-b');
    gateway = await c.addGateway({}, { connector: { leaderSilenceMs: 1_000 } });
    await nodeLive(gateway);
  });
  after(async () => {
    await proxy?.stop();
    await c?.stop();
  });

  it('one node leads each venue; the standby keeps its books warm but publishes nothing', async () => {
    await nodeLive(b);
    assert.ok(leads(a));
    assert.ok(standsBy(b));
    const published = b.publisher.counters.deltas + b.publisher.counters.snapshots;
    await waitFor(() => a.publisher.counters.deltas > 100, 'the leader publishes');
    assert.equal(b.publisher.counters.deltas + b.publisher.counters.snapshots, published);
    assert.equal(published, 0);
  });

  it('a leader cut off from NATS stops; the standby takes over; the zombie’s late writes are refused', async () => {
    const epochs = [...a.leases.values()].map((l) => (l.state.type === 'leader' ? l.state.epoch : 0));
    c.sim.pause();
    const watch = watchServedBooks(c, gateway);
    await sleep(100);
    proxy.cut();
    await waitFor(() => standsBy(a), 'the cut-off leader stopped publishing (its renewals failed)', 10_000);
    await waitFor(() => leads(b), 'node b took every venue over', 10_000);
    for (const [i, lease] of [...b.leases.values()].entries()) {
      assert.equal(lease.state.type, 'leader');
      assert.ok(lease.state.type === 'leader' && lease.state.epoch > epochs[i], 'a higher epoch');
    }
    await nodeLive(gateway);
    // The zombie reconnects and flushes what it buffered; nothing of it may reach a client.
    proxy.restore();
    await waitFor(() => a.link.status.type === 'open', 'node a reconnected');
    await sleep(300);
    const checked = await watch.stop();
    assert.ok(checked > 100, `${checked} served books checked during the handover`);
    assert.ok(standsBy(a), 'node a stays standby: the lease is b’s');

    // Server-side fencing: a snapshot with the deposed leader's expected sequence is refused.
    const nc = await natsConnect({ servers: c.nats.url });
    try {
      const subject = bookSubject('binance', 'BTCUSDT', BookMessageKind.snapshot);
      await assert.rejects(
        jetstream(nc).publish(subject, '{}', {
          headers: chainHeaders({ seq: 1, epoch: epochs[0] }, 0),
          expect: { lastSubjectSequence: 1 },
        }),
        (error: { code?: number }) => error.code === WRONG_LAST_SEQUENCE,
      );
      // Gateway-side fencing: a delta under the old epoch is dropped, whatever its content.
      const connector = gateway.connectors.find((k) => k.exchange === 'binance')!;
      const fenced = connector.fencedMessages;
      const bogus = encodeDelta({
        type: 'book_delta',
        exchange: 'binance',
        symbol: 'BTCUSDT',
        venueTs: 0,
        localTs: 0,
        bids: [['1', '999']],
        asks: [],
        firstUpdateId: 0,
        updateId: 0,
      });
      nc.publish(bookSubject('binance', 'BTCUSDT', BookMessageKind.delta), bogus, {
        headers: chainHeaders({ seq: 1, epoch: epochs[0] }, 0),
      });
      await nc.flush();
      await waitFor(() => connector.fencedMessages > fenced, 'the gateway dropped the stale epoch’s delta');
    } finally {
      await nc.close();
    }
    c.sim.pause();
    const now = truths(c.sim);
    await caughtUp(gateway, now);
    for (const t of now) assert.deepEqual(levelsOf(await servedBook(gateway, t, 20)), topOf(t, 20));
  });

  it('killing the leader hands over within seconds and the books stay exact', async () => {
    c.sim.pause();
    const watch = watchServedBooks(c, gateway);
    await sleep(100);
    const started = Date.now();
    await b.stop({ release: false }); // A crash: its leases are left to expire.
    await waitFor(() => leads(a), 'node a took every venue back', 10_000);
    const handover = Date.now() - started;
    await nodeLive(gateway);
    const checked = await watch.stop();
    assert.ok(checked > 100, `${checked} served books checked`);
    assert.ok(handover < 10_000, `handed over in ${handover} ms`);
    c.sim.pause();
    const now = truths(c.sim);
    await caughtUp(gateway, now);
    for (const t of now) assert.deepEqual(levelsOf(await servedBook(gateway, t, 20)), topOf(t, 20));
  });
});
