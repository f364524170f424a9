import type { BookManager, ManagedBook } from '../book/book-manager.js';
import { InvalidLevelError } from '../book/errors.js';
import type { ApplyOutcome, ConnectionStatus, MarketSink, ResyncReason } from '../core/sink.js';
import type { BookEvent, Exchange, TradeEvent } from '../core/types.js';
import type { Logger } from '../log.js';
import { RateLimitedLog } from '../log.js';

/** What the pipeline tells its listeners (the server, the metrics engine). */
export interface PipelineListener {
  /** A book changed: `update` (levels applied; the event's `localTs` is on the book) or `status` only. */
  onBook?(book: ManagedBook, change: 'update' | 'status'): void;
  onTrade?(trade: TradeEvent): void;
  onInvalidFrame?(exchange: Exchange, reason: string): void;
  onConnection?(exchange: Exchange, name: string, status: ConnectionStatus): void;
  onResync?(exchange: Exchange, symbol: string, reason: ResyncReason): void;
}

/**
 * The sink every connector writes into: applies book events to the BookManager (where validation and
 * health checks live), and fans out to listeners. Venue code never touches a book directly.
 */
export class MarketPipeline implements MarketSink {
  private readonly listeners: PipelineListener[] = [];
  private readonly warn: RateLimitedLog;
  readonly connections = new Map<string, ConnectionStatus>();

  constructor(
    readonly books: BookManager,
    private readonly log: Logger,
  ) {
    this.warn = new RateLimitedLog(log);
  }

  subscribe(listener: PipelineListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  book(event: BookEvent): ApplyOutcome {
    const book = this.books.ensure(event.exchange, event.symbol);
    let health: ReturnType<ManagedBook['applyDelta']>;
    try {
      health = event.type === 'book_snapshot' ? book.applySnapshot(event) : book.applyDelta(event);
    } catch (error) {
      if (!(error instanceof InvalidLevelError)) throw error;
      this.warn.warn(
        `level:${book.key}`,
        { book: book.key, err: error.message },
        'dropped an update with an invalid level',
      );
      for (const l of this.listeners) l.onInvalidFrame?.(event.exchange, 'invalid level');
      return 'rejected';
    }
    if (health !== 'ok') {
      this.log.warn({ book: book.key, health, updateId: event.updateId }, 'book unhealthy after update; resyncing');
    } else if (event.type === 'book_snapshot') {
      this.log.debug({ book: book.key, updateId: event.updateId }, 'book synced from snapshot');
    }
    for (const l of this.listeners) l.onBook?.(book, 'update');
    return health === 'ok' ? 'applied' : 'unhealthy';
  }

  trade(event: TradeEvent): void {
    for (const l of this.listeners) l.onTrade?.(event);
  }

  bookResyncing(exchange: Exchange, symbol: string, reason: ResyncReason): void {
    const book = this.books.ensure(exchange, symbol);
    book.markResyncing(reason);
    this.log.info({ book: book.key, reason }, 'book resyncing');
    for (const l of this.listeners) {
      l.onResync?.(exchange, symbol, reason);
      l.onBook?.(book, 'status');
    }
  }

  invalidFrame(exchange: Exchange, reason: string): void {
    for (const l of this.listeners) l.onInvalidFrame?.(exchange, reason);
  }

  connection(exchange: Exchange, name: string, status: ConnectionStatus): void {
    this.connections.set(`${exchange}/${name}`, status);
    if (status.type === 'open') this.log.info({ exchange, connection: name }, 'venue connection open');
    for (const l of this.listeners) l.onConnection?.(exchange, name, status);
  }
}
