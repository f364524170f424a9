import { BookManager } from '../book/book-manager.js';
import type { VenueConnector } from '../exchanges/connector.js';
import { ExchangeManager } from '../exchanges/manager.js';
import { createConnector } from '../exchanges/registry.js';
import { createLogger, type Logger } from '../log.js';
import type { FlowrsConfig } from './config.js';
import { MarketPipeline } from './pipeline.js';

export interface FlowrsOptions {
  readonly log?: Logger;
  /** Replace the connectors built from the configuration (tests, custom venues). */
  readonly connectors?: readonly VenueConnector[];
}

/**
 * The whole service: venues → pipeline → books. Build it from a configuration, `start()`, `stop()`.
 */
export class Flowrs {
  readonly log: Logger;
  readonly books: BookManager;
  readonly pipeline: MarketPipeline;
  readonly exchanges: ExchangeManager;
  readonly startedAt = Date.now();

  constructor(
    readonly config: FlowrsConfig,
    options: FlowrsOptions = {},
  ) {
    this.log = options.log ?? createLogger();
    this.books = new BookManager({
      depth: config.depth,
      displayDepth: config.displayDepth,
      staleAfterMs: config.staleAfterMs,
    });
    // Every configured book exists from the start, so consumers see it as `syncing` rather than missing.
    for (const exchange of config.exchanges) for (const symbol of config.symbols) this.books.ensure(exchange, symbol);
    this.pipeline = new MarketPipeline(this.books, this.log);
    this.exchanges = new ExchangeManager(
      options.connectors ?? config.exchanges.map((e) => createConnector(e, config, this.log)),
    );
  }

  async start(): Promise<void> {
    this.exchanges.start(this.pipeline);
    this.log.info(
      { exchanges: this.config.exchanges, symbols: this.config.symbols.length, simulated: this.config.simulated },
      'FlowRS started',
    );
  }

  async stop(): Promise<void> {
    await this.exchanges.stop();
    this.log.info('FlowRS stopped');
  }
}
