import { BookManager, type BookStatus } from '../book/book-manager.js';
import type { BookKey } from '../core/types.js';
import type { VenueConnector } from '../exchanges/connector.js';
import { ExchangeManager } from '../exchanges/manager.js';
import { createConnectors, venueSymbols } from '../exchanges/registry.js';
import { VENUES, venueById } from '../exchanges/venues.js';
import { createLogger, type Logger } from '../log.js';
import { MetricsEngine } from '../metrics/metrics-engine.js';
import { PrometheusView } from '../metrics/prometheus.js';
import { MarketPipeline, type PipelineListener } from '../pipeline/pipeline.js';
import type { BusSummary } from '../protocol/metrics.js';
import { createRecorder } from '../record/create-recorder.js';
import type { Recorder } from '../record/recorder.js';
import { Broadcaster, type BroadcasterOptions } from '../server/broadcaster.js';
import type { HttpApiDeps } from '../server/http-api.js';
import { FlowrsServer } from '../server/server.js';
import { DASHBOARD_DIR, staticFiles } from '../server/static-files.js';
import { BookDemand } from './book-demand.js';
import type { FlowrsConfig } from './config.js';

export interface FlowrsOptions {
  readonly log?: Logger;
  /** Replace the connectors built from the configuration (tests, custom venues). */
  readonly connectors?: readonly VenueConnector[];
  /** Override the broadcaster's limits (lag thresholds, heartbeat). */
  readonly broadcaster?: Partial<BroadcasterOptions>;
  /** More pipeline listeners, after the server's and the metrics' (e.g. the distributed mode's publisher). */
  readonly listeners?: readonly PipelineListener[];
  /** The distributed roles' NATS connection, for metrics, /health and the dashboard. */
  readonly bus?: () => BusSummary;
  /** Static files for the HTTP server; defaults to the built dashboard in dist/dashboard/. */
  readonly serveStatic?: HttpApiDeps['serveStatic'];
}

/** Once a second: metrics, the metrics broadcast, and status changes that only time makes (stale). */
export const TICK_MS = 1_000;

/**
 * The whole service: venues → pipeline → books → clients. Build it from a configuration, `start()`,
 * `stop()`.
 */
export class Flowrs {
  readonly log: Logger;
  readonly books: BookManager;
  readonly pipeline: MarketPipeline;
  readonly exchanges: ExchangeManager;
  readonly metrics: MetricsEngine;
  readonly broadcaster: Broadcaster;
  readonly prometheus: PrometheusView;
  readonly server: FlowrsServer;
  /** Books on demand: which books clients may ask for, and who holds the ones followed for them. */
  readonly demand: BookDemand;
  /** Records raw venue traffic when FLOWRS_RECORD_DIR is set. */
  readonly recorder: Recorder | undefined;
  readonly startedAt = Date.now();
  private tickTimer: NodeJS.Timeout | undefined;
  private readonly lastStatus = new Map<BookKey, BookStatus>();
  /** Where the server listens, once started. */
  address: { host: string; port: number } | undefined;

  constructor(
    readonly config: FlowrsConfig,
    options: FlowrsOptions = {},
  ) {
    this.log = options.log ?? createLogger();
    this.books = new BookManager({
      depth: config.depth,
      displayDepth: config.displayDepth,
      staleAfterMs: config.staleAfterMs,
      checksums: new Map(VENUES.flatMap((v) => (v.checksum ? [[v.id, v.checksum] as const] : []))),
    });
    // Every configured book exists from the start, so consumers see it as `syncing` rather than missing.
    for (const exchange of config.exchanges) {
      const venue = venueById(exchange);
      if (venue) for (const symbol of venueSymbols(venue, config.symbols)) this.books.ensure(exchange, symbol);
    }
    this.pipeline = new MarketPipeline(this.books, this.log);
    this.exchanges = new ExchangeManager(options.connectors ?? createConnectors(config, this.log));
    this.metrics = new MetricsEngine(this.books, this.exchanges, this.startedAt);
    this.broadcaster = new Broadcaster(
      this.books,
      this.metrics,
      {
        throttleMs: config.throttleMs,
        displayDepth: config.displayDepth,
        simulated: config.simulated,
        maxBufferedBytes: config.clientBufferBytes,
        maxDepth: config.depth,
        maxOnDemandBooks: config.maxDynamicBooks,
        heartbeatMs: config.heartbeatMs,
        writeIntervalMs: config.clientWriteIntervalMs,
        ...options.broadcaster,
      },
      this.log,
    );
    this.prometheus = new PrometheusView(this.metrics, this.books, this.exchanges, () => ({
      clients: this.broadcaster.sessions.size,
      lagging: this.broadcaster.laggingCount(),
    }));
    // Order matters: the broadcaster marks the book ready to send, then the metrics time that moment.
    this.pipeline.subscribe(this.broadcaster);
    this.pipeline.subscribe(this.metrics);
    for (const listener of options.listeners ?? []) this.pipeline.subscribe(listener);
    this.demand = new BookDemand({
      books: this.books,
      exchanges: this.exchanges,
      maxDynamicBooks: config.maxDynamicBooks,
      lingerMs: config.dynamicBookLingerMs,
      log: this.log,
    });
    this.recorder = createRecorder(config, this.log);
    this.server = new FlowrsServer(
      this.broadcaster,
      {
        books: this.books,
        directory: this.demand,
        exchanges: this.exchanges,
        prometheus: this.prometheus,
        displayDepth: config.displayDepth,
        retainedDepth: config.depth,
        startedAt: this.startedAt,
        simulated: config.simulated,
        venueCounts: () => this.metrics.venueCounts(),
        metrics: () => this.metrics.snapshot(),
        service: this.metrics,
        recording: () => this.recorder?.status() ?? { type: 'off' },
        serveStatic: options.serveStatic ?? staticFiles(DASHBOARD_DIR),
      },
      this.log,
      config.access,
    );
    // One source for these counters: JSON metrics, /health and Prometheus all read them through the engine.
    this.metrics.rejectedHandshakes = () => this.server.rejectedHandshakes;
    this.metrics.onDemandBooks = () => this.demand.size;
    if (options.bus !== undefined) this.metrics.bus = options.bus;
  }

  async start(): Promise<void> {
    this.address = await this.server.listen(this.config.listen.host, this.config.listen.port);
    this.broadcaster.start();
    await this.recorder?.start();
    this.exchanges.start(this.pipeline);
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
    this.log.info(
      {
        listen: `${this.address.host}:${this.address.port}`,
        exchanges: this.config.exchanges,
        symbols: this.config.symbols.length,
        simulated: this.config.simulated,
      },
      'FlowRS started',
    );
  }

  private tick(): void {
    const now = Date.now();
    for (const book of this.books.list()) {
      const status = book.status(now);
      if (this.lastStatus.get(book.key) !== status) {
        this.lastStatus.set(book.key, status);
        this.broadcaster.onBook(book);
      }
    }
    this.metrics.tick();
    this.broadcaster.sendMetrics();
  }

  async stop(): Promise<void> {
    clearInterval(this.tickTimer);
    this.demand.stop();
    this.broadcaster.stop();
    this.metrics.stop();
    // The recording ends before the venue connections close, so a replay leaves them open and the books live.
    await this.recorder?.stop();
    await Promise.all([this.exchanges.stop(), this.server.close()]);
    this.log.info('FlowRS stopped');
  }
}
