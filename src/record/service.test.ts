/** Recording inside the running service: FLOWRS_RECORD_DIR records live traffic, and /health says how it goes. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { HealthReport } from '../server/health.js';
import { allLive, startApp } from '../server/test-support/app.js';
import { waitFor } from '../sim/test-support/wait.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowrs-record-service-'));
  dirs.push(dir);
  return dir;
}

describe('recording in the service', () => {
  it('records every venue into FLOWRS_RECORD_DIR and reports it in /health', async () => {
    const dir = tempDir();
    const t = await startApp({ FLOWRS_RECORD_DIR: dir }, {}, 81);
    try {
      t.sim.run(300);
      await allLive(t);
      const health = async () => (await (await fetch(`${t.httpUrl}/health`)).json()) as HealthReport;
      await waitFor(async () => {
        const r = (await health()).recording;
        return r.type === 'recording' && r.files >= 2 && r.bytes > 0;
      }, 'files written');
      const recording = (await health()).recording;
      assert.equal(recording.type, 'recording');
      assert.equal(recording.type === 'recording' && recording.dir, dir);
      assert.deepEqual(readdirSync(dir).sort(), ['binance', 'bybit']);
    } finally {
      await t.stop();
    }
  });

  it('an unwritable directory pauses recording, says why in /health, and the books stay live', async () => {
    const file = join(tempDir(), 'not-a-directory');
    writeFileSync(file, '');
    const t = await startApp({ FLOWRS_RECORD_DIR: join(file, 'rec') }, {}, 82);
    try {
      t.sim.run(300);
      await allLive(t);
      const body = (await (await fetch(`${t.httpUrl}/health`)).json()) as HealthReport;
      assert.equal(body.recording.type, 'paused');
      assert.match(body.recording.type === 'paused' ? body.recording.reason : '', /ENOTDIR|not a directory/);
      assert.equal(body.status, 'ok', 'the books are served regardless');
    } finally {
      await t.stop();
    }
  });
});
