import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../app/config.js';
import { Flowrs } from '../../app/flowrs.js';
import { silentLogger } from '../../log.js';
import { Simulator } from '../../sim/simulator.js';
import { CLOSE_FORBIDDEN_ORIGIN, CLOSE_UNAUTHORIZED } from './codes.js';
import { ACCESS_SETTINGS } from './settings.js';
import { makeCertificate, type TestCertificate } from './test-support/certificate.js';
import { opened, refused } from './test-support/handshake.js';
import { tokenDigest } from './tokens.js';

type AccessKey = keyof typeof ACCESS_SETTINGS;

/** Each access setting, shown to reach the part it configures: a server started with it behaves so. */
describe('access settings', () => {
  let sim: Simulator;
  let dir: string;
  let cert: TestCertificate;
  before(async () => {
    sim = await Simulator.start({ seed: 69, venues: ['binance'] });
    dir = mkdtempSync(join(tmpdir(), 'flowrs-access-settings-'));
    cert = makeCertificate();
  });
  after(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
    cert?.remove();
  });

  /** Runs `check` against a FlowRS started with `env`, with its ws:// (or wss://) and http(s):// bases. */
  async function withServer(
    env: Record<string, string>,
    check: (urls: { ws: string; http: string; app: Flowrs }) => Promise<void>,
  ): Promise<void> {
    const app = new Flowrs(loadConfig([], { ...sim.env(), FLOWRS_LISTEN: '127.0.0.1:0', ...env }), {
      log: silentLogger,
    });
    await app.start();
    try {
      const scheme = app.server.secure ? 's' : '';
      const hostPort = `127.0.0.1:${app.address!.port}`;
      await check({ ws: `ws${scheme}://${hostPort}/`, http: `http${scheme}://${hostPort}`, app });
    } finally {
      await app.stop();
    }
  }

  const accepted = async (url: string, options?: Parameters<typeof opened>[1]) => {
    const c = await opened(url, options);
    const first = await Promise.race([
      new Promise<'message'>((resolve) => c.ws.once('message', () => resolve('message'))),
      c.closed,
    ]);
    c.ws.close();
    assert.equal(first, 'message', `${url} is served`);
  };

  const closedWith = async (url: string, code: number, options?: Parameters<typeof opened>[1]) => {
    const c = await opened(url, options);
    assert.equal((await c.closed).code, code);
  };

  const checks: Record<AccessKey, () => Promise<void>> = {
    authTokens: () =>
      withServer({ FLOWRS_AUTH_TOKENS: 'one,two' }, async ({ ws, http }) => {
        await accepted(`${ws}?token=two`);
        await closedWith(ws, CLOSE_UNAUTHORIZED);
        assert.equal((await fetch(`${http}/api/orderbooks`)).status, 401);
      }),
    authTokenFile: async () => {
      const file = join(dir, 'tokens');
      writeFileSync(file, `${tokenDigest('filed')}\n`);
      await withServer({ FLOWRS_AUTH_TOKEN_FILE: file }, async ({ ws }) => {
        await accepted(ws, { headers: { Authorization: 'Bearer filed' } });
        await closedWith(`${ws}?token=other`, CLOSE_UNAUTHORIZED);
      });
    },
    metricsTokens: () =>
      withServer({ FLOWRS_METRICS_TOKENS: 'scrape' }, async ({ http }) => {
        assert.equal((await fetch(`${http}/metrics`)).status, 401);
        assert.equal((await fetch(`${http}/metrics?token=scrape`)).status, 200);
      }),
    allowedOrigins: () =>
      withServer({ FLOWRS_ALLOWED_ORIGINS: 'https://app.example' }, async ({ ws }) => {
        await accepted(ws, { headers: { Origin: 'https://app.example' } });
        await closedWith(ws, CLOSE_FORBIDDEN_ORIGIN, { headers: { Origin: 'https://other.example' } });
      }),
    maxClients: () =>
      withServer({ FLOWRS_MAX_CLIENTS: '1' }, async ({ ws }) => {
        const first = await opened(ws, { localAddress: '127.0.0.6' });
        assert.equal((await refused(ws, { localAddress: '127.0.0.7' })).status, 503);
        first.ws.close();
      }),
    maxClientsPerIp: () =>
      withServer({ FLOWRS_MAX_CLIENTS_PER_IP: '1' }, async ({ ws }) => {
        const first = await opened(ws, { localAddress: '127.0.0.8' });
        assert.equal((await refused(ws, { localAddress: '127.0.0.8' })).status, 429);
        await accepted(ws, { localAddress: '127.0.0.9' });
        first.ws.close();
      }),
    handshakesPerIpPerMinute: () =>
      withServer({ FLOWRS_HANDSHAKES_PER_IP_PER_MINUTE: '1' }, async ({ ws, app }) => {
        await accepted(ws, { localAddress: '127.0.0.10' });
        assert.equal((await refused(ws, { localAddress: '127.0.0.10' })).status, 429);
        assert.equal(app.server.rejectedHandshakes.rate, 1);
      }),
    tlsCert: () =>
      withServer({ FLOWRS_TLS_CERT: cert.certPath, FLOWRS_TLS_KEY: cert.keyPath }, async ({ ws }) => {
        assert.match(ws, /^wss:/);
        await accepted(ws, { ca: cert.cert });
      }),
    tlsKey: async () => {
      // The key must be the certificate's: another key is refused at start, naming the pair.
      const other = makeCertificate();
      try {
        assert.throws(
          () =>
            new Flowrs(
              loadConfig([], { ...sim.env(), FLOWRS_TLS_CERT: cert.certPath, FLOWRS_TLS_KEY: other.keyPath }),
              {
                log: silentLogger,
              },
            ),
          { name: 'AccessSetupError' },
        );
      } finally {
        other.remove();
      }
    },
  };

  it('has a check for every access setting', () => {
    assert.deepEqual(Object.keys(checks).sort(), Object.keys(ACCESS_SETTINGS).sort());
  });

  for (const [key, check] of Object.entries(checks)) {
    it(`${ACCESS_SETTINGS[key as AccessKey].env} (${key})`, check);
  }

  it('defaults: no tokens, the server’s own origin, 10,000 clients, 200 per IP, 600 handshakes a minute, no TLS', () => {
    const { access } = loadConfig([], {});
    assert.deepEqual(access, {
      authTokens: [],
      authTokenFile: undefined,
      metricsTokens: [],
      allowedOrigins: [],
      maxClients: 10_000,
      maxClientsPerIp: 200,
      handshakesPerIpPerMinute: 600,
      tlsCert: undefined,
      tlsKey: undefined,
    });
  });
});
