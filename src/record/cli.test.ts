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
