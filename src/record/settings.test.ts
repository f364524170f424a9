import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../app/config.js';
import { silentLogger } from '../log.js';
import { createRecorder } from './create-recorder.js';
import { RECORD_SETTINGS } from './settings.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowrs-record-settings-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const config = (env: Record<string, string>) => loadConfig([], { FLOWRS_EXCHANGES: 'binance', ...env });

/** One check per setting: the value reaches the recorder and changes what it does. */
const CHECKS: Record<keyof typeof RECORD_SETTINGS, () => Promise<void>> = {
  async recordDir() {
    assert.equal(createRecorder(config({}), silentLogger), undefined, 'no directory: no recorder');
    const dir = join(tempDir(), 'rec');
    const recorder = createRecorder(config({ FLOWRS_RECORD_DIR: dir }), silentLogger)!;
    await recorder.start();
    recorder.wsConnecting('c@1', 'binance', 'c', 'wss://x/');
    recorder.wsOpen('c@1', Date.now() * 1000);
    const status = recorder.status();
    await recorder.stop();
    assert.equal(status.type === 'recording' && status.dir, dir);
    assert.deepEqual(readdirSync(dir), ['binance']);
  },
  async recordRetentionHours() {
    const dir = tempDir();
    mkdirSync(join(dir, 'binance'));
    const now = Date.now();
    for (const [name, ageHours] of [
      ['old.jsonl.gz', 3],
      ['new.jsonl.gz', 1],
    ] as const) {
      writeFileSync(join(dir, 'binance', name), '');
      const at = new Date(now - ageHours * 3_600_000 - 60_000);
      utimesSync(join(dir, 'binance', name), at, at);
    }
    const recorder = createRecorder(
      config({ FLOWRS_RECORD_DIR: dir, FLOWRS_RECORD_RETENTION_HOURS: '2' }),
      silentLogger,
    )!;
    await recorder.start();
    await recorder.stop();
    assert.deepEqual(readdirSync(join(dir, 'binance')), ['new.jsonl.gz']);
    assert.throws(() => config({ FLOWRS_RECORD_RETENTION_HOURS: '0' }), ConfigError);
  },
  async recordMaxQueueBytes() {
    const dropped = async (maxQueueBytes: string) => {
      const recorder = createRecorder(
        config({ FLOWRS_RECORD_DIR: tempDir(), FLOWRS_RECORD_MAX_QUEUE_BYTES: maxQueueBytes }),
        silentLogger,
      )!;
      await recorder.start();
      recorder.wsConnecting('c@1', 'binance', 'c', 'wss://x/');
      const frame = 'x'.repeat(10_000);
      for (let i = 0; i < 400; i++) recorder.wsFrame('c@1', frame, Date.now() * 1000);
      const status = recorder.status();
      await recorder.stop();
      return status.type === 'recording' ? status.dropped : -1;
    };
    assert.ok((await dropped('1048576')) > 0, 'a 1 MiB queue drops part of 4 MB written at once');
    assert.equal(await dropped('16777216'), 0, 'a 16 MiB queue takes it all');
    assert.throws(() => config({ FLOWRS_RECORD_MAX_QUEUE_BYTES: '1000' }), ConfigError);
  },
};

describe('record settings', () => {
  it('every setting of the group has a check', () => {
    assert.deepEqual(Object.keys(CHECKS).sort(), Object.keys(RECORD_SETTINGS).sort());
  });
  for (const [name, check] of Object.entries(CHECKS)) it(`${name} reaches the recorder`, check);
});
