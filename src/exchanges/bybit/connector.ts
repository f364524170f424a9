import type { MarketSink, ResyncReason } from '../../core/sink.js';
import type { Logger } from '../../log.js';
import { AuditScheduler, DEFAULT_AUDIT_INTERVAL_MS, DEFAULT_AUDIT_TIMEOUT_MS } from '../audit.js';
import { Backoff } from '../backoff.js';
import { type ConnectorStatus, newCounters, type VenueConnector } from '../connector.js';
import { SubscriptionRejectedError } from '../errors.js';
import { InstrumentList } from '../instrument-list.js';
import { ReconnectingSocket } from '../reconnecting-socket.js';
import { type BybitAuditEnd, BybitBookAudit } from './book-audit.js';
import {
  type BybitBookFrame,
  BybitBookSequencer,
  type BybitRecoveryCause,
  type BybitRecoveryReason,
} from './book-sequencer.js';
import { DEFAULT_INSTRUMENTS_TIMEOUT_MS, fetchBybitLinearSymbols } from './instruments.js';
import { type BybitFrame, parseBybitFrame } from './parse.js';

export const BYBIT_DEFAULT_WS_URL = 'wss://stream.bybit.com/v5/public/linear';
export const BYBIT_DEFAULT_REST_URL = 'https://api.bybit.com';
/** Linear depths on offer (500 was retired on 2025-09-11). */
export const BYBIT_DEPTHS = [1, 50, 200, 1000] as const;
export type BybitDepth = (typeof BYBIT_DEPTHS)[number];
/** 200 because the default retained depth is 100 and orderbook.50 never holds more than 50 levels. */
export const BYBIT_DEFAULT_DEPTH: BybitDepth = 200;
/** Send at most 10 args per subscribe request (spot enforces it; practitioners hit it on linear too). */
export const BYBIT_MAX_ARGS_PER_REQUEST = 10;
/** Bybit recommends an op ping every 20 s. */
export const BYBIT_PING_INTERVAL_MS = 20_000;
/** Topics per connection (well under the 21,000-character args limit). */
export const BYBIT_MAX_TOPICS_PER_CONNECTION = 200;
/** Retry a refused subscription after this long (then backing off up to the cap). */
export const BYBIT_SUBSCRIPTION_RETRY_MS = 5_000;
export const BYBIT_SUBSCRIPTION_RETRY_CAP_MS = 5 * 60 * 1000;
/**
 * How long a recovery waits for the venue to acknowledge its unsubscribe (then subscribes anyway) and
 * its subscribe (then reconnects the connection): no capture shows these acks, so never wait forever.
 */
export const DEFAULT_BYBIT_ACK_TIMEOUT_MS = 5_000;
/** After a snapshot the engine rejected, subscribe again after this long, doubling up to the cap. */
export const DEFAULT_BYBIT_INVALID_SNAPSHOT_RETRY_MS = 1_000;
export const DEFAULT_BYBIT_INVALID_SNAPSHOT_RETRY_CAP_MS = 5 * 60 * 1000;
/** Each pause is shortened by up to this fraction at random, so topics rejected together do not retry together. */
export const BYBIT_RETRY_JITTER = 0.25;

export interface BybitConnectorOptions {
  readonly symbols: readonly string[];
  readonly wsUrl?: string;
  /** Base of the REST API (instruments-info). */
  readonly restUrl?: string;
  readonly depth?: BybitDepth;
  readonly pingIntervalMs?: number;
  readonly pongTimeoutMs?: number;
  readonly dataTimeoutMs?: number;
  readonly subscriptionRetryMs?: number;
  readonly ackTimeoutMs?: number;
  readonly invalidSnapshotRetryMs?: number;
  readonly invalidSnapshotRetryCapMs?: number;
  /** Every live book is audited about once per this interval, one book at a time (default DEFAULT_AUDIT_INTERVAL_MS; 0 disables). */
  readonly auditIntervalMs?: number;
  readonly auditTimeoutMs?: number;
  readonly instrumentRefreshMs?: number;
  readonly instrumentRetryMs?: number;
  readonly instrumentsTimeoutMs?: number;
  /** Uniform draws in [0, 1) for retry jitter. */
  readonly random?: () => number;
  readonly backoff?: () => Backoff;
  readonly log: Logger;
}

/** A repair in progress: unsubscribe → ack (or timeout) → pause if any → subscribe → ack (or reconnect). */
interface Recovery {
  phase: 'unsubscribing' | 'pausing' | 'subscribing';
  reqId: string | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Not before this time (epoch ms) is the topic subscribed again. */
  readonly resubscribeAt: number;
}

/** One `orderbook.{depth}.{symbol}` subscription. */
interface BookTopic {
  readonly topic: string;
  readonly symbol: string;
  readonly sequencer: BybitBookSequencer;
  /** Pacing of resubscriptions after rejected snapshots; reset once a snapshot is accepted. */
  readonly invalidBackoff: Backoff;
  recovery: Recovery | undefined;
}

interface Connection {
  readonly name: string;
  readonly socket: ReconnectingSocket;
  topics: string[];
  readonly requests: Map<string, { op: 'subscribe' | 'unsubscribe'; topics: string[] }>;
  readonly retries: Map<string, { timer: NodeJS.Timeout; backoff: Backoff }>;
}

const topicSymbol = (topic: string): string => topic.slice(topic.lastIndexOf('.') + 1);

/**
 * Bybit v5 public linear. Symbols are checked against the venue's instrument list before anything is
 * subscribed; each book topic is sequenced by a `BybitBookSequencer` and repaired by unsubscribing and
 * subscribing again (a REST snapshot cannot seed these topics), with timeouts on every ack it waits for.
 */
export class BybitConnector implements VenueConnector {
  readonly exchange = 'bybit' as const;
  private readonly symbols: readonly string[];
  private readonly depth: BybitDepth;
  private readonly books = new Map<string, BookTopic>();
  private readonly connections: Connection[] = [];
  private readonly counters = newCounters();
  private readonly log: Logger;
  private readonly random: () => number;
  /** Symbols the venue does not list: never subscribed, never retried. */
  private readonly unknown = new Set<string>();
  private instruments: InstrumentList | undefined;
  private sink: MarketSink | undefined;
  private nextReqId = 1;
  private stopped = false;
  private audit: BybitBookAudit | undefined;
  private readonly auditScheduler: AuditScheduler;

  constructor(private readonly options: BybitConnectorOptions) {
    this.symbols = [...new Set(options.symbols.map((s) => s.toUpperCase()))];
    this.depth = options.depth ?? BYBIT_DEFAULT_DEPTH;
    this.log = options.log;
    this.random = options.random ?? Math.random;
    this.auditScheduler = new AuditScheduler({
      intervalMs: options.auditIntervalMs ?? DEFAULT_AUDIT_INTERVAL_MS,
      keys: () => this.symbols.filter((s) => !this.unknown.has(s)),
      eligible: (symbol) => this.bookOf(symbol)?.sequencer.isLive === true,
      busy: () => this.audit !== undefined,
      start: (symbol) => this.startAudit(symbol),
    });
  }

  private bookOf(symbol: string): BookTopic | undefined {
    return this.books.get(`orderbook.${this.depth}.${symbol}`);
  }

  start(sink: MarketSink): void {
    this.sink = sink;
    for (const symbol of this.symbols) this.addBook(sink, symbol);
    const restUrl = this.options.restUrl ?? BYBIT_DEFAULT_REST_URL;
    const instruments = new InstrumentList({
      load: () => fetchBybitLinearSymbols(restUrl, this.options.instrumentsTimeoutMs ?? DEFAULT_INSTRUMENTS_TIMEOUT_MS),
      refreshMs: this.options.instrumentRefreshMs,
      retryMs: this.options.instrumentRetryMs,
      log: this.log,
    });
    this.instruments = instruments;
    instruments.onLoad((listed) => this.onInstrumentList(listed));
    // Subscribe only once the list has answered (or failed): a symbol it does not list is never subscribed.
    void instruments.load().then(() => {
      if (!this.stopped) this.openConnections(sink);
    });
    this.auditScheduler.start();
  }

  private addBook(sink: MarketSink, symbol: string): void {
    const topic = `orderbook.${this.depth}.${symbol}`;
    const random = this.random;
    const book: BookTopic = {
      topic,
      symbol,
      recovery: undefined,
      invalidBackoff: new Backoff(
        this.options.invalidSnapshotRetryMs ?? DEFAULT_BYBIT_INVALID_SNAPSHOT_RETRY_MS,
        this.options.invalidSnapshotRetryCapMs ?? DEFAULT_BYBIT_INVALID_SNAPSHOT_RETRY_CAP_MS,
        () => 1 - BYBIT_RETRY_JITTER * random(),
      ),
      sequencer: new BybitBookSequencer(
        symbol,
        {
          book: (event) => sink.book(event),
          bookResyncing: (exchange, s, reason) => {
            this.abortAudit(s, `the live book is resyncing (${reason})`);
            sink.bookResyncing(exchange, s, reason);
          },
        },
        (reason, cause) => this.recover(book, reason, cause),
        {
          counters: this.counters,
          onVenueReset: (u, previousU) =>
            this.log.info({ book: `bybit:${symbol}`, topic, u, previousU }, 'venue sent a fresh snapshot mid-stream'),
        },
      ),
    };
    this.books.set(topic, book);
  }

  // ---- instrument list ----------------------------------------------------------------------

  private onInstrumentList(listed: ReadonlySet<string>): void {
    for (const symbol of this.symbols) {
      if (!listed.has(symbol)) this.markUnknown(symbol, 'instrument list');
    }
  }

  /** The venue does not list `symbol`: flag its book once, drop its topics, and never subscribe them again. */
  private markUnknown(symbol: string, source: 'instrument list' | 'venue answer'): void {
    if (this.unknown.has(symbol)) return;
    this.unknown.add(symbol);
    this.log.error(
      { book: `bybit:${symbol}`, symbol, source },
      `unknown symbol ${symbol}: Bybit linear does not list it; its book will not be served (check the configured symbols)`,
    );
    this.abortAudit(symbol, 'unknown symbol');
    const book = this.bookOf(symbol);
    if (book) {
      this.endRecovery(book);
      book.sequencer.abandon();
    }
    for (const conn of [...this.connections]) {
      const dropped = conn.topics.filter((t) => topicSymbol(t) === symbol);
      if (dropped.length === 0) continue;
      for (const t of dropped) this.clearRetry(conn, t);
      conn.topics = conn.topics.filter((t) => topicSymbol(t) !== symbol);
      if (conn.topics.length === 0) {
        // A connection carrying only unknown symbols would stream nothing: close it for good.
        this.connections.splice(this.connections.indexOf(conn), 1);
        void conn.socket.stop();
        continue;
      }
      // After `handler not found` nothing was subscribed; a delisted symbol still streams until unsubscribed.
      if (source === 'instrument list' && conn.socket.isOpen) this.request(conn, 'unsubscribe', dropped);
    }
  }

  // ---- connections --------------------------------------------------------------------------

  private openConnections(sink: MarketSink): void {
    const topics: string[] = [];
    for (const symbol of this.symbols) {
      if (!this.unknown.has(symbol)) topics.push(`orderbook.${this.depth}.${symbol}`, `publicTrade.${symbol}`);
    }
    for (let i = 0; i < topics.length; i += BYBIT_MAX_TOPICS_PER_CONNECTION) {
      const name = `linear#${i / BYBIT_MAX_TOPICS_PER_CONNECTION}`;
      const conn: Connection = {
        name,
        topics: topics.slice(i, i + BYBIT_MAX_TOPICS_PER_CONNECTION),
        requests: new Map(),
        retries: new Map(),
        socket: new ReconnectingSocket({
          name,
          url: () => this.options.wsUrl ?? BYBIT_DEFAULT_WS_URL,
          heartbeat: { kind: 'app', ping: () => JSON.stringify({ req_id: `ping-${this.nextReqId++}`, op: 'ping' }) },
          pingIntervalMs: this.options.pingIntervalMs ?? BYBIT_PING_INTERVAL_MS,
          pongTimeoutMs: this.options.pongTimeoutMs,
          dataTimeoutMs: this.options.dataTimeoutMs,
          backoff: this.options.backoff?.(),
          log: this.log,
          onOpen: () => {
            conn.requests.clear();
            this.request(conn, 'subscribe', conn.topics);
          },
          onMessage: (text, at) => this.onFrame(conn, text, at),
          onDisconnect: () => this.onDisconnect(conn),
          onStatus: (status) => sink.connection('bybit', name, status),
        }),
      };
      this.connections.push(conn);
      conn.socket.start();
    }
  }

  /** Sends `op` for `topics` in requests of at most 10 args, remembering each by its req_id. */
  private request(conn: Connection, op: 'subscribe' | 'unsubscribe', topics: readonly string[]): string[] {
    const ids: string[] = [];
    for (let i = 0; i < topics.length; i += BYBIT_MAX_ARGS_PER_REQUEST) {
      const args = topics.slice(i, i + BYBIT_MAX_ARGS_PER_REQUEST);
      const reqId = `${op === 'subscribe' ? 's' : 'u'}${this.nextReqId++}`;
      conn.requests.set(reqId, { op, topics: args });
      conn.socket.send(JSON.stringify({ req_id: reqId, op, args }));
      ids.push(reqId);
    }
    return ids;
  }

  private connectionOf(topic: string): Connection | undefined {
    return this.connections.find((c) => c.topics.includes(topic));
  }

  /** Returns false for control traffic (acks and pongs), which must not feed the no-data watchdog. */
  private onFrame(conn: Connection, text: string, receivedAt: number): boolean {
    this.counters.frames++;
    const frame = parseBybitFrame(text, receivedAt);
    switch (frame.kind) {
      case 'orderbook':
        this.onBook(frame, receivedAt);
        return true;
      case 'trades':
        for (const trade of frame.trades) this.sink?.trade(trade);
        return true;
      case 'ack':
        this.onAck(conn, frame);
        return false;
      case 'ignored':
        return true;
      case 'invalid':
        this.sink?.invalidFrame('bybit', frame.reason, `${frame.detail}: ${text.slice(0, 120)}`);
        return true;
    }
  }

  private onBook(frame: BybitBookFrame, receivedAt: number): void {
    const book = this.books.get(frame.topic);
    if (!book) return;
    book.sequencer.onFrame(frame, receivedAt);
    if (frame.type === 'snapshot' && book.sequencer.isLive) {
      // The fresh subscription delivered a snapshot the engine took: the repair is over.
      this.endRecovery(book);
      book.invalidBackoff.reset();
    }
    if (this.audit?.symbol === book.symbol) this.audit.check();
  }

  // ---- recovery -----------------------------------------------------------------------------

  /**
   * Bybit: "If you receive a new snapshot message, you will have to reset your local orderbook" — and a
   * new subscription starts with one; re-subscribing without unsubscribing answers `already subscribed`.
   * So: unsubscribe, wait for the ack (at most the ack timeout), then subscribe. After a bad snapshot
   * (rejected, crossed, or with a hole) the subscribe waits out a per-topic backoff, so a venue that
   * keeps sending the same bad snapshot is not asked again several times a second.
   */
  private recover(book: BookTopic, reason: BybitRecoveryReason, cause: BybitRecoveryCause): void {
    const conn = this.connectionOf(book.topic);
    // A new cause supersedes a repair in progress (e.g. the fresh subscription's snapshot was bad too).
    this.endRecovery(book);
    if (!conn?.socket.isOpen) return; // the reconnect subscribes afresh anyway
    const delayMs = cause === 'snapshot' ? book.invalidBackoff.next() : 0;
    if (delayMs > 0) {
      this.log.warn(
        { book: `bybit:${book.symbol}`, topic: book.topic, reason, delayMs },
        'the venue sent a snapshot the book engine cannot use; subscribing again after a pause',
      );
    }
    const [reqId] = this.request(conn, 'unsubscribe', [book.topic]);
    book.recovery = {
      phase: 'unsubscribing',
      reqId,
      resubscribeAt: Date.now() + delayMs,
      timer: setTimeout(() => {
        this.log.warn(
          { book: `bybit:${book.symbol}`, topic: book.topic, timeoutMs: this.ackTimeoutMs },
          'no answer to the unsubscribe; subscribing again anyway',
        );
        conn.requests.delete(reqId);
        this.resubscribe(book);
      }, this.ackTimeoutMs),
    };
  }

  private get ackTimeoutMs(): number {
    return this.options.ackTimeoutMs ?? DEFAULT_BYBIT_ACK_TIMEOUT_MS;
  }

  /** The unsubscribe was answered (or timed out): subscribe once the pause, if any, is over. */
  private resubscribe(book: BookTopic): void {
    const recovery = book.recovery;
    if (!recovery) return;
    clearTimeout(recovery.timer);
    const waitMs = recovery.resubscribeAt - Date.now();
    if (waitMs > 0) {
      recovery.phase = 'pausing';
      recovery.reqId = undefined;
      recovery.timer = setTimeout(() => this.sendRecoverySubscribe(book), waitMs);
      return;
    }
    this.sendRecoverySubscribe(book);
  }

  private sendRecoverySubscribe(book: BookTopic): void {
    const recovery = book.recovery;
    const conn = this.connectionOf(book.topic);
    if (!recovery || !conn?.socket.isOpen) return;
    const [reqId] = this.request(conn, 'subscribe', [book.topic]);
    recovery.phase = 'subscribing';
    recovery.reqId = reqId;
    recovery.timer = setTimeout(() => {
      // No snapshot (answered or not): the connection no longer serves this topic. Start it afresh.
      this.restartConnection(conn, `no snapshot after subscribing ${book.topic} again`);
    }, this.ackTimeoutMs);
  }

  private endRecovery(book: BookTopic): void {
    if (!book.recovery) return;
    clearTimeout(book.recovery.timer);
    book.recovery = undefined;
  }

  /** Drops and reopens one connection: every topic on it is subscribed afresh. */
  private restartConnection(conn: Connection, why: string): void {
    this.log.warn({ connection: conn.name, reason: why }, 'restarting the venue connection');
    this.onDisconnect(conn);
    void conn.socket.stop().then(() => {
      if (!this.stopped && this.connections.includes(conn)) conn.socket.start();
    });
  }

  // ---- acknowledgements ---------------------------------------------------------------------

  private onAck(conn: Connection, ack: Extract<BybitFrame, { kind: 'ack' }>): void {
    if (ack.op === 'ping' || ack.message === 'pong') {
      conn.socket.pongReceived();
      return;
    }
    const request = ack.reqId === undefined ? undefined : conn.requests.get(ack.reqId);
    if (ack.reqId !== undefined) conn.requests.delete(ack.reqId);
    if (!request) return;
    const recovering = [...this.books.values()].find((b) => b.recovery?.reqId === ack.reqId);
    if (request.op === 'unsubscribe') {
      // Whether it succeeded or the venue says we were not subscribed, the topic is free to subscribe.
      if (recovering?.recovery?.phase === 'unsubscribing') this.resubscribe(recovering);
      return;
    }
    if (ack.success) {
      // A recovery ends with its snapshot, not with this ack (its timer still watches for the snapshot).
      for (const t of request.topics) this.clearRetry(conn, t);
      return;
    }
    if (ack.message.includes('already subscribed')) {
      // The unsubscribe was lost, so no fresh snapshot will come on this connection: start it afresh.
      if (recovering) this.restartConnection(conn, `the venue still had ${recovering.topic} subscribed`);
      return;
    }
    if (recovering) this.endRecovery(recovering);
    this.onRefused(conn, request.topics, ack.message);
  }

  /** The venue refused a subscribe: unknown symbols are dropped for good, other topics retried later. */
  private onRefused(conn: Connection, topics: readonly string[], venueMessage: string): void {
    this.counters.subscriptionFailures++;
    // The venue names one topic (and fails the whole request); re-request the others at once.
    const named = /topic:(\S+)/.exec(venueMessage)?.[1];
    const failed = named !== undefined && topics.includes(named) ? [named] : [...topics];
    for (const topic of failed) {
      const symbol = topicSymbol(topic);
      // `error:handler not found,topic:orderbook.200.NOPEUSDT`: the venue has no such topic. Unless the
      // instrument list says it lists the symbol, asking again cannot help.
      if (venueMessage.includes('handler not found') && this.instruments?.lists(symbol) !== true) {
        this.markUnknown(symbol, 'venue answer');
        continue;
      }
      this.log.error(
        { book: `bybit:${symbol}`, topic, err: new SubscriptionRejectedError(topic, venueMessage) },
        'subscription refused by the venue; retrying later',
      );
      const book = this.books.get(topic);
      if (book) this.sink?.bookResyncing('bybit', book.symbol, 'subscription_failed');
      this.scheduleRetry(conn, topic);
    }
    const others = topics.filter((t) => !failed.includes(t) && !this.unknown.has(topicSymbol(t)));
    if (others.length > 0) this.request(conn, 'subscribe', others);
  }

  private scheduleRetry(conn: Connection, topic: string): void {
    const existing = conn.retries.get(topic);
    const backoff =
      existing?.backoff ??
      new Backoff(
        this.options.subscriptionRetryMs ?? BYBIT_SUBSCRIPTION_RETRY_MS,
        BYBIT_SUBSCRIPTION_RETRY_CAP_MS,
        () => 1,
      );
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      if (conn.socket.isOpen && conn.topics.includes(topic)) this.request(conn, 'subscribe', [topic]);
    }, backoff.next());
    conn.retries.set(topic, { timer, backoff });
  }

  private clearRetry(conn: Connection, topic: string): void {
    const retry = conn.retries.get(topic);
    if (retry) clearTimeout(retry.timer);
    conn.retries.delete(topic);
  }

  private onDisconnect(conn: Connection): void {
    conn.requests.clear();
    for (const topic of conn.topics) {
      const book = this.books.get(topic);
      if (!book) continue;
      this.endRecovery(book);
      book.sequencer.onDisconnect();
      this.abortAudit(book.symbol, 'the live connection was lost');
    }
  }

  // ---- audit --------------------------------------------------------------------------------

  private startAudit(symbol: string): void {
    const sink = this.sink;
    const book = this.bookOf(symbol);
    if (this.stopped || !sink || !book) return;
    const audit = new BybitBookAudit({
      url: this.options.wsUrl ?? BYBIT_DEFAULT_WS_URL,
      topic: book.topic,
      symbol,
      session: sink.openAudit('bybit', symbol),
      liveUpdateId: () => (book.sequencer.isLive ? book.sequencer.lastUpdateId : undefined),
      timeoutMs: this.options.auditTimeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS,
      onEnd: (end) => this.onAuditEnd(book, end),
      log: this.log,
    });
    this.audit = audit;
    audit.start();
  }

  private onAuditEnd(book: BookTopic, end: BybitAuditEnd): void {
    this.audit = undefined;
    if (end.kind === 'aborted') {
      this.log.debug({ book: `bybit:${book.symbol}`, topic: book.topic, reason: end.why }, 'audit abandoned');
    } else if (end.result.driftLevels > 0) {
      // The pipeline has logged the differing levels; the book must be rebuilt.
      book.sequencer.resync('audit_drift');
    }
  }

  private abortAudit(symbol: string, why: string): void {
    if (this.audit?.symbol === symbol) this.audit.abort(why);
  }

  // ---- control ------------------------------------------------------------------------------

  resync(symbol: string, reason: ResyncReason): void {
    this.bookOf(symbol.toUpperCase())?.sequencer.resync(reason);
  }

  status(): ConnectorStatus {
    return {
      exchange: 'bybit',
      connections: this.connections.map((c) => ({
        name: c.name,
        status: c.socket.status,
        reconnections: c.socket.reconnections,
      })),
      counters: { ...this.counters },
    };
  }

  get reconnections(): number {
    return this.connections.reduce((sum, c) => sum + c.socket.reconnections, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.instruments?.stop();
    this.auditScheduler.stop();
    this.audit?.abort('stopping');
    for (const book of this.books.values()) this.endRecovery(book);
    for (const conn of this.connections) for (const r of conn.retries.values()) clearTimeout(r.timer);
    await Promise.all(this.connections.map((c) => c.socket.stop()));
  }
}
