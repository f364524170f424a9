import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { silentLogger } from '../log.js';
import { Simulator } from '../sim/simulator.js';
import { waitFor } from '../sim/test-support/wait.js';
import { loadConfig } from './config.js';
import { Flowrs } from './flowrs.js';
import { duplicateKeys } from './test-support/log-lines.js';

describe('Flowrs', () => {
  it('built from configuration alone (the simulator’s environment), keeps every book exact', async () => {
    const sim = await Simulator.start({ seed: 41 });
    const app = new Flowrs(loadConfig([], { ...sim.env(), FLOWRS_LISTEN: '127.0.0.1:0' }), { log: silentLogger });
    assert.equal(app.config.simulated, true);
    await app.start();
    const books = app.books.list();
    const expected = [...sim.venues.values()].reduce((n, v) => n + v.symbols().length, 0);
    assert.equal(books.length, expected, 'every configured book of every simulated venue exists from the start');
    assert.ok(books.every((b) => b.status() === 'syncing'));
    sim.run(600);
    await waitFor(() => books.every((b) => b.status() === 'live'), 'every book live', 20_000);
    sim.pause();
    await waitFor(() => books.every((b) => b.updateId === sim.venue(b.exchange).truth(b.symbol).updateId), 'caught up');
    for (const b of books) {
      const truth = sim.venue(b.exchange).truth(b.symbol);
      const top = b.book.top(100);
      assert.ok(top.bids.length >= 5, `${b.key} serves levels`);
      assert.deepEqual(top.bids, truth.bids.slice(0, top.bids.length), b.key);
      assert.deepEqual(top.asks, truth.asks.slice(0, top.asks.length), b.key);
    }
    await app.stop();
    await sim.stop();
  });
});

describe('npm start', () => {
  const run = (env: Record<string, string>) =>
    spawn('npm', ['start', '--silent'], {
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });

  /** Runs `npm start` to its exit: the code and what it wrote. */
  const runToExit = async (env: Record<string, string>) => {
    const child = run(env);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    return { code, out, err };
  };

  it('refuses invalid configuration with exit code 2 and the variable’s name', async () => {
    const { code, err } = await runToExit({ FLOWRS_DEPTH: 'lots' });
    assert.equal(code, 2);
    assert.match(err, /FLOWRS_DEPTH: expected an integer ≥ 1, got "lots"/);
  });

  it('refuses an unknown LOG_LEVEL with exit code 2 and one line listing the allowed levels', async () => {
    const { code, out, err } = await runToExit({ LOG_LEVEL: 'loud' });
    assert.equal(code, 2);
    assert.equal(out, '');
    assert.equal(
      err,
      'flowrs: invalid configuration: LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"\n',
    );
  });

  it('refuses an address in use with exit code 2 and one line naming it and FLOWRS_LISTEN', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const { code, err } = await runToExit({ FLOWRS_LISTEN: `127.0.0.1:${port}`, FLOWRS_SYMBOLS: 'BTCUSDT' });
      assert.equal(code, 2);
      assert.equal(
        err,
        `flowrs: cannot listen on 127.0.0.1:${port}: the address is already in use (EADDRINUSE); choose another host:port with FLOWRS_LISTEN\n`,
      );
    } finally {
      taken.close();
    }
  });

  it('connects to the configured endpoints, logs structured JSON, and shuts down cleanly on Ctrl-C', async () => {
    const sim = await Simulator.start({ seed: 43, venues: ['binance', 'bybit'] });
    sim.run(100);
    const child = run({ ...sim.env(), FLOWRS_LISTEN: '127.0.0.1:0', FLOWRS_SYMBOL: 'BTCUSDT' });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await waitFor(
      () => (out.match(/venue connection open/g) ?? []).length === 3,
      'three venue connections open',
      15_000,
    );
    const raw = out.trim().split('\n');
    assert.deepEqual(
      raw.filter((l) => duplicateKeys(l).length > 0),
      [],
      'no key twice in a line',
    );
    const lines = raw.map((l) => JSON.parse(l));
    assert.ok(lines.every((l) => typeof l.level === 'number' && typeof l.msg === 'string'));
    assert.ok(
      lines.some((l) => l.level === 40 && l.msg === 'unknown variable FLOWRS_SYMBOL (did you mean FLOWRS_SYMBOLS?)'),
      'a typo in a variable name is pointed out',
    );
    const exit = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGINT'); // Ctrl-C signals the whole foreground process group
    await exit;
    // npm itself dies of the signal; FlowRS's own graceful path (close sockets, stop timers, exit 0) logs last.
    await waitFor(() => out.includes('"msg":"FlowRS stopped"'), 'graceful shutdown completed');
    await sim.stop();
  });

  it('writes readable lines, not JSON, with LOG_FORMAT=pretty', async () => {
    const sim = await Simulator.start({ seed: 44 });
    const child = run({ ...sim.env(), FLOWRS_LISTEN: '127.0.0.1:0', LOG_FORMAT: 'pretty' });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await waitFor(() => out.includes('FlowRS started'), 'the start line', 15_000);
    const line = out.split('\n').find((l) => l.includes('FlowRS started'))!;
    assert.throws(() => JSON.parse(line), SyntaxError, line);
    assert.match(line, /INFO.*FlowRS started/);
    const exit = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGINT');
    await exit;
    await sim.stop();
  });
});
