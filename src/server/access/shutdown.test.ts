import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { after, describe, it } from 'node:test';
import { ROOT } from '../../cli/test-support/run.js';
import { CLOSE_GOING_AWAY } from '../../protocol/limits.js';
import { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { SHUTDOWN_REASON } from '../server.js';
import { startApp, type TestApp } from '../test-support/app.js';
import { opened } from './test-support/handshake.js';
import { closeFrame, rawClient } from './test-support/raw-client.js';

/** Whether a TCP connection to the port is refused now. */
const refusesConnections = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });

describe('stopping the server', () => {
  let t: TestApp | undefined;
  after(async () => {
    await t?.sim.stop();
  });

  it('stops accepting first, then closes every client with 1001 and a reason, cutting off those that do not answer', async () => {
    t = await startApp({}, {}, 67, ['binance']);
    const port = t.app.address!.port;
    const polite = await opened(t.wsUrl);
    const silent = await rawClient(port);
    await waitFor(() => silent.frames.length > 0 && polite.messages.length > 0, 'both clients are served');
    const stopped = t.app.stop();
    await waitFor(() => closeFrame(silent.frames) !== undefined, 'the silent client gets a close frame');
    assert.deepEqual(closeFrame(silent.frames), { code: CLOSE_GOING_AWAY, reason: SHUTDOWN_REASON });
    // The silent client has not answered, so the server is still waiting on it: yet no one new gets in.
    assert.equal(silent.socket.destroyed, false);
    assert.equal(await refusesConnections(port), true);
    assert.deepEqual(await polite.closed, { code: CLOSE_GOING_AWAY, reason: SHUTDOWN_REASON });
    await silent.ended; // cut off after the grace period
    await stopped;
  });
});

describe('flowrs start on SIGTERM', () => {
  let sim: Simulator | undefined;
  let child: ChildProcess | undefined;
  after(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await sim?.stop();
  });

  it('closes clients with 1001 "server shutting down", stops accepting, and exits 0', async () => {
    sim = await Simulator.start({ venues: ['binance'] });
    child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...sim.env(), FLOWRS_LISTEN: '127.0.0.1:0', LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    const started = () => /"listen":"127\.0\.0\.1:(\d+)"/.exec(out);
    await waitFor(
      () => started() !== null,
      () => `FlowRS logs its address; output so far: ${out}`,
      30_000,
    );
    const port = Number(started()![1]);
    const client = await opened(`ws://127.0.0.1:${port}/`);
    await waitFor(() => client.messages.length > 0, 'the client is served');
    child.kill('SIGTERM');
    assert.deepEqual(await client.closed, { code: CLOSE_GOING_AWAY, reason: SHUTDOWN_REASON });
    assert.equal(await refusesConnections(port), true);
    assert.equal(await exited, 0, out);
    assert.match(out, /"signal":"SIGTERM"/);
  });
});
