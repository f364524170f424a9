import type { BookAuditResult, MarketSink, ResyncReason } from '../../core/sink.js';
import { bookKey } from '../../core/types.js';
import type { Logger } from '../../log.js';
import { RateLimitedLog } from '../../log.js';
import { AuditScheduler, DEFAULT_AUDIT_INTERVAL_MS, DEFAULT_AUDIT_TIMEOUT_MS } from '../audit.js';
import type { Backoff } from '../backoff.js';
import { type ConnectorStatus, newCounters, type VenueConnector } from '../connector.js';
import { ConnectorStoppedError, VenueHttpError, VenueResponseError } from '../errors.js';
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
  readonly symbols: readonly string[];
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
  private readonly symbols: readonly string[];
  private readonly wsUrl: string;
  private readonly restUrl: string;
  private connections: StreamConnection[] = [];
  private readonly syncs = new Map<string, BinanceBookSync>();
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
      keys: () => this.symbols,
      eligible: (symbol) => !this.unknown.has(symbol) && this.syncs.get(symbol)?.isTrusted === true,
      busy: () => this.auditBusy(),
      start: (symbol) => this.startAudit(symbol),
    });
  }

  start(sink: MarketSink): void {
    if (this.phase !== 'idle') return;
    this.sink = sink;
    this.phase = 'loading';
    for (const symbol of this.symbols) {
      this.syncs.set(
        symbol,
        new BinanceBookSync(symbol, sink, (s, delayMs) => this.requestLiveSnapshot(s, delayMs), this.counters, {
          badSnapshotRetryMs: this.options.badSnapshotRetryMs,
        }),
      );
    }
    this.instruments.onLoad((listed) => this.onInstrumentList(listed));
    void this.instruments.load().then((loaded) => {
      if (this.phase !== 'loading') return;
      this.phase = 'running';
      // Without the list, only a snapshot's answer can say that a symbol is unknown: ask at once.
      if (!loaded) for (const symbol of this.streamSymbols()) this.syncs.get(symbol)?.probe();
      this.openConnections(this.streamSymbols());
      this.auditScheduler.start();
    });
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
    const followed = parsed.instruments.filter((i) => this.symbols.includes(i.symbol));
    this.sink?.instruments('binance', followed);
    return new Set(parsed.instruments.map((i) => i.symbol));
  }

  /** Every load of the list (the first and each refresh): flag what it does not list, and drop its streams. */
  private onInstrumentList(listed: ReadonlySet<string>): void {
    const unlisted = this.symbols.filter((s) => !listed.has(s) && !this.unknown.has(s));
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

  /** The symbols that get streams: every configured one the venue is not known to refuse. */
  private streamSymbols(): string[] {
    return this.symbols.filter((s) => !this.unknown.has(s));
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
  }

  /**
   * Opens a connection and adds it to `connections` (before it starts, so its first status is reported).
   * A connection re-opened under the same name keeps counting its predecessor's reconnections.
   */
  private openConnection(category: Category, name: string, symbols: readonly string[], reconnections = 0): void {
    const streams = symbols.map((s) => this.streamName(s, category));
    const sink = this.sink!;
    const socket: ReconnectingSocket = new ReconnectingSocket({
      name,
      url: () => combinedStreamUrl(this.wsUrl, category, streams),
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
        if (category === 'public') this.onConnectionLost(symbols);
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
          for (const s of symbols) this.syncs.get(s)?.subscriptionRefused();
        }
      },
    });
    socket.reconnections = reconnections;
    this.connections.push({ name, category, symbols, socket });
    socket.start();
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
        const id = Number(tradeId);
        const last = this.lastTradeId.get(symbol) ?? -1;
        // Connection overlap (rotation) can deliver a trade twice; aggregate ids only grow.
        if (id <= last) return true;
        this.lastTradeId.set(symbol, id);
        if (this.syncs.has(symbol)) this.sink?.trade(frame.event);
        return true;
      }
      case 'ignored':
        return true;
      case 'response':
        return false;
      case 'error':
        this.warn.warn('venue-error', { code: frame.code, msg: frame.message }, 'venue reported an error');
        return false;
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
