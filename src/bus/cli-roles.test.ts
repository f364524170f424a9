import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../cli/test-support/run.js';
import type { OrderBookView } from '../server/protocol.js';
import { Simulator } from '../sim/simulator.js';
import { waitFor } from '../sim/test-support/wait.js';
import { type NatsTestServer, startNatsServer } from './test-support/nats-server.js';
import { levelsOf, topOf, truths } from './test-support/truth.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function flowrs(args: string[], env: Record<string, string>): { child: ChildProcess; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exit };
}

describe('flowrs ingest + flowrs gateway as processes', () => {
  let nats: NatsTestServer;
  let sim: Simulator;
  const children: ChildProcess[] = [];
  before(async () => {
    nats = await startNatsServer();
    sim = await Simulator.start({ seed: 81, venues: ['binance', 'bybit'] });
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await sim?.stop();
    await nats?.stop();
  });

  it('serve the same API as the single process, exact, and stop cleanly on SIGTERM', async () => {
    const env = { ...sim.env(), FLOWRS_NATS_URL: nats.url, FLOWRS_THROTTLE_MS: '100' };
    const ingest = flowrs(['ingest', '--listen', `127.0.0.1:${await freePort()}`], env);
    const port = await freePort();
    const gateway = flowrs(['gateway'], { ...env, FLOWRS_LISTEN: `127.0.0.1:${port}` });
    children.push(ingest.child, gateway.child);
    sim.run(200);
    const books = async () => {
      try {
        return (await (await fetch(`http://127.0.0.1:${port}/api/orderbooks`)).json()) as OrderBookView[];
      } catch {
        return [];
      }
    };
    await waitFor(
      async () => {
        const list = await books();
        return list.length === 6 && list.every((b) => b.status === 'live');
      },
      'the gateway serves every book live',
      30_000,
    );
    sim.pause();
    const now = truths(sim);
    const at = (list: OrderBookView[], t: (typeof now)[number]) =>
      list.find((b) => b.exchange === t.exchange && b.symbol === t.symbol);
    await waitFor(async () => {
      const list = await books();
      return now.every((t) => at(list, t)?.updateId === t.updateId);
    }, 'the gateway reached the paused market');
    for (const t of now) assert.deepEqual(levelsOf(at(await books(), t)!), topOf(t, 5), `${t.exchange}:${t.symbol}`);
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { status: string };
    assert.equal(health.status, 'ok');
    gateway.child.kill('SIGTERM');
    ingest.child.kill('SIGTERM');
    assert.equal(await gateway.exit, 0);
    assert.equal(await ingest.exit, 0);
  });

  it('a gateway against a server without JetStream exits 3 saying so', async () => {
    const plain = await startNatsServer({ jetstream: false });
    try {
      const run = flowrs(['gateway', '--listen', '127.0.0.1:0'], { FLOWRS_NATS_URL: plain.url });
      let stderr = '';
      run.child.stderr?.on('data', (d) => (stderr += d));
      children.push(run.child);
      assert.equal(await run.exit, 3);
      assert.match(stderr, /JetStream is disabled.*-js.*\[jetstream_disabled\]/);
    } finally {
      await plain.stop();
    }
  });
});
