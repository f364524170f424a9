/** Test harness: a Simulator and a full FlowRS (server included) on loopback, with clients. */
import { WebSocket } from 'ws';
import { loadConfig } from '../../app/config.js';
import { Flowrs, type FlowrsOptions } from '../../app/flowrs.js';
import { silentLogger } from '../../log.js';
import { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import type { ServerMessage } from '../protocol.js';

export interface TestApp {
  sim: Simulator;
  app: Flowrs;
  wsUrl: string;
  httpUrl: string;
  stop(): Promise<void>;
}

/** The venues these server tests simulate unless asked for others: two venues keep them fast. */
export const DEFAULT_TEST_VENUES: readonly string[] = ['binance', 'bybit'];

export async function startApp(
  env: Record<string, string> = {},
  options: FlowrsOptions = {},
  seed = 51,
  venues: readonly string[] = DEFAULT_TEST_VENUES,
): Promise<TestApp> {
  const sim = await Simulator.start({ seed, venues });
  const app = new Flowrs(
    loadConfig([], { ...sim.env(), FLOWRS_LISTEN: '127.0.0.1:0', FLOWRS_THROTTLE_MS: '100', ...env }),
    {
      log: silentLogger,
      ...options,
    },
  );
  await app.start();
  const { port } = app.address!;
  return {
    sim,
    app,
    wsUrl: `ws://127.0.0.1:${port}/`,
    httpUrl: `http://127.0.0.1:${port}`,
    stop: async () => {
      await app.stop();
      await sim.stop();
    },
  };
}

export interface TestClient {
  ws: WebSocket;
  messages: ServerMessage[];
  raw: string[];
  closed: Promise<{ code: number; reason: string }>;
  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[];
}

export async function connect(url: string): Promise<TestClient> {
  const ws = new WebSocket(url);
  const messages: ServerMessage[] = [];
  const raw: string[] = [];
  ws.on('message', (d) => {
    raw.push(d.toString());
    messages.push(JSON.parse(d.toString()));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    messages,
    raw,
    closed,
    of: <T extends ServerMessage['type']>(type: T) =>
      messages.filter((m) => m.type === type) as Extract<ServerMessage, { type: T }>[],
  };
}

/** Waits until every configured book is live. */
export async function allLive(t: TestApp, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => t.app.books.list().every((b) => b.status() === 'live'), 'every book live', timeoutMs);
}
