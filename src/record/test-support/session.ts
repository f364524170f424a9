/** Test harness: record a simulator session with FlowRS, then replay it, collecting book hashes both times. */
import { createHash } from 'node:crypto';
import { loadConfig } from '../../app/config.js';
import { Flowrs } from '../../app/flowrs.js';
import type { ManagedBook } from '../../book/book-manager.js';
import type { TradeEvent } from '../../core/types.js';
import { type Logger, silentLogger } from '../../log.js';
import type { PipelineListener } from '../../pipeline/pipeline.js';
import { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { readRecordingDir } from '../reader.js';
import { replayConfig } from '../replay-config.js';
import { ReplayServer, type ReplaySpeed } from '../replay-server.js';

/** Levels a side hashed at every update. */
export const HASHED_LEVELS = 20;

/** Every state each book went through, in order: `updateId` and a hash of its top levels. */
export class BookHashes implements PipelineListener {
  readonly byBook = new Map<string, { updateId: number; hash: string }[]>();
  readonly trades: TradeEvent[] = [];

  onBook(book: ManagedBook, change: 'update' | 'status'): void {
    if (change !== 'update') return;
    const hash = createHash('sha1')
      .update(JSON.stringify(book.levels(HASHED_LEVELS)))
      .digest('hex');
    const list = this.byBook.get(book.key) ?? [];
    list.push({ updateId: book.updateId, hash });
    this.byBook.set(book.key, list);
  }

  onTrade(trade: TradeEvent): void {
    this.trades.push(trade);
  }

  /** Book → update id → the hashes seen at it (a venue reset can revisit an id). */
  map(): Map<string, Map<number, string[]>> {
    const out = new Map<string, Map<number, string[]>>();
    for (const [book, states] of this.byBook) {
      const byId = new Map<number, string[]>();
      for (const { updateId, hash } of states) byId.set(updateId, [...(byId.get(updateId) ?? []), hash]);
      out.set(book, byId);
    }
    return out;
  }
}

export interface RecordedSession {
  readonly live: BookHashes;
  readonly books: string[];
}

/** Steps the market until every book is live at the venue's latest update. */
export async function settle(sim: Simulator, app: Flowrs, steps = 5): Promise<void> {
  sim.step(steps);
  const behind = () =>
    app.books
      .list()
      .filter((b) => b.status() !== 'live' || b.updateId !== sim.venue(b.exchange).truth(b.symbol).updateId);
  let lastStep = Date.now();
  await waitFor(
    () => {
      if (behind().length === 0) return true;
      // A book waiting for its next event gets one: a real market never stops.
      if (Date.now() - lastStep > 300) {
        for (const b of behind()) sim.venue(b.exchange).step(b.symbol);
        lastStep = Date.now();
      }
      return false;
    },
    () =>
      `books caught up: ${behind()
        .map(
          (b) => `${b.key} ${b.status()} at ${b.updateId}, venue at ${sim.venue(b.exchange).truth(b.symbol).updateId}`,
        )
        .join('; ')}`,
    30_000,
  );
}

/**
 * Runs FlowRS against the simulator with recording into `dir`, through `script` (faults and steps),
 * and returns every book state it went through.
 */
export async function recordSession(
  dir: string,
  venues: readonly string[],
  script: (sim: Simulator, app: Flowrs) => Promise<void>,
  seed = 7,
): Promise<RecordedSession> {
  const sim = await Simulator.start({ seed, venues });
  const config = loadConfig([], {
    ...sim.env(),
    FLOWRS_LISTEN: '127.0.0.1:0',
    FLOWRS_AUDIT_INTERVAL_MS: '0',
    FLOWRS_RECORD_DIR: dir,
  });
  const live = new BookHashes();
  // FLOWRS_RECORD_DIR: the service records itself, as it does for users.
  const app = new Flowrs(config, { log: silentLogger, listeners: [live] });
  try {
    await app.start();
    await settle(sim, app);
    await script(sim, app);
    await settle(sim, app);
  } finally {
    await app.stop();
    await sim.stop();
  }
  return { live, books: app.books.list().map((b) => b.key) };
}

export interface ReplayedSession {
  readonly hashes: BookHashes;
  readonly app: Flowrs;
  readonly server: ReplayServer;
  stop(): Promise<void>;
}

/** Replays `dir` in this process (as `flowrs replay` does) until everything recorded has been delivered. */
export async function replaySession(
  dir: string,
  speed: ReplaySpeed = 'max',
  log: Logger = silentLogger,
): Promise<ReplayedSession> {
  const server = await ReplayServer.start(readRecordingDir(dir), { speed, log });
  const hashes = new BookHashes();
  const config = replayConfig(loadConfig([], { FLOWRS_LISTEN: '127.0.0.1:0' }), server);
  const app = new Flowrs(config, { log, listeners: [hashes] });
  await app.start();
  const stop = async () => {
    await app.stop();
    await server.stop();
  };
  try {
    await waitFor(
      () => server.finished(1_000),
      () => `replay finished (${server.framesTaken}/${server.totalFrames} frames taken)`,
      60_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { hashes, app, server, stop };
}
