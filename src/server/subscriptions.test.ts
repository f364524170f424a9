import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sleep, waitFor } from '../sim/test-support/wait.js';
import type { ServerMessage } from './protocol.js';
import { allLive, connect, startApp, type TestApp, type TestClient } from './test-support/app.js';

const keyOf = (m: { exchange: string; symbol: string }) => `${m.exchange}:${m.symbol}`;

/** Books named by the book and trade messages after the client's last snapshot (and that snapshot). */
function afterLastSnapshot(c: TestClient): { snapshot: string[]; updates: Set<string>; trades: Set<string> } {
  let i = c.messages.length - 1;
  while (c.messages[i].type !== 'snapshot') i--;
  const last = c.messages[i] as Extract<ServerMessage, { type: 'snapshot' }>;
  const rest = c.messages.slice(i + 1);
  return {
    snapshot: last.orderbooks.map(keyOf).sort(),
    updates: new Set(rest.flatMap((m) => (m.type === 'orderbook' ? [keyOf(m)] : []))),
    trades: new Set(rest.flatMap((m) => (m.type === 'trade' ? [keyOf(m)] : []))),
  };
}

describe('client server: book selections', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp();
    t.sim.run(400);
    await allLive(t);
  });
  after(async () => {
    await t.stop();
  });

  it('selects books at connect time from the URL: snapshot, updates and trades of those books only', async () => {
    const c = await connect(`${t.wsUrl}?books=binance:BTCUSDT,BYBIT:ETHUSDT`);
    await waitFor(() => c.of('trade').length >= 5 && c.of('metrics').length >= 1, 'trades and metrics', 5_000);
    const seen = afterLastSnapshot(c);
    assert.equal(c.of('snapshot').length, 1);
    assert.deepEqual(seen.snapshot, ['binance:BTCUSDT', 'bybit:ETHUSDT']);
    for (const k of [...seen.updates, ...seen.trades]) assert.ok(['binance:BTCUSDT', 'bybit:ETHUSDT'].includes(k), k);
    assert.ok(seen.updates.size > 0);
    c.ws.close();
  });

  it('changes the selection with a subscribe message, answered by a snapshot of it', async () => {
    const c = await connect(t.wsUrl);
    await waitFor(() => c.of('snapshot').length === 1, 'first snapshot');
    assert.equal(c.of('snapshot')[0].orderbooks.length, 6);
    c.ws.send(JSON.stringify({ type: 'subscribe', books: ['bybit:BTCUSDT'] }));
    await waitFor(() => c.of('snapshot').some((s) => s.reason === 'subscribe'), 'subscribe snapshot');
    const before = c.messages.length;
    await waitFor(() => c.messages.slice(before).filter((m) => m.type === 'trade').length >= 3, 'its trades', 5_000);
    const seen = afterLastSnapshot(c);
    assert.deepEqual(seen.snapshot, ['bybit:BTCUSDT']);
    assert.deepEqual([...seen.trades], ['bybit:BTCUSDT']);
    assert.ok([...seen.updates].every((k) => k === 'bybit:BTCUSDT'));
    // Back to everything.
    c.ws.send(JSON.stringify({ type: 'subscribe', books: '*' }));
    await waitFor(() => c.of('snapshot').filter((s) => s.reason === 'subscribe').length === 2, 'second snapshot');
    assert.equal(afterLastSnapshot(c).snapshot.length, 6);
    c.ws.close();
  });

  it('refuses an unknown book or a malformed selection with an error, and changes nothing', async () => {
    const c = await connect(`${t.wsUrl}?books=binance:BTCUSDT`);
    await waitFor(() => c.of('snapshot').length === 1, 'first snapshot');
    c.ws.send(JSON.stringify({ type: 'subscribe', books: ['binance:ETHUSDT', 'kraken:BTCUSD', 'binance:NOPE'] }));
    c.ws.send(JSON.stringify({ type: 'subscribe', books: 'BTCUSDT' }));
    c.ws.send(JSON.stringify({ type: 'subscribe', books: ['BTCUSDT'] }));
    c.ws.send(JSON.stringify({ type: 'subscribe' }));
    await waitFor(() => c.of('error').length === 4, 'four errors');
    const [unknown, ...malformed] = c.of('error');
    assert.equal(unknown.code, 'FLOWRS_UNKNOWN_BOOK');
    assert.match(unknown.message, /"kraken:BTCUSD", "binance:NOPE"/);
    assert.ok(malformed.every((e) => e.code === 'FLOWRS_BAD_MESSAGE'));
    await sleep(300);
    assert.equal(c.of('snapshot').length, 1, 'no new snapshot');
    const seen = afterLastSnapshot(c);
    assert.ok([...seen.updates, ...seen.trades].every((k) => k === 'binance:BTCUSDT'));
    assert.equal(c.ws.readyState, c.ws.OPEN);
    c.ws.close();
    // At connect time: every book, and the error saying why.
    const d = await connect(`${t.wsUrl}?books=binance:NOPE`);
    await waitFor(() => d.of('error').length === 1 && d.of('snapshot').length === 1, 'snapshot and error');
    assert.equal(d.of('snapshot')[0].orderbooks.length, 6);
    assert.equal(d.of('error')[0].code, 'FLOWRS_UNKNOWN_BOOK');
    d.ws.close();
  });
});
