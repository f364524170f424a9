import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { sleep, waitFor } from '../sim/test-support/wait.js';
import { allLive, connect, startApp, type TestApp } from './test-support/app.js';

describe('client server under abuse', () => {
  let t: TestApp;
  before(async () => {
    // Throttle 0 and small lag thresholds make a slow client lag quickly.
    t = await startApp(
      { FLOWRS_THROTTLE_MS: '0' },
      { broadcaster: { maxBufferedBytes: 256 * 1024, resumeBelowBytes: 16 * 1024 } },
      61,
    );
    t.sim.run(500);
    await allLive(t);
  });
  after(async () => {
    await t.stop();
  });

  it('closes a connection that sends a frame over 64 KiB with 1009, and only that one', async () => {
    const bystander = await connect(t.wsUrl);
    const c = await connect(t.wsUrl);
    c.ws.send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(70 * 1024) }));
    const { code } = await c.closed;
    assert.equal(code, 1009);
    const before = bystander.messages.length;
    await waitFor(() => bystander.messages.length > before + 5, 'the bystander keeps receiving');
    bystander.ws.close();
  });

  it('answers a ping flood up to the limit, then closes it with 1008; others are unaffected', async () => {
    const bystander = await connect(t.wsUrl);
    const c = await connect(t.wsUrl);
    for (let i = 0; i < 500; i++) c.ws.send('{"type":"ping"}');
    const { code } = await c.closed;
    assert.equal(code, 1008);
    assert.ok(c.of('pong').length <= 50);
    assert.equal(c.of('error').at(-1)?.code, 'FLOWRS_RATE_LIMIT');
    const before = bystander.messages.length;
    await waitFor(() => bystander.messages.length > before + 5, 'the bystander keeps receiving');
    bystander.ws.close();
  });

  it('survives hundreds of connects and disconnects without leaking sessions', async () => {
    await waitFor(() => t.app.broadcaster.sessions.size === 0, 'earlier tests’ clients are gone');
    const baseline = 0;
    for (let round = 0; round < 6; round++) {
      const clients = await Promise.all(Array.from({ length: 50 }, () => connect(t.wsUrl)));
      for (const [i, c] of clients.entries()) {
        if (i % 2 === 0) c.ws.terminate();
        else c.ws.close();
      }
    }
    await waitFor(() => t.app.broadcaster.sessions.size === baseline, 'every session released');
    const res = await fetch(`${t.httpUrl}/health`);
    assert.equal(res.status, 200);
  });

  it('a client that stops reading lags with bounded memory, never delays others, and gets a fresh snapshot when it drains', async () => {
    const healthy = await connect(t.wsUrl);
    const slow = await connect(t.wsUrl);
    slow.ws.pause(); // stop reading: the server's socket buffer fills
    const session = [...t.app.broadcaster.sessions].at(-1)!;
    t.sim.setRate(8_000);
    await waitFor(() => session.lagging, 'the slow client is marked lagging', 20_000);
    // While it lags, nothing more is written for it: its buffer stays near the threshold.
    let maxBuffered = 0;
    const before = healthy.messages.length;
    for (let i = 0; i < 20; i++) {
      maxBuffered = Math.max(maxBuffered, session.ws.bufferedAmount);
      await sleep(25);
    }
    assert.ok(maxBuffered < 256 * 1024 + 64 * 1024, `buffered ${maxBuffered} bytes stays bounded`);
    assert.ok(healthy.messages.length > before + 50, 'the healthy client kept receiving meanwhile');
    assert.ok(session.skipped > 0);
    // The market calms down (paused: on a loaded machine this test's own process may read more slowly than
    // any rate produces), and the client reads again: it drains, and gets a fresh snapshot, not a backlog.
    t.sim.pause();
    slow.ws.resume();
    await waitFor(() => slow.of('snapshot').some((s) => s.reason === 'lag'), 'a lag snapshot after draining', 30_000);
    assert.equal(session.lagging, false);
    t.sim.run(500);
    healthy.ws.close();
    slow.ws.close();
  });

  it('drops a client that stops answering heartbeats', async () => {
    const t2 = await startApp({}, { broadcaster: { heartbeatMs: 100 } }, 62);
    const ws = new WebSocket(t2.wsUrl, { autoPong: false });
    await new Promise((resolve) => ws.once('open', resolve));
    const closed = new Promise((resolve) => ws.once('close', resolve));
    await closed;
    await waitFor(() => t2.app.broadcaster.sessions.size === 0, 'session removed');
    await t2.stop();
  });
});
