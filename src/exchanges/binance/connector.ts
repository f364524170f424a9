import type { Instrument } from '../../core/instrument.js';
import type { BookAuditResult, MarketSink, ResyncReason } from '../../core/sink.js';
import { bookKey } from '../../core/types.js';
import type { Logger } from '../../log.js';
import { RateLimitedLog } from '../../log.js';
import { AuditScheduler, DEFAULT_AUDIT_INTERVAL_MS, DEFAULT_AUDIT_TIMEOUT_MS } from '../audit.js';
import type { Backoff } from '../backoff.js';
import { type ConnectorStatus, newCounters, type OnDemandBooks, type VenueConnector } from '../connector.js';
import { ConnectorStoppedError, SubscriptionRejectedError, VenueHttpError, VenueResponseError } from '../errors.js';
import { InstrumentList } from '../instrument-list.js';
import { ReconnectingSocket } from '../reconnecting-socket.js';
import { fetchResponse, SnapshotQueue } from '../snapshot-queue.js';
import { BinanceBookAudit } from './audit.js';
import { BINANCE_SNAPSHOT_LIMIT, BinanceBookSync, type DepthSnapshot } from './book-sync.js';
import { BINANCE_MAX_STREAMS, BINANCE_MAX_URL_LENGTH, combinedStreamUrl, planStreamChunks } from './connection-plan.js';
import { isBinanceInvalidSymbol } from './errors.js';
import { parseBinanceDepthSnapshot, parseBinanceExchangeInfo, parseBinanceFrame } from './parse.js';
import {
  BINANCE_DEFAULT_DEPTH_SPEED,
  BINANCE_DEFAULT_REST_URL,
  BINANCE_DEFAULT_WS_URL,
  type BinanceDepthSpeed,
} from './settings.js';

export { BINANCE_MAX_STREAMS, BINANCE_MAX_URL_LENGTH } from './connection-plan.js';
export {
  BINANCE_DEFAULT_DEPTH_SPEED,
  BINANCE_DEFAULT_REST_URL,
  BINANCE_DEFAULT_WS_URL,
  BINANCE_DEPTH_SPEEDS,
  type BinanceDepthSpeed,
} from './settings.js';

/** The documented stream names: 250 ms is plain `@depth` (no `@depth@250ms` is documented). */
const DEPTH_STREAM_SUFFIX: Record<BinanceDepthSpeed, string> = {
  '100ms': '@depth@100ms',
  '250ms': '@depth',
  '500ms': '@depth@500ms',
};
/** Weight of `GET /fapi/v1/depth?limit=1000`. */
export const BINANCE_SNAPSHOT_WEIGHT = 20;
/** Binance's request-weight limit per IP and minute (REST), which `X-MBX-USED-WEIGHT-1M` counts against. */
export const BINANCE_WEIGHT_LIMIT_PER_MINUTE = 2_400;
/** Binance closes connections at 24 h; roll over to a fresh one a little before. */
export const BINANCE_CONNECTION_ROTATE_MS = 23.5 * 60 * 60 * 1000;
/** Binance pings every 3 minutes; ws answers automatically. We ping too, to detect a dead socket sooner. */
export const BINANCE_PING_INTERVAL_MS = 30_000;
/**
 * A trade-only connection may be silent because nobody trades (a quiet alt perp at night), so its
 * no-data limit is far longer than a depth stream's; its pongs prove the socket alive meanwhile.
 */
export const BINANCE_TRADE_DATA_TIMEOUT_MS = 10 * 60 * 1000;
/** The instrument list is small and fast; a start waits at most this long for it before going on without. */
export const BINANCE_INSTRUMENT_LIST_TIMEOUT_MS = 5_000;
/**
 * When several `-1121` answers arrive one request apart, their streams are dropped together: one
 * re-opened connection, not one per symbol.
 */
export const BINANCE_STREAM_DROP_DELAY_MS = 250;
/**
 * Messages FlowRS sends on one connection per second at most: Binance closes a connection that sends
 * more than 10 (its answers to the venue's pings count too), so half of that.
 */
export const BINANCE_MAX_OUTGOING_PER_SECOND = 5;

export interface BinanceConnectorOptions {
  readonly symbols: readonly string[];
  readonly wsUrl?: string;
  readonly restUrl?: string;
  /** Diff-depth update speed (default 100ms): `<symbol>@depth@100ms`, `<symbol>@depth` or `<symbol>@depth@500ms`. */
  readonly depthSpeed?: BinanceDepthSpeed;
  readonly maxStreamsPerConnection?: number;
  /** Longest combined-stream URL (default BINANCE_MAX_URL_LENGTH). */
  readonly maxUrlLength?: number;
  readonly pingIntervalMs?: number;
  readonly pongTimeoutMs?: number;
  /** No-data limit for diff-depth connections (books change continuously). */
  readonly dataTimeoutMs?: number;
  /** No-data limit for aggTrade connections (default BINANCE_TRADE_DATA_TIMEOUT_MS). */
  readonly tradeDataTimeoutMs?: number;
  readonly maxConnectionAgeMs?: number;
  readonly snapshotWeightBudgetPerMinute?: number;
  readonly snapshotJitterMs?: number;
  /** First wait after a snapshot the book engine refused (default DEFAULT_BAD_SNAPSHOT_RETRY_MS). */
  readonly badSnapshotRetryMs?: number;
  /** Each live book is audited against a fresh snapshot about this often (default DEFAULT_AUDIT_INTERVAL_MS; 0 disables). */
  readonly auditIntervalMs?: number;
  readonly auditTimeoutMs?: number;
  /** Instrument list: first retry after a failed load, and how often it is fetched again. */
  readonly instrumentRetryMs?: number;
  readonly instrumentRefreshMs?: number;
  readonly instrumentListTimeoutMs?: number;
  readonly backoff?: () => Backoff;
  readonly log: Logger;
}

type Category = 'public' | 'market';

/** One combined-stream connection and the symbols whose streams it carries. */
interface StreamConnection {
  readonly name: string;
  readonly category: Category;
  /**
   * Its symbols: in its URL at every (re)connection; books followed on demand are added (SUBSCRIBE) and
   * removed (UNSUBSCRIBE) while it is open.
   */
  symbols: string[];
  /** The streams the URL of its latest connection attempt carried (a rotation's replacement included). */
  urlStreams: readonly string[];
  /** The streams its open connection carries: its URL's, plus SUBSCRIBEs, less UNSUBSCRIBEs. */
  liveStreams: readonly string[];
  /** A SUBSCRIBE/UNSUBSCRIBE is due at the end of this turn: books followed together share one message. */
  reconcileDue: boolean;
  readonly socket: ReconnectingSocket;
}

/** How the socket describes an HTTP 4xx answer to its upgrade: Binance refused the streams in the URL. */
const REFUSED_UPGRADE = /Unexpected server response: 4\d\d/;

/** Queue key of an audit's snapshot request (the live sync's key is the symbol). */
const auditKey = (symbol: string) => `${symbol}#audit`;

/**
 * Binance USDⓈ-M futures. Since 2026-04-23 streams are routed by category: diff depth on
 * `/public/stream`, aggTrade on `/market/stream` (an unrouted URL acknowledges aggTrade and never
 * sends it). So: one set of combined-stream connections per category, each within 200 streams and a
 * URL length limit, subscribed through the URL (no outgoing messages to rate-limit).
 *
 * Binance accepts a stream for a symbol it does not list and sends nothing on it. So the configured
 * symbols are checked against `GET /fapi/v1/exchangeInfo` first: an unlisted one is flagged
 * `unknown_symbol` and gets no stream. If the list cannot be had, every symbol starts, each asks for a
 * snapshot at once (an unlisted one gets `-1121`), and the list is fetched again in the background.
 */
export class BinanceConnector implements VenueConnector {
  readonly exchange = 'binance' as const;
  readonly onDemand: OnDemandBooks;
  /** The configured symbols (never dropped). */
  private readonly symbols: readonly string[];
  /** Symbols followed on demand (`onDemand.follow`), until unfollowed. */
  private readonly followed = new Set<string>();
  /** Every trading perpetual the venue lists, by symbol (from the last exchangeInfo). */
  private readonly listed = new Map<string, Instrument>();
  private readonly wsUrl: string;
  private readonly restUrl: string;
  private connections: StreamConnection[] = [];
  private readonly syncs = new Map<string, BinanceBookSync>();
  /** SUBSCRIBE/UNSUBSCRIBE requests not answered yet, by id (an error answer names its id). */
  private readonly requests = new Map<
    number,
    { connection: StreamConnection; method: 'SUBSCRIBE' | 'UNSUBSCRIBE'; streams: readonly string[] }
  >();
  /** Symbols the venue does not list: flagged, and carried by no connection. */
  private readonly unknown = new Set<string>();
  private readonly lastTradeId = new Map<string, number>();
  private readonly queue: SnapshotQueue<DepthSnapshot>;
  private readonly instruments: InstrumentList;
  private readonly auditScheduler: AuditScheduler;
  private audit: BinanceBookAudit | undefined;
  private readonly counters = newCounters();
  private readonly warn: RateLimitedLog;
  private sink: MarketSink | undefined;
  private phase: 'idle' | 'loading' | 'running' | 'stopped' = 'idle';
  private dropTimer: NodeJS.Timeout | undefined;
  /** Reconnections of connections since closed for good (so the venue's total never goes down). */
  private retiredReconnections = 0;
  private readonly depthSuffix: string;
  /** The next index of a connection name per category (`public#N`): never reused while running. */
  private readonly nextConnectionIndex: Record<Category, number> = { public: 0, market: 0 };
  private nextRequestId = 1;
  /** Settles once the instrument list's first load has answered (or failed). */
  private firstLoad: Promise<boolean> | undefined;

  constructor(private readonly options: BinanceConnectorOptions) {
    this.symbols = [...new Set(options.symbols.map((s) => s.toUpperCase()))];
    this.wsUrl = (options.wsUrl ?? BINANCE_DEFAULT_WS_URL).replace(/\/+$/, '');
    this.restUrl = (options.restUrl ?? BINANCE_DEFAULT_REST_URL).replace(/\/+$/, '');
    this.depthSuffix = DEPTH_STREAM_SUFFIX[options.depthSpeed ?? BINANCE_DEFAULT_DEPTH_SPEED];
    this.warn = new RateLimitedLog(options.log);
    this.queue = new SnapshotQueue<DepthSnapshot>({
      requestWeight: BINANCE_SNAPSHOT_WEIGHT,
      weightBudgetPerMinute: options.snapshotWeightBudgetPerMinute,
      jitterMs: options.snapshotJitterMs,
      log: options.log.child({ component: 'snapshots' }),
      isPermanent: isBinanceInvalidSymbol,
      describe: (key) =>
        key.endsWith('#audit')
          ? { book: bookKeyOf(key.slice(0, -'#audit'.length)), audit: true }
          : { book: bookKeyOf(key) },
    });
    this.instruments = new InstrumentList({
      load: () => this.loadInstruments(),
      retryMs: options.instrumentRetryMs,
      refreshMs: options.instrumentRefreshMs,
      log: options.log,
    });
    this.auditScheduler = new AuditScheduler({
      intervalMs: options.auditIntervalMs ?? DEFAULT_AUDIT_INTERVAL_MS,
      keys: () => this.allSymbols(),
      eligible: (symbol) => !this.unknown.has(symbol) && this.syncs.get(symbol)?.isTrusted === true,
      busy: () => this.auditBusy(),
      start: (symbol) => this.startAudit(symbol),
    });
    this.onDemand = {
      lists: (symbol) => this.lists(symbol),
      follow: (symbol) => this.follow(symbol),
      unfollow: (symbol) => this.unfollow(symbol),
    };
  }

  /** The configured symbols, then those followed on demand. */
  private allSymbols(): string[] {
    return [...this.symbols, ...this.followed];
  }

  start(sink: MarketSink): void {
    if (this.phase !== 'idle') return;
    this.sink = sink;
    this.phase = 'loading';
    for (const symbol of this.allSymbols()) this.addSync(symbol);
    this.instruments.onLoad((listed) => this.onInstrumentList(listed));
    this.firstLoad = this.instruments.load();
    void this.firstLoad.then((loaded) => {
      if (this.phase !== 'loading') return;
      this.phase = 'running';
      // Without the list, only a snapshot's answer can say that a symbol is unknown: ask at once.
      if (!loaded) for (const symbol of this.streamSymbols()) this.syncs.get(symbol)?.probe();
      this.openConnections(this.streamSymbols());
      this.auditScheduler.start();
    });
  }

  private addSync(symbol: string): void {
    this.syncs.set(
      symbol,
      new BinanceBookSync(symbol, this.sink!, (s, delayMs) => this.requestLiveSnapshot(s, delayMs), this.counters, {
        badSnapshotRetryMs: this.options.badSnapshotRetryMs,
      }),
    );
  }

  // ---- instrument list ----------------------------------------------------------------------

  private async loadInstruments(): Promise<ReadonlySet<string>> {
    const url = `${this.restUrl}/fapi/v1/exchangeInfo`;
    const response = await this.fetchReportingWeight(
      url,
      this.options.instrumentListTimeoutMs ?? BINANCE_INSTRUMENT_LIST_TIMEOUT_MS,
    );
    let body: unknown;
    try {
      body = JSON.parse(response.body);
    } catch {
      throw new VenueResponseError('exchangeInfo is not JSON');
    }
    const parsed = parseBinanceExchangeInfo(body);
    if ('error' in parsed) throw new VenueResponseError(parsed.error);
    this.listed.clear();
    for (const instrument of parsed.instruments) this.listed.set(instrument.symbol, instrument);
    const symbols = this.allSymbols();
    this.sink?.instruments(
      'binance',
      parsed.instruments.filter((i) => symbols.includes(i.symbol)),
    );
    return new Set(this.listed.keys());
  }

  /** Every load of the list (the first and each refresh): flag what it does not list, and drop its streams. */
  private onInstrumentList(listed: ReadonlySet<string>): void {
    const unlisted = this.allSymbols().filter((s) => !listed.has(s) && !this.unknown.has(s));
    for (const symbol of unlisted) this.markUnknown(symbol);
    if (this.phase === 'running' && unlisted.length > 0) this.dropStreams();
  }

  /** Flags `symbol` unknown_symbol once, with one clear line naming it. */
  private markUnknown(symbol: string): void {
    if (this.unknown.has(symbol)) return;
    this.unknown.add(symbol);
    if (this.audit?.symbol === symbol) this.abortAudit('the symbol is not listed');
    this.options.log.error(
      { book: bookKeyOf(symbol), symbol },
      `Binance does not list ${symbol}; its book is flagged unknown_symbol (check FLOWRS_SYMBOLS)`,
    );
    this.syncs.get(symbol)?.abandon();
  }

  /** The symbols that get streams: every configured or followed one the venue is not known to refuse. */
  private streamSymbols(): string[] {
    return this.allSymbols().filter((s) => !this.unknown.has(s));
  }

  // ---- connections --------------------------------------------------------------------------

  private streamName(symbol: string, category: Category): string {
    return `${symbol.toLowerCase()}${category === 'public' ? this.depthSuffix : '@aggTrade'}`;
  }

  /** The chunks of symbols, per category, that one connection each carries. */
  private plan(symbols: readonly string[]): { category: Category; name: string; symbols: string[] }[] {
    const out: { category: Category; name: string; symbols: string[] }[] = [];
    for (const category of ['public', 'market'] as const) {
      const streams = symbols.map((s) => this.streamName(s, category));
      const chunks = planStreamChunks(
        streams,
        (chunk) => combinedStreamUrl(this.wsUrl, category, chunk),
        this.options.maxStreamsPerConnection ?? BINANCE_MAX_STREAMS,
        this.options.maxUrlLength ?? BINANCE_MAX_URL_LENGTH,
      );
      let next = 0;
      chunks.forEach((chunk, i) => {
        out.push({ category, name: `${category}#${i}`, symbols: symbols.slice(next, next + chunk.length) });
        next += chunk.length;
      });
    }
    return out;
  }

  private openConnections(symbols: readonly string[]): void {
    for (const { category, name, symbols: chunk } of this.plan(symbols)) this.openConnection(category, name, chunk);
    for (const category of ['public', 'market'] as const) {
      this.nextConnectionIndex[category] = this.connections.filter((c) => c.category === category).length;
    }
  }

  /** The URL of a connection carrying these symbols' streams of `category`. */
  private connectionUrl(category: Category, symbols: readonly string[]): string {
    return combinedStreamUrl(
      this.wsUrl,
      category,
      symbols.map((s) => this.streamName(s, category)),
    );
  }

  /** Whether `conn` can take `symbol`'s stream within the venue's streams per connection and URL length. */
  private hasRoom(conn: StreamConnection, symbol: string): boolean {
    const maxStreams = this.options.maxStreamsPerConnection ?? BINANCE_MAX_STREAMS;
    const maxUrlLength = this.options.maxUrlLength ?? BINANCE_MAX_URL_LENGTH;
    return (
      conn.symbols.length < maxStreams &&
      this.connectionUrl(conn.category, [...conn.symbols, symbol]).length <= maxUrlLength
    );
  }

  /**
   * Opens a connection and adds it to `connections` (before it starts, so its first status is reported).
   * A connection re-opened under the same name keeps counting its predecessor's reconnections.
   */
  private openConnection(category: Category, name: string, symbols: readonly string[], reconnections = 0): void {
    const sink = this.sink!;
    const socket: ReconnectingSocket = new ReconnectingSocket({
      name,
      // The URL carries the symbols it has now: a reconnect includes books followed meanwhile.
      url: () => {
        conn.urlStreams = conn.symbols.map((s) => this.streamName(s, category));
        return combinedStreamUrl(this.wsUrl, category, conn.urlStreams);
      },
      // Books followed or unfollowed while it was connecting: the URL it opened with did not have them.
      onOpen: () => this.reconcileStreams(conn, conn.urlStreams),
      maxOutgoingPerSecond: BINANCE_MAX_OUTGOING_PER_SECOND,
      heartbeat: { kind: 'ws' },
      pingIntervalMs: this.options.pingIntervalMs ?? BINANCE_PING_INTERVAL_MS,
      pongTimeoutMs: this.options.pongTimeoutMs,
      dataTimeoutMs:
        category === 'public'
          ? this.options.dataTimeoutMs
          : (this.options.tradeDataTimeoutMs ?? BINANCE_TRADE_DATA_TIMEOUT_MS),
      maxConnectionAgeMs: this.options.maxConnectionAgeMs ?? BINANCE_CONNECTION_ROTATE_MS,
      backoff: this.options.backoff?.(),
      log: this.options.log,
      onMessage: (text, at) => this.onFrame(text, at),
      onDisconnect: () => {
        this.forgetRequests(conn);
        if (category === 'public') this.onConnectionLost(conn.symbols);
      },
      onStatus: (status) => {
        // A replaced connection's last words must not overwrite its successor's state (same name).
        if (!this.connections.some((c) => c.socket === socket)) return;
        sink.connection('binance', name, status);
        // Binance subscribes through the URL: refusing the upgrade (HTTP 4xx) refuses these streams.
        if (
          category === 'public' &&
          status.type === 'reconnecting' &&
          status.reason === 'connect_failed' &&
          REFUSED_UPGRADE.test(status.detail)
        ) {
          for (const s of conn.symbols) this.syncs.get(s)?.subscriptionRefused();
        }
      },
    });
    const conn: StreamConnection = {
      name,
      category,
      symbols: [...symbols],
      urlStreams: [],
      liveStreams: [],
      reconcileDue: false,
      socket,
    };
    socket.reconnections = reconnections;
    this.connections.push(conn);
    socket.start();
  }

  /**
   * Subscribes (or unsubscribes) the streams `conn` should carry that a connection carrying `carried`
   * lacks (or has too many of): on opening, `carried` is its URL's; while open, what it carries.
   */
  private reconcileStreams(conn: StreamConnection, carried: readonly string[]): void {
    const wanted = conn.symbols.map((s) => this.streamName(s, conn.category));
    const added = wanted.filter((s) => !carried.includes(s));
    const removed = carried.filter((s) => !wanted.includes(s));
    if (added.length > 0) this.sendStreamRequest(conn, 'SUBSCRIBE', added);
    if (removed.length > 0) this.sendStreamRequest(conn, 'UNSUBSCRIBE', removed);
    conn.liveStreams = wanted;
  }

  /**
   * Subscribes what changed on an open connection at the end of this turn, so that books followed (or
   * unfollowed) together cost one message. A connection not open yet does it when it opens.
   */
  private scheduleReconcile(conn: StreamConnection): void {
    if (conn.reconcileDue) return;
    conn.reconcileDue = true;
    queueMicrotask(() => {
      conn.reconcileDue = false;
      if (this.connections.includes(conn) && conn.socket.isOpen) this.reconcileStreams(conn, conn.liveStreams);
    });
  }

  /** `{"method":"SUBSCRIBE","params":[…],"id":N}` on an open connection (paced under the venue's limit). */
  private sendStreamRequest(conn: StreamConnection, method: 'SUBSCRIBE' | 'UNSUBSCRIBE', streams: string[]): void {
    const id = this.nextRequestId++;
    this.requests.set(id, { connection: conn, method, streams });
    conn.socket.send(JSON.stringify({ method, params: streams, id }));
  }

  /** Requests a lost or closed connection will never have answered. */
  private forgetRequests(conn: StreamConnection): void {
    for (const [id, request] of this.requests) if (request.connection === conn) this.requests.delete(id);
  }

  private onConnectionLost(symbols: readonly string[]): void {
    for (const s of symbols) this.syncs.get(s)?.onDisconnect();
    if (this.audit !== undefined && symbols.includes(this.audit.symbol)) this.abortAudit('its connection was lost');
  }

  /** Drops the streams of unknown symbols soon, together with any others found meanwhile. */
  private scheduleDrop(): void {
    if (this.phase !== 'running') return;
    clearTimeout(this.dropTimer);
    this.dropTimer = setTimeout(() => this.dropStreams(), BINANCE_STREAM_DROP_DELAY_MS);
    this.dropTimer.unref();
  }

  /**
   * Re-opens every connection that carries an unknown symbol without it; a connection left with none
   * is closed for good (a connection streaming nothing would be reconnected by the no-data watchdog
   * forever). The other symbols on a re-opened connection resume as after any reconnect.
   */
  private dropStreams(): void {
    clearTimeout(this.dropTimer);
    this.dropTimer = undefined;
    if (this.phase !== 'running') return;
    const next: StreamConnection[] = [];
    const replaced: StreamConnection[] = [];
    for (const conn of this.connections) {
      if (conn.symbols.some((s) => this.unknown.has(s))) replaced.push(conn);
      else next.push(conn);
    }
    if (replaced.length === 0) return;
    this.connections = next;
    for (const conn of replaced) {
      this.forgetRequests(conn);
      void conn.socket.stop();
      const remaining = conn.symbols.filter((s) => !this.unknown.has(s));
      if (conn.category === 'public') this.onConnectionLost(remaining);
      if (remaining.length === 0) {
        this.retiredReconnections += conn.socket.reconnections;
        this.sink?.connection('binance', conn.name, { type: 'closed' });
        this.options.log.info({ connection: conn.name }, 'closed a connection that carried only unknown symbols');
        continue;
      }
      this.openConnection(conn.category, conn.name, remaining, conn.socket.reconnections);
      this.options.log.info(
        { connection: conn.name, streams: remaining.length },
        're-opened a connection without the streams of unknown symbols',
      );
    }
  }

  // ---- frames -------------------------------------------------------------------------------

  /** Returns false for frames that are not market data (method responses, errors). */
  private onFrame(text: string, receivedAt: number): boolean {
    this.counters.frames++;
    const frame = parseBinanceFrame(text, receivedAt);
    switch (frame.kind) {
      case 'depth': {
        const sync = this.syncs.get(frame.event.symbol);
        if (!sync) return true;
        sync.onDelta(frame.event);
        const audit = this.audit;
        if (audit?.symbol === frame.event.symbol) {
          // The shadow sees exactly the events the live sync saw, in the same order.
          if (!sync.isTrusted) this.abortAudit('the live book is resyncing');
          else this.finishAudit(audit, audit.onDelta(frame.event, sync));
        }
        return true;
      }
      case 'trade': {
        const { symbol, tradeId } = frame.event;
        // A symbol no longer followed may still stream until its UNSUBSCRIBE is carried out: not served.
        if (!this.syncs.has(symbol)) return true;
        const id = Number(tradeId);
        const last = this.lastTradeId.get(symbol) ?? -1;
        // Connection overlap (rotation) can deliver a trade twice; aggregate ids only grow.
        if (id <= last) return true;
        this.lastTradeId.set(symbol, id);
        this.sink?.trade(frame.event);
        return true;
      }
      case 'ignored':
        return true;
      case 'response':
        this.requests.delete(frame.id);
        return false;
      case 'error': {
        const request = frame.id === undefined ? undefined : this.requests.get(frame.id);
        if (request !== undefined && frame.id !== undefined) {
          this.requests.delete(frame.id);
          this.counters.subscriptionFailures++;
          this.options.log.error(
            {
              connection: request.connection.name,
              streams: request.streams,
              err: new SubscriptionRejectedError(request.streams.join(','), `${frame.code} ${frame.message}`),
            },
            `${request.method} refused by the venue`,
          );
          // A refused depth stream: its book gets no event (the connection's next URL asks for it again).
          if (request.method === 'SUBSCRIBE' && request.connection.category === 'public') {
            for (const s of request.connection.symbols) {
              if (request.streams.includes(this.streamName(s, 'public'))) this.syncs.get(s)?.subscriptionRefused();
            }
          }
          return false;
        }
        this.warn.warn('venue-error', { code: frame.code, msg: frame.message }, 'venue reported an error');
        return false;
      }
      case 'invalid':
        this.sink?.invalidFrame('binance', frame.reason, `${frame.detail}: ${text.slice(0, 120)}`);
        return true;
    }
  }

  // ---- snapshots ----------------------------------------------------------------------------

  private requestLiveSnapshot(symbol: string, delayMs: number): void {
    this.fetchSnapshot(symbol, symbol, delayMs, (snapshot) => {
      this.syncs.get(symbol)?.onSnapshot(snapshot);
      const audit = this.audit;
      const sync = this.syncs.get(symbol);
      // A snapshot for the live book means it is resyncing: an audit of it cannot conclude.
      if (audit?.symbol === symbol && sync !== undefined && !sync.isTrusted) this.abortAudit('the live book resynced');
    });
  }

  private fetchSnapshot(symbol: string, key: string, delayMs: number, deliver: (s: DepthSnapshot) => void): void {
    this.queue
      .enqueue(key, () => this.getSnapshot(symbol), delayMs)
      .then(
        (snapshot) => {
          this.counters.snapshotsFetched++;
          deliver(snapshot);
        },
        (error: Error) => {
          if (error instanceof ConnectorStoppedError) return;
          if (isBinanceInvalidSymbol(error)) {
            this.markUnknown(symbol);
            this.scheduleDrop();
            return;
          }
          this.options.log.error({ book: bookKeyOf(symbol), err: error }, 'snapshot failed');
        },
      );
  }

  private async getSnapshot(symbol: string): Promise<DepthSnapshot> {
    const url = `${this.restUrl}/fapi/v1/depth?symbol=${symbol}&limit=${BINANCE_SNAPSHOT_LIMIT}`;
    const { body: text } = await this.fetchReportingWeight(url);
    const localTs = Date.now();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new VenueResponseError(`snapshot for ${symbol} is not JSON`);
    }
    const parsed = parseBinanceDepthSnapshot(body);
    if ('error' in parsed) throw new VenueResponseError(`${symbol}: ${parsed.error}`);
    return { ...parsed, localTs };
  }

  /**
   * A REST request whose answer (success or failure) reports the IP's used weight to the queue:
   * weight other processes on the same IP spend slows our snapshots before the venue answers 429.
   */
  private async fetchReportingWeight(url: string, timeoutMs?: number): ReturnType<typeof fetchResponse> {
    try {
      const response = await fetchResponse(url, timeoutMs);
      this.reportUsedWeight(response.headers);
      return response;
    } catch (error) {
      if (error instanceof VenueHttpError) this.reportUsedWeight(error.headers);
      throw error;
    }
  }

  private reportUsedWeight(headers: Headers | undefined): void {
    const value = headers?.get('x-mbx-used-weight-1m');
    if (value === null || value === undefined || value.trim() === '') return;
    const used = Number(value);
    if (Number.isFinite(used)) this.queue.reportUsedWeight(used);
  }

  /** The IP's weight in the current minute as the venue last reported it (0 when unknown or expired). */
  get venueUsedWeight(): number {
    return this.queue.venueUsedWeight();
  }

  /** The snapshot queue's counters: requests, failures, venue-wide pauses, holds for the venue's weight count. */
  get snapshotStats(): Readonly<SnapshotQueue<DepthSnapshot>['stats']> {
    return this.queue.stats;
  }

  /** When the queue may next request `symbol`'s snapshot, or undefined if none is queued (for tests and status). */
  snapshotNotBefore(symbol: string): number | undefined {
    return this.queue.notBefore(symbol.toUpperCase());
  }

  // ---- audits -------------------------------------------------------------------------------

  private auditBusy(): boolean {
    const audit = this.audit;
    if (audit === undefined) return false;
    if (Date.now() - audit.startedAt > (this.options.auditTimeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS)) {
      this.abortAudit('timed out');
      return false;
    }
    return true;
  }

  private startAudit(symbol: string): void {
    const sink = this.sink;
    if (sink === undefined || this.phase !== 'running') return;
    const session = sink.openAudit('binance', symbol);
    const audit: BinanceBookAudit = new BinanceBookAudit(
      symbol,
      session,
      // Through the same weight-limited queue as every snapshot, under its own key.
      (s, delayMs) =>
        this.fetchSnapshot(s, auditKey(s), delayMs, (snapshot) => {
          if (this.audit !== audit) return;
          const sync = this.syncs.get(s);
          if (sync !== undefined) this.finishAudit(audit, audit.onSnapshot(snapshot, sync));
        }),
      Date.now(),
    );
    this.audit = audit;
    this.options.log.debug({ book: bookKeyOf(symbol) }, 'audit: building a shadow copy from a fresh snapshot');
  }

  private finishAudit(audit: BinanceBookAudit, result: BookAuditResult | undefined): void {
    if (result === undefined) return;
    if (this.audit === audit) this.audit = undefined;
    // The pipeline has logged the differing levels; repair the live book from scratch.
    if (result.driftLevels > 0) this.syncs.get(audit.symbol)?.startResync('audit_drift');
  }

  private abortAudit(why: string): void {
    const audit = this.audit;
    if (audit === undefined) return;
    this.audit = undefined;
    audit.abort();
    this.options.log.debug({ book: bookKeyOf(audit.symbol), why }, 'audit abandoned');
  }

  // ---- books on demand ----------------------------------------------------------------------

  /** Whether Binance lists `symbol`, once exchangeInfo's first load has answered (or failed). */
  private async lists(symbol: string): Promise<boolean | undefined> {
    if (this.firstLoad === undefined) return undefined; // not started: nothing can be known
    await this.firstLoad;
    // A retry that has loaded the list since a failed first load answers too.
    return this.instruments.lists(symbol.toUpperCase());
  }

  /**
   * Follows a listed symbol: a book sync, its instrument reported, its depth stream on a `public`
   * connection and its aggTrade stream on a `market` one with room (SUBSCRIBE when open; the URL of its
   * next connection carries it anyway), else on new connections. While exchangeInfo still loads the
   * symbol is only added: the connections about to open carry it.
   */
  private follow(symbol: string): void {
    const upper = symbol.toUpperCase();
    if (this.phase === 'stopped' || this.syncs.has(upper) || this.followed.has(upper)) return;
    this.followed.add(upper);
    if (this.phase === 'idle') return; // start() adds its sync
    this.addSync(upper);
    const instrument = this.listed.get(upper);
    if (instrument) this.sink?.instruments('binance', [instrument]);
    this.options.log.info({ book: bookKeyOf(upper) }, 'following a book on demand');
    if (this.phase !== 'running') return;
    for (const category of ['public', 'market'] as const) {
      const conn = this.connections.find((c) => c.category === category && this.hasRoom(c, upper));
      if (conn === undefined) {
        this.openConnection(category, `${category}#${this.nextConnectionIndex[category]++}`, [upper]);
        continue;
      }
      conn.symbols.push(upper);
      this.scheduleReconcile(conn);
    }
  }

  /**
   * Stops following a symbol `follow` added: its streams unsubscribed and out of every URL (a connection
   * left with none is closed), its sync dropped, so that frames still in flight for it are ignored.
   */
  private unfollow(symbol: string): void {
    const upper = symbol.toUpperCase();
    if (!this.followed.delete(upper)) return;
    this.options.log.info({ book: bookKeyOf(upper) }, 'no longer following a book on demand');
    if (this.audit?.symbol === upper) this.abortAudit('no longer followed');
    this.syncs.delete(upper);
    this.unknown.delete(upper);
    this.lastTradeId.delete(upper);
    for (const conn of [...this.connections]) {
      if (!conn.symbols.includes(upper)) continue;
      conn.symbols = conn.symbols.filter((s) => s !== upper);
      if (conn.symbols.length === 0) {
        this.closeConnection(conn, 'closed a connection whose last on-demand book is no longer followed');
        continue;
      }
      this.scheduleReconcile(conn);
    }
  }

  /** Closes a connection for good, keeping its reconnections in the venue's total. */
  private closeConnection(conn: StreamConnection, why: string): void {
    this.connections = this.connections.filter((c) => c !== conn);
    this.forgetRequests(conn);
    this.retiredReconnections += conn.socket.reconnections;
    void conn.socket.stop();
    this.sink?.connection('binance', conn.name, { type: 'closed' });
    this.options.log.info({ connection: conn.name }, why);
  }

  // ---- control ------------------------------------------------------------------------------

  resync(symbol: string, reason: ResyncReason): void {
    const upper = symbol.toUpperCase();
    if (this.audit?.symbol === upper) this.abortAudit('the live book resynced');
    this.syncs.get(upper)?.startResync(reason);
  }

  status(): ConnectorStatus {
    // While the instrument list loads, the planned connections are reported as connecting.
    const connections =
      this.phase === 'loading' || this.phase === 'idle'
        ? this.plan(this.streamSymbols()).map(({ name }) => ({
            name,
            status: { type: 'connecting' as const, attempt: 0 },
            reconnections: 0,
          }))
        : this.connections.map(({ socket, name }) => ({
            name,
            status: socket.status,
            reconnections: socket.reconnections,
          }));
    return { exchange: 'binance', connections, counters: { ...this.counters } };
  }

  /** Connections lost and re-established, all categories (including connections since replaced). */
  get reconnections(): number {
    return this.connections.reduce((sum, c) => sum + c.socket.reconnections, this.retiredReconnections);
  }

  async stop(): Promise<void> {
    this.phase = 'stopped';
    clearTimeout(this.dropTimer);
    this.abortAudit('the connector stopped');
    this.auditScheduler.stop();
    this.instruments.stop();
    this.queue.stop();
    await Promise.all(this.connections.map((c) => c.socket.stop()));
  }
}

/** `binance:SYMBOL`, the key a book is named by in logs. */
function bookKeyOf(symbol: string): string {
  return bookKey('binance', symbol);
}
