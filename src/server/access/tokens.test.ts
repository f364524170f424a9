import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LineCollector } from '../../app/test-support/log-lines.js';
import { createLogger } from '../../log.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { allLive, startApp, type TestApp } from '../test-support/app.js';
import { AccessSetupError, CLOSE_UNAUTHORIZED } from './codes.js';
import { handshake, opened } from './test-support/handshake.js';
import { presentedToken, readTokenFile, TokenVerifier, tokenDigest } from './tokens.js';

const request = (url: string, headers: Record<string, string> = {}) => ({ url, headers }) as IncomingMessage;

describe('token verification', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flowrs-tokens-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('accepts configured plain tokens and the tokens whose SHA-256 digests are in the file, nothing else', () => {
    const path = file('ok', `# ops\n${tokenDigest('from-file')}\n\n${tokenDigest('second').toUpperCase()}  # CI\n`);
    const verifier = TokenVerifier.from(['alpha', 'beta'], path);
    assert.equal(verifier.required, true);
    for (const token of ['alpha', 'beta', 'from-file', 'second']) assert.equal(verifier.verify(token), true, token);
    for (const token of ['', 'alph', 'alpha ', 'gamma', tokenDigest('alpha')]) {
      assert.equal(verifier.verify(token), false, token);
    }
  });

  it('requires nothing when no token is configured', () => {
    const verifier = new TokenVerifier([]);
    assert.equal(verifier.required, false);
    assert.deepEqual(verifier.check(request('/')), { type: 'ok' });
  });

  it('stops at start, naming the variable and the line, on a malformed, empty or unreadable token file', () => {
    const bad = file('bad', `${tokenDigest('x')}\nplain-token-by-mistake\n`);
    assert.throws(
      () => readTokenFile(bad),
      (e: unknown) =>
        e instanceof AccessSetupError &&
        e.setting === 'FLOWRS_AUTH_TOKEN_FILE' &&
        e.message ===
          `FLOWRS_AUTH_TOKEN_FILE: ${bad} line 2 is not a SHA-256 hex digest (64 hex characters; make one with: printf %s "$TOKEN" | sha256sum)`,
    );
    const empty = file('empty', '# nobody yet\n');
    assert.throws(() => readTokenFile(empty), {
      name: 'AccessSetupError',
      message: `FLOWRS_AUTH_TOKEN_FILE: ${empty} holds no token digest`,
    });
    const missing = join(dir, 'missing');
    assert.throws(() => TokenVerifier.from([], missing), {
      name: 'AccessSetupError',
      message: `FLOWRS_AUTH_TOKEN_FILE: cannot read ${missing} (ENOENT)`,
    });
  });

  it('takes the token from Authorization: Bearer, else from ?token=', () => {
    assert.equal(presentedToken(request('/', { authorization: 'Bearer abc' })), 'abc');
    assert.equal(presentedToken(request('/', { authorization: 'bearer  abc ' })), 'abc');
    assert.equal(presentedToken(request('/?books=*&token=q%20t')), 'q t');
    assert.equal(presentedToken(request('/?token=q', { authorization: 'Bearer h' })), 'h');
    assert.equal(presentedToken(request('/?token=q', { authorization: 'Basic xyz' })), 'q');
    assert.equal(presentedToken(request('/?token=')), undefined);
    assert.equal(presentedToken(request('/')), undefined);
  });
});

describe('a server with tokens', () => {
  let t: TestApp;
  let dir: string;
  const logs = new LineCollector();
  const SECRETS = ['alpha-secret', 'beta-secret', 'gamma-secret', 'scrape-secret', 'wrong-secret'];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowrs-tokens-'));
    const tokenFile = join(dir, 'tokens');
    writeFileSync(tokenFile, `${tokenDigest('gamma-secret')}\n`);
    t = await startApp(
      {
        FLOWRS_AUTH_TOKENS: 'alpha-secret,beta-secret',
        FLOWRS_AUTH_TOKEN_FILE: tokenFile,
        FLOWRS_METRICS_TOKENS: 'scrape-secret',
      },
      { log: createLogger({ level: 'debug', format: 'json', destination: logs }) },
      53,
      ['binance'],
    );
    t.sim.run(200);
    await allLive(t);
  });
  after(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('closes a WebSocket with no token at once with 4401 "unauthorized: missing token", sending nothing', async () => {
    const c = await opened(t.wsUrl);
    assert.deepEqual(await c.closed, { code: CLOSE_UNAUTHORIZED, reason: 'unauthorized: missing token' });
    assert.deepEqual(c.messages, []);
  });

  it('closes a WebSocket with a wrong token with 4401 "unauthorized: invalid token", sending nothing', async () => {
    for (const options of [{ headers: { Authorization: 'Bearer wrong-secret' } }, {}]) {
      const url = 'headers' in options ? t.wsUrl : `${t.wsUrl}?token=wrong-secret`;
      const c = await opened(url, options);
      assert.deepEqual(await c.closed, { code: CLOSE_UNAUTHORIZED, reason: 'unauthorized: invalid token' });
      assert.deepEqual(c.messages, []);
    }
  });

  it('serves a WebSocket with a token in the Authorization header, in ?token=, or from the token file', async () => {
    const clients = [
      await opened(t.wsUrl, { headers: { Authorization: 'Bearer alpha-secret' } }),
      await opened(`${t.wsUrl}?token=beta-secret`),
      await opened(`${t.wsUrl}?books=*&token=gamma-secret`),
    ];
    for (const c of clients) {
      await waitFor(() => c.messages.some((m) => JSON.parse(m).type === 'snapshot'), 'a snapshot');
      c.ws.close();
    }
  });

  it('answers the HTTP API without a valid token with 401, WWW-Authenticate and a JSON reason', async () => {
    const missing = await fetch(`${t.httpUrl}/api/orderbooks`);
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="flowrs"');
    assert.deepEqual(await missing.json(), { code: 'FLOWRS_UNAUTHORIZED', message: 'unauthorized: missing token' });
    const wrong = await fetch(`${t.httpUrl}/api/metrics`, { headers: { Authorization: 'Bearer wrong-secret' } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="flowrs", error="invalid_token"');
    assert.deepEqual(await wrong.json(), { code: 'FLOWRS_UNAUTHORIZED', message: 'unauthorized: invalid token' });
    const sneaky = await fetch(`${t.httpUrl}/health/../api/orderbooks`);
    assert.equal(sneaky.status, 401);
  });

  it('serves the HTTP API with a token in the header or in ?token=', async () => {
    const byHeader = await fetch(`${t.httpUrl}/api/orderbooks`, { headers: { Authorization: 'Bearer alpha-secret' } });
    assert.equal(byHeader.status, 200);
    assert.deepEqual(
      ((await byHeader.json()) as { exchange: string; symbol: string }[])
        .map((b) => `${b.exchange}:${b.symbol}`)
        .sort(),
      t.app.books
        .list()
        .map((b) => b.key)
        .sort(),
    );
    const byQuery = await fetch(`${t.httpUrl}/api/orderbooks/binance/BTCUSDT?token=gamma-secret`);
    assert.equal(byQuery.status, 200);
  });

  it('keeps /health and the dashboard open, and guards /metrics with its own tokens only', async () => {
    assert.equal((await fetch(`${t.httpUrl}/health`)).status, 200);
    assert.equal((await fetch(`${t.httpUrl}/`)).status, 200);
    assert.equal((await fetch(`${t.httpUrl}/metrics`)).status, 401);
    const apiToken = await fetch(`${t.httpUrl}/metrics`, { headers: { Authorization: 'Bearer alpha-secret' } });
    assert.equal(apiToken.status, 401);
    const scrape = await fetch(`${t.httpUrl}/metrics`, { headers: { Authorization: 'Bearer scrape-secret' } });
    assert.equal(scrape.status, 200);
    assert.match(await scrape.text(), /flowrs_clients/);
    const scrapeOnApi = await fetch(`${t.httpUrl}/api/orderbooks?token=scrape-secret`);
    assert.equal(scrapeOnApi.status, 401);
  });

  it('counts the refused handshakes and never writes a token to the log', async () => {
    const before = t.app.server.rejectedHandshakes.unauthorized;
    const c = await handshake(`${t.wsUrl}?token=wrong-secret`);
    assert.equal(c.type, 'open');
    await c.closed;
    assert.equal(t.app.server.rejectedHandshakes.unauthorized, before + 1);
    assert.ok(
      logs.lines.some((l) => l.includes('client refused: unauthorized')),
      'the refusal is logged',
    );
    for (const secret of SECRETS) {
      assert.deepEqual(
        logs.lines.filter((l) => l.includes(secret)),
        [],
        secret,
      );
    }
  });
});
