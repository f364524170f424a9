import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '../log.js';
import { waitFor } from '../sim/test-support/wait.js';
import { hourOf, type RecordLine, recordFileName } from './format.js';
import { readRecordFile, recordingFiles } from './reader.js';
import { Recorder } from './recorder.js';
import { capturedLogger } from './test-support/log.js';

const HOUR_US = 3_600_000_000;
const T0 = Date.UTC(2024, 4, 1, 13, 59, 59) * 1000;
const VENUES = new Map([
  [
    'binance',
    { symbols: ['BTCUSDT'], settings: { wsUrl: 'wss://fstream.binance.com', restUrl: 'https://fapi.binance.com' } },
  ],
]);

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowrs-recorder-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function readAll(dir: string): RecordLine[] {
  return recordingFiles(dir).flatMap((f) => [...readRecordFile(f)]);
}

describe('the recorder', () => {
  it('writes frames, sends, closes and REST answers with µs times and connection ids, one gzip file per venue and hour', async () => {
    const dir = tempDir();
    const recorder = new Recorder({ dir, retentionHours: 24, venues: VENUES, log: silentLogger });
    await recorder.start();
    recorder.wsConnecting('public#0@1', 'binance', 'public#0', 'wss://fstream.binance.com/stream?streams=x');
    recorder.wsOpen('public#0@1', T0);
    recorder.wsSent('public#0@1', '{"method":"SUBSCRIBE"}', T0 + 1);
    recorder.wsFrame('public#0@1', '{"e":"depthUpdate","u":1}', T0 + 2);
    // The next hour: a new file.
    recorder.wsFrame('public#0@1', '{"e":"depthUpdate","u":2}', T0 + 2_000_000);
    recorder.wsClose('public#0@1', 1006, '', T0 + 2_000_001);
    recorder.rest({
      method: 'GET',
      url: 'https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000',
      sentAtUs: T0 + 2_000_002,
      receivedAtUs: T0 + 2_000_003,
      response: {
        status: 200,
        headers: new Headers({ 'x-mbx-used-weight-1m': '20', 'x-other': 'no' }),
        body: '{"lastUpdateId":1}',
      },
    });
    await recorder.stop();
    const files = readdirSync(join(dir, 'binance')).sort();
    assert.deepEqual(files, [
      `2024-05-01T13Z.${recorder.session}.jsonl.gz`,
      `2024-05-01T14Z.${recorder.session}.jsonl.gz`,
    ]);
    const lines = readAll(dir).map((l) => (l.kind === 'meta' ? { ...l, t: 0 } : l));
    const meta = { kind: 'meta', v: 1, t: 0, venue: 'binance', session: recorder.session, ...VENUES.get('binance') };
    assert.deepEqual(lines, [
      meta,
      {
        kind: 'ws-open',
        t: T0,
        conn: 'public#0@1',
        name: 'public#0',
        url: 'wss://fstream.binance.com/stream?streams=x',
      },
      { kind: 'ws-sent', t: T0 + 1, conn: 'public#0@1', data: '{"method":"SUBSCRIBE"}' },
      { kind: 'ws-frame', t: T0 + 2, conn: 'public#0@1', data: '{"e":"depthUpdate","u":1}' },
      meta,
      { kind: 'ws-frame', t: T0 + 2_000_000, conn: 'public#0@1', data: '{"e":"depthUpdate","u":2}' },
      { kind: 'ws-close', t: T0 + 2_000_001, conn: 'public#0@1', code: 1006, reason: '' },
      {
        kind: 'rest',
        t: T0 + 2_000_003,
        sent: T0 + 2_000_002,
        method: 'GET',
        url: 'https://fapi.binance.com/fapi/v1/depth?symbol=BTCUSDT&limit=1000',
        status: 200,
        headers: { 'x-mbx-used-weight-1m': '20' },
        data: '{"lastUpdateId":1}',
      },
    ]);
    assert.equal(recorder.status().type, 'off');
  });

  it('a full disk pauses recording with one error line and a status that says why; it resumes when it can write', async () => {
    const dir = tempDir();
    const { log, lines } = capturedLogger();
    const recorder = new Recorder({ dir, retentionHours: 24, venues: VENUES, log, retryMs: 50 });
    await recorder.start();
    // The file this hour's lines go to is /dev/full: every write fails with ENOSPC.
    mkdirSync(join(dir, 'binance'));
    const path = join(dir, recordFileName('binance', hourOf(T0 / 1000), recorder.session));
    symlinkSync('/dev/full', path);
    recorder.wsConnecting('c@1', 'binance', 'c', 'wss://x/');
    recorder.wsOpen('c@1', T0);
    for (let i = 0; i < 10; i++) recorder.wsFrame('c@1', `frame ${i}`, T0 + i);
    await waitFor(() => recorder.status().type === 'paused', 'paused');
    const status = recorder.status();
    assert.equal(status.type, 'paused');
    assert.ok(status.type === 'paused' && status.reason.includes('is full (ENOSPC)'), JSON.stringify(status));
    for (let i = 0; i < 100; i++) recorder.wsFrame('c@1', `lost ${i}`, T0 + 100 + i);
    const whilePaused = recorder.status();
    assert.ok(whilePaused.type === 'paused' && whilePaused.dropped >= 100, 'lines while paused are counted as dropped');
    const errors = lines.filter((l) => l.level === 50);
    assert.equal(errors.length, 1, 'one error line');
    assert.match(
      errors[0].msg,
      /^recording paused: the disk holding .* is full \(ENOSPC\); the live service continues$/,
    );
    // It tries again (a new part of the session, so no half-written file is appended to).
    await waitFor(() => recorder.status().type === 'recording', 'resumed');
    recorder.wsFrame('c@1', 'after', T0 + 1_000);
    await recorder.stop();
    rmSync(path);
    const resumed = readAll(dir).filter((l) => l.kind === 'ws-frame');
    assert.deepEqual(
      resumed.map((l) => (l.kind === 'ws-frame' ? l.data : '')),
      ['after'],
    );
  });

  it('an unwritable directory pauses recording at start; the service is not stopped by it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    const recorder = new Recorder({
      dir: join(dir, 'file', 'sub'),
      retentionHours: 24,
      venues: VENUES,
      log: silentLogger,
    });
    await recorder.start();
    const status = recorder.status();
    assert.equal(status.type, 'paused');
    assert.ok(status.type === 'paused' && status.reason.includes('ENOTDIR'), JSON.stringify(status));
    await recorder.stop();
  });

  it('bounds its memory: lines beyond the queue cap are dropped and counted', async () => {
    const dir = tempDir();
    const recorder = new Recorder({
      dir,
      retentionHours: 24,
      venues: VENUES,
      log: silentLogger,
      maxQueueBytes: 20_000,
    });
    await recorder.start();
    recorder.wsConnecting('c@1', 'binance', 'c', 'wss://x/');
    recorder.wsOpen('c@1', T0);
    const frame = 'x'.repeat(1_000);
    for (let i = 0; i < 100; i++) recorder.wsFrame('c@1', frame, T0 + i);
    const status = recorder.status();
    assert.ok(status.type === 'recording' && status.dropped >= 75, JSON.stringify(status));
    await recorder.stop();
    const kept = readAll(dir).filter((l) => l.kind === 'ws-frame').length;
    assert.equal(kept + (status.type === 'recording' ? status.dropped : 0), 100);
  });

  it('retention: files older than the retention are deleted, newer ones kept', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'okx'));
    const old = join(dir, 'okx', '2024-05-01T10Z.aaa.jsonl.gz');
    const recent = join(dir, 'okx', '2024-05-01T12Z.aaa.jsonl.gz');
    writeFileSync(old, '');
    writeFileSync(recent, '');
    const now = Date.now();
    utimesSync(old, new Date(now - (3 * HOUR_US) / 1000), new Date(now - (3 * HOUR_US) / 1000));
    utimesSync(recent, new Date(now - HOUR_US / 1000), new Date(now - HOUR_US / 1000));
    const recorder = new Recorder({ dir, retentionHours: 2, venues: VENUES, log: silentLogger });
    await recorder.start();
    await recorder.stop();
    assert.deepEqual(readdirSync(join(dir, 'okx')), ['2024-05-01T12Z.aaa.jsonl.gz']);
  });
});
