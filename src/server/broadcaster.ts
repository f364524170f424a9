import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { BookManager, ManagedBook } from '../book/book-manager.js';
import type { BookKey, TradeEvent } from '../core/types.js';
import type { Logger } from '../log.js';
import type { MetricsEngine } from '../metrics/metrics-engine.js';
import type { PipelineListener } from '../pipeline/pipeline.js';
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
  /** The books this client receives updates and trades for; undefined: every book. */
  books: ReadonlySet<BookKey> | undefined;
  /** Identifies the selection: clients with equal selections share one buffer per turn. */
  selectionId = '*';
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
  /** Each frame's book (undefined: for every client, e.g. metrics). */
  private readonly turnBooks: (BookKey | undefined)[] = [];
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

  /** Registers a client (receiving `books`, or every book) and sends it its first snapshot. */
  add(ws: WebSocket, socket: Duplex, remote: string, books?: readonly BookKey[]): ClientSession {
    const session = new ClientSession(ws, socket, this.nextId++, remote);
    if (books !== undefined) this.select(session, books);
    this.sessions.add(session);
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.once('close', () => this.sessions.delete(session));
    this.sendSnapshot(session, 'connect');
    return session;
  }

  /**
   * Resolves `exchange:SYMBOL` names (exchange case-insensitive) to configured books: the keys, or the
   * names that match no book.
   */
  resolveBooks(names: readonly string[]): { keys: BookKey[] } | { unknown: string[] } {
    const keys: BookKey[] = [];
    const unknown: string[] = [];
    for (const name of names) {
      const colon = name.indexOf(':');
      const book = colon > 0 ? this.books.find(name.slice(0, colon), name.slice(colon + 1)) : undefined;
      if (book === undefined) unknown.push(name);
      else keys.push(book.key);
    }
    return unknown.length > 0 ? { unknown } : { keys };
  }

  /** Changes what a client receives (undefined: every book) and sends it a snapshot of its selection. */
  subscribe(session: ClientSession, books: readonly BookKey[] | undefined): void {
    this.select(session, books);
    this.sendSnapshot(session, 'subscribe');
  }

  private select(session: ClientSession, books: readonly BookKey[] | undefined): void {
    session.books = books === undefined ? undefined : new Set(books);
    session.selectionId = books === undefined ? '*' : [...new Set(books)].sort().join(',');
  }

  snapshotMessage(reason: SnapshotMessage['reason'], books?: ReadonlySet<BookKey>): SnapshotMessage {
    const now = Date.now();
    const selected = this.books.list().filter((b) => books === undefined || books.has(b.key));
    return {
      type: 'snapshot',
      reason,
      orderbooks: selected.map((b) => bookView(b, this.options.displayDepth, now)),
      metrics: this.metrics.snapshot(),
      simulated: this.options.simulated,
    };
  }

  private sendSnapshot(session: ClientSession, reason: SnapshotMessage['reason']): void {
    this.stats.snapshotsSent++;
    session.ws.send(JSON.stringify(this.snapshotMessage(reason, session.books)));
    // Frames already broadcast this turn are older than the snapshot: this client skips them.
    session.turnFrom = this.turnFrames.length;
  }

  /**
   * Queues one message for every client (or every client that selected `book`). It is serialised, UTF-8
   * encoded and framed once; at the end of the event-loop turn all frames of that turn go to each client
   * that is keeping up as one buffer in one write, shared by every client with the same selection.
   * Profiling with 500 clients showed the per-client, per-message cost (ws framing, two stream writes, a
   * syscall) dominating CPU; this makes it one write per client per turn, whatever the message count.
   */
  private broadcast(text: string, book?: BookKey): void {
    this.turnFrames.push(textFrame(Buffer.from(text)));
    this.turnBooks.push(book);
    if (!this.turnScheduled) {
      this.turnScheduled = true;
      process.nextTick(this.writeTurn);
    }
  }

  /** This turn's frames from `from` on that a client with selection `books` receives, and how many. */
  private framesFor(books: ReadonlySet<BookKey> | undefined, from: number): { bytes: Buffer; count: number } {
    const frames = this.turnFrames;
    if (books === undefined) {
      if (from === 0 && frames.length === 1) return { bytes: frames[0], count: 1 };
      return { bytes: Buffer.concat(from === 0 ? frames : frames.slice(from)), count: frames.length - from };
    }
    const picked: Buffer[] = [];
    for (let i = from; i < frames.length; i++) {
      const book = this.turnBooks[i];
      if (book === undefined || books.has(book)) picked.push(frames[i]);
    }
    return { bytes: picked.length === 1 ? picked[0] : Buffer.concat(picked), count: picked.length };
  }

  private readonly writeTurn = (): void => {
    this.turnScheduled = false;
    const shared = new Map<string, { bytes: Buffer; count: number }>();
    for (const session of this.sessions) {
      const from = session.turnFrom;
      session.turnFrom = 0;
      let out: { bytes: Buffer; count: number } | undefined;
      if (from === 0) {
        out = shared.get(session.selectionId);
        if (out === undefined) {
          out = this.framesFor(session.books, 0);
          shared.set(session.selectionId, out);
        }
      } else {
        out = this.framesFor(session.books, from);
      }
      const n = out.count;
      if (n === 0) continue;
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
      session.socket.write(out.bytes);
    }
    this.turnFrames.length = 0;
    this.turnBooks.length = 0;
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
    this.broadcast(JSON.stringify(tradeMessage(trade)), `${trade.exchange}:${trade.symbol}`);
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
      this.broadcast(JSON.stringify(message), book.key);
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
