import type { Instrument } from '../../core/instrument.js';
import { toBaseQuantity } from '../../core/instrument.js';
import { type ApplyOutcome, isUnhealthy, type MarketSink, type ResyncReason } from '../../core/sink.js';
import type { BookEvent, Exchange, TradeEvent } from '../../core/types.js';
import type { Logger } from '../../log.js';
import { AuditScheduler, DEFAULT_AUDIT_TIMEOUT_MS } from '../audit.js';
import { Backoff } from '../backoff.js';
import { type ConnectorStatus, newCounters, type OnDemandBooks, type VenueConnector } from '../connector.js';
import { SubscriptionRejectedError } from '../errors.js';
import { DEFAULT_INSTRUMENT_RETRY_MS, InstrumentList } from '../instrument-list.js';
import { ReconnectingSocket } from '../reconnecting-socket.js';
import type { BookSequencer } from './book-sequencer.js';
import { ShadowSubscription } from './shadow-subscription.js';
import type { ConnectionLimits, SubscriptionProtocol } from './subscription-protocol.js';
import { RecentTradeIds } from './trade-ids.js';
import { type AckFrame, type BookFrame, bookEventOf, type TradesFrame } from './venue-frame.js';
import type { ConnectorContext, ConnectorTiming, VenueSettingsSpec } from './venue-module.js';

export const DEFAULT_ACK_TIMEOUT_MS = 5_000;
export const DEFAULT_SUBSCRIPTION_RETRY_MS = 5_000;
export const DEFAULT_SUBSCRIPTION_RETRY_CAP_MS = 5 * 60 * 1000;
export const DEFAULT_INVALID_SNAPSHOT_RETRY_MS = 1_000;
export const DEFAULT_INVALID_SNAPSHOT_RETRY_CAP_MS = 5 * 60 * 1000;
export const DEFAULT_INSTRUMENTS_TIMEOUT_MS = 10_000;
export const DEFAULT_PONG_TIMEOUT_MS = 10_000;
const HOUR_MS = 60 * 60 * 1000;
/** Each pause after a bad snapshot is shortened by up to this fraction at random, so topics do not retry in step. */
export const RETRY_JITTER = 0.25;

export interface SubscriptionConnectorOptions<S extends VenueSettingsSpec> {
  readonly exchange: Exchange;
  readonly protocol: SubscriptionProtocol;
  readonly context: ConnectorContext<S>;
  readonly loadInstruments: (signal: AbortSignal) => Promise<Instrument[]>;
  /** Sizes are contracts: nothing is subscribed until the contract sizes are known. */
  readonly sizeInContracts?: boolean;
}

/** A repair in progress: unsubscribe → ack (or timeout) → pause, if any → subscribe → snapshot (or restart). */
interface Recovery {
  phase: 'unsubscribing' | 'pausing' | 'subscribing';
  requestId: string | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Not before this time (epoch ms) is the topic subscribed again. */
  readonly resubscribeAt: number;
}

/** One book subscription. */
interface BookState {
  readonly symbol: string;
  readonly topic: string;
  readonly sequencer: BookSequencer;
  /** Pacing of resubscriptions after snapshots the engine could not use; reset by a good one. */
  readonly invalidBackoff: Backoff;
  recovery: Recovery | undefined;
  /** Whether its book was ever live (a disconnect then flags it). */
  everLive: boolean;
  /** The REST path (venues that have one): frames buffered while no in-band snapshot has come. */
  rest: { timer: NodeJS.Timeout | undefined; buffered: BookFrame[]; abort: AbortController | undefined } | undefined;
}

/** A request the venue has not fully answered yet. */
interface PendingRequest {
  readonly op: 'subscribe' | 'unsubscribe';
  /** Its topics no answer has named yet. */
  topics: readonly string[];
  /** Sent again after going unanswered once (its next timeout backs off instead). */
  readonly resent: boolean;
  readonly timer: NodeJS.Timeout;
}

interface Connection {
  readonly name: string;
  /** Its topics: subscribed on every (re)connection, plus or minus the books followed on demand meanwhile. */
  readonly socket: ReconnectingSocket;
  topics: string[];
  readonly requests: Map<string, PendingRequest>;
  readonly retries: Map<string, { timer: NodeJS.Timeout; backoff: Backoff }>;
  /** When each request of the last hour was sent on its current socket (venues that cap requests per hour). */
  sentAt: number[];
}

/**
 * The connector every subscribe-by-message venue shares (Bybit, OKX, Gate, Bitget, Hyperliquid): the
 * venue supplies its pure `SubscriptionProtocol` (messages, parser, sequencer, limits) and this owns the
 * rest. Symbols are checked against the venue's instrument list before anything is subscribed; topics are
 * spread over connections and requests by the venue's limits; every ack it waits for has a timeout; a
 * book that breaks is repaired by unsubscribing and subscribing again (a fresh subscription starts with
 * a snapshot), paced after snapshots the engine cannot use; audits rebuild a book on a second connection.
 */
export class SubscriptionConnector<S extends VenueSettingsSpec> implements VenueConnector {
  readonly exchange: Exchange;
  readonly onDemand: OnDemandBooks;
  private readonly protocol: SubscriptionProtocol;
  private readonly limits: ConnectionLimits;
  /** The configured symbols (never dropped). */
  private readonly symbols: readonly string[];
  /** Symbols followed on demand (`onDemand.follow`), until unfollowed. */
  private readonly followed = new Set<string>();
  private readonly books = new Map<string, BookState>();
  private readonly bookByTopic = new Map<string, BookState>();
  private readonly connections: Connection[] = [];
  private readonly counters = newCounters();
  private readonly log: Logger;
  private readonly timing: ConnectorTiming;
  /** Symbols the venue does not list: never subscribed, never retried. */
  private readonly unknown = new Set<string>();
  private readonly instrumentsBySymbol = new Map<string, Instrument>();
  private readonly tradeIds = new RecentTradeIds();
  private readonly instrumentList: InstrumentList;
  private readonly auditScheduler: AuditScheduler;
  private audit: ShadowSubscription | undefined;
  private sink: MarketSink | undefined;
  private nextRequestId = 1;
  /** Connection names are `ws#N`, never reused while the connector runs. */
  private nextConnectionIndex = 0;
  /** When the last connection was (or is due to be) started, for venues that cap new connections per second. */
  private lastConnectionStartAt = Number.NEGATIVE_INFINITY;
  private readonly connectionTimers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private opened = false;
  /** Settles once the instrument list's first load has answered (or failed). */
  private firstLoad: Promise<boolean> | undefined;

  constructor(private readonly options: SubscriptionConnectorOptions<S>) {
    this.exchange = options.exchange;
    this.protocol = options.protocol;
    this.limits = { ...options.protocol.limits, ...options.context.limits };
    this.log = options.context.log;
    this.symbols = [...new Set(options.context.symbols)];
    const t = options.context.timing ?? {};
    this.timing = {
      pingIntervalMs: t.pingIntervalMs ?? options.protocol.heartbeat.intervalMs,
      pongTimeoutMs: t.pongTimeoutMs ?? DEFAULT_PONG_TIMEOUT_MS,
      ackTimeoutMs: t.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS,
      subscriptionRetryMs: t.subscriptionRetryMs ?? DEFAULT_SUBSCRIPTION_RETRY_MS,
      invalidSnapshotRetryMs: t.invalidSnapshotRetryMs ?? DEFAULT_INVALID_SNAPSHOT_RETRY_MS,
      instrumentsTimeoutMs: t.instrumentsTimeoutMs ?? DEFAULT_INSTRUMENTS_TIMEOUT_MS,
      instrumentRetryMs: t.instrumentRetryMs ?? DEFAULT_INSTRUMENT_RETRY_MS,
      auditTimeoutMs: t.auditTimeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS,
      backoff: t.backoff ?? (() => new Backoff()),
      random: t.random ?? Math.random,
    };
    this.instrumentList = new InstrumentList({
      load: async () => {
        const listed = await options.loadInstruments(AbortSignal.timeout(this.timing.instrumentsTimeoutMs));
        for (const i of listed) this.instrumentsBySymbol.set(i.symbol, i);
        return new Set(listed.map((i) => i.symbol));
      },
      retryMs: this.timing.instrumentRetryMs,
      log: this.log,
    });
    this.auditScheduler = new AuditScheduler({
      intervalMs: options.context.common.auditIntervalMs,
      keys: () => this.allSymbols(),
      eligible: (symbol) => this.isLive(symbol),
      busy: () => this.audit !== undefined,
      start: (symbol) => this.startAudit(symbol),
    });
    this.onDemand = {
      lists: (symbol) => this.lists(symbol),
      follow: (symbol) => this.follow(symbol),
      unfollow: (symbol) => this.unfollow(symbol),
    };
  }

  private key(symbol: string): string {
    return `${this.exchange}:${symbol}`;
  }

  /** The configured symbols, then those followed on demand. */
  private allSymbols(): string[] {
    return [...this.symbols, ...this.followed];
  }

  start(sink: MarketSink): void {
    this.sink = sink;
    for (const symbol of this.allSymbols()) this.addBook(symbol);
    this.instrumentList.onLoad((listed) => this.onInstrumentList(listed));
    // Subscribe only once the list has answered (or failed): a symbol it does not list is never subscribed.
    this.firstLoad = this.instrumentList.load();
    void this.firstLoad.then((loaded) => {
      if (this.stopped) return;
      if (!loaded && this.options.sizeInContracts) {
        // Contract sizes are unknown: serving contracts as base units would be wrong, so wait for the list.
        for (const symbol of this.symbols) sink.bookResyncing(this.exchange, symbol, 'instruments_unavailable');
        return;
      }
      this.openConnections();
    });
    this.auditScheduler.start();
  }

  private addBook(symbol: string): void {
    const random = this.timing.random;
    const book: BookState = {
      symbol,
      topic: this.protocol.bookTopic(symbol),
      sequencer: this.protocol.createSequencer(),
      invalidBackoff: new Backoff(
        this.timing.invalidSnapshotRetryMs,
        Math.max(this.timing.invalidSnapshotRetryMs, DEFAULT_INVALID_SNAPSHOT_RETRY_CAP_MS),
        () => 1 - RETRY_JITTER * random(),
      ),
      recovery: undefined,
      everLive: false,
      rest: undefined,
    };
    this.books.set(symbol, book);
    this.bookByTopic.set(book.topic, book);
  }

  private isLive(symbol: string): boolean {
    const book = this.books.get(symbol);
    return book?.everLive === true && !book.recovery && book.sequencer.lastUpdateId !== undefined;
  }

  // ---- instrument list ----------------------------------------------------------------------

  private onInstrumentList(listed: ReadonlySet<string>): void {
    const symbols = this.allSymbols();
    const followed = symbols.filter((s) => listed.has(s)).map((s) => this.instrumentsBySymbol.get(s)!);
    this.sink?.instruments(this.exchange, followed);
    for (const symbol of symbols) if (!listed.has(symbol)) this.markUnknown(symbol, 'instrument list');
    if (!this.opened && this.options.sizeInContracts && !this.stopped) this.openConnections();
  }

  /** The venue does not list `symbol`: flag its book once, drop its topics, and never subscribe them again. */
  private markUnknown(symbol: string, source: 'instrument list' | 'venue answer'): void {
    if (this.unknown.has(symbol)) return;
    this.unknown.add(symbol);
    this.log.error(
      { book: this.key(symbol), source },
      `unknown symbol ${symbol}: ${this.exchange} does not list it; its book will not be served (check the configured symbols)`,
    );
    this.sink?.bookResyncing(this.exchange, symbol, 'unknown_symbol');
    this.abortAudit(symbol, 'unknown symbol');
    const book = this.books.get(symbol);
    if (book) {
      this.endRecovery(book);
      this.endRest(book);
      book.sequencer.reset();
    }
    const topics = this.topicsOf(symbol);
    for (const conn of [...this.connections]) {
      const dropped = conn.topics.filter((t) => topics.includes(t));
      if (dropped.length === 0) continue;
      for (const t of dropped) this.clearRetry(conn, t);
      conn.topics = conn.topics.filter((t) => !topics.includes(t));
      if (conn.topics.length === 0) {
        // A connection carrying only unknown symbols would stream nothing: close it for good.
        this.closeConnection(conn);
        continue;
      }
      // A refused topic was never subscribed; a delisted symbol still streams until unsubscribed.
      if (source === 'instrument list' && conn.socket.isOpen) this.request(conn, 'unsubscribe', dropped);
    }
  }

  private topicsOf(symbol: string): string[] {
    return [this.protocol.bookTopic(symbol), this.protocol.tradeTopic(symbol)];
  }

  // ---- connections --------------------------------------------------------------------------

  private openConnections(): void {
    if (this.opened) return;
    this.opened = true;
    const topics = this.allSymbols()
      .filter((s) => !this.unknown.has(s))
      .flatMap((s) => this.topicsOf(s));
    const perConnection = this.limits.topicsPerConnection;
    for (let i = 0; i < topics.length; i += perConnection) this.openConnection(topics.slice(i, i + perConnection));
  }

  /** Opens a connection (named `ws#N`) for `topics`; its onOpen subscribes whatever topics it then has. */
  private openConnection(topics: string[]): Connection {
    const sink = this.sink!;
    const heartbeat = this.protocol.heartbeat;
    const name = `ws#${this.nextConnectionIndex++}`;
    const conn: Connection = {
      name,
      topics,
      requests: new Map(),
      retries: new Map(),
      sentAt: [],
      socket: new ReconnectingSocket({
        name,
        url: () => this.protocol.url,
        heartbeat: heartbeat.kind === 'ws' ? { kind: 'ws' } : { kind: 'app', ping: heartbeat.ping },
        pingIntervalMs: this.timing.pingIntervalMs,
        pongTimeoutMs: this.timing.pongTimeoutMs,
        dataTimeoutMs: this.options.context.common.dataTimeoutMs,
        maxConnectionAgeMs: this.limits.maxConnectionAgeMs,
        maxOutgoingPerSecond: this.limits.messagesPerSecond,
        backoff: this.timing.backoff(),
        log: this.log,
        onOpen: () => {
          this.forgetRequests(conn);
          // The venue counts requests per connection: a new one starts afresh.
          conn.sentAt = [];
          this.request(conn, 'subscribe', conn.topics);
        },
        onMessage: (text, at) => this.onFrame(conn, text, at),
        onDisconnect: () => this.onDisconnect(conn),
        onStatus: (status) => sink.connection(this.exchange, name, status),
      }),
    };
    this.connections.push(conn);
    this.startPaced(conn);
    return conn;
  }

  /** Starts a connection now, or, on venues that cap new connections per second, once its turn comes. */
  private startPaced(conn: Connection): void {
    const perSecond = this.limits.connectionsPerSecond;
    const now = Date.now();
    const at = perSecond ? Math.max(now, this.lastConnectionStartAt + 1_000 / perSecond) : now;
    this.lastConnectionStartAt = at;
    if (at <= now) {
      conn.socket.start();
      return;
    }
    const timer = setTimeout(() => {
      this.connectionTimers.delete(timer);
      if (!this.stopped && this.connections.includes(conn)) conn.socket.start();
    }, at - now);
    timer.unref();
    this.connectionTimers.add(timer);
  }

  /** Closes a connection for good (it carries no topic any more). */
  private closeConnection(conn: Connection): void {
    const index = this.connections.indexOf(conn);
    if (index >= 0) this.connections.splice(index, 1);
    for (const r of conn.retries.values()) clearTimeout(r.timer);
    conn.retries.clear();
    this.forgetRequests(conn);
    void conn.socket.stop();
  }

  /**
   * Sends `op` for `topics` in requests of at most the venue's topics per request, remembering each by id
   * until the venue has answered for all its topics, or the ack timeout.
   */
  private request(
    conn: Connection,
    op: 'subscribe' | 'unsubscribe',
    topics: readonly string[],
    resent = false,
  ): string[] {
    const ids: string[] = [];
    const per = this.limits.topicsPerRequest;
    for (let i = 0; i < topics.length; i += per) {
      const chunk = topics.slice(i, i + per);
      const requestId = String(this.nextRequestId++);
      const timer = setTimeout(() => this.onRequestTimeout(conn, requestId), this.timing.ackTimeoutMs);
      conn.requests.set(requestId, { op, topics: chunk, resent, timer });
      conn.socket.send(this.protocol.request(op, chunk, requestId));
      if (this.limits.requestsPerHour !== undefined) conn.sentAt.push(Date.now());
      if (op === 'subscribe') for (const t of chunk) this.onSubscribing(t);
      ids.push(requestId);
    }
    return ids;
  }

  /**
   * No answer named these topics in time. A venue that answers a request once for all its topics names
   * only the topic it refused (Bybit: `error:handler not found,topic:…`) and leaves the others
   * unsubscribed; a request can also be lost. Either way the topics are asked for again on the same
   * connection: at once the first time, then with the subscription-retry backoff. (A book under repair
   * has its own timer; an unsubscribe that goes unanswered needs nothing more.)
   */
  private onRequestTimeout(conn: Connection, requestId: string): void {
    const pending = conn.requests.get(requestId);
    if (!pending) return;
    conn.requests.delete(requestId);
    if (pending.op !== 'subscribe' || !conn.socket.isOpen || this.stopped) return;
    const topics = pending.topics.filter((t) => conn.topics.includes(t) && !this.bookByTopic.get(t)?.recovery);
    if (topics.length === 0) return;
    this.counters.subscriptionFailures++;
    this.log.warn(
      { connection: conn.name, topics, timeoutMs: this.timing.ackTimeoutMs },
      pending.resent
        ? 'still no answer to a subscribe request; retrying later'
        : 'no answer to a subscribe request; asking again',
    );
    if (pending.resent) for (const t of topics) this.scheduleRetry(conn, t);
    else this.request(conn, 'subscribe', topics, true);
  }

  private forgetRequest(conn: Connection, requestId: string): void {
    const pending = conn.requests.get(requestId);
    if (pending) clearTimeout(pending.timer);
    conn.requests.delete(requestId);
  }

  private forgetRequests(conn: Connection): void {
    for (const pending of conn.requests.values()) clearTimeout(pending.timer);
    conn.requests.clear();
  }

  /**
   * Whether `conn` may still send requests for `topics` this hour (OKX 480, Bitget 240 a connection):
   * books followed on demand go elsewhere rather than get a connection closed by the venue.
   */
  private hasRequestBudget(conn: Connection, topics: readonly string[]): boolean {
    const perHour = this.limits.requestsPerHour;
    if (perHour === undefined) return true;
    const since = Date.now() - HOUR_MS;
    conn.sentAt = conn.sentAt.filter((t) => t > since);
    return conn.sentAt.length + Math.ceil(topics.length / this.limits.topicsPerRequest) <= perHour;
  }

  private connectionOf(topic: string): Connection | undefined {
    return this.connections.find((c) => c.topics.includes(topic));
  }

  /** Returns false for control traffic (acks and pongs), which must not feed the no-data watchdog. */
  private onFrame(conn: Connection, text: string, receivedAt: number): boolean {
    this.counters.frames++;
    const frame = this.protocol.parse(text, receivedAt);
    switch (frame.kind) {
      case 'book':
        this.onBook(frame, receivedAt);
        return true;
      case 'trades':
        this.onTrades(frame, receivedAt);
        return true;
      case 'ack':
        this.onAck(conn, frame);
        return false;
      case 'pong':
        conn.socket.pongReceived();
        return false;
      case 'ignored':
        return true;
      case 'invalid':
        this.sink?.invalidFrame(this.exchange, frame.reason, `${frame.detail}: ${text.slice(0, 120)}`);
        return true;
    }
  }

  // ---- books --------------------------------------------------------------------------------

  private onBook(frame: BookFrame, receivedAt: number): void {
    const book = this.books.get(frame.symbol);
    if (!book || this.unknown.has(frame.symbol)) return;
    const verdict = book.sequencer.check(frame);
    switch (verdict.type) {
      case 'snapshot':
        this.endRest(book);
        this.applySnapshot(book, frame, receivedAt);
        break;
      case 'apply':
        this.applyUpdate(book, frame, receivedAt);
        break;
      case 'duplicate':
        this.counters.duplicates++;
        break;
      case 'wait':
        if (book.rest) book.rest.buffered.push(frame);
        break;
      case 'gap':
        this.counters.gaps++;
        this.log.debug({ book: this.key(book.symbol), expected: verdict.expected, got: verdict.got }, 'sequence gap');
        this.repair(book, 'gap', 'gap');
        break;
    }
    this.audit?.check();
  }

  private event(book: BookState, frame: BookFrame, receivedAt: number): BookEvent {
    return bookEventOf(this.exchange, book.symbol, frame, receivedAt);
  }

  private applySnapshot(book: BookState, frame: BookFrame, receivedAt: number): void {
    const outcome = this.sink!.book(this.event(book, frame, receivedAt));
    if (outcome === 'rejected') {
      book.sequencer.reset();
      this.repair(book, 'invalid_data', 'snapshot');
      return;
    }
    book.sequencer.applied(frame);
    book.everLive = true;
    if (isUnhealthy(outcome)) {
      this.repair(book, outcome, 'snapshot');
      return;
    }
    // The snapshot a repair subscribed for arrived and the engine took it: the repair is over. (One that
    // comes while the unsubscribe is in flight is good data too, but the repair must still complete.)
    if (book.recovery?.phase !== 'unsubscribing') this.endRecovery(book);
    book.invalidBackoff.reset();
  }

  private applyUpdate(book: BookState, frame: BookFrame, receivedAt: number): void {
    const outcome: ApplyOutcome = this.sink!.book(this.event(book, frame, receivedAt));
    // Malformed content: the book is unchanged, and so is the sequence (the next message shows a gap).
    if (outcome === 'rejected') return;
    book.sequencer.applied(frame);
    if (isUnhealthy(outcome)) this.repair(book, outcome, 'update');
  }

  /**
   * Flags the book and starts a fresh subscription: every venue here starts a subscription with a
   * snapshot, and re-subscribing without unsubscribing is refused (`already subscribed`), so:
   * unsubscribe, wait for the ack (at most the ack timeout), then subscribe. After a bad snapshot the
   * subscribe waits out a per-book backoff, so a venue that keeps sending one is not asked again at once.
   */
  private repair(book: BookState, reason: ResyncReason, cause: 'gap' | 'snapshot' | 'update'): void {
    this.sink?.bookResyncing(this.exchange, book.symbol, reason);
    this.abortAudit(book.symbol, `the live book is resyncing (${reason})`);
    book.sequencer.reset();
    this.endRecovery(book);
    this.endRest(book);
    const conn = this.connectionOf(book.topic);
    if (!conn?.socket.isOpen) return; // the reconnect subscribes afresh anyway
    const delayMs = cause === 'snapshot' ? book.invalidBackoff.next() : 0;
    if (delayMs > 0) {
      this.log.warn(
        { book: this.key(book.symbol), reason, delayMs },
        'the venue sent a snapshot the book engine cannot use; subscribing again after a pause',
      );
    }
    const [requestId] = this.request(conn, 'unsubscribe', [book.topic]);
    book.recovery = {
      phase: 'unsubscribing',
      requestId,
      resubscribeAt: Date.now() + delayMs,
      timer: setTimeout(() => {
        this.log.warn(
          { book: this.key(book.symbol), timeoutMs: this.timing.ackTimeoutMs },
          'no answer to the unsubscribe; subscribing again anyway',
        );
        this.forgetRequest(conn, requestId);
        this.resubscribe(book);
      }, this.timing.ackTimeoutMs),
    };
  }

  private resubscribe(book: BookState): void {
    const recovery = book.recovery;
    if (!recovery) return;
    clearTimeout(recovery.timer);
    const waitMs = recovery.resubscribeAt - Date.now();
    if (waitMs > 0) {
      recovery.phase = 'pausing';
      recovery.requestId = undefined;
      recovery.timer = setTimeout(() => this.sendRecoverySubscribe(book), waitMs);
      return;
    }
    this.sendRecoverySubscribe(book);
  }

  private sendRecoverySubscribe(book: BookState): void {
    const recovery = book.recovery;
    const conn = this.connectionOf(book.topic);
    if (!recovery || !conn?.socket.isOpen) return;
    const [requestId] = this.request(conn, 'subscribe', [book.topic]);
    recovery.phase = 'subscribing';
    recovery.requestId = requestId;
    // The REST path may seed the book meanwhile; otherwise no snapshot means the connection no longer serves it.
    const waitMs = this.timing.ackTimeoutMs + (this.protocol.restSnapshot?.afterMs ?? 0);
    recovery.timer = setTimeout(
      () => this.restartConnection(conn, `no snapshot after subscribing ${book.topic} again`),
      waitMs,
    );
  }

  private endRecovery(book: BookState): void {
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

  // ---- the REST snapshot path (venues whose in-band snapshot may not come) -------------------

  /** A book topic was just (re)subscribed: if the venue has a REST path, time the in-band snapshot. */
  private onSubscribing(topic: string): void {
    const book = this.bookByTopic.get(topic);
    const path = this.protocol.restSnapshot;
    if (!book || !path) return;
    this.endRest(book);
    const rest: NonNullable<BookState['rest']> = { timer: undefined, buffered: [], abort: undefined };
    rest.timer = setTimeout(() => void this.fetchRestSnapshot(book, rest), path.afterMs);
    book.rest = rest;
  }

  private async fetchRestSnapshot(book: BookState, rest: NonNullable<BookState['rest']>): Promise<void> {
    const path = this.protocol.restSnapshot!;
    if (book.rest !== rest || this.stopped) return;
    this.log.info({ book: this.key(book.symbol) }, 'no in-band snapshot; fetching the book over REST');
    rest.abort = new AbortController();
    let snapshot: BookFrame;
    try {
      snapshot = await path.fetch(book.symbol, AbortSignal.any([rest.abort.signal, AbortSignal.timeout(10_000)]));
    } catch (err) {
      if (book.rest !== rest) return;
      this.log.warn({ book: this.key(book.symbol), err }, 'REST snapshot failed; trying again');
      rest.timer = setTimeout(() => void this.fetchRestSnapshot(book, rest), path.afterMs);
      return;
    }
    if (book.rest !== rest) return; // an in-band snapshot came first
    const alignment = path.align(snapshot, rest.buffered);
    if (alignment.type === 'refetch') {
      rest.timer = setTimeout(() => void this.fetchRestSnapshot(book, rest), path.afterMs);
      return;
    }
    this.endRest(book);
    if (alignment.type === 'gap') {
      this.repair(book, 'gap', 'gap');
      return;
    }
    const now = Date.now();
    this.applySnapshot(book, alignment.snapshot, now);
    for (const update of alignment.updates) {
      if (book.sequencer.check(update).type !== 'apply') break;
      this.applyUpdate(book, update, now);
    }
  }

  private endRest(book: BookState): void {
    if (!book.rest) return;
    clearTimeout(book.rest.timer);
    book.rest.abort?.abort();
    book.rest = undefined;
  }

  // ---- trades -------------------------------------------------------------------------------

  private onTrades(frame: TradesFrame, receivedAt: number): void {
    const sink = this.sink;
    // A symbol the venue no longer lists may still stream until its unsubscribe is carried out: not served.
    if (!sink || !this.books.has(frame.symbol) || this.unknown.has(frame.symbol)) return;
    const contractSize = this.instrumentsBySymbol.get(frame.symbol)?.contractSize ?? '1';
    for (const t of frame.trades) {
      // A trade seen before (connection overlap, the batch of recent trades after a reconnect) is not new.
      if (!this.tradeIds.firstSeen(frame.symbol, t.tradeId)) continue;
      if (frame.history) continue;
      const trade: TradeEvent = {
        type: 'trade',
        exchange: this.exchange,
        symbol: frame.symbol,
        tradeId: t.tradeId,
        price: t.price,
        quantity: toBaseQuantity(t.size, contractSize),
        side: t.side,
        venueTs: t.venueTs,
        localTs: receivedAt,
      };
      sink.trade(trade);
    }
  }

  // ---- acknowledgements ---------------------------------------------------------------------

  private onAck(conn: Connection, ack: AckFrame): void {
    const request = ack.requestId === undefined ? undefined : conn.requests.get(ack.requestId);
    // Venues answer per topic, per request, or with no id at all: find what the answer is about.
    const topics = ack.topics.length > 0 ? ack.topics : (request?.topics ?? []);
    const op = request?.op ?? ack.op;
    if (request) {
      const left = request.topics.filter((t) => !topics.includes(t));
      if (left.length === 0 || ack.topics.length === 0) this.forgetRequest(conn, ack.requestId!);
      else request.topics = left;
    }
    for (const topic of topics) {
      const book = this.bookByTopic.get(topic);
      if (op === 'unsubscribe') {
        // Whether it succeeded or the venue says we were not subscribed, the topic is free to subscribe.
        if (book?.recovery?.phase === 'unsubscribing') this.resubscribe(book);
        continue;
      }
      if (ack.ok) {
        this.clearRetry(conn, topic);
        continue;
      }
      if (ack.alreadySubscribed) {
        // During a repair the unsubscribe was lost: no fresh snapshot will come on this connection.
        if (book?.recovery) this.restartConnection(conn, `the venue still had ${topic} subscribed`);
        // Otherwise a subscription asked for again (its first answer was lost) is in place.
        else this.clearRetry(conn, topic);
        continue;
      }
      if (book) this.endRecovery(book);
      this.onRefused(conn, topic, ack);
    }
  }

  /** The venue refused a subscription: an unknown symbol is dropped for good, anything else retried later. */
  private onRefused(conn: Connection, topic: string, ack: AckFrame): void {
    const symbol = this.symbolOfTopic(topic);
    if (symbol === undefined) return;
    if (ack.unknownSymbol && this.instrumentList.lists(symbol) !== true) {
      this.markUnknown(symbol, 'venue answer');
      return;
    }
    this.counters.subscriptionFailures++;
    const venueMessage = `${ack.code ?? ''} ${ack.message ?? ''}`.trim();
    this.log.error(
      { book: this.key(symbol), topic, err: new SubscriptionRejectedError(topic, venueMessage) },
      'subscription refused by the venue; retrying later',
    );
    if (topic === this.protocol.bookTopic(symbol)) {
      this.sink?.bookResyncing(this.exchange, symbol, 'subscription_failed');
    }
    this.scheduleRetry(conn, topic);
  }

  private symbolOfTopic(topic: string): string | undefined {
    return this.allSymbols().find((s) => this.protocol.bookTopic(s) === topic || this.protocol.tradeTopic(s) === topic);
  }

  private scheduleRetry(conn: Connection, topic: string): void {
    const existing = conn.retries.get(topic);
    const backoff =
      existing?.backoff ??
      new Backoff(
        this.timing.subscriptionRetryMs,
        Math.max(this.timing.subscriptionRetryMs, DEFAULT_SUBSCRIPTION_RETRY_CAP_MS),
        () => 1,
      );
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      if (conn.socket.isOpen && conn.topics.includes(topic)) this.request(conn, 'subscribe', [topic], true);
    }, backoff.next());
    conn.retries.set(topic, { timer, backoff });
  }

  private clearRetry(conn: Connection, topic: string): void {
    const retry = conn.retries.get(topic);
    if (retry) clearTimeout(retry.timer);
    conn.retries.delete(topic);
  }

  private onDisconnect(conn: Connection): void {
    this.forgetRequests(conn);
    for (const topic of conn.topics) {
      const book = this.bookByTopic.get(topic);
      if (!book) continue;
      // A live book is flagged once; one already repairing keeps its reason.
      if (book.everLive && !book.recovery && book.sequencer.lastUpdateId !== undefined) {
        this.sink?.bookResyncing(this.exchange, book.symbol, 'disconnected');
      }
      this.endRecovery(book);
      this.endRest(book);
      book.sequencer.reset();
      this.abortAudit(book.symbol, 'the live connection was lost');
    }
  }

  // ---- audits -------------------------------------------------------------------------------

  private startAudit(symbol: string): void {
    const sink = this.sink;
    const book = this.books.get(symbol);
    if (this.stopped || !sink || !book) return;
    const audit = new ShadowSubscription({
      protocol: this.protocol,
      symbol,
      book: this.key(symbol),
      session: sink.openAudit(this.exchange, symbol),
      liveUpdateId: () => (this.isLive(symbol) ? book.sequencer.lastUpdateId : undefined),
      timeoutMs: this.timing.auditTimeoutMs,
      onEnd: (end) => {
        this.audit = undefined;
        if (end.kind === 'aborted') this.log.debug({ book: this.key(symbol), reason: end.why }, 'audit abandoned');
        // The pipeline has logged the differing levels; the book must be rebuilt.
        else if (end.result.driftLevels > 0) this.repair(book, 'audit_drift', 'gap');
      },
      log: this.log,
    });
    this.audit = audit;
    audit.start();
  }

  private abortAudit(symbol: string, why: string): void {
    if (this.audit?.symbol === symbol) this.audit.abort(why);
  }

  // ---- books on demand ----------------------------------------------------------------------

  /** Whether the venue lists `symbol`, once the instrument list's first load has answered (or failed). */
  private async lists(symbol: string): Promise<boolean | undefined> {
    if (this.firstLoad === undefined) return undefined; // not started: nothing can be known
    await this.firstLoad;
    // A retry that has loaded the list since a failed first load answers too.
    return this.instrumentList.lists(symbol);
  }

  /**
   * Follows a listed symbol: its book state, its instrument reported, its book and trade topics on a
   * connection with room under the venue's topics per connection (subscribed at once if it is open; a
   * connection subscribes all its topics when it opens), else on a new connection. Before the
   * connections open (the list still loading) the symbol is only added: they will carry it.
   */
  private follow(symbol: string): void {
    if (this.stopped || this.books.has(symbol) || this.followed.has(symbol)) return;
    this.followed.add(symbol);
    const sink = this.sink;
    if (!sink) return; // start() adds its book
    this.addBook(symbol);
    const instrument = this.instrumentsBySymbol.get(symbol);
    // Sizes in contracts need the contract size before anything is served.
    if (instrument) sink.instruments(this.exchange, [instrument]);
    this.log.info({ book: this.key(symbol) }, 'following a book on demand');
    if (!this.opened) return;
    const topics = this.topicsOf(symbol);
    const conn = this.connections.find(
      (c) => c.topics.length + topics.length <= this.limits.topicsPerConnection && this.hasRequestBudget(c, topics),
    );
    if (!conn) {
      this.openConnection(topics);
      return;
    }
    conn.topics.push(...topics);
    if (conn.socket.isOpen) this.request(conn, 'subscribe', topics);
  }

  /**
   * Stops following a symbol `follow` added: its topics unsubscribed (a connection left with none is
   * closed), its state dropped, so that frames still in flight for it find no book and are ignored.
   */
  private unfollow(symbol: string): void {
    if (!this.followed.delete(symbol)) return;
    this.log.info({ book: this.key(symbol) }, 'no longer following a book on demand');
    this.abortAudit(symbol, 'no longer followed');
    const book = this.books.get(symbol);
    if (book) {
      this.endRecovery(book);
      this.endRest(book);
      this.books.delete(symbol);
      this.bookByTopic.delete(book.topic);
    }
    this.unknown.delete(symbol);
    this.tradeIds.forget(symbol);
    const topics = this.topicsOf(symbol);
    for (const conn of [...this.connections]) {
      const dropped = conn.topics.filter((t) => topics.includes(t));
      if (dropped.length === 0) continue;
      for (const t of dropped) this.clearRetry(conn, t);
      conn.topics = conn.topics.filter((t) => !topics.includes(t));
      if (conn.topics.length === 0) this.closeConnection(conn);
      else if (conn.socket.isOpen && this.hasRequestBudget(conn, dropped)) this.request(conn, 'unsubscribe', dropped);
      // Out of requests this hour: the venue streams the topics until the connection's next reconnect
      // (whose subscription leaves them out), and their frames find no book meanwhile.
      else if (conn.socket.isOpen) {
        this.log.debug(
          { connection: conn.name, topics: dropped },
          'unsubscribe deferred: the hourly request cap is spent',
        );
      }
    }
  }

  // ---- control ------------------------------------------------------------------------------

  resync(symbol: string, reason: ResyncReason): void {
    const book = this.books.get(symbol);
    if (book && !this.unknown.has(symbol)) this.repair(book, reason, 'gap');
  }

  status(): ConnectorStatus {
    return {
      exchange: this.exchange,
      connections: this.connections.map((c) => ({
        name: c.name,
        status: c.socket.status,
        reconnections: c.socket.reconnections,
      })),
      counters: { ...this.counters },
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.connectionTimers) clearTimeout(timer);
    this.connectionTimers.clear();
    this.instrumentList.stop();
    this.auditScheduler.stop();
    this.audit?.abort('stopping');
    for (const book of this.books.values()) {
      this.endRecovery(book);
      this.endRest(book);
    }
    for (const conn of this.connections) {
      for (const r of conn.retries.values()) clearTimeout(r.timer);
      this.forgetRequests(conn);
    }
    await Promise.all(this.connections.map((c) => c.socket.stop()));
  }
}
