/**
 * Scale-out: the single process against ingest + 1, 2, 3 gateways on NATS JetStream, on this host. For
 * each setup, clients are added step by step (one client process, spread round robin over the servers)
 * until delivery lags: the clients' p99 latency (venue frame → client, across the bus) passes the limit,
 * a server reports lagging clients, or clients cannot connect. Every process is separate and measured
 * from /proc (CPU per process); the ingest's (or single process's) processing p99 comes from its metrics.
 *
 *   BENCH_SCALE_RATE       venue msgs/s (default 5000)
 *   BENCH_SCALE_CLIENTS    client steps (default 250,500,1000,1500,2000,3000)
 *   BENCH_SCALE_SECONDS    measured seconds per step (default 5)
 *   BENCH_SCALE_LAG_MS     the p99 delivery latency that counts as lagging (default 250)
 *   BENCH_SCALE_GATEWAYS   gateway counts to try (default 1,2,3)
 *   BENCH_SCALE_SELECTION  `one`: each client selects one book, round robin (a dashboard showing one
 *                          market; the default); `all`: every client takes every book and trade
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { startNatsServer } from '../src/bus/test-support/nats-server.js';
import type { Metrics } from '../src/metrics/metrics-engine.js';

const ROOT = new URL('..', import.meta.url).pathname;
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface ScaleStep {
  clients: number;
  connected: number;
  clientP50Ms: number;
  clientP99Ms: number;
  clientMsgsPerSec: number;
  laggingClients: number;
  /** CPU % per process over the step (100 = one core). */
  cpu: Record<string, number>;
  ingestProcessingP99Us: number;
  lagging: boolean;
}

export interface ScaleSetup {
  setup: string;
  processes: string[];
  /** The most clients served without lagging. */
  clientsServed: number;
  steps: ScaleStep[];
}

export interface ScaleOptions {
  rate: number;
  clientSteps: number[];
  seconds: number;
  lagMs: number;
  gateways: number[];
  /** What each client receives: one book (round robin over the books) or every book. */
  selection: 'one' | 'all';
}

function node(args: string[], env: Record<string, string> = {}, stdout: 'pipe' | 'ignore' = 'ignore'): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', stdout, 'inherit'],
  });
}

function cpuTicks(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0;
  }
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`bench scale: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function metrics(port: number): Promise<Metrics | undefined> {
  try {
    return (await (await fetch(`http://127.0.0.1:${port}/api/metrics`)).json()) as Metrics;
  } catch {
    return undefined;
  }
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

/** One setup: `gateways` 0 is the single process. */
async function runSetup(
  gateways: number,
  simEnv: Record<string, string>,
  natsUrl: string,
  books: number,
  o: ScaleOptions,
  basePort: number,
  natsPid: number | undefined,
): Promise<ScaleSetup> {
  const procs = new Map<string, ChildProcess>();
  const env = {
    ...simEnv,
    FLOWRS_NATS_URL: natsUrl,
    // Every client of the bench comes from 127.0.0.1: lift the per-IP limits meant for the open internet.
    FLOWRS_MAX_CLIENTS_PER_IP: '100000',
    FLOWRS_HANDSHAKES_PER_IP_PER_MINUTE: '1000000',
  };
  const servePorts: number[] = [];
  let headPort: number;
  if (gateways === 0) {
    headPort = basePort;
    procs.set('single', node(['src/cli/main.ts', 'start'], { ...env, FLOWRS_LISTEN: `127.0.0.1:${headPort}` }));
    servePorts.push(headPort);
  } else {
    headPort = basePort;
    procs.set('ingest', node(['src/cli/main.ts', 'ingest'], { ...env, FLOWRS_LISTEN: `127.0.0.1:${headPort}` }));
    for (let i = 0; i < gateways; i++) {
      const port = basePort + 1 + i;
      servePorts.push(port);
      procs.set(
        `gateway${i + 1}`,
        node(['src/cli/main.ts', 'gateway'], { ...env, FLOWRS_LISTEN: `127.0.0.1:${port}` }),
      );
    }
  }
  const setup: ScaleSetup = {
    setup: gateways === 0 ? 'single process' : `ingest + ${gateways} gateway${gateways > 1 ? 's' : ''}`,
    processes: [...procs.keys()],
    clientsServed: 0,
    steps: [],
  };
  try {
    for (const port of new Set([headPort, ...servePorts])) {
      await until(
        async () => {
          const m = await metrics(port);
          const list = m === undefined ? [] : Object.values(m.perSymbol);
          return list.length === books && list.every((b) => b.status === 'live');
        },
        90_000,
        `every book live on :${port}`,
      );
    }
    for (const clients of o.clientSteps) {
      const books = o.selection === 'one' ? (simEnv.FLOWRS_SYMBOLS ?? '') : '';
      const step = await runStep(clients, servePorts, headPort, procs, o, gateways === 0 ? undefined : natsPid, books);
      setup.steps.push(step);
      console.error(
        `bench scale: ${setup.setup}, ${clients} clients: p99 ${step.clientP99Ms} ms${step.lagging ? ' (lagging)' : ''}`,
      );
      if (step.lagging) break;
      setup.clientsServed = clients;
    }
  } finally {
    await Promise.all([...procs.values()].map(stop));
  }
  return setup;
}

async function runStep(
  clients: number,
  servePorts: number[],
  headPort: number,
  procs: Map<string, ChildProcess>,
  o: ScaleOptions,
  natsPid: number | undefined,
  books: string,
): Promise<ScaleStep> {
  const urls = servePorts.map((p) => `ws://127.0.0.1:${p}/`).join(',');
  const client = node(['bench/scale-clients.ts', urls, String(clients), books], {}, 'pipe');
  let last = { open: 0, messages: 0, bytes: 0, p50Ms: -1, p99Ms: -1 };
  const seconds: (typeof last)[] = [];
  createInterface({ input: client.stdout! }).on('line', (line) => {
    last = JSON.parse(line);
    seconds.push(last);
  });
  try {
    await until(() => last.open === clients, 60_000, 'clients connected').catch(() => undefined);
    await new Promise((r) => setTimeout(r, 2_000)); // warm-up
    const ticks0 = new Map([...procs].map(([name, p]) => [name, cpuTicks(p.pid)]));
    const clientTicks0 = cpuTicks(client.pid);
    const natsTicks0 = cpuTicks(natsPid);
    const from = seconds.length;
    const m0 = last.messages;
    const t0 = performance.now();
    const processing: number[] = [];
    let lagging = 0;
    for (let i = 0; i < o.seconds; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      const head = await metrics(headPort);
      if (head) processing.push(head.processingLatencyUs.p99);
      for (const port of servePorts) lagging = Math.max(lagging, (await metrics(port))?.laggingClients ?? 0);
    }
    const elapsed = (performance.now() - t0) / 1000;
    const cpu: Record<string, number> = {};
    for (const [name, p] of procs) {
      cpu[name] = Math.round(((cpuTicks(p.pid) - (ticks0.get(name) ?? 0)) / TICKS_PER_SECOND / elapsed) * 100);
    }
    if (natsPid !== undefined)
      cpu['nats-server'] = Math.round(((cpuTicks(natsPid) - natsTicks0) / TICKS_PER_SECOND / elapsed) * 100);
    cpu.clients = Math.round(((cpuTicks(client.pid) - clientTicks0) / TICKS_PER_SECOND / elapsed) * 100);
    const measured = seconds.slice(from).filter((s) => s.p99Ms >= 0);
    const p99 = median(measured.map((s) => s.p99Ms));
    const step: ScaleStep = {
      clients,
      connected: last.open,
      clientP50Ms: median(measured.map((s) => s.p50Ms)),
      clientP99Ms: p99,
      clientMsgsPerSec: Math.round((last.messages - m0) / elapsed),
      laggingClients: lagging,
      cpu,
      ingestProcessingP99Us: median(processing),
      lagging: !(p99 <= o.lagMs) || lagging > 0 || last.open < clients,
    };
    return step;
  } finally {
    await stop(client);
  }
}

export async function runScale(o: ScaleOptions): Promise<{ options: ScaleOptions; setups: ScaleSetup[] }> {
  const nats = await startNatsServer();
  const symbols = 10;
  const venues = ['binance', 'bybit'];
  const sim = node(
    [
      'src/sim/cli.ts',
      '--rate',
      String(o.rate),
      '--instruments',
      String(symbols),
      '--seed',
      '5',
      '--venues',
      venues.join(','),
    ],
    {},
    'pipe',
  );
  const simEnv: Record<string, string> = {};
  createInterface({ input: sim.stdout! }).on('line', (line) => {
    const m = /^export (\w+)=(.*)$/.exec(line);
    if (m) simEnv[m[1]] = m[2];
  });
  const setups: ScaleSetup[] = [];
  try {
    await until(() => simEnv.FLOWRS_SIMULATED !== undefined, 30_000, 'the simulator');
    let port = 18_180;
    for (const gateways of [0, ...o.gateways]) {
      setups.push(await runSetup(gateways, simEnv, nats.url, symbols * venues.length, o, port, nats.pid));
      port += 10;
    }
  } finally {
    await stop(sim);
    await nats.stop();
  }
  return { options: o, setups };
}

export function scaleOptionsFromEnv(): ScaleOptions {
  const list = (text: string) => text.split(',').map(Number);
  return {
    rate: Number(process.env.BENCH_SCALE_RATE ?? 5_000),
    clientSteps: list(process.env.BENCH_SCALE_CLIENTS ?? '250,500,1000,1500,2000,3000'),
    seconds: Number(process.env.BENCH_SCALE_SECONDS ?? 5),
    lagMs: Number(process.env.BENCH_SCALE_LAG_MS ?? 250),
    gateways: list(process.env.BENCH_SCALE_GATEWAYS ?? '1,2,3'),
    selection: process.env.BENCH_SCALE_SELECTION === 'all' ? 'all' : 'one',
  };
}
