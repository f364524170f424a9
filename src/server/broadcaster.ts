import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { PipelineListener } from '../app/pipeline.js';
import type { BookManager, ManagedBook } from '../book/book-manager.js';
import type { TradeEvent } from '../core/types.js';
import type { Logger } from '../log.js';
import type { MetricsEngine } from '../metrics/metrics-engine.js';
import {
  bookView,
  CLOSE_POLICY,
  type ErrorCode,
  MAX_CLIENT_MESSAGES_PER_SECOND,
  type OrderBookMessage,
  type SnapshotMessage,
  tradeMessage,
} from './protocol.js';
import { textFrame } from './ws-frame.js';

/** A client whose socket holds more than this many unsent bytes is lagging: it gets nothing more until it drains. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
/** A lagging client that drains below this gets a fresh snapshot and resumes. */
export const DEFAULT_RESUME_BELOW_BYTES = 64 * 1024;
/** WebSocket ping interval; a client that has not answered the previous ping is dropped. */
export const DEFAULT_HEARTBEAT_MS = 30_000;
/** How often lagging clients are checked for having drained. */
export const LAG_CHECK_MS = 100;

export interface BroadcasterOptions {
  readonly throttleMs: number;
  readonly displayDepth: number;
  readonly simulated: boolean;
  readonly maxBufferedBytes?: number;
  readonly resumeBelowBytes?: number;
  readonly heartbeatMs?: number;
}

/** One connected client. Holds no queue: a message is either written to the socket or skipped. */
export class ClientSession {
  lagging = false;
  alive = true;
  /** Index into this turn's broadcast frames from which this client wants them (it got a snapshot mid-turn). */
  turnFrom = 0;
  /** Messages skipped while lagging. */
  skipped = 0;
  private windowStart = 0;
  private inWindow = 0;

  constructor(
    readonly ws: WebSocket,
    /** The TCP socket under `ws`: broadcasts are written to it as pre-framed bytes. */
    readonly socket: Duplex,
    readonly id: number,
    readonly remote: string,
  ) {}

  /** Counts one client message; false once the client exceeds its rate. */
  allowIncoming(now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    return ++this.inWindow <= MAX_CLIENT_MESSAGES_PER_SECOND;
  }
}

/**
 * Fans books, trades and metrics out to every client. Each message is serialised once per broadcast,
 * never once per client. Book updates are conflated: a book that changed is sent at most once per
 * `throttleMs`, always in its latest state. A client whose socket backs up past `maxBufferedBytes`
 * stops receiving (its memory stays bounded, ingestion and other clients never wait for it) and, once
 * drained, gets a fresh snapshot instead of a backlog.
 */
export class Broadcaster implements PipelineListener {
  readonly sessions = new Set<ClientSession>();
  private readonly dirty = new Set<ManagedBook>();
  /** Frames broadcast during the current event-loop turn; written to every client when it ends. */
  private readonly turnFrames: Buffer[] = [];
  private turnScheduled = false;
  private nextId = 1;
  private flushTimer: NodeJS.Timeout | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly maxBuffered: number;
  private readonly resumeBelow: number;
  readonly stats = { bookMessages: 0, tradeMessages: 0, lagEpisodes: 0, snapshotsSent: 0, dropped: 0 };

  constructor(
    private readonly books: BookManager,
    private readonly metrics: MetricsEngine,
    private readonly options: BroadcasterOptions,
    private readonly log: Logger,
  ) {
    this.maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.resumeBelow = options.resumeBelowBytes ?? DEFAULT_RESUME_BELOW_BYTES;
    metrics.clientCount = () => ({ clients: this.sessions.size, lagging: this.laggingCount() });
  }

  start(): void {
    if (this.options.throttleMs > 0) this.flushTimer = setInterval(() => this.flushBooks(), this.options.throttleMs);
    this.lagTimer = setInterval(() => this.checkLagging(), LAG_CHECK_MS);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  }

  laggingCount(): number {
    let n = 0;
    for (const s of this.sessions) if (s.lagging) n++;
    return n;
  }

  add(ws: WebSocket, socket: Duplex, remote: string): ClientSession {
    const session = new ClientSession(ws, socket, this.nextId++, remote);
    this.sessions.add(session);
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.once('close', () => this.sessions.delete(session));
    this.sendSnapshot(session, 'connect');
    return session;
  }

  snapshotMessage(reason: SnapshotMessage['reason']): SnapshotMessage {
    const now = Date.now();
    return {
      type: 'snapshot',
      reason,
      orderbooks: this.books.list().map((b) => bookView(b, this.options.displayDepth, now)),
      metrics: this.metrics.snapshot(),
      simulated: this.options.simulated,
    };
  }

  private sendSnapshot(session: ClientSession, reason: SnapshotMessage['reason']): void {
    this.stats.snapshotsSent++;
    session.ws.send(JSON.stringify(this.snapshotMessage(reason)));
    // Frames already broadcast this turn are older than the snapshot: this client skips them.
    session.turnFrom = this.turnFrames.length;
  }

  /**
   * Queues one message for every client. It is serialised, UTF-8 encoded and framed once; at the end of the
   * event-loop turn all frames of that turn go to each client that is keeping up as one buffer in one
   * write. Profiling with 500 clients showed the per-client, per-message cost (ws framing, two stream
   * writes, a syscall) dominating CPU; this makes it one write per client per turn, whatever the count.
   */
  private broadcast(text: string): void {
    this.turnFrames.push(textFrame(Buffer.from(text)));
    if (!this.turnScheduled) {
      this.turnScheduled = true;
      process.nextTick(this.writeTurn);
    }
  }

  private readonly writeTurn = (): void => {
    this.turnScheduled = false;
    const frames = this.turnFrames;
    const count = frames.length;
    const all = count === 1 ? frames[0] : Buffer.concat(frames);
    for (const session of this.sessions) {
      const from = session.turnFrom;
      session.turnFrom = 0;
      const n = count - from;
      if (n <= 0) continue;
      if (session.lagging) {
        session.skipped += n;
        this.stats.dropped += n;
        continue;
      }
      if (session.ws.readyState !== WebSocket.OPEN) continue;
      if (session.ws.bufferedAmount > this.maxBuffered) {
        session.lagging = true;
        session.skipped += n;
        this.stats.dropped += n;
        this.stats.lagEpisodes++;
        this.log.info(
          { client: session.id, remote: session.remote, buffered: session.ws.bufferedAmount },
          'client lagging; conflating',
        );
        continue;
      }
      session.socket.write(from === 0 ? all : Buffer.concat(frames.slice(from)));
    }
    frames.length = 0;
  };

  // ---- pipeline listener ---------------------------------------------------------------------

  onBook(book: ManagedBook): void {
    this.dirty.add(book);
    if (this.options.throttleMs === 0 && !this.immediate) {
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.flushBooks();
      });
    }
  }

  onTrade(trade: TradeEvent): void {
    if (this.sessions.size === 0) return;
    this.stats.tradeMessages++;
    this.broadcast(JSON.stringify(tradeMessage(trade)));
  }

  // ---- timers --------------------------------------------------------------------------------

  /** Sends every book that changed since the last flush, once, in its latest state. */
  flushBooks(): void {
    if (this.dirty.size === 0) return;
    if (this.sessions.size === 0) {
      this.dirty.clear();
      return;
    }
    const now = Date.now();
    for (const book of this.dirty) {
      const message: OrderBookMessage = { type: 'orderbook', ...bookView(book, this.options.displayDepth, now) };
      this.stats.bookMessages++;
      this.broadcast(JSON.stringify(message));
    }
    this.dirty.clear();
  }

  /** Sends the metrics snapshot (call once a second, after the metrics tick). */
  sendMetrics(): void {
    if (this.sessions.size === 0) return;
    this.broadcast(JSON.stringify({ type: 'metrics', ...this.metrics.snapshot() }));
  }

  private checkLagging(): void {
    for (const session of this.sessions) {
      if (!session.lagging || session.ws.bufferedAmount > this.resumeBelow) continue;
      session.lagging = false;
      this.log.info({ client: session.id, skipped: session.skipped }, 'client drained; sending a fresh snapshot');
      this.sendSnapshot(session, 'lag');
    }
  }

  private heartbeat(): void {
    for (const session of this.sessions) {
      if (!session.alive) {
        this.log.info({ client: session.id, remote: session.remote }, 'client missed a heartbeat; dropping it');
        session.ws.terminate();
        continue;
      }
      session.alive = false;
      session.ws.ping();
    }
  }

  sendError(session: ClientSession, code: ErrorCode, message: string): void {
    if (session.ws.readyState === WebSocket.OPEN) session.ws.send(JSON.stringify({ type: 'error', code, message }));
  }

  rateLimited(session: ClientSession): void {
    this.sendError(session, 'FLOWRS_RATE_LIMIT', `more than ${MAX_CLIENT_MESSAGES_PER_SECOND} messages a second`);
    session.ws.close(CLOSE_POLICY, 'rate limit');
  }

  stop(): void {
    clearInterval(this.flushTimer);
    clearInterval(this.lagTimer);
    clearInterval(this.heartbeatTimer);
    if (this.immediate) clearImmediate(this.immediate);
  }
}
