import { isUnhealthy, type MarketSink, type ResyncReason } from '../../core/sink.js';
import type { Logger } from '../../log.js';
import { RateLimitedLog } from '../../log.js';
import { Backoff } from '../backoff.js';
import { type ConnectorStatus, newCounters, type VenueConnector } from '../connector.js';
import { ReconnectingSocket } from '../reconnecting-socket.js';
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
/** Retry a refused subscription after this long (then backing off up to 5 minutes). */
export const BYBIT_SUBSCRIPTION_RETRY_MS = 5_000;

export interface BybitConnectorOptions {
  readonly symbols: readonly string[];
  readonly wsUrl?: string;
  readonly depth?: BybitDepth;
  readonly pingIntervalMs?: number;
  readonly pongTimeoutMs?: number;
  readonly dataTimeoutMs?: number;
  readonly subscriptionRetryMs?: number;
  readonly backoff?: () => Backoff;
  readonly log: Logger;
}

/** One `orderbook.{depth}.{symbol}` subscription's sequencing state. */
interface BookTopic {
  readonly topic: string;
  readonly symbol: string;
  /** `u` of the last applied message; undefined until a snapshot arrives. */
  lastU: number | undefined;
  /** Unsubscribed after a gap; deltas are ignored until the ack and the new snapshot. */
  recovering: boolean;
  /** Whether the book was ever live (a disconnect then says "disconnected", not "syncing"). */
  everLive: boolean;
}

interface Connection {
  readonly name: string;
  readonly socket: ReconnectingSocket;
  readonly topics: string[];
  readonly requests: Map<string, { op: 'subscribe' | 'unsubscribe'; topics: string[] }>;
  readonly retries: Map<string, { timer: NodeJS.Timeout; backoff: Backoff }>;
}

/**
 * Bybit v5 public linear. Every `snapshot` (including `u` = 1 after a venue restart) replaces the book;
 * a `delta` applies only when its `u` is the previous + 1; any other `u` is a gap, repaired by
 * unsubscribing, waiting for the ack and subscribing again (a REST snapshot cannot seed these topics).
 */
export class BybitConnector implements VenueConnector {
  readonly exchange = 'bybit' as const;
  private readonly symbols: readonly string[];
  private readonly depth: BybitDepth;
  private readonly books = new Map<string, BookTopic>();
  private readonly connections: Connection[] = [];
  private readonly counters = newCounters();
  private readonly warn: RateLimitedLog;
  private sink: MarketSink | undefined;
  private nextReqId = 1;

  constructor(private readonly options: BybitConnectorOptions) {
    this.symbols = options.symbols.map((s) => s.toUpperCase());
    this.depth = options.depth ?? BYBIT_DEFAULT_DEPTH;
    this.warn = new RateLimitedLog(options.log);
  }

  start(sink: MarketSink): void {
    this.sink = sink;
    const topics: string[] = [];
    for (const symbol of this.symbols) {
      const topic = `orderbook.${this.depth}.${symbol}`;
      this.books.set(topic, { topic, symbol, lastU: undefined, recovering: false, everLive: false });
      topics.push(topic, `publicTrade.${symbol}`);
    }
    for (let i = 0; i < topics.length; i += BYBIT_MAX_TOPICS_PER_CONNECTION) {
      const name = `linear#${i / BYBIT_MAX_TOPICS_PER_CONNECTION}`;
      const connTopics = topics.slice(i, i + BYBIT_MAX_TOPICS_PER_CONNECTION);
      const conn: Connection = {
        name,
        topics: connTopics,
        requests: new Map(),
        retries: new Map(),
        socket: new ReconnectingSocket({
          name: `bybit/${name}`,
          url: () => this.options.wsUrl ?? BYBIT_DEFAULT_WS_URL,
          heartbeat: { kind: 'app', ping: () => JSON.stringify({ req_id: `ping-${this.nextReqId++}`, op: 'ping' }) },
          pingIntervalMs: this.options.pingIntervalMs ?? BYBIT_PING_INTERVAL_MS,
          pongTimeoutMs: this.options.pongTimeoutMs,
          dataTimeoutMs: this.options.dataTimeoutMs,
          backoff: this.options.backoff?.(),
          log: this.options.log,
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
  private request(conn: Connection, op: 'subscribe' | 'unsubscribe', topics: readonly string[]): void {
    for (let i = 0; i < topics.length; i += BYBIT_MAX_ARGS_PER_REQUEST) {
      const args = topics.slice(i, i + BYBIT_MAX_ARGS_PER_REQUEST);
      const reqId = `${op === 'subscribe' ? 's' : 'u'}${this.nextReqId++}`;
      conn.requests.set(reqId, { op, topics: args });
      conn.socket.send(JSON.stringify({ req_id: reqId, op, args }));
    }
  }

  /** Returns false for control traffic (acks and pongs), which must not feed the no-data watchdog. */
  private onFrame(conn: Connection, text: string, receivedAt: number): boolean {
    this.counters.frames++;
    const frame = parseBybitFrame(text, receivedAt);
    switch (frame.kind) {
      case 'orderbook':
        this.onBook(frame);
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

  private onBook(frame: Extract<BybitFrame, { kind: 'orderbook' }>): void {
    const book = this.books.get(frame.topic);
    const sink = this.sink;
    if (!book || !sink) return;
    if (frame.type === 'snapshot') {
      // Any snapshot replaces the book, whatever its u (u = 1 after a venue-side restart).
      if (book.lastU !== undefined && frame.u <= book.lastU && !book.recovering) {
        this.options.log.info(
          { topic: frame.topic, u: frame.u, previousU: book.lastU },
          'venue sent a fresh snapshot mid-stream',
        );
      }
      const outcome = sink.book({
        type: 'book_snapshot',
        exchange: 'bybit',
        symbol: book.symbol,
        bids: frame.bids,
        asks: frame.asks,
        updateId: frame.u,
        venueTs: frame.ts,
        localTs: Date.now(),
      });
      if (outcome === 'rejected') {
        this.recover(book, 'invalid_data');
        return;
      }
      book.lastU = frame.u;
      book.recovering = false;
      book.everLive = true;
      if (isUnhealthy(outcome)) this.recover(book, outcome);
      return;
    }
    if (book.lastU === undefined || book.recovering) return; // no snapshot yet for this subscription
    if (frame.u <= book.lastU) {
      this.counters.duplicates++;
      return;
    }
    if (frame.u !== book.lastU + 1) {
      this.counters.gaps++;
      this.recover(book, 'gap');
      return;
    }
    const outcome = sink.book({
      type: 'book_delta',
      exchange: 'bybit',
      symbol: book.symbol,
      bids: frame.bids,
      asks: frame.asks,
      firstUpdateId: frame.u,
      updateId: frame.u,
      venueTs: frame.ts,
      localTs: Date.now(),
    });
    if (outcome === 'rejected') return; // the book and u stay; the real next delta still applies
    book.lastU = frame.u;
    if (isUnhealthy(outcome)) this.recover(book, outcome);
  }

  /** Unsubscribe, wait for the ack, subscribe again; ignore the topic's deltas meanwhile. */
  private recover(book: BookTopic, reason: ResyncReason): void {
    if (book.recovering) return;
    book.recovering = true;
    book.lastU = undefined;
    this.sink?.bookResyncing('bybit', book.symbol, reason);
    const conn = this.connections.find((c) => c.topics.includes(book.topic));
    if (conn) this.request(conn, 'unsubscribe', [book.topic]);
  }

  private onAck(conn: Connection, ack: Extract<BybitFrame, { kind: 'ack' }>): void {
    if (ack.op === 'ping' || ack.message === 'pong') {
      conn.socket.pongReceived();
      return;
    }
    const request = ack.reqId === undefined ? undefined : conn.requests.get(ack.reqId);
    if (ack.reqId !== undefined) conn.requests.delete(ack.reqId);
    if (!request) return;
    if (request.op === 'unsubscribe') {
      // Whether it succeeded or the venue says we were not subscribed, subscribe again now.
      this.request(conn, 'subscribe', request.topics);
      return;
    }
    if (ack.success) {
      for (const t of request.topics) this.clearRetry(conn, t);
      return;
    }
    if (ack.message.includes('already subscribed')) return;
    this.counters.subscriptionFailures++;
    // The venue names one topic; retry it later, and re-request the others at once.
    const named = /topic:(\S+)/.exec(ack.message)?.[1];
    const failed = named !== undefined && request.topics.includes(named) ? [named] : request.topics;
    for (const topic of failed) {
      const book = this.books.get(topic);
      this.options.log.error(
        { exchange: 'bybit', topic, venueMessage: ack.message },
        'subscription refused by the venue',
      );
      if (book) this.sink?.bookResyncing('bybit', book.symbol, 'subscription_failed');
      this.scheduleRetry(conn, topic);
    }
    const others = request.topics.filter((t) => !failed.includes(t));
    if (others.length > 0) this.request(conn, 'subscribe', others);
  }

  private scheduleRetry(conn: Connection, topic: string): void {
    const existing = conn.retries.get(topic);
    const backoff =
      existing?.backoff ??
      new Backoff(this.options.subscriptionRetryMs ?? BYBIT_SUBSCRIPTION_RETRY_MS, 300_000, () => 1);
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      if (conn.socket.isOpen) this.request(conn, 'subscribe', [topic]);
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
      if (book.everLive) this.sink?.bookResyncing('bybit', book.symbol, 'disconnected');
      book.lastU = undefined;
      book.recovering = false;
    }
  }

  resync(symbol: string, reason: ResyncReason): void {
    const book = this.books.get(`orderbook.${this.depth}.${symbol.toUpperCase()}`);
    if (book) this.recover(book, reason);
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
    for (const conn of this.connections) for (const r of conn.retries.values()) clearTimeout(r.timer);
    await Promise.all(this.connections.map((c) => c.socket.stop()));
  }
}
