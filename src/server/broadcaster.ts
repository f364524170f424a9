import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { BookManager, ManagedBook } from '../book/book-manager.js';
import type { BookKey, TradeEvent } from '../core/types.js';
import type { Logger } from '../log.js';
import type { MetricsEngine } from '../metrics/metrics-engine.js';
import type { PipelineListener } from '../pipeline/pipeline.js';
import { consolidationBooks } from './consolidation-books.js';
import { DeltaStreams } from './delta-streams.js';
import {
  bookView,
  CLOSE_POLICY,
  type ConsolidatedBookView,
  type ConsolidatedMessage,
  consolidatedView,
  type ErrorCode,
  MAX_CLIENT_MESSAGE_BYTES,
  MAX_CLIENT_MESSAGES_PER_SECOND,
  MAX_CONSOLIDATED,
  MAX_ON_DEMAND_BOOKS_PER_CLIENT,
  MAX_SELECTED_BOOKS,
  type OrderBookMessage,
  PROTOCOL_VERSION,
  type ServerLimits,
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
/**
 * At most one write to each client per this many milliseconds: under load, messages of consecutive turns
 * leave together (an isolated message still leaves at the end of its turn, with no added delay).
 */
export const DEFAULT_WRITE_INTERVAL_MS = 10;
/** Queued bytes that are written at once, interval or not: a batch never grows past about this. */
export const MAX_WRITE_BATCH_BYTES = 32 * 1024;
/** How often lagging clients are checked for having drained. */
export const LAG_CHECK_MS = 100;

export interface BroadcasterOptions {
  readonly throttleMs: number;
  readonly displayDepth: number;
  /** The deepest delta-mode depth (the levels books retain); the display depth when absent. */
  readonly maxDepth?: number;
  /** Most books followed on demand at once (stated in the snapshot's limits); 0 when absent. */
  readonly maxOnDemandBooks?: number;
  readonly simulated: boolean;
  readonly maxBufferedBytes?: number;
  readonly resumeBelowBytes?: number;
  readonly heartbeatMs?: number;
  /** At most one write to each client per this many ms (0: one per event-loop turn). */
  readonly writeIntervalMs?: number;
}

/** What one client receives. */
export interface Selection {
  /** Every followed book (`"*"`), rather than `books`. */
  readonly allBooks: boolean;
  readonly books: ReadonlySet<BookKey>;
  /** Canonical instruments whose consolidated book is pushed. */
  readonly consolidated: ReadonlySet<string>;
  readonly mode: 'top' | 'delta';
  /** Delta mode's levels a side. */
  readonly depth: number;
}

/** Where a broadcast frame goes: to everyone (undefined), or to the clients whose selection wants it. */
type Route =
  | undefined
  | { readonly kind: 'top'; readonly key: BookKey }
  | { readonly kind: 'trade'; readonly key: BookKey }
  | { readonly kind: 'delta'; readonly key: BookKey; readonly depth: number }
  | { readonly kind: 'consolidated'; readonly instrument: string };

function wants(selection: Selection, route: Route): boolean {
  if (route === undefined) return true;
  switch (route.kind) {
    case 'top':
      return selection.mode === 'top' && (selection.allBooks || selection.books.has(route.key));
    case 'trade':
      return selection.allBooks || selection.books.has(route.key);
    case 'delta':
      return (
        selection.mode === 'delta' &&
        selection.depth === route.depth &&
        (selection.allBooks || selection.books.has(route.key))
      );
    case 'consolidated':
      return selection.consolidated.has(route.instrument);
  }
}

/** Identifies a selection: clients with equal selections share one buffer per turn. */
function selectionId(s: Selection): string {
  const books = s.allBooks ? '*' : [...s.books].sort().join(',');
  return `${s.mode}|${s.mode === 'delta' ? s.depth : ''}|${books}|${[...s.consolidated].sort().join(',')}`;
}

/** What the connected clients want together: whether any is in top mode, delta depths and their books, instruments. */
interface Demand {
  top: boolean;
  readonly delta: Map<number, { all: boolean; readonly books: Set<BookKey> }>;
  readonly consolidated: Set<string>;
}

/** One connected client. Holds no queue: a message is either written to the socket or skipped. */
export class ClientSession {
  lagging = false;
  alive = true;
  /** Index into this turn's broadcast frames from which this client wants them (it got a snapshot mid-turn). */
  turnFrom = 0;
  selection: Selection;
  /** Identifies the selection: clients with equal selections share one buffer per turn. */
  selectionId: string;
  /** Messages skipped while lagging. */
  skipped = 0;

  constructor(
    readonly ws: WebSocket,
    /** The TCP socket under `ws`: broadcasts are written to it as pre-framed bytes. */
    readonly socket: Duplex,
    readonly id: number,
    readonly remote: string,
    selection: Selection,
  ) {
    this.selection = selection;
    this.selectionId = selectionId(selection);
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
  /** Each frame's route (undefined: for every client, e.g. metrics). */
  private readonly turnRoutes: Route[] = [];
  private turnBytes = 0;
  private readonly deltaStreams = new DeltaStreams();
  /** What the clients together want; recomputed after selections change. */
  private demand: Demand | undefined;
  readonly limits: ServerLimits;
  private turnScheduled = false;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private writeTimer: NodeJS.Timeout | undefined;
  private readonly writeIntervalMs: number;
  private nextId = 1;
  private flushTimer: NodeJS.Timeout | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly maxBuffered: number;
  private readonly resumeBelow: number;
  readonly stats = {
    bookMessages: 0,
    deltaMessages: 0,
    consolidatedMessages: 0,
    tradeMessages: 0,
    lagEpisodes: 0,
    snapshotsSent: 0,
    dropped: 0,
  };

  constructor(
    private readonly books: BookManager,
    private readonly metrics: MetricsEngine,
    private readonly options: BroadcasterOptions,
    private readonly log: Logger,
  ) {
    this.maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.resumeBelow = options.resumeBelowBytes ?? DEFAULT_RESUME_BELOW_BYTES;
    this.writeIntervalMs = options.writeIntervalMs ?? DEFAULT_WRITE_INTERVAL_MS;
    metrics.clientCount = () => ({ clients: this.sessions.size, lagging: this.laggingCount() });
    this.limits = {
      maxSelectedBooks: MAX_SELECTED_BOOKS,
      maxConsolidated: MAX_CONSOLIDATED,
      maxOnDemandBooksPerClient: MAX_ON_DEMAND_BOOKS_PER_CLIENT,
      maxOnDemandBooks: options.maxOnDemandBooks ?? 0,
      maxClientMessageBytes: MAX_CLIENT_MESSAGE_BYTES,
      maxClientMessagesPerSecond: MAX_CLIENT_MESSAGES_PER_SECOND,
      throttleMs: options.throttleMs,
      displayDepth: options.displayDepth,
      maxDepth: options.maxDepth ?? options.displayDepth,
    };
  }

  /** Every book, top mode, no consolidated instruments: what a client gets unless it asks otherwise. */
  defaultSelection(): Selection {
    return {
      allBooks: true,
      books: new Set(),
      consolidated: new Set(),
      mode: 'top',
      depth: this.options.displayDepth,
    };
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

  /** Registers a client (receiving `selection`, or the default) and sends it its first snapshot. */
  add(ws: WebSocket, socket: Duplex, remote: string, selection: Selection = this.defaultSelection()): ClientSession {
    const session = new ClientSession(ws, socket, this.nextId++, remote, selection);
    this.sessions.add(session);
    this.demand = undefined;
    ws.on('pong', () => {
      session.alive = true;
    });
    ws.once('close', () => {
      this.sessions.delete(session);
      this.demand = undefined;
    });
    this.sendSnapshot(session, 'connect');
    return session;
  }

  /** Changes what a client receives and sends it a snapshot of its new selection. */
  subscribe(session: ClientSession, selection: Selection): void {
    session.selection = selection;
    session.selectionId = selectionId(selection);
    this.demand = undefined;
    this.sendSnapshot(session, 'subscribe');
  }

  snapshotMessage(reason: SnapshotMessage['reason'], selection: Selection = this.defaultSelection()): SnapshotMessage {
    const now = Date.now();
    const selected = this.books.list().filter((b) => selection.allBooks || selection.books.has(b.key));
    const delta = selection.mode === 'delta';
    return {
      type: 'snapshot',
      reason,
      protocol: PROTOCOL_VERSION,
      limits: this.limits,
      mode: selection.mode,
      orderbooks: delta ? [] : selected.map((b) => bookView(b, this.options.displayDepth, now)),
      books: delta ? selected.map((b) => this.deltaStreams.get(b, selection.depth, now).snapshot()) : [],
      consolidated: [...selection.consolidated].map((i) => this.consolidatedOf(i, now)),
      metrics: this.metrics.snapshot(),
      simulated: this.options.simulated,
    };
  }

  private consolidatedOf(instrument: string, now: number): ConsolidatedBookView {
    return consolidatedView(
      instrument,
      consolidationBooks(this.books, instrument, false),
      this.options.displayDepth,
      now,
    );
  }

  private sendSnapshot(session: ClientSession, reason: SnapshotMessage['reason']): void {
    this.stats.snapshotsSent++;
    session.ws.send(JSON.stringify(this.snapshotMessage(reason, session.selection)));
    // Frames already broadcast this turn are older than the snapshot: this client skips them.
    session.turnFrom = this.turnFrames.length;
  }

  /**
   * Delta mode: sends the client a fresh `book` message for each of these books (its copy failed a
   * checksum or a sequence check). Deltas of this turn already queued carry sequences at or below the
   * snapshot's, which the client ignores.
   */
  resend(session: ClientSession, keys: readonly BookKey[]): void {
    if (session.selection.mode !== 'delta' || session.ws.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    for (const key of keys) {
      const book = this.books.get(key);
      if (book === undefined || !(session.selection.allBooks || session.selection.books.has(key))) continue;
      this.stats.snapshotsSent++;
      session.ws.send(JSON.stringify(this.deltaStreams.get(book, session.selection.depth, now).snapshot()));
    }
  }

  /**
   * Queues one message for every client whose selection wants it. It is serialised, UTF-8 encoded and
   * framed once; the frames queued go to each client that is keeping up as one buffer in one write,
   * shared by every client with the same selection. Profiling with 500 clients showed the per-client,
   * per-write cost (stream bookkeeping, a syscall) dominating CPU: writes leave at the end of the turn, but
   * at most one per `writeIntervalMs`, so under load (a trade in every turn) they batch.
   */
  private broadcast(text: string, route?: Route): void {
    const frame = textFrame(Buffer.from(text));
    this.turnFrames.push(frame);
    this.turnRoutes.push(route);
    this.turnBytes += frame.length;
    if (this.turnScheduled) {
      // A big batch leaves now: what a lagging client may be sent past its limit stays small.
      if (this.writeTimer !== undefined && this.turnBytes >= MAX_WRITE_BATCH_BYTES) {
        clearTimeout(this.writeTimer);
        this.writeTimer = undefined;
        process.nextTick(this.writeTurn);
      }
      return;
    }
    this.turnScheduled = true;
    const waitMs = this.lastWriteAt + this.writeIntervalMs - performance.now();
    if (waitMs <= 0) process.nextTick(this.writeTurn);
    else this.writeTimer = setTimeout(this.writeTurn, waitMs);
  }

  /** This turn's frames from `from` on that a client with `selection` receives, and how many. */
  private framesFor(selection: Selection, from: number): { bytes: Buffer; count: number } {
    const frames = this.turnFrames;
    const picked: Buffer[] = [];
    for (let i = from; i < frames.length; i++) {
      if (wants(selection, this.turnRoutes[i])) picked.push(frames[i]);
    }
    return { bytes: picked.length === 1 ? picked[0] : Buffer.concat(picked), count: picked.length };
  }

  private readonly writeTurn = (): void => {
    this.turnScheduled = false;
    this.writeTimer = undefined;
    this.lastWriteAt = performance.now();
    const shared = new Map<string, { bytes: Buffer; count: number }>();
    for (const session of this.sessions) {
      const from = session.turnFrom;
      session.turnFrom = 0;
      let out: { bytes: Buffer; count: number } | undefined;
      if (from === 0) {
        out = shared.get(session.selectionId);
        if (out === undefined) {
          out = this.framesFor(session.selection, 0);
          shared.set(session.selectionId, out);
        }
      } else {
        out = this.framesFor(session.selection, from);
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
    this.turnRoutes.length = 0;
    this.turnBytes = 0;
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
    this.broadcast(JSON.stringify(tradeMessage(trade)), { kind: 'trade', key: `${trade.exchange}:${trade.symbol}` });
  }

  // ---- timers --------------------------------------------------------------------------------

  /**
   * Sends every book that changed since the last flush, once, in its latest state: a top-N view for top
   * mode, a delta per depth in use for delta mode, and each followed instrument's consolidated book.
   */
  flushBooks(): void {
    if (this.dirty.size === 0) return;
    if (this.sessions.size === 0) {
      this.dirty.clear();
      return;
    }
    const demand = this.currentDemand();
    const now = Date.now();
    const instruments = new Set<string>();
    for (const book of this.dirty) {
      if (demand.top) {
        const message: OrderBookMessage = { type: 'orderbook', ...bookView(book, this.options.displayDepth, now) };
        this.stats.bookMessages++;
        this.broadcast(JSON.stringify(message), { kind: 'top', key: book.key });
      }
      for (const [depth, wanted] of demand.delta) {
        if (!wanted.all && !wanted.books.has(book.key)) continue;
        const isNew = !this.deltaStreams.has(book.key, depth);
        const stream = this.deltaStreams.get(book, depth, now);
        // A book nobody had a base for yet (a `"*"` client, a book followed since): its state, then deltas.
        const message = isNew ? stream.snapshot() : stream.advance(now);
        if (message === undefined) continue;
        this.stats.deltaMessages++;
        this.broadcast(JSON.stringify(message), { kind: 'delta', key: book.key, depth });
      }
      const instrument = book.instrument === undefined ? undefined : `${book.instrument.base}-${book.instrument.quote}`;
      if (instrument !== undefined && demand.consolidated.has(instrument)) instruments.add(instrument);
    }
    this.dirty.clear();
    for (const instrument of instruments) {
      this.stats.consolidatedMessages++;
      const message: ConsolidatedMessage = { type: 'consolidated', ...this.consolidatedOf(instrument, now) };
      this.broadcast(JSON.stringify(message), { kind: 'consolidated', instrument });
    }
  }

  /** What the clients want together, recomputed after any selection changed; unused delta streams are dropped. */
  private currentDemand(): Demand {
    if (this.demand !== undefined) return this.demand;
    const demand: Demand = { top: false, delta: new Map(), consolidated: new Set() };
    for (const session of this.sessions) {
      const s = session.selection;
      for (const instrument of s.consolidated) demand.consolidated.add(instrument);
      if (s.mode === 'top') {
        demand.top = true;
        continue;
      }
      let wanted = demand.delta.get(s.depth);
      if (wanted === undefined) {
        wanted = { all: false, books: new Set() };
        demand.delta.set(s.depth, wanted);
      }
      if (s.allBooks) wanted.all = true;
      else for (const key of s.books) wanted.books.add(key);
    }
    this.deltaStreams.retain((key, depth) => {
      const wanted = demand.delta.get(depth);
      return wanted !== undefined && (wanted.all || wanted.books.has(key));
    });
    this.demand = demand;
    return demand;
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

  sendError(session: ClientSession, code: ErrorCode, message: string, books?: readonly string[]): void {
    if (session.ws.readyState !== WebSocket.OPEN) return;
    session.ws.send(JSON.stringify({ type: 'error', code, message, ...(books !== undefined ? { books } : {}) }));
  }

  /** Closes the connection of a client sending more than its rate. */
  rateLimited(ws: WebSocket): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    const message = `more than ${MAX_CLIENT_MESSAGES_PER_SECOND} messages a second`;
    ws.send(JSON.stringify({ type: 'error', code: 'FLOWRS_RATE_LIMIT', message }));
    ws.close(CLOSE_POLICY, 'rate limit');
  }

  stop(): void {
    clearInterval(this.flushTimer);
    clearInterval(this.lagTimer);
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.writeTimer);
    if (this.immediate) clearImmediate(this.immediate);
  }
}
