import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { BinanceDepthFeed, UpdateIdCounter } from '../exchanges/binance/sim/depth-feed.js';
import { parseFaultSpec } from './faults.js';
import { DEFAULT_INSTRUMENTS } from './market.js';
import { Simulator } from './simulator.js';
import { realFixture } from './test-support/fixtures.js';
import { sleep, waitFor } from './test-support/wait.js';

const handles = () =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap' || r === 'Timeout')
    .length;

describe('Simulator', () => {
  it('is deterministic: the same seed gives the same stream, byte for byte', () => {
    const frames = (seed: number) => {
      const feed = new BinanceDepthFeed(DEFAULT_INSTRUMENTS[1], seed, new UpdateIdCounter(1_000, seed));
      return Array.from({ length: 500 }, (_, i) => feed.next(1_700_000_000_000 + i).json).join('\n');
    };
    assert.equal(frames(3), frames(3));
    assert.notEqual(frames(3), frames(4));
  });

  it('same seed, same truth on both venues after the same steps', async () => {
    const a = await Simulator.start({ seed: 5 });
    const b = await Simulator.start({ seed: 5 });
    a.step(50);
    b.step(50);
    for (const symbol of a.symbols()) {
      assert.deepEqual(a.binance.truth(symbol), b.binance.truth(symbol));
      assert.deepEqual(a.bybit.truth(symbol, 200).bids, b.bybit.truth(symbol, 200).bids);
    }
    await Promise.all([a.stop(), b.stop()]);
  });

  it('runs on its own clock, pauses, and stops leaving no sockets or timers behind', async () => {
    const before = handles();
    const sim = await Simulator.start({ seed: 9 });
    const ws = new WebSocket(`${sim.binance.wsBaseUrl}/public/stream?streams=btcusdt@depth@100ms`);
    let frames = 0;
    ws.on('message', () => frames++);
    await new Promise((resolve) => ws.once('open', resolve));
    sim.run(2_000);
    await waitFor(() => frames > 10, 'frames flow while running');
    sim.pause();
    const emitted = sim.emitted;
    await sleep(50);
    assert.equal(sim.emitted, emitted, 'nothing is emitted while paused');
    await sim.stop();
    await waitFor(() => ws.readyState === WebSocket.CLOSED, 'client sees the close');
    await waitFor(() => handles() <= before, 'no handles left');
  });

  it('points FlowRS at itself through the environment', async () => {
    const sim = await Simulator.start();
    const env = sim.env();
    assert.match(env.FLOWRS_BINANCE_WS_URL, /^ws:\/\/127\.0\.0\.1:\d+$/);
    assert.match(env.FLOWRS_BYBIT_WS_URL, /^ws:\/\/127\.0\.0\.1:\d+\/v5\/public\/linear$/);
    assert.equal(env.FLOWRS_EXCHANGES, [...sim.venues.keys()].join(','));
    // Each venue's own names for the same three instruments.
    const symbols = env.FLOWRS_SYMBOLS.split(',');
    assert.deepEqual(
      symbols.filter((s) => s.startsWith('binance:')),
      ['binance:BTCUSDT', 'binance:ETHUSDT', 'binance:1000PEPEUSDT'],
    );
    assert.equal(symbols.length, sim.venues.size * 3);
    assert.ok(symbols.includes('okx:BTC-USDT-SWAP'));
    await sim.stop();
  });

  it('parses scheduled faults and refuses bad ones clearly', () => {
    assert.deepEqual(parseFaultSpec('1.5:binance:gap:BTCUSDT'), {
      atMs: 1500,
      venue: 'binance',
      kind: 'gap',
      symbol: 'BTCUSDT',
    });
    assert.throws(() => parseFaultSpec('1:binance:gap'), /needs a symbol/);
    assert.throws(() => parseFaultSpec('1:bybit:snapshot-429'), /Binance fault/);
    assert.throws(() => parseFaultSpec('x:bybit:drop'), /bad time/);
    assert.throws(() => parseFaultSpec('1:kraken:drop'), /venue/);
  });

  it('`npm run sim -- --replay FILE` plays a real recording and points FlowRS at its venue and symbols', async () => {
    const file = realFixture('bybit/cryptofeed_2026-08-09_v5_linear_orderbook200_trades.jsonl');
    const child = spawn('npm', ['run', '--silent', 'sim', '--', '--replay', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await waitFor(() => out.includes('Ctrl-C'), 'the environment is printed', 15_000);
    assert.match(out, /export FLOWRS_EXCHANGES=bybit/);
    assert.match(out, /export FLOWRS_SYMBOLS=BTCUSDT,ETHUSDT,SOLUSDT,DOGEUSDT/);
    const exit = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGINT');
    await exit;
  });

  it('`npm run sim` starts standalone, prints the environment, and stops cleanly on Ctrl-C', async () => {
    const child = spawn('npm', ['run', '--silent', 'sim', '--', '--rate', '50', '--fault', '0.1:bybit:reset:BTCUSDT'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    await waitFor(() => out.includes('Ctrl-C'), 'the environment is printed', 15_000);
    const wsUrl = /export FLOWRS_BINANCE_WS_URL=(\S+)/.exec(out)?.[1];
    assert.ok(wsUrl);
    const ws = new WebSocket(`${wsUrl}/public/stream?streams=btcusdt@depth@100ms`);
    let frames = 0;
    ws.on('message', () => frames++);
    await waitFor(() => frames > 0, 'the standalone simulator streams', 5_000);
    ws.close();
    await waitFor(() => err.includes('injecting reset on bybit BTCUSDT'), 'the scheduled fault fired');
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    process.kill(-child.pid!, 'SIGINT'); // Ctrl-C signals the whole foreground process group
    await exit;
    await waitFor(() => out.includes('# simulator stopped'), 'graceful shutdown completed');
  });
});
