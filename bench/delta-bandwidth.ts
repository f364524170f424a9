/**
 * Bandwidth per client for depth-100 books: top mode (a full 100-level view per change) against delta
 * mode (one snapshot, then the changed levels), side by side on the same server and the same venue
 * traffic, at two throttles. Counts the bytes of every message each client receives.
 */
import { WebSocket } from 'ws';
import { loadConfig } from '../src/app/config.js';
import { Flowrs } from '../src/app/flowrs.js';
import { silentLogger } from '../src/log.js';
import { Simulator } from '../src/sim/simulator.js';

export interface BandwidthResult {
  readonly throttleMs: number;
  readonly books: number;
  readonly depth: number;
  /** Book events the venues sent a second (trades not counted). */
  readonly venueEventsPerSec: number;
  readonly seconds: number;
  readonly topBytesPerSec: number;
  readonly deltaBytesPerSec: number;
  readonly topMsgsPerSec: number;
  readonly deltaMsgsPerSec: number;
  /** Delta mode's bytes as a fraction of top mode's. */
  readonly deltaShare: number;
}

const DEPTH = 100;

interface Counter {
  bytes: number;
  messages: number;
}

/** Counts the book messages a client receives (trades and metrics are the same in both modes: left out). */
function countingClient(url: string, counter: Counter, counting: () => boolean): Promise<WebSocket> {
  const ws = new WebSocket(url);
  ws.on('message', (data: Buffer) => {
    if (!counting()) return;
    const type = /^\{"type":"([a-z]+)"/.exec(data.subarray(0, 24).toString())?.[1];
    if (type !== 'orderbook' && type !== 'delta' && type !== 'book') return;
    counter.bytes += data.length;
    counter.messages++;
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

async function measure(throttleMs: number, rate: number, seconds: number): Promise<BandwidthResult> {
  const sim = await Simulator.start({ seed: 77, venues: ['binance', 'bybit'] });
  const app = new Flowrs(
    loadConfig([], {
      ...sim.env(),
      FLOWRS_LISTEN: '127.0.0.1:0',
      FLOWRS_THROTTLE_MS: String(throttleMs),
      FLOWRS_DEPTH: String(DEPTH),
      FLOWRS_DISPLAY_DEPTH: String(DEPTH),
    }),
    { log: silentLogger },
  );
  await app.start();
  sim.run(rate);
  const deadline = Date.now() + 30_000;
  while (!app.books.list().every((b) => b.status() === 'live')) {
    if (Date.now() > deadline) throw new Error('bench: books did not go live');
    await new Promise((r) => setTimeout(r, 50));
  }
  const books = app.books.list().map((b) => b.key);
  const url = `ws://127.0.0.1:${app.address!.port}/?books=${books.join(',')}`;
  let counting = false;
  const top: Counter = { bytes: 0, messages: 0 };
  const delta: Counter = { bytes: 0, messages: 0 };
  const clients = await Promise.all([
    countingClient(url, top, () => counting),
    countingClient(`${url}&mode=delta&depth=${DEPTH}`, delta, () => counting),
  ]);
  // The first snapshot is not counted: bandwidth is the steady state.
  await new Promise((r) => setTimeout(r, 1_000));
  counting = true;
  let venueEvents = 0;
  app.pipeline.subscribe({
    onBookEvent: () => {
      if (counting) venueEvents++;
    },
  });
  const started = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1_000));
  counting = false;
  const elapsed = (Date.now() - started) / 1_000;
  for (const ws of clients) ws.close();
  await app.stop();
  await sim.stop();
  return {
    throttleMs,
    books: books.length,
    depth: DEPTH,
    venueEventsPerSec: Math.round(venueEvents / elapsed),
    seconds: elapsed,
    topBytesPerSec: Math.round(top.bytes / elapsed),
    deltaBytesPerSec: Math.round(delta.bytes / elapsed),
    topMsgsPerSec: Math.round((top.messages / elapsed) * 10) / 10,
    deltaMsgsPerSec: Math.round((delta.messages / elapsed) * 10) / 10,
    deltaShare: Math.round((delta.bytes / top.bytes) * 1000) / 1000,
  };
}

export async function runDeltaBandwidth(seconds = 8, rate = 2_000): Promise<BandwidthResult[]> {
  const out: BandwidthResult[] = [];
  for (const throttleMs of [100, 1_000]) out.push(await measure(throttleMs, rate, seconds));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await runDeltaBandwidth(Number(process.env.BENCH_SECONDS ?? 8)), null, 2));
}
