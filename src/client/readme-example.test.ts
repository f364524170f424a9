import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { allLive, startApp } from '../server/test-support/app.js';
import { waitFor } from '../sim/test-support/wait.js';

const ROOT = new URL('../../', import.meta.url).pathname;

describe('README: “A client in 20 lines”', () => {
  it('runs as printed against FlowRS and prints its books and trades', async () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const section = readme.slice(readme.indexOf('### A client in 20 lines'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(code, 'the example is in the README');
    const t = await startApp({}, {}, 73);
    t.sim.run(300);
    await allLive(t);
    // The example as printed, pointed at this FlowRS and at the package's sources, printing every second.
    const runnable = code
      .replace("'ws://localhost:8080/'", JSON.stringify(t.wsUrl))
      .replace("from 'flowrs/client'", `from ${JSON.stringify(`${ROOT}src/client/index.ts`)}`)
      .replace("from 'flowrs'", `from ${JSON.stringify(`${ROOT}src/index.ts`)}`)
      .replace('}, 5_000);', '}, 1_000);');
    const dir = `${ROOT}node_modules/.cache/flowrs-readme`; // inside the project, so 'ws' resolves
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/example.ts`, runnable);
    const child = spawn(process.execPath, ['--import', 'tsx', `${dir}/example.ts`], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    try {
      await waitFor(
        () =>
          /^binance:BTCUSDT live \d/m.test(out) &&
          /^bybit:BTCUSDT live \d/m.test(out) &&
          /^p99 processing \d/m.test(out),
        'books and metrics printed',
        15_000,
      );
      await waitFor(() => /^(binance|bybit) BTCUSDT (buy|sell) [\d.]+ @ [\d.]+$/m.test(out), 'a trade printed', 10_000);
      assert.match(out, /^connection open$/m);
      assert.doesNotMatch(out, /ETHUSDT/, 'only the selected books');
    } finally {
      child.kill();
      await t.stop();
    }
  });
});
