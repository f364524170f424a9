import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Simulator } from '../../../sim/simulator.js';
import { BybitReferenceClient, sortedLevels } from '../../../sim/test-support/reference-clients.js';
import { openRecordingSocket } from '../../../sim/test-support/socket.js';
import { sleep, waitFor } from '../../../sim/test-support/wait.js';

function assertEqualsTruth(sim: Simulator, client: BybitReferenceClient): void {
  const truth = sim.bybit.truth(client.symbol, client.depth);
  assert.equal(client.lastU, truth.u, 'client holds the latest u');
  const mine = sortedLevels(client.book);
  assert.deepEqual(mine.bids, truth.bids);
  assert.deepEqual(mine.asks, truth.asks);
}

async function runUntilInSync(sim: Simulator, client: BybitReferenceClient, steps = 30): Promise<void> {
  for (let i = 0; i < steps; i++) {
    sim.bybit.step(client.symbol);
    await sleep(1);
  }
  await waitFor(
    () => client.lastU === sim.bybit.truth(client.symbol, client.depth).u,
    'client catches up with the venue',
  );
}

describe('simulated Bybit v5 linear', () => {
  let sim: Simulator;
  before(async () => {
    sim = await Simulator.start({ seed: 11 });
  });
  after(async () => {
    await sim.stop();
  });

  it('acknowledges exactly like the venue, then sends a snapshot and deltas whose u rises by one', async () => {
    const { ws, frames } = await openRecordingSocket(sim.bybit.wsUrl);
    ws.send(JSON.stringify({ op: 'subscribe', args: ['orderbook.50.BTCUSDT', 'publicTrade.BTCUSDT'] }));
    await waitFor(() => frames.length >= 2, 'ack and snapshot');
    const ack = JSON.parse(frames[0]);
    assert.deepEqual(Object.keys(ack), ['success', 'ret_msg', 'conn_id', 'req_id', 'op']);
    assert.deepEqual(
      { ...ack, conn_id: 'x' },
      { success: true, ret_msg: '', conn_id: 'x', req_id: '', op: 'subscribe' },
    );
    const snapshot = JSON.parse(frames[1]);
    assert.deepEqual(Object.keys(snapshot), ['topic', 'type', 'ts', 'data', 'cts']);
    assert.deepEqual(Object.keys(snapshot.data), ['s', 'b', 'a', 'u', 'seq']);
    assert.equal(snapshot.type, 'snapshot');
    assert.equal(snapshot.data.b.length, 50);
    for (let i = 0; i < 300; i++) sim.bybit.step('BTCUSDT');
    await waitFor(() => frames.length > 250, 'deltas');
    const book = frames
      .slice(2)
      .map((f) => JSON.parse(f))
      .filter((f) => f.topic === 'orderbook.50.BTCUSDT');
    let u = snapshot.data.u;
    const bids = new Map<string, string>(snapshot.data.b);
    let exits = 0;
    for (const f of book) {
      assert.equal(f.type, 'delta');
      assert.equal(f.data.u, ++u);
      let inserted = 0;
      let deleted = 0;
      for (const [p, q] of f.data.b) {
        if (q === '0') {
          deleted += bids.delete(p) ? 1 : 0;
        } else {
          if (!bids.has(p)) inserted++;
          bids.set(p, q);
        }
      }
      if (inserted > 0 && deleted > 0) exits++;
      // The true book is far deeper than 50, so the window is always exactly full: every level that
      // enters is sent, and every level pushed out is sent as "0".
      assert.equal(bids.size, 50, 'the window is exactly its depth');
    }
    assert.ok(exits > 0, 'levels entered and left the window');
    const trades = frames.map((f) => JSON.parse(f)).filter((f) => f.topic === 'publicTrade.BTCUSDT');
    assert.ok(trades.length > 0);
    assert.deepEqual(Object.keys(trades[0].data[0]), ['T', 's', 'S', 'v', 'p', 'L', 'i', 'BT', 'RPI', 'seq']);
    assert.match(trades[0].data[0].S, /^(Buy|Sell)$/);
    ws.close();
  });

  it('refuses bad requests with the venue’s own messages', async () => {
    const { ws, frames } = await openRecordingSocket(sim.bybit.wsUrl);
    const send = (o: unknown) => ws.send(typeof o === 'string' ? o : JSON.stringify(o));
    send({ op: 'subscribe', args: ['orderbook.50.NOPEUSDT'], req_id: 'e1' });
    send({ op: 'subscribe', args: ['orderbook.30.BTCUSDT'] });
    send({ op: 'subscribe', args: ['orderbook.50.btcusdt'] });
    send({ op: 'subscribe', args: Array.from({ length: 11 }, (_, i) => `publicTrade.X${i}`) });
    send({ op: 'subscribe', args: ['publicTrade.ETHUSDT'] });
    send({ op: 'subscribe', args: ['publicTrade.ETHUSDT'] });
    send({ op: 'nope' });
    send('hello');
    send({ op: 'ping', req_id: 'ping-pp' });
    await waitFor(() => frames.length >= 9, 'nine answers');
    const answers = frames.map((f) => JSON.parse(f));
    assert.deepEqual(
      answers.map((a) => [a.success, a.ret_msg]),
      [
        [false, 'error:handler not found,topic:orderbook.50.NOPEUSDT'],
        [false, 'error:handler not found,topic:orderbook.30.BTCUSDT'],
        [false, 'error:handler not found,topic:orderbook.50.btcusdt'],
        [false, 'args size >10'],
        [true, ''],
        [false, 'error:already subscribed,topic:publicTrade.ETHUSDT'],
        [false, 'error:invalid op'],
        [false, answers[7].ret_msg],
        [true, 'pong'],
      ],
    );
    assert.equal(answers[0].req_id, 'e1');
    assert.match(answers[7].ret_msg, /^Failed to decode incoming data:readObjectStart/);
    assert.equal(answers[8].op, 'ping');
    assert.equal(answers[8].req_id, 'ping-pp');
    ws.close();
  });

  it('lets a reference client reproduce the window exactly, through every fault', async () => {
    const client = new BybitReferenceClient(sim.bybit.wsUrl, 'ETHUSDT', 200);
    await client.connect();
    await waitFor(() => client.lastU !== undefined, 'first snapshot');
    await runUntilInSync(sim, client);
    assertEqualsTruth(sim, client);

    sim.bybit.faults.withholdNext('ETHUSDT');
    await runUntilInSync(sim, client);
    assert.equal(client.resyncs, 1);
    assert.deepEqual(
      client.acks.slice(-2).map((a) => [a.op, a.success]),
      [
        ['unsubscribe', true],
        ['subscribe', true],
      ],
    );
    assertEqualsTruth(sim, client);

    sim.bybit.faults.duplicateNext('ETHUSDT');
    await runUntilInSync(sim, client);
    assertEqualsTruth(sim, client);
    sim.bybit.faults.reorderNext('ETHUSDT');
    await runUntilInSync(sim, client);
    assertEqualsTruth(sim, client);

    sim.bybit.venueReset('ETHUSDT');
    await waitFor(() => client.lastU === 1, 'the u = 1 snapshot replaced the book');
    await runUntilInSync(sim, client);
    assertEqualsTruth(sim, client);

    for (const kind of ['invalid_json', 'wrong_types', 'unknown_event', 'bad_level'] as const)
      sim.bybit.sendMalformed(kind);
    await runUntilInSync(sim, client);
    assertEqualsTruth(sim, client);

    sim.bybit.dropAllConnections();
    await sleep(60);
    await waitFor(() => client.lastU !== undefined, 'resubscribed after the drop');
    await runUntilInSync(sim, client);
    assertEqualsTruth(sim, client);
    client.close();
  });

  it('catches a client that ignores a mid-stream snapshot: it diverges after a venue reset', async () => {
    const careless = new BybitReferenceClient(sim.bybit.wsUrl, 'BTCUSDT', 200, {
      ignoreMidStreamSnapshots: true,
      ignoreGaps: true,
    });
    await careless.connect();
    await waitFor(() => careless.lastU !== undefined, 'first snapshot');
    await runUntilInSync(sim, careless, 10);
    sim.bybit.faults.withholdNext('BTCUSDT');
    sim.bybit.step('BTCUSDT');
    sim.bybit.venueReset('BTCUSDT');
    for (let i = 0; i < 5; i++) sim.bybit.step('BTCUSDT');
    await sleep(50);
    const truth = sim.bybit.truth('BTCUSDT', 200);
    assert.notDeepEqual(sortedLevels(careless.book), { bids: truth.bids, asks: truth.asks });
    careless.close();
  });

  it('rejects a subscription on request, and stalls with or without pongs', async () => {
    sim.bybit.rejectNextSubscription('1000PEPEUSDT');
    const { ws, frames } = await openRecordingSocket(sim.bybit.wsUrl);
    ws.send(JSON.stringify({ op: 'subscribe', args: ['orderbook.200.1000PEPEUSDT'] }));
    await waitFor(() => frames.length === 1, 'the refusal');
    assert.equal(JSON.parse(frames[0]).success, false);
    ws.send(JSON.stringify({ op: 'subscribe', args: ['orderbook.200.1000PEPEUSDT'] }));
    await waitFor(() => frames.length >= 3, 'accepted the second time, with a snapshot');
    sim.bybit.stall({ pong: false });
    const before = frames.length;
    for (let i = 0; i < 10; i++) sim.bybit.step('1000PEPEUSDT');
    ws.send(JSON.stringify({ op: 'ping' }));
    await sleep(50);
    assert.equal(frames.length, before, 'no data, no pong');
    ws.close();
  });

  it('serves the REST order book, whose u belongs to another stream', async () => {
    const res = await fetch(`${sim.bybit.restBaseUrl}/v5/market/orderbook?category=linear&symbol=BTCUSDT&limit=3`);
    const body = (await res.json()) as { retCode: number; result: { b: unknown[] } };
    assert.equal(body.retCode, 0);
    assert.deepEqual(Object.keys(body.result), ['s', 'a', 'b', 'ts', 'u', 'seq', 'cts']);
    assert.equal(body.result.b.length, 3);
    const bad = (await (
      await fetch(`${sim.bybit.restBaseUrl}/v5/market/orderbook?category=linear&symbol=NOPE`)
    ).json()) as { retCode: number };
    assert.equal(bad.retCode, 10001);
  });
});
