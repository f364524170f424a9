import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_AUDIT_INTERVAL_MS } from '../exchanges/audit.js';
import { ConfigError, DEFAULT_SYMBOLS, levenshtein, loadConfig, unknownVariableWarnings } from './config.js';

describe('loadConfig', () => {
  it('reads instruments as canonical (BTC-USDT, or the old BTCUSDT) or as one venue’s own symbol', () => {
    const c = loadConfig([], { FLOWRS_SYMBOLS: 'BTC-USDT,ethusdt,1000PEPEUSDT,okx:BTC-USDT-SWAP,hyperliquid:kPEPE' });
    assert.deepEqual(c.symbols, [
      { kind: 'canonical', canonical: 'BTC-USDT' },
      { kind: 'canonical', canonical: 'ETH-USDT' },
      { kind: 'canonical', canonical: '1000PEPE-USDT' },
      { kind: 'venue', exchange: 'okx', symbol: 'BTC-USDT-SWAP' },
      { kind: 'venue', exchange: 'hyperliquid', symbol: 'kPEPE' },
    ]);
    assert.throws(
      () => loadConfig([], { FLOWRS_SYMBOLS: 'BTC$USDT' }),
      /FLOWRS_SYMBOLS: expected comma-separated instruments/,
    );
  });

  it('defaults to every live venue, nine canonical instruments, depth 100/5 and Bybit orderbook.200', () => {
    const c = loadConfig([], {});
    assert.deepEqual(c.exchanges, ['binance', 'bybit', 'okx', 'gate', 'bitget', 'hyperliquid']);
    assert.deepEqual(
      c.symbols,
      DEFAULT_SYMBOLS.map((canonical) => ({ kind: 'canonical', canonical })),
    );
    assert.equal(c.venueSettings.binance.wsUrl, 'wss://fstream.binance.com');
    assert.equal(c.venueSettings.binance.restUrl, 'https://fapi.binance.com');
    assert.equal(c.venueSettings.bybit.wsUrl, 'wss://stream.bybit.com/v5/public/linear');
    assert.equal(c.venueSettings.bybit.restUrl, 'https://api.bybit.com');
    assert.equal(c.venueSettings.okx.wsUrl, 'wss://ws.okx.com:8443/ws/v5/public');
    assert.equal(c.venueSettings.okx.restUrl, 'https://www.okx.com');
    assert.equal(c.venueSettings.gate.wsUrl, 'wss://fx-ws.gateio.ws/v4/ws/usdt');
    assert.equal(c.venueSettings.bitget.wsUrl, 'wss://ws.bitget.com/v2/ws/public');
    assert.equal(c.venueSettings.hyperliquid.wsUrl, 'wss://api.hyperliquid.xyz/ws');
    assert.equal(c.depth, 100);
    assert.equal(c.displayDepth, 5);
    assert.equal(c.venueSettings.bybit.depth, 200);
    assert.equal(c.venueSettings.binance.depthSpeed, '100ms');
    assert.deepEqual(c.listen, { host: '127.0.0.1', port: 8080 });
    assert.equal(c.throttleMs, 1000);
    assert.equal(c.clientBufferBytes, 1_048_576);
    assert.equal(c.heartbeatMs, 30_000);
    assert.equal(c.auditIntervalMs, DEFAULT_AUDIT_INTERVAL_MS);
    assert.equal(c.simulated, false);
  });

  it('accepts 0 for FLOWRS_AUDIT_INTERVAL_MS (audits off)', () => {
    assert.equal(loadConfig([], { FLOWRS_AUDIT_INTERVAL_MS: '0' }).auditIntervalMs, 0);
  });

  it('takes CLI flags over environment variables over the config file', () => {
    const file = join(tmpdir(), `flowrs-config-${process.pid}.json`);
    writeFileSync(file, JSON.stringify({ symbols: ['ethusdt'], depth: 50, displayDepth: 10 }));
    const c = loadConfig(['--config', file, '--depth', '200'], { FLOWRS_DEPTH: '70', FLOWRS_EXCHANGES: 'bybit' });
    assert.deepEqual(
      c.symbols,
      [{ kind: 'canonical', canonical: 'ETH-USDT' }],
      'from the file, read as the canonical instrument',
    );
    assert.equal(c.depth, 200, 'the flag wins');
    assert.equal(c.displayDepth, 10);
    assert.deepEqual(c.exchanges, ['bybit']);
  });

  it('fails with a message that names the variable and the expected form', () => {
    const cases: [string[], Record<string, string>, RegExp][] = [
      [[], { FLOWRS_DEPTH: 'abc' }, /^FLOWRS_DEPTH: expected an integer ≥ 1, got "abc"$/],
      [
        [],
        { FLOWRS_EXCHANGES: 'binance,kraken' },
        /^FLOWRS_EXCHANGES: expected a comma-separated list of binance, bybit/,
      ],
      [[], { FLOWRS_BYBIT_DEPTH: '500' }, /^FLOWRS_BYBIT_DEPTH: expected one of 1, 50, 200, 1000, got "500"$/],
      [
        [],
        { FLOWRS_BINANCE_DEPTH_SPEED: '0ms' },
        /^FLOWRS_BINANCE_DEPTH_SPEED: expected one of 100ms, 250ms, 500ms, got "0ms"$/,
      ],
      [[], { FLOWRS_BINANCE_WS_URL: 'http://x' }, /^FLOWRS_BINANCE_WS_URL: expected a ws:\/\/ or wss:\/\/ URL/],
      [[], { FLOWRS_LISTEN: '8080' }, /^FLOWRS_LISTEN: expected host:port/],
      [[], { FLOWRS_CLIENT_BUFFER_BYTES: '1000' }, /^FLOWRS_CLIENT_BUFFER_BYTES: expected an integer ≥ 65536/],
      [[], { FLOWRS_SYMBOLS: 'BTC USDT' }, /^FLOWRS_SYMBOLS: expected comma-separated instruments like BTC-USDT/],
      [[], { FLOWRS_OKX_WS_URL: 'http://x' }, /^FLOWRS_OKX_WS_URL: expected a ws:\/\/ or wss:\/\/ URL/],
      [['--depth', 'x'], {}, /^--depth: expected an integer/],
      [
        [],
        { FLOWRS_DEPTH: '3', FLOWRS_DISPLAY_DEPTH: '5' },
        /FLOWRS_DISPLAY_DEPTH \(5\) must not exceed FLOWRS_DEPTH \(3\)/,
      ],
      [['--nope', '1'], {}, /Unknown option '--nope'/],
    ];
    for (const [argv, env, message] of cases) {
      assert.throws(
        () => loadConfig(argv, env),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
    }
  });

  it('warns about FLOWRS_* variables nothing reads, naming the closest valid one', () => {
    assert.deepEqual(
      unknownVariableWarnings({
        FLOWRS_SYMBOL: 'BTCUSDT',
        FLOWRS_HEARTBEAT: '1000',
        FLOWRS_BYBIT_REST: 'x',
        FLOWRS_DEPTH: '50',
        FLOWRS_CONFIG: 'f.json',
        PATH: '/bin',
      }),
      [
        'unknown variable FLOWRS_BYBIT_REST (did you mean FLOWRS_BYBIT_REST_URL?)',
        'unknown variable FLOWRS_HEARTBEAT (did you mean FLOWRS_HEARTBEAT_MS?)',
        'unknown variable FLOWRS_SYMBOL (did you mean FLOWRS_SYMBOLS?)',
      ],
    );
    assert.deepEqual(unknownVariableWarnings({ FLOWRS_DEPTH: '50', FLOWRS_DEMO_RATE: '5' }), []);
    assert.equal(levenshtein('FLOWRS_SYMBOL', 'FLOWRS_SYMBOLS'), 1);
    assert.equal(levenshtein('kitten', 'sitting'), 3);
  });
});
