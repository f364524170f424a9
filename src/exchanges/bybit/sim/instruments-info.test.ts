import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { Simulator } from '../../../sim/simulator.js';
import { realFixture } from '../../../sim/test-support/fixtures.js';
import { waitFor } from '../../../sim/test-support/wait.js';

/** The real answer's body (the `data` field of the capture's one `http` line). */
function realBody(): Record<string, unknown> {
  const line = readFileSync(realFixture('bybit/cryptofeed_2026-08-09_v5_instruments_info_linear.http.jsonl'), 'utf8')
    .trim()
    .split('\n')[0];
  return JSON.parse(JSON.parse(line).data as string);
}

const keysOf = (o: unknown) => Object.keys(o as object).sort();

describe('simulated Bybit instruments-info', () => {
  let sim: Simulator;
  before(async () => {
    sim = await Simulator.start({ seed: 5 });
  });
  after(async () => {
    await sim.stop();
  });

  const get = async (query: string) => {
    const res = await fetch(`${sim.bybit.restBaseUrl}/v5/market/instruments-info?${query}`);
    return { status: res.status, text: await res.text() };
  };

  it('answers with the real envelope and the real fields of every entry', async () => {
    const real = realBody() as { result: { list: object[] } };
    const { status, text } = await get('category=linear&limit=1000');
    assert.equal(status, 200);
    const body = JSON.parse(text);
    assert.deepEqual(keysOf(body), keysOf(real));
    assert.deepEqual(keysOf(body.result), keysOf(real.result));
    assert.equal(body.result.nextPageCursor, '');
    assert.deepEqual(
      body.result.list.map((e: { symbol: string }) => e.symbol),
      ['1000PEPEUSDT', 'BTCUSDT', 'ETHUSDT'],
    );
    for (const entry of body.result.list) assert.deepEqual(keysOf(entry), keysOf(real.result.list[0]));
    const btc = body.result.list.find((e: { symbol: string }) => e.symbol === 'BTCUSDT');
    assert.equal(btc.priceFilter.tickSize, '0.10');
    assert.equal(btc.status, 'Trading');
  });

  it('pages with an opaque cursor until nextPageCursor is empty, and filters by status', async () => {
    sim.bybit.setInstrumentsPageSize(2);
    sim.bybit.setInstrumentStatus('ETHUSDT', 'Closed');
    try {
      const first = JSON.parse((await get('category=linear&limit=1000')).text).result;
      assert.equal(first.list.length, 2);
      assert.notEqual(first.nextPageCursor, '');
      const second = JSON.parse(
        (await get(`category=linear&limit=1000&cursor=${encodeURIComponent(first.nextPageCursor)}`)).text,
      ).result;
      assert.deepEqual(
        second.list.map((e: { symbol: string; status: string }) => `${e.symbol}:${e.status}`),
        ['ETHUSDT:Closed'],
      );
      assert.equal(second.nextPageCursor, '');
      const trading = JSON.parse((await get('category=linear&status=Trading')).text).result;
      assert.deepEqual(
        trading.list.map((e: { symbol: string }) => e.symbol),
        ['1000PEPEUSDT', 'BTCUSDT'],
      );
    } finally {
      sim.bybit.setInstrumentsPageSize(1000);
      sim.bybit.setInstrumentStatus('ETHUSDT', 'Trading');
    }
  });

  it('answers HTTP 500 as many times as told, then recovers', async () => {
    sim.bybit.failInstrumentRequests(2);
    assert.equal((await get('category=linear')).status, 500);
    assert.equal((await get('category=linear')).status, 500);
    assert.equal((await get('category=linear')).status, 200);
  });

  it('refuses a topic whose symbol it does not list with `handler not found`', async () => {
    const ws = new WebSocket(sim.bybit.wsUrl);
    const frames: string[] = [];
    ws.on('message', (d) => frames.push(d.toString()));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ req_id: 'e1', op: 'subscribe', args: ['orderbook.200.NOPEUSDT'] }));
    await waitFor(() => frames.length > 0, 'an answer');
    const ack = JSON.parse(frames[0]);
    assert.equal(ack.success, false);
    assert.equal(ack.ret_msg, 'error:handler not found,topic:orderbook.200.NOPEUSDT');
    assert.equal(ack.req_id, 'e1');
    assert.equal(ack.op, 'subscribe');
    ws.terminate();
  });
});
