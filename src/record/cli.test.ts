import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { flowrs } from '../cli/test-support/run.js';
import { bookColumns } from './csv-export.js';
import { recordSession } from './test-support/session.js';

describe('flowrs replay and flowrs export on the command line', () => {
  let dir: string;
  let out: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowrs-cli-rec-'));
    out = mkdtempSync(join(tmpdir(), 'flowrs-cli-out-'));
    await recordSession(dir, ['binance'], async (sim) => {
      sim.step(30);
    });
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it('export writes the CSV files it lists, with the documented columns', async () => {
    const { code, stdout, stderr } = await flowrs(
      ['export', dir, '--books', 'binance:BTCUSDT', '--depth', '5', '--interval', '100ms', '--out', out],
      { LOG_LEVEL: 'silent' },
    );
    assert.equal(code, 0, stderr);
    const files = stdout.trim().split('\n');
    assert.deepEqual(
      files.map((f) => f.replace(/_\d{4}-\d{2}-\d{2}_/, '_DAY_')),
      ['book', 'changes', 'trades'].map((t) => `${out}/binance_BTCUSDT_DAY_${t}.csv`),
    );
    const header = readFileSync(files[0], 'utf8').split('\n')[0];
    assert.equal(header, bookColumns(5).join(','));
  });

  it('a bad flag exits 2 and says what it expects', async () => {
    const speed = await flowrs(['replay', dir, '--speed', 'fast']);
    assert.equal(speed.code, 2);
    assert.match(speed.stderr, /--speed: expected 1, 10, max/);
    const interval = await flowrs(['export', dir, '--interval', 'soon']);
    assert.equal(interval.code, 2);
    assert.match(interval.stderr, /--interval: expected e\.g\. 1s/);
    const missing = await flowrs(['export', join(out, 'nothing-here')]);
    assert.equal(missing.code, 2);
  });
});

describe('flowrs replay reads the formats the simulator replays', () => {
  it('serves the cryptofeed Binance recording (frames and REST snapshots) with every book live', async () => {
    const { spawn } = await import('node:child_process');
    const { ROOT } = await import('../cli/test-support/run.js');
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'replay',
        'test/fixtures/binance/cryptofeed_2021-07-22_combined_4sym.ws.txt',
        'test/fixtures/binance/cryptofeed_2021-07-22_depth_snapshots.http.txt',
        '--speed',
        '10',
        '--listen',
        `127.0.0.1:${port}`,
      ],
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent' }, stdio: 'ignore' },
    );
    try {
      const { waitFor } = await import('../sim/test-support/wait.js');
      const health = async () => {
        try {
          return (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as {
            books: { exchange: string; status: string }[];
          };
        } catch {
          return undefined;
        }
      };
      await waitFor(
        async () => {
          const h = await health();
          return h !== undefined && h.books.length > 0 && h.books.every((b) => b.status === 'live');
        },
        'every recorded book live',
        30_000,
      );
      const h = (await health())!;
      assert.ok(h.books.length >= 2, `books: ${h.books.length}`);
      assert.ok(h.books.every((b) => b.exchange === 'binance'));
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});

describe('flowrs record on the command line', () => {
  it('records the venues into the directory it is given, and stops cleanly on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const { readdirSync } = await import('node:fs');
    const { ROOT } = await import('../cli/test-support/run.js');
    const { Simulator } = await import('../sim/simulator.js');
    const { waitFor } = await import('../sim/test-support/wait.js');
    const sim = await Simulator.start({ seed: 17, venues: ['binance'] });
    const rec = mkdtempSync(join(tmpdir(), 'flowrs-cli-record-'));
    sim.run(200);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'record', rec], {
      cwd: ROOT,
      env: { ...process.env, ...sim.env(), FLOWRS_LISTEN: '127.0.0.1:0', LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const files = () => {
        try {
          return readdirSync(join(rec, 'binance')).filter((f) => f.endsWith('.jsonl.gz'));
        } catch {
          return [];
        }
      };
      await waitFor(() => files().length > 0, 'a recording file for binance', 30_000);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.match(files()[0], /^\d{4}-\d{2}-\d{2}T\d{2}Z\.[a-z0-9.-]+\.jsonl\.gz$/);
    } finally {
      child.kill('SIGKILL');
      await sim.stop();
      rmSync(rec, { recursive: true, force: true });
    }
  });
});
