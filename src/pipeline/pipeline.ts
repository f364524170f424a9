import type { BookManager, ManagedBook } from '../book/book-manager.js';
import { compareBooks } from '../book/compare.js';
import { InvalidLevelError } from '../book/errors.js';
import type { Instrument } from '../core/instrument.js';
import type {
  ApplyOutcome,
  AuditSession,
  BookAuditResult,
  ConnectionStatus,
  InvalidFrameReason,
  MarketSink,
  ResyncReason,
} from '../core/sink.js';
import type { BookEvent, Exchange, TradeEvent } from '../core/types.js';
import type { Logger } from '../log.js';
import { RateLimitedLog } from '../log.js';

/** What the pipeline tells its listeners (the server, the metrics engine). */
export interface PipelineListener {
  /** A book changed: `update` (levels applied; the event's `localTs` is on the book) or `status` only. */
  onBook?(book: ManagedBook, change: 'update' | 'status'): void;
  /**
   * The normalized event a book just took (snapshot or delta, quantities as the venue counts them), before
   * `onBook`; not called for rejected events. For listeners that forward changes, not views.
   */
  onBookEvent?(book: ManagedBook, event: BookEvent): void;
  onTrade?(trade: TradeEvent): void;
  onInvalidFrame?(exchange: Exchange, reason: InvalidFrameReason): void;
  onConnection?(exchange: Exchange, name: string, status: ConnectionStatus): void;
  onResync?(exchange: Exchange, symbol: string, reason: ResyncReason): void;
  onAudit?(book: ManagedBook, result: BookAuditResult): void;
}

/**
 * The sink every connector writes into: applies book events to the BookManager (where validation and
 * health checks live), and fans out to listeners. Venue code never touches a book directly. Every
 * invalid frame and every resync passes through here exactly once, so every counter derived from the
 * listeners (JSON metrics, /health, Prometheus) tells the same story.
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
    const outcome = applyTo(book, event);
    if (outcome === 'rejected') {
      this.invalidFrame(event.exchange, 'bad_level', `${book.key}: a level is not an exact decimal pair`);
      return outcome;
    }
    if (outcome !== 'applied') {
      this.log.warn(
        { book: book.key, health: outcome, updateId: event.updateId },
        'book unhealthy after update; resyncing',
      );
    } else if (event.type === 'book_snapshot') {
      this.log.debug({ book: book.key, updateId: event.updateId }, 'book synced from snapshot');
    }
    for (const l of this.listeners) {
      l.onBookEvent?.(book, event);
      l.onBook?.(book, 'update');
    }
    return outcome;
  }

  trade(event: TradeEvent): void {
    for (const l of this.listeners) l.onTrade?.(event);
  }

  bookResyncing(exchange: Exchange, symbol: string, reason: ResyncReason): void {
    const book = this.books.ensure(exchange, symbol);
    book.markResyncing(reason);
    if (reason === 'unknown_symbol') this.log.debug({ book: book.key, reason }, 'book flagged');
    else this.log.info({ book: book.key, reason }, 'book resyncing');
    for (const l of this.listeners) {
      l.onResync?.(exchange, symbol, reason);
      l.onBook?.(book, 'status');
    }
  }

  invalidFrame(exchange: Exchange, reason: InvalidFrameReason, detail?: string): void {
    this.warn.warn(`invalid:${exchange}:${reason}`, { exchange, reason, detail }, 'dropped an invalid frame');
    for (const l of this.listeners) l.onInvalidFrame?.(exchange, reason);
  }

  connection(exchange: Exchange, name: string, status: ConnectionStatus): void {
    // Not logged here: the socket logs its own opens and losses, with its connection id.
    this.connections.set(`${exchange}/${name}`, status);
    for (const l of this.listeners) l.onConnection?.(exchange, name, status);
  }

  instruments(_exchange: Exchange, instruments: readonly Instrument[]): void {
    for (const instrument of instruments) {
      const book = this.books.describe(instrument);
      for (const l of this.listeners) l.onBook?.(book, 'status');
    }
  }

  openAudit(exchange: Exchange, symbol: string): AuditSession {
    const live = this.books.ensure(exchange, symbol);
    const shadow = this.books.detached(exchange, symbol);
    let open = true;
    return {
      book: (event) => (open ? applyTo(shadow, event) : 'rejected'),
      compare: () => {
        open = false;
        const comparison = compareBooks(live.book, shadow.book, live.book.depth);
        const result: BookAuditResult = { at: Date.now(), updateId: live.updateId, ...comparison };
        live.lastAudit = result;
        if (result.driftLevels > 0) {
          this.log.error(
            { book: live.key, updateId: result.updateId, driftLevels: result.driftLevels, differences: result.sample },
            'audit: the live book differs from a copy rebuilt from a fresh snapshot; resyncing',
          );
        } else {
          this.log.debug({ book: live.key, comparedLevels: result.comparedLevels }, 'audit: book verified');
        }
        for (const l of this.listeners) l.onAudit?.(live, result);
        return result;
      },
      abort: () => {
        open = false;
      },
    };
  }
}

/** Applies one event to a book: the engine's verdict, or `rejected` when a level is malformed. */
function applyTo(book: ManagedBook, event: BookEvent): ApplyOutcome {
  let health: ReturnType<ManagedBook['applyDelta']>;
  try {
    health = event.type === 'book_snapshot' ? book.applySnapshot(event) : book.applyDelta(event);
  } catch (error) {
    if (error instanceof InvalidLevelError) return 'rejected';
    throw error;
  }
  return health === 'ok' ? 'applied' : health;
}
