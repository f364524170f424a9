/**
 * End-to-end: the simulator → FlowRS → N WebSocket clients, each in its own process (FlowRS started with
 * `npm start` itself). FlowRS reports on itself through GET /api/metrics, sampled once a second:
 * processing latency (frame received → book applied, ready to broadcast; last 4,096 samples),
 * venue throughput, event-loop delay and RSS. The clients' process counts what they receive.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Metrics } from '../src/metrics/metrics-engine.js';

export interface E2eScenario {
  readonly name: string;
  /** Venue events a second, all venues together. */
  readonly rate: number;
  /** Symbols per venue. */
  readonly symbols: number;
  /** Simulated venues (default Binance and Bybit). */
  readonly venues?: readonly string[];
  readonly clients: number;
  /** Each client selects one book (round robin over all of them) instead of receiving every book. */
  readonly oneBookPerClient?: boolean;
  readonly seconds: number;
}

export interface E2eResult {
  scenario: string;
  targetMsgsPerSec: number;
  venueMsgsPerSec: number;
  updatesPerSec: number;
  processingP50Us: number;
  processingP99Us: number;
  worstSecondP99Us: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  rssMiB: number;
  cpuPercent: number;
  clients: number;
  clientMsgsPerSec: number;
  clientMiBPerSec: number;
  laggingClients: number;
}

const ROOT = new URL('..', import.meta.url).pathname;

function node(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function lines(child: ChildProcess, onLine: (line: string) => void): void {
  createInterface({ input: child.stdout! }).on('line', onLine);
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

export async function runE2e(s: E2eScenario, port = 18_080): Promise<E2eResult> {
  const venueIds = s.venues ?? ['binance', 'bybit'];
  const venues = venueIds.join(',');
  const sim = node([
    'src/sim/cli.ts',
    '--rate',
    String(s.rate),
    '--instruments',
    String(s.symbols),
    '--seed',
    '5',
    '--venues',
    venues,
  ]);
  const env: Record<string, string> = {};
  lines(sim, (line) => {
    const m = /^export (\w+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  });
  let flowrs: ChildProcess | undefined;
  let clients: ChildProcess | undefined;
  try {
    await waitUntil(() => env.FLOWRS_SIMULATED !== undefined, 30_000, 'the simulator');
    // Exactly what users run: `npm start` (its own process group, so the whole tree can be stopped).
    flowrs = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        ...env,
        FLOWRS_LISTEN: `127.0.0.1:${port}`,
        // Every client of the bench comes from 127.0.0.1: lift the per-IP limits meant for the open internet.
        FLOWRS_MAX_CLIENTS_PER_IP: '100000',
        FLOWRS_HANDSHAKES_PER_IP_PER_MINUTE: '1000000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
    });
    const base = `http://127.0.0.1:${port}`;
    const metrics = async (): Promise<Metrics | undefined> => {
      try {
        return (await (await fetch(`${base}/api/metrics`)).json()) as Metrics;
      } catch {
        return undefined;
      }
    };
    await waitUntil(
      async () => {
        const m = await metrics();
        return (
          m !== undefined &&
          Object.values(m.perSymbol).length === s.symbols * venueIds.length &&
          Object.values(m.perSymbol).every((b) => b.status === 'live')
        );
      },
      90_000,
      'every book live',
    );
    let clientStats = { open: 0, messages: 0, bytes: 0 };
    const books = s.oneBookPerClient
      ? env.FLOWRS_SYMBOLS.split(',') // each venue's own symbols, already `exchange:SYMBOL`
      : [];
    clients = node(['bench/e2e/clients.ts', `ws://127.0.0.1:${port}/`, String(s.clients), books.join(',')]);
    lines(clients, (line) => {
      clientStats = JSON.parse(line);
    });
    // Under saturation handshakes queue behind the event loop: wait, then measure with whoever is connected.
    await waitUntil(() => clientStats.open === s.clients, 120_000, 'every client connected').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3_000)); // warm-up
    const samples: Metrics[] = [];
    const c0 = { ...clientStats };
    const t0 = performance.now();
    for (let i = 0; i < s.seconds; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      const m = await metrics();
      if (m) samples.push(m);
    }
    const elapsed = (performance.now() - t0) / 1000;
    const last = samples[samples.length - 1];
    return {
      scenario: s.name,
      targetMsgsPerSec: s.rate,
      venueMsgsPerSec: median(samples.map((m) => m.messagesPerSec)),
      updatesPerSec: median(samples.map((m) => m.updatesPerSec)),
      processingP50Us: median(samples.map((m) => m.processingLatencyUs.p50)),
      processingP99Us: median(samples.map((m) => m.processingLatencyUs.p99)),
      worstSecondP99Us: Math.max(...samples.map((m) => m.processingLatencyUs.p99)),
      eventLoopDelayP99Ms: median(samples.map((m) => m.eventLoopDelayMs.p99)),
      eventLoopDelayMaxMs: Math.max(...samples.map((m) => m.eventLoopDelayMs.max)),
      rssMiB: last.memory.rssBytes / 2 ** 20,
      cpuPercent: median(samples.map((m) => m.cpuPercent)),
      clients: last.clients,
      clientMsgsPerSec: (clientStats.messages - c0.messages) / elapsed,
      clientMiBPerSec: (clientStats.bytes - c0.bytes) / elapsed / 2 ** 20,
      laggingClients: last.laggingClients,
    };
  } finally {
    // Wait for every process to be gone, so the next scenario finds its port free.
    await Promise.all([stop(clients), stop(flowrs, true), stop(sim)]);
  }
}

/**
 * SIGTERM (to the whole process group when `group`: npm's children too), SIGKILL after 10 s; resolves
 * once every process is gone.
 */
async function stop(child: ChildProcess | undefined, group = false): Promise<void> {
  if (child?.pid === undefined) return;
  const target = group ? -child.pid : child.pid;
  const signal = (name: NodeJS.Signals | 0): boolean => {
    try {
      process.kill(target, name);
      return true;
    } catch {
      return false; // gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + 10_000;
  while (signal(0) && (child.exitCode === null || group)) {
    if (Date.now() > deadline) signal('SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
  }
}
