import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../../sim/test-support/wait.js';
import { startApp, type TestApp } from '../test-support/app.js';
import { CLOSE_FORBIDDEN_ORIGIN } from './codes.js';
import { OriginPolicy } from './origins.js';
import { opened } from './test-support/handshake.js';

describe('the origin policy', () => {
  it('with no list, allows requests without an Origin and pages served by this server, nothing else', () => {
    const policy = new OriginPolicy([]);
    assert.equal(policy.allows(undefined, 'flowrs.example:8080'), true);
    assert.equal(policy.allows('http://flowrs.example:8080', 'flowrs.example:8080'), true);
    assert.equal(policy.allows('https://FLOWRS.example', 'flowrs.example'), true);
    assert.equal(policy.allows('https://flowrs.example:443', 'flowrs.example'), true);
    assert.equal(policy.allows('http://flowrs.example:8081', 'flowrs.example:8080'), false);
    assert.equal(policy.allows('https://evil.example', 'flowrs.example'), false);
    assert.equal(policy.allows('null', 'flowrs.example'), false);
    assert.equal(policy.allows('file://flowrs.example', 'flowrs.example'), false);
    assert.equal(policy.allows('http://flowrs.example:8080', undefined), false);
  });

  it('with `*`, allows any origin', () => {
    const policy = new OriginPolicy(['*']);
    assert.equal(policy.allows('https://anything.example', 'flowrs.example'), true);
    assert.equal(policy.allows('null', 'flowrs.example'), true);
  });

  it('with a list, allows exactly the listed origins (scheme, host and port) and requests without an Origin', () => {
    const policy = new OriginPolicy(['https://app.example.com', 'http://localhost:3000']);
    assert.equal(policy.allows('https://app.example.com', 'flowrs.internal'), true);
    assert.equal(policy.allows('https://APP.example.com:443', 'flowrs.internal'), true);
    assert.equal(policy.allows('http://localhost:3000', 'flowrs.internal'), true);
    assert.equal(policy.allows(undefined, 'flowrs.internal'), true);
    assert.equal(policy.allows('http://app.example.com', 'flowrs.internal'), false);
    assert.equal(policy.allows('https://app.example.com:8443', 'flowrs.internal'), false);
    assert.equal(policy.allows('https://app.example.com.evil.example', 'flowrs.internal'), false);
    assert.equal(policy.allows('http://localhost:3001', 'flowrs.internal'), false);
    // The listed origins replace the same-origin default.
    assert.equal(policy.allows('http://flowrs.internal', 'flowrs.internal'), false);
  });
});

describe('a server with the default origin policy', () => {
  let t: TestApp;
  let self: string;
  before(async () => {
    t = await startApp({}, {}, 55, ['binance']);
    self = t.httpUrl;
  });
  after(async () => {
    await t?.stop();
  });

  it('closes a WebSocket from another site at once with 4403 naming the origin, sending nothing', async () => {
    const c = await opened(t.wsUrl, { headers: { Origin: 'https://evil.example' } });
    assert.deepEqual(await c.closed, {
      code: CLOSE_FORBIDDEN_ORIGIN,
      reason: 'origin https://evil.example not allowed',
    });
    assert.deepEqual(c.messages, []);
    assert.equal(t.app.server.rejectedHandshakes.origin, 1);
  });

  it('serves a WebSocket from its own pages and from clients that send no Origin', async () => {
    for (const headers of [{ Origin: self }, {}] as Record<string, string>[]) {
      const c = await opened(t.wsUrl, { headers });
      await waitFor(() => c.messages.some((m) => JSON.parse(m).type === 'snapshot'), 'a snapshot');
      c.ws.close();
    }
  });

  it('lets its own pages read the HTTP API, and no other site', async () => {
    const own = await fetch(`${t.httpUrl}/api/orderbooks`, { headers: { Origin: self } });
    assert.equal(own.headers.get('access-control-allow-origin'), self);
    assert.equal(own.headers.get('vary'), 'Origin');
    const other = await fetch(`${t.httpUrl}/api/orderbooks`, { headers: { Origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    assert.equal(other.headers.get('vary'), 'Origin');
  });
});

describe('a server with FLOWRS_ALLOWED_ORIGINS', () => {
  let t: TestApp;
  const APP = 'https://app.example.com';
  before(async () => {
    t = await startApp({ FLOWRS_ALLOWED_ORIGINS: `${APP},http://localhost:3000`, FLOWRS_AUTH_TOKENS: 'tok' }, {}, 57, [
      'binance',
    ]);
  });
  after(async () => {
    await t?.stop();
  });

  it('serves a WebSocket from a listed origin and closes one from any other with 4403', async () => {
    const listed = await opened(`${t.wsUrl}?token=tok`, { headers: { Origin: APP } });
    await waitFor(() => listed.messages.length > 0, 'a first message');
    listed.ws.close();
    // The origin is checked before the token: another site learns nothing about tokens.
    const other = await opened(t.wsUrl, { headers: { Origin: 'https://app.example.com.evil.example' } });
    assert.deepEqual(await other.closed, {
      code: CLOSE_FORBIDDEN_ORIGIN,
      reason: 'origin https://app.example.com.evil.example not allowed',
    });
    assert.deepEqual(other.messages, []);
  });

  it('answers a CORS preflight from a listed origin allowing the Authorization header, and refuses others', async () => {
    const preflight = await fetch(`${t.httpUrl}/api/orderbooks`, {
      method: 'OPTIONS',
      headers: {
        Origin: APP,
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'authorization',
      },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), APP);
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'Authorization');
    assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET, HEAD, OPTIONS');
    assert.equal(preflight.headers.get('vary'), 'Origin');
    const refused = await fetch(`${t.httpUrl}/api/orderbooks`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' },
    });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
    assert.deepEqual(await refused.json(), {
      code: 'FLOWRS_FORBIDDEN_ORIGIN',
      message: 'origin https://evil.example not allowed',
    });
  });

  it('lets a listed origin read the API and its 401s (so a page can tell a bad token), and no other site', async () => {
    const ok = await fetch(`${t.httpUrl}/api/orderbooks`, { headers: { Origin: APP, Authorization: 'Bearer tok' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), APP);
    const unauthorized = await fetch(`${t.httpUrl}/api/orderbooks`, { headers: { Origin: APP } });
    assert.equal(unauthorized.status, 401);
    assert.equal(unauthorized.headers.get('access-control-allow-origin'), APP);
    const other = await fetch(`${t.httpUrl}/api/orderbooks`, {
      headers: { Origin: 'http://localhost:3001', Authorization: 'Bearer tok' },
    });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});
