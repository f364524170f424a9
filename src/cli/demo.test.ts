import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { loadConfig } from '../app/config.js';
import { Flowrs } from '../app/flowrs.js';
import { silentLogger } from '../log.js';
import { Simulator } from '../sim/simulator.js';
import { waitFor } from '../sim/test-support/wait.js';
import { instrumentFor, simulatedSymbols } from './demo-instruments.js';
import { ROOT } from './test-support/run.js';

interface BookRow {
  readonly exchange: string;
  readonly symbol: string;
  readonly status: string;
}

describe('flowrs demo', () => {
  it('simulates exactly the configured symbols (FLOWRS_SYMBOLS), known or not', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'demo'], {
      cwd: ROOT,
      env: {
        ...process.env,
        FLOWRS_SYMBOLS: 'ETHUSDT,FOO-USDT',
        FLOWRS_LISTEN: '127.0.0.1:0',
        FLOWRS_DEMO_RATE: '400',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      await waitFor(
        () => /API: +http:\/\/127\.0\.0\.1:\d+\/api\/orderbooks/.test(out),
        'the demo prints its address',
        30_000,
      );
      const api = /API: +(http:\/\/127\.0\.0\.1:\d+\/api\/orderbooks)/.exec(out)![1];
      assert.match(out, /^FlowRS demo: 2 symbols \(ETHUSDT, FOOUSDT\) on /m);
      // The books as the API serves them, refreshed while we wait for every one to be live.
      let books: BookRow[] = [];
      const refresh = setInterval(() => {
        fetch(api)
          .then((r) => r.json() as Promise<BookRow[]>)
          .then(
            (rows) => (books = rows),
            () => undefined,
          );
      }, 100);
      try {
        await waitFor(() => books.length > 0 && books.every((b) => b.status === 'live'), 'every book live', 30_000);
      } finally {
        clearInterval(refresh);
      }
      const bySymbol = (exchange: string) =>
        books
          .filter((b) => b.exchange === exchange)
          .map((b) => b.symbol)
          .sort();
      assert.deepEqual(bySymbol('binance'), ['ETHUSDT', 'FOOUSDT']);
      assert.deepEqual(bySymbol('bybit'), ['ETHUSDT', 'FOOUSDT']);
      // Every simulated venue follows the two, in its own naming, and nothing else (no default BTC).
      const venues = new Set(books.map((b) => b.exchange));
      assert.equal(books.length, venues.size * 2);
      for (const b of books) assert.match(b.symbol, /^(ETH|FOO)/, `${b.exchange}:${b.symbol}`);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('looks like a market: the venues’ consolidated book is crossed rarely and briefly', {
    timeout: 120_000,
  }, async (t) => {
    // The demo's own pieces (every simulated venue, FlowRS on their environment), stepped by hand so each
    // sample is the market at one moment, whatever the load on this machine.
    const sim = await Simulator.start({ seed: 77, instruments: [instrumentFor('BTCUSDT')] });
    const app = new Flowrs(loadConfig([], { ...sim.env(), FLOWRS_LISTEN: '127.0.0.1:0' }), { log: silentLogger });
    try {
      await app.start();
      const books = app.books.list();
      const caughtUp = () =>
        books.every((b) => b.status() === 'live' && b.updateId === sim.venue(b.exchange).truth(b.symbol).updateId);
      // A book syncing from a REST snapshot needs events after it: the market moves until all are live.
      await waitFor(
        () => {
          if (books.some((b) => b.status() !== 'live')) sim.step(1);
          return books.every((b) => b.status() === 'live');
        },
        'every book live',
        30_000,
      );
      await waitFor(caughtUp, 'every book caught up', 30_000);
      const base = `http://127.0.0.1:${app.address!.port}`;
      const samples: boolean[] = [];
      let run = 0;
      let longest = 0;
      for (let i = 0; i < 150; i++) {
        sim.step(2);
        await waitFor(caughtUp, 'caught up with the venues', 30_000);
        const view = (await (await fetch(`${base}/api/consolidated/BTC-USDT`)).json()) as { crossed: boolean };
        samples.push(view.crossed);
        run = view.crossed ? run + 1 : 0;
        longest = Math.max(longest, run);
      }
      const crossed = samples.filter(Boolean).length;
      t.diagnostic(`crossed in ${crossed} of ${samples.length} samples, at most ${longest} in a row`);
      assert.ok(crossed / samples.length < 0.15, `crossed in ${crossed} of ${samples.length} samples`);
      assert.ok(longest <= 3, `a crossing lasted ${longest} samples`);
    } finally {
      await app.stop();
      await sim.stop();
    }
  });

  it('maps configured symbols to the simulator’s instruments', () => {
    assert.deepEqual(
      simulatedSymbols([
        { kind: 'canonical', canonical: 'BTC-USDT' },
        { kind: 'venue', exchange: 'bybit', symbol: 'BTCUSDT' },
        { kind: 'venue', exchange: 'okx', symbol: 'SOL-USDT-SWAP' },
        { kind: 'canonical', canonical: 'FOO-USDT' },
      ]),
      ['BTCUSDT', 'FOOUSDT'],
    );
    // Known names keep their realistic spec; others get a generated one, the same every time.
    assert.equal(instrumentFor('BTCUSDT').tickUnits, 10);
    assert.equal(instrumentFor('BTCUSDT').startTicks, 650_000);
    const foo = instrumentFor('FOOUSDT');
    assert.equal(foo.symbol, 'FOOUSDT');
    assert.deepEqual(instrumentFor('FOOUSDT'), foo);
    assert.ok(foo.startTicks >= 10_000 && foo.startTicks < 100_000, String(foo.startTicks));
  });
});
