import type { MarketSink, ResyncReason } from '../../core/sink.js';
import type { Logger } from '../../log.js';
import { RateLimitedLog } from '../../log.js';
import type { Backoff } from '../backoff.js';
import { type ConnectorStatus, newCounters, type VenueConnector } from '../connector.js';
import { ConnectorStoppedError, VenueHttpError, VenueResponseError } from '../errors.js';
import { ReconnectingSocket } from '../reconnecting-socket.js';
import { fetchText, SnapshotQueue } from '../snapshot-queue.js';
import { BINANCE_SNAPSHOT_LIMIT, BinanceBookSync, type DepthSnapshot } from './book-sync.js';
import { parseBinanceDepthSnapshot, parseBinanceFrame } from './parse.js';

export const BINANCE_DEFAULT_WS_URL = 'wss://fstream.binance.com';
export const BINANCE_DEFAULT_REST_URL = 'https://fapi.binance.com';
/** Diff-depth update speeds on offer. */
export const BINANCE_DEPTH_SPEEDS = ['100ms', '250ms', '500ms'] as const;
export type BinanceDepthSpeed = (typeof BINANCE_DEPTH_SPEEDS)[number];
/** The documented stream names: 250 ms is plain `@depth` (no `@depth@250ms` is documented). */
const DEPTH_STREAM_SUFFIX: Record<BinanceDepthSpeed, string> = {
  '100ms': '@depth@100ms',
  '250ms': '@depth',
  '500ms': '@depth@500ms',
};
/** At most 200 streams per connection (USDⓈ-M; spot's 1024 does not apply). */
export const BINANCE_MAX_STREAMS = 200;
/** Weight of `GET /fapi/v1/depth?limit=1000`. */
export const BINANCE_SNAPSHOT_WEIGHT = 20;
/** Binance closes connections at 24 h; roll over to a fresh one a little before. */
export const BINANCE_CONNECTION_ROTATE_MS = 23.5 * 60 * 60 * 1000;
/** Binance pings every 3 minutes; ws answers automatically. We ping too, to detect a dead socket sooner. */
export const BINANCE_PING_INTERVAL_MS = 30_000;
/**
 * A trade-only connection may be silent because nobody trades (a quiet alt perp at night), so its
 * no-data limit is far longer than a depth stream's; its pongs prove the socket alive meanwhile.
 */
export const BINANCE_TRADE_DATA_TIMEOUT_MS = 10 * 60 * 1000;

export interface BinanceConnectorOptions {
  readonly symbols: readonly string[];
  readonly wsUrl?: string;
  readonly restUrl?: string;
  /** Diff-depth update speed (default 100ms): `<symbol>@depth@100ms`, `<symbol>@depth` or `<symbol>@depth@500ms`. */
  readonly depthSpeed?: BinanceDepthSpeed;
  readonly maxStreamsPerConnection?: number;
  readonly pingIntervalMs?: number;
  readonly pongTimeoutMs?: number;
  /** No-data limit for diff-depth connections (books change continuously). */
  readonly dataTimeoutMs?: number;
  /** No-data limit for aggTrade connections (default BINANCE_TRADE_DATA_TIMEOUT_MS). */
  readonly tradeDataTimeoutMs?: number;
  readonly maxConnectionAgeMs?: number;
  readonly snapshotWeightBudgetPerMinute?: number;
  readonly snapshotJitterMs?: number;
  readonly backoff?: () => Backoff;
  readonly log: Logger;
}

/**
 * Binance USDⓈ-M futures. Since 2026-04-23 streams are routed by category: diff depth on
 * `/public/stream`, aggTrade on `/market/stream` (an unrouted URL acknowledges aggTrade and never
 * sends it). So: one set of combined-stream connections per category, each at most 200 streams,
 * subscribed through the URL (no outgoing messages to rate-limit).
 */
export class BinanceConnector implements VenueConnector {
  readonly exchange = 'binance' as const;
  private readonly symbols: readonly string[];
  private readonly wsUrl: string;
  private readonly restUrl: string;
  private readonly sockets: { socket: ReconnectingSocket; name: string }[] = [];
  private readonly syncs = new Map<string, BinanceBookSync>();
  private readonly lastTradeId = new Map<string, number>();
  private readonly queue: SnapshotQueue<DepthSnapshot>;
  private readonly counters = newCounters();
  private readonly warn: RateLimitedLog;
  private sink: MarketSink | undefined;

  constructor(private readonly options: BinanceConnectorOptions) {
    this.symbols = options.symbols.map((s) => s.toUpperCase());
    this.wsUrl = (options.wsUrl ?? BINANCE_DEFAULT_WS_URL).replace(/\/+$/, '');
    this.restUrl = (options.restUrl ?? BINANCE_DEFAULT_REST_URL).replace(/\/+$/, '');
    this.warn = new RateLimitedLog(options.log);
    this.queue = new SnapshotQueue<DepthSnapshot>({
      requestWeight: BINANCE_SNAPSHOT_WEIGHT,
      weightBudgetPerMinute: options.snapshotWeightBudgetPerMinute,
      jitterMs: options.snapshotJitterMs,
      log: options.log.child({ exchange: 'binance', component: 'snapshots' }),
      isPermanent: (error) => error instanceof VenueHttpError && error.isInvalidSymbol,
    });
  }

  start(sink: MarketSink): void {
    this.sink = sink;
    for (const symbol of this.symbols) {
      this.syncs.set(symbol, new BinanceBookSync(symbol, sink, (s) => this.fetchSnapshot(s), this.counters));
    }
    const perConnection = this.options.maxStreamsPerConnection ?? BINANCE_MAX_STREAMS;
    const depth = DEPTH_STREAM_SUFFIX[this.options.depthSpeed ?? '100ms'];
    for (const category of ['public', 'market'] as const) {
      for (let i = 0; i < this.symbols.length; i += perConnection) {
        const chunk = this.symbols.slice(i, i + perConnection);
        const streams = chunk.map((s) => `${s.toLowerCase()}${category === 'public' ? depth : '@aggTrade'}`);
        const name = `${category}#${i / perConnection}`;
        const socket = new ReconnectingSocket({
          name: `binance/${name}`,
          url: () => `${this.wsUrl}/${category}/stream?streams=${streams.join('/')}`,
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
            if (category === 'public') for (const s of chunk) this.syncs.get(s)?.onDisconnect();
          },
          onStatus: (status) => sink.connection('binance', name, status),
        });
        this.sockets.push({ socket, name });
        socket.start();
      }
    }
  }

  /** Returns false for frames that are not market data (method responses, errors). */
  private onFrame(text: string, receivedAt: number): boolean {
    this.counters.frames++;
    const frame = parseBinanceFrame(text, receivedAt);
    switch (frame.kind) {
      case 'depth': {
        const sync = this.syncs.get(frame.event.symbol);
        if (sync) sync.onDelta(frame.event);
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
        this.warn.warn(
          'venue-error',
          { exchange: 'binance', code: frame.code, msg: frame.message },
          'venue reported an error',
        );
        return false;
      case 'invalid':
        this.sink?.invalidFrame('binance', frame.reason, `${frame.detail}: ${text.slice(0, 120)}`);
        return true;
    }
  }

  private fetchSnapshot(symbol: string): void {
    const url = `${this.restUrl}/fapi/v1/depth?symbol=${symbol}&limit=${BINANCE_SNAPSHOT_LIMIT}`;
    this.queue
      .enqueue(symbol, async () => {
        const text = await fetchText(url);
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
      })
      .then(
        (snapshot) => {
          this.counters.snapshotsFetched++;
          this.syncs.get(symbol)?.onSnapshot(snapshot);
        },
        (error: Error) => {
          if (error instanceof ConnectorStoppedError) return;
          if (error instanceof VenueHttpError && error.isInvalidSymbol) {
            this.options.log.error(
              { symbol },
              'Binance does not list this symbol; its book will stay empty (check FLOWRS_SYMBOLS)',
            );
            this.syncs.get(symbol)?.abandon();
            return;
          }
          this.options.log.error({ symbol, err: error.message }, 'snapshot failed');
        },
      );
  }

  resync(symbol: string, reason: ResyncReason): void {
    this.syncs.get(symbol.toUpperCase())?.startResync(reason);
  }

  status(): ConnectorStatus {
    return {
      exchange: 'binance',
      connections: this.sockets.map(({ socket, name }) => ({
        name,
        status: socket.status,
        reconnections: socket.reconnections,
      })),
      counters: { ...this.counters },
    };
  }

  /** Connections lost and re-established, all categories. */
  get reconnections(): number {
    return this.sockets.reduce((sum, s) => sum + s.socket.reconnections, 0);
  }

  async stop(): Promise<void> {
    this.queue.stop();
    await Promise.all(this.sockets.map((s) => s.socket.stop()));
  }
}
