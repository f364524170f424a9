/**
 * A real `nats-server` for tests and benchmarks: JetStream on, a random loopback port, its storage in a
 * temporary directory that `stop()` removes. No mock stands in for NATS anywhere.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The server binary: `FLOWRS_NATS_SERVER_BIN` if set, else `nats-server` on the PATH (Debian: /usr/sbin). */
export const NATS_SERVER_BIN = process.env.FLOWRS_NATS_SERVER_BIN ?? 'nats-server';
/** How long a server may take to write its ports file. */
export const DEFAULT_START_TIMEOUT_MS = 10_000;

export interface NatsServerOptions {
  /** Start without JetStream (to test the setup's error). */
  readonly jetstream?: boolean;
  /** Extra command-line arguments (e.g. `--max_payload`). */
  readonly args?: readonly string[];
}

export interface NatsTestServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** The server's process id (benchmarks read its CPU time). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsTestServer> {
  const dir = await mkdtemp(join(tmpdir(), 'flowrs-nats-'));
  const args = ['-a', '127.0.0.1', '-p', '-1', '--ports_file_dir', dir];
  if (options.jetstream !== false) args.push('-js', '-sd', join(dir, 'js'));
  args.push(...(options.args ?? []));
  const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/usr/local/sbin` };
  const proc = spawn(NATS_SERVER_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 10_000) stderr += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => proc.once('error', resolve));
  try {
    const url = await Promise.race([
      readPortsFile(dir, proc),
      spawnError.then((e) => Promise.reject(new Error(`cannot run ${NATS_SERVER_BIN}: ${e.message}`))),
      exited.then((code) => Promise.reject(new Error(`nats-server exited (${code}) at start: ${stderr.trim()}`))),
    ]);
    return {
      url,
      port: Number(new URL(url).port),
      dir,
      pid: proc.pid,
      stop: () => stop(proc, exited, dir),
    };
  } catch (error) {
    await stop(proc, exited, dir);
    throw error;
  }
}

async function readPortsFile(dir: string, proc: ChildProcess): Promise<string> {
  const deadline = Date.now() + DEFAULT_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const name = (await readdir(dir)).find((f) => f === `nats-server_${proc.pid}.ports`);
    if (name !== undefined) {
      try {
        const ports = JSON.parse(await readFile(join(dir, name), 'utf8')) as { nats?: string[] };
        const url = ports.nats?.[0];
        if (url !== undefined) return url;
      } catch {
        // Written but not complete yet: read it again.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`nats-server wrote no ports file within ${DEFAULT_START_TIMEOUT_MS} ms`);
}

async function stop(proc: ChildProcess, exited: Promise<number | null>, dir: string): Promise<void> {
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  await rm(dir, { recursive: true, force: true });
}
