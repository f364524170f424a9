import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LineCollector } from '../../app/test-support/log-lines.js';
import { createLogger } from '../../log.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { startApp, type TestApp } from '../test-support/app.js';
import { DEFAULT_RETRY_AFTER_SECONDS } from './access-gate.js';
import { ConnectionLimits } from './connection-limits.js';
import { HandshakeRateLimiter } from './handshake-rate.js';
import { DEFAULT_REJECTION_LOG_INTERVAL_MS, Rejections } from './rejections.js';
import { opened, refused } from './test-support/handshake.js';

describe('connection limits', () => {
  it('admits up to the per-address and total limits, and frees a place on release', () => {
    const limits = new ConnectionLimits(3, 2);
    assert.equal(limits.admit('10.0.0.1').type, 'admitted');
    assert.equal(limits.admit('10.0.0.1').type, 'admitted');
    assert.equal(limits.admit('10.0.0.1').type, 'per_ip');
    assert.equal(limits.admit('10.0.0.2').type, 'admitted');
    assert.equal(limits.admit('10.0.0.3').type, 'full');
    limits.release('10.0.0.1');
    assert.equal(limits.connected, 2);
    assert.equal(limits.admit('10.0.0.3').type, 'admitted');
    for (const address of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) limits.release(address);
    assert.equal(limits.connected, 0);
    assert.equal(limits.connectedFrom('10.0.0.1'), 0);
    limits.release('10.0.0.9'); // never admitted: nothing changes
    assert.equal(limits.connected, 0);
  });
});

describe('the handshake rate limiter', () => {
  it('allows a burst of the per-minute number, then one more per 60 s / N, and says when to retry', () => {
    const limiter = new HandshakeRateLimiter(6); // one back every 10 s
    for (let i = 0; i < 6; i++) assert.equal(limiter.take('a', 1_000).type, 'allowed');
    assert.deepEqual(limiter.take('a', 1_000), { type: 'limited', retryAfterMs: 10_000 });
    assert.deepEqual(limiter.take('a', 5_000), { type: 'limited', retryAfterMs: 6_000 });
    assert.equal(limiter.take('b', 5_000).type, 'allowed', 'other addresses are not affected');
    assert.equal(limiter.take('a', 11_000).type, 'allowed');
    assert.equal(limiter.take('a', 11_000).type, 'limited');
  });

  it('never tracks more than its ceiling, whatever addresses a flood comes from', () => {
    const limiter = new HandshakeRateLimiter(6, 60_000, 100);
    for (let i = 0; i < 10_000; i++) {
      limiter.take(`10.0.${i >> 8}.${i & 255}`, 1_000 + i);
      assert.ok(limiter.tracked <= 100, `${limiter.tracked} addresses tracked`);
    }
  });

  it('keeps an address limited while it is tracked, and forgets it once its allowance is whole again', () => {
    const limiter = new HandshakeRateLimiter(6, 60_000, 4);
    for (let i = 0; i < 6; i++) limiter.take('a', 0);
    limiter.take('b', 0);
    limiter.take('c', 0); // the current generation is half the ceiling: a and b move to the older one
    assert.equal(limiter.take('a', 1).type, 'limited', 'still limited from the older generation');
    // Two windows on, with only b and d seen, a and c (untouched for a window: full again) are forgotten.
    limiter.take('b', 70_000);
    limiter.take('d', 140_000);
    assert.equal(limiter.tracked, 2);
    assert.equal(limiter.take('a', 140_000).type, 'allowed');
  });
});

describe('refusal logging', () => {
  it('counts every refusal but logs at most one line per reason per interval, saying how many it left out', () => {
    const lines = new LineCollector();
    const rejections = new Rejections(createLogger({ level: 'info', format: 'json', destination: lines }));
    for (let i = 0; i < 5; i++) rejections.record('per_ip', '10.0.0.1', 'too many connections', 1_000 + i);
    rejections.record('rate', '10.0.0.1', 'too many handshakes', 1_005);
    rejections.record('per_ip', '10.0.0.1', 'too many connections', 1_000 + DEFAULT_REJECTION_LOG_INTERVAL_MS);
    assert.deepEqual(rejections.byReason, { unauthorized: 0, origin: 0, per_ip: 6, full: 0, rate: 1 });
    const logged = lines.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      logged.map(({ reason, suppressed, msg, level }) => ({ reason, suppressed, msg, level })),
      [
        { reason: 'per_ip', suppressed: undefined, msg: 'client refused: too many connections', level: 30 },
        { reason: 'rate', suppressed: undefined, msg: 'client refused: too many handshakes', level: 30 },
        { reason: 'per_ip', suppressed: 4, msg: 'client refused: too many connections', level: 30 },
      ],
    );
  });
});

describe('a server with client limits', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ FLOWRS_MAX_CLIENTS: '3', FLOWRS_MAX_CLIENTS_PER_IP: '2' }, {}, 59, ['binance']);
  });
  after(async () => {
    await t?.stop();
  });

  it('refuses a client over the per-IP limit with 429, over the total with 503, and admits again once one leaves', async () => {
    const a1 = await opened(t.wsUrl, { localAddress: '127.0.0.1' });
    const a2 = await opened(t.wsUrl, { localAddress: '127.0.0.1' });
    const perIp = await refused(t.wsUrl, { localAddress: '127.0.0.1' });
    assert.equal(perIp.status, 429);
    assert.equal(perIp.headers['retry-after'], String(DEFAULT_RETRY_AFTER_SECONDS));
    assert.deepEqual(perIp.body, {
      code: 'FLOWRS_TOO_MANY_CONNECTIONS',
      message: 'too many connections from 127.0.0.1: at most 2',
    });
    const b1 = await opened(t.wsUrl, { localAddress: '127.0.0.2' });
    const full = await refused(t.wsUrl, { localAddress: '127.0.0.3' });
    assert.equal(full.status, 503);
    assert.equal(full.headers['retry-after'], String(DEFAULT_RETRY_AFTER_SECONDS));
    assert.deepEqual(full.body, { code: 'FLOWRS_SERVER_FULL', message: 'server full: 3 clients connected' });
    assert.deepEqual(t.app.server.rejectedHandshakes, { unauthorized: 0, origin: 0, per_ip: 1, full: 1, rate: 0 });
    // The admitted clients are served.
    await waitFor(() => [a1, a2, b1].every((c) => c.messages.length > 0), 'every admitted client has a snapshot');
    a1.ws.close();
    await a1.closed;
    await waitFor(async () => (await handshakeOpens(t.wsUrl, '127.0.0.3')) === true, 'a place is free again');
    for (const c of [a2, b1]) c.ws.close();
  });
});

/** Whether a handshake from `localAddress` is accepted now (closed again at once). */
async function handshakeOpens(url: string, localAddress: string): Promise<boolean> {
  try {
    const c = await opened(url, { localAddress });
    c.ws.close();
    await c.closed;
    return true;
  } catch {
    return false;
  }
}

describe('a server with a handshake rate', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ FLOWRS_HANDSHAKES_PER_IP_PER_MINUTE: '3' }, {}, 63, ['binance']);
  });
  after(async () => {
    await t?.stop();
  });

  it('refuses handshakes over the per-IP rate with 429 and Retry-After; other IPs go on', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await opened(t.wsUrl, { localAddress: '127.0.0.4' });
      c.ws.close();
      await c.closed;
    }
    const limited = await refused(t.wsUrl, { localAddress: '127.0.0.4' });
    assert.equal(limited.status, 429);
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 20, `Retry-After ${retryAfter} s: one handshake comes back every 20 s`);
    assert.deepEqual(limited.body, {
      code: 'FLOWRS_TOO_MANY_HANDSHAKES',
      message: 'too many handshakes from 127.0.0.4: at most 3 a minute',
    });
    const other = await opened(t.wsUrl, { localAddress: '127.0.0.5' });
    other.ws.close();
    assert.equal(t.app.server.rejectedHandshakes.rate, 1);
  });
});
