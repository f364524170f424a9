import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { loadConfig } from '../../app/config.js';
import { Flowrs } from '../../app/flowrs.js';
import { silentLogger } from '../../log.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { startApp, type TestApp } from '../test-support/app.js';
import { AccessSetupError } from './codes.js';
import { makeCertificate, type TestCertificate } from './test-support/certificate.js';
import { opened } from './test-support/handshake.js';
import { loadTls } from './tls.js';

/** GET over HTTPS trusting `ca`: the status and body. */
function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('a server with FLOWRS_TLS_CERT and FLOWRS_TLS_KEY', () => {
  let cert: TestCertificate;
  let t: TestApp;
  let port: number;
  before(async () => {
    cert = makeCertificate();
    t = await startApp(
      { FLOWRS_TLS_CERT: cert.certPath, FLOWRS_TLS_KEY: cert.keyPath, FLOWRS_AUTH_TOKENS: 'tls-token' },
      {},
      65,
      ['binance'],
    );
    port = t.app.address!.port;
  });
  after(async () => {
    await t?.stop();
    cert?.remove();
  });

  it('serves WSS and HTTPS on the one port, with tokens as over plain connections', async () => {
    assert.equal(t.app.server.secure, true);
    const c = await opened(`wss://127.0.0.1:${port}/?token=tls-token`, { ca: cert.cert });
    await waitFor(() => c.messages.some((m) => JSON.parse(m).type === 'snapshot'), 'a snapshot over WSS');
    c.ws.close();
    const refused = await opened(`wss://localhost:${port}/`, { ca: cert.cert });
    assert.deepEqual(await refused.closed, { code: 4401, reason: 'unauthorized: missing token' });
    const health = await httpsGet(`https://127.0.0.1:${port}/health`, cert.cert);
    assert.ok(health.status === 200 || health.status === 503, `health answers over HTTPS (${health.status})`);
    assert.equal(JSON.parse(health.body).simulated, true);
    const api = await httpsGet(`https://127.0.0.1:${port}/api/orderbooks?token=tls-token`, cert.cert);
    assert.equal(api.status, 200);
  });

  it('does not speak plain WS, and a client that does not trust the certificate cannot connect', async () => {
    const plain = new WebSocket(`ws://127.0.0.1:${port}/`);
    await assert.rejects(
      new Promise((resolve, reject) => {
        plain.once('open', resolve);
        plain.once('error', reject);
      }),
    );
    await assert.rejects(opened(`wss://127.0.0.1:${port}/?token=tls-token`), /self-signed certificate/);
  });
});

describe('TLS settings that cannot work', () => {
  let cert: TestCertificate;
  before(() => {
    cert = makeCertificate();
  });
  after(() => cert?.remove());

  it('stop FlowRS at start with an AccessSetupError naming the variable to fix', () => {
    const garbage = join(cert.dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    const missing = join(cert.dir, 'missing.pem');
    const cases: [Record<string, string>, RegExp][] = [
      [{ FLOWRS_TLS_CERT: cert.certPath }, /^FLOWRS_TLS_KEY: must be set with FLOWRS_TLS_CERT$/],
      [{ FLOWRS_TLS_KEY: cert.keyPath }, /^FLOWRS_TLS_CERT: must be set with FLOWRS_TLS_KEY$/],
      [
        { FLOWRS_TLS_CERT: missing, FLOWRS_TLS_KEY: cert.keyPath },
        new RegExp(`^FLOWRS_TLS_CERT: cannot read ${missing} \\(ENOENT\\)$`),
      ],
      [
        { FLOWRS_TLS_CERT: cert.certPath, FLOWRS_TLS_KEY: missing },
        new RegExp(`^FLOWRS_TLS_KEY: cannot read ${missing} \\(ENOENT\\)$`),
      ],
      [
        { FLOWRS_TLS_CERT: garbage, FLOWRS_TLS_KEY: cert.keyPath },
        /^FLOWRS_TLS_CERT: .* are not a PEM certificate and its private key/,
      ],
      [
        // The certificate as its own key.
        { FLOWRS_TLS_CERT: cert.certPath, FLOWRS_TLS_KEY: cert.certPath },
        /^FLOWRS_TLS_CERT: .* are not a PEM certificate and its private key/,
      ],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => new Flowrs(loadConfig([], { FLOWRS_EXCHANGES: 'binance', ...env }), { log: silentLogger }),
        (e: unknown) => e instanceof AccessSetupError && message.test(e.message),
        JSON.stringify(env),
      );
    }
  });

  it('serve plain HTTP when neither is set', () => {
    assert.equal(loadTls(undefined, undefined), undefined);
  });
});
