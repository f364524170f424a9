import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './app/config.js';
import { Flowrs } from './app/flowrs.js';
import { duplicateKeys, LineCollector } from './app/test-support/log-lines.js';
import { createLogger, LOG_LEVELS, LogConfigError } from './log.js';
import { connect } from './server/test-support/app.js';
import { Simulator } from './sim/simulator.js';
import { waitFor } from './sim/test-support/wait.js';

describe('log lines', () => {
  it('finds keys written twice, at any depth, that JSON.parse would hide', () => {
    assert.deepEqual(duplicateKeys('{"a":1,"b":{"c":2,"c":"x\\"}"},"a":[{"d":1,"d":2}]}'), ['b.c', 'a', 'a[0].d']);
    assert.deepEqual(duplicateKeys('{"a":"{\\"a\\":1}","b":[1,2.5e3,true,null]}'), []);
  });

  it('FlowRS against a faulty venue, at debug: no key twice in a line, errors as objects with their code', async () => {
    const out = new LineCollector();
    const log = createLogger({ level: 'debug', format: 'json', destination: out });
    const sim = await Simulator.start({ seed: 47, venues: ['binance', 'bybit'] });
    const app = new Flowrs(loadConfig([], { ...sim.env(), FLOWRS_LISTEN: '127.0.0.1:0', FLOWRS_THROTTLE_MS: '100' }), {
      log,
    });
    try {
      await app.start();
      sim.run(400);
      await waitFor(() => app.books.list().every((b) => b.status() === 'live'), 'every book live', 10_000);
      // Every kind of fault each venue can show, so every log line the connectors have gets written.
      for (const kind of ['invalid_json', 'wrong_types', 'unknown_event', 'bad_level'] as const) {
        sim.binance.sendMalformed(kind);
        sim.bybit.sendMalformed(kind);
      }
      sim.binance.faults.withholdNext('ETHUSDT');
      sim.bybit.faults.withholdNext('ETHUSDT');
      sim.binance.failSnapshots(2, { status: 429, retryAfterSec: 1 });
      sim.binance.faults.withholdNext('BTCUSDT');
      sim.bybit.rejectNextSubscription('BTCUSDT');
      sim.bybit.dropAllConnections();
      sim.binance.closeAllConnections();
      const client = await connect(`ws://127.0.0.1:${app.address!.port}/`);
      client.ws.send('not json');
      client.ws.terminate();
      await waitFor(
        () => out.lines.some((l) => l.includes('"level":40')) && out.lines.some((l) => l.includes('"level":20')),
        'warnings and debug lines',
      );
      await waitFor(() => app.books.list().every((b) => b.status() === 'live'), 'live again', 15_000);
    } finally {
      await app.stop();
      await sim.stop();
    }
    assert.ok(out.lines.length > 20, `${out.lines.length} lines`);
    const offending = out.lines.filter((l) => duplicateKeys(l).length > 0);
    assert.deepEqual(offending, [], 'lines with a key written twice');
    let errors = 0;
    for (const line of out.lines) {
      const entry = JSON.parse(line) as { err?: unknown };
      if (entry.err === undefined) continue;
      errors++;
      assert.equal(typeof entry.err, 'object', `err is a serialized Error: ${line}`);
      const err = entry.err as { type?: unknown; message?: unknown; code?: unknown };
      assert.equal(typeof err.type, 'string', line);
      assert.equal(typeof err.message, 'string', line);
      // Named error classes (FlowRS's and the system's) carry a stable code; the serializer keeps it.
      if (err.type !== 'Error') assert.equal(typeof err.code, 'string', `err.code kept: ${line}`);
    }
    assert.ok(errors > 0, 'the faults logged errors');
  });

  it('refuses an unknown LOG_LEVEL or LOG_FORMAT, listing the allowed values', () => {
    assert.throws(
      () => createLogger({ level: 'loud', format: 'json' }),
      (e: unknown) =>
        e instanceof LogConfigError && e.message === `LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}, got "loud"`,
    );
    assert.throws(
      () => createLogger({ level: 'info', format: 'xml' }),
      (e: unknown) =>
        e instanceof LogConfigError && e.message === 'LOG_FORMAT: expected one of json, pretty, got "xml"',
    );
  });
});
