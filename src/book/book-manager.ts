import { type Instrument, toBaseQuantity } from '../core/instrument.js';
import type { BookAuditResult, ResyncReason } from '../core/sink.js';
import type { BookDeltaEvent, BookKey, BookSnapshotEvent, Exchange, PriceLevel } from '../core/types.js';
import { bookKey } from '../core/types.js';
import { OrderBook, type OrderBookOptions } from './order-book.js';

/** Levels sent to clients per side (the original's ORDERBOOK_DISPLAY_DEPTH). */
export const DEFAULT_DISPLAY_DEPTH = 5;
/** A live book with no event for this long is reported stale. */
export const DEFAULT_STALE_AFTER_MS = 30_000;

/**
 * What a consumer may conclude about a book:
 * - `syncing`: no trustworthy book yet (levels are empty or partial; do not use);
 * - `live`: equals the venue's book as of `updateId`;
 * - `resyncing`: the last good book is kept and readable, but a repair is under way;
 * - `stale`: live, but no event arrived within the stale threshold.
 */
export type BookStatus = 'syncing' | 'live' | 'resyncing' | 'stale';

export type { ResyncReason };

/** The verdict after an update: `ok`, or why the book can no longer be trusted. */
export type BookHealth = 'ok' | 'crossed' | 'depth' | 'checksum';

/** A venue's checksum of its book over raw levels, best first (OKX, Bitget: the top 25 a side). */
export type BookChecksum = (bids: readonly PriceLevel[], asks: readonly PriceLevel[]) => number;

/** Levels a side a venue checksum may cover at most. */
const CHECKSUM_DEPTH = 25;

export interface BookManagerOptions extends OrderBookOptions {
  readonly displayDepth?: number;
  readonly staleAfterMs?: number;
  /** Clock for staleness, injectable for tests. */
  readonly now?: () => number;
  /** Each venue's book checksum, where it has one: events carrying a checksum are verified with it. */
  readonly checksums?: ReadonlyMap<Exchange, BookChecksum>;
}

/** One `exchange:SYMBOL` book plus everything needed to say how far to trust it. */
export class ManagedBook {
  readonly key: BookKey;
  readonly book: OrderBook;
  private state: 'syncing' | 'live' | 'resyncing' = 'syncing';
  private reason: ResyncReason | undefined;
  /** Venue update id of the last applied snapshot or delta. */
  updateId = 0;
  /** Venue timestamp of the last applied event. */
  venueTs = 0;
  /** Local receive time of the last applied event. */
  localTs = 0;
  /** Increments on every change a client could see (applied event or status change). */
  sequence = 0;
  /** The last audit against a shadow copy built from scratch, if any. */
  lastAudit: BookAuditResult | undefined;
  /** The venue's listing (canonical instrument, contract size), once its instrument list has told. */
  instrument: Instrument | undefined;

  constructor(
    readonly exchange: Exchange,
    readonly symbol: string,
    bookOptions: OrderBookOptions,
    private readonly minTrustedDepth: number,
    private readonly staleAfterMs: number,
    private readonly now: () => number,
    private readonly checksum?: BookChecksum,
  ) {
    this.key = bookKey(exchange, symbol);
    this.book = new OrderBook(bookOptions);
  }

  status(now = this.now()): BookStatus {
    if (this.state === 'live' && now - this.localTs > this.staleAfterMs) return 'stale';
    return this.state;
  }

  /** Why the book is not live: while resyncing, or while still syncing after a failure (e.g. a refused subscription). */
  resyncReason(): ResyncReason | undefined {
    return this.state === 'live' ? undefined : this.reason;
  }

  /** Replaces the book and, unless it is unhealthy, makes it live. @throws InvalidLevelError */
  applySnapshot(event: BookSnapshotEvent): BookHealth {
    this.book.applySnapshot(event.bids, event.asks, event.depthLimit);
    this.stamp(event.updateId, event.venueTs, event.localTs);
    return this.settle(event.checksum);
  }

  /** Applies a delta the connector has already sequenced. @throws InvalidLevelError */
  applyDelta(event: BookDeltaEvent): BookHealth {
    this.book.applyDelta(event.bids, event.asks);
    this.stamp(event.updateId, event.venueTs, event.localTs);
    return this.settle(event.checksum);
  }

  /** Keeps the last good book readable while the connector repairs it. */
  markResyncing(reason: ResyncReason): void {
    if (this.state === 'syncing') {
      this.reason = reason;
      return;
    }
    if (this.state !== 'resyncing' || this.reason !== reason) this.sequence++;
    this.state = 'resyncing';
    this.reason = reason;
  }

  private stamp(updateId: number, venueTs: number, localTs: number): void {
    this.updateId = updateId;
    this.venueTs = venueTs;
    this.localTs = localTs;
    this.sequence++;
  }

  /** Decides the state after an update: a crossed book or a hole near the touch is never live. */
  private settle(checksum: number | undefined): BookHealth {
    let health = this.health();
    if (health === 'ok' && checksum !== undefined && this.checksum !== undefined) {
      const top = this.book.top(CHECKSUM_DEPTH);
      if (this.checksum(top.bids, top.asks) !== checksum) health = 'checksum';
    }
    if (health === 'ok') {
      this.state = 'live';
      this.reason = undefined;
    } else {
      this.state = 'resyncing';
      this.reason = health;
    }
    return health;
  }

  /** The venue's contract size for this book (`"1"` where sizes are base units, or until its list has told). */
  get contractSize(): string {
    return this.instrument?.contractSize ?? '1';
  }

  /** The canonical instrument (`BTC-USDT`), once the venue's instrument list has told. */
  get canonical(): string | undefined {
    return this.instrument?.canonical;
  }

  /**
   * The best `n` trusted levels a side, as served: quantities in base units, converted exactly from the
   * venue's contracts where it counts contracts (the book itself keeps the venue's strings).
   */
  levels(n: number): { bids: [string, string][]; asks: [string, string][] } {
    const top = this.book.top(n);
    const size = this.contractSize;
    if (size === '1') return top;
    const convert = (side: [string, string][]) => side.map(([p, q]): [string, string] => [p, toBaseQuantity(q, size)]);
    return { bids: convert(top.bids), asks: convert(top.asks) };
  }

  health(): BookHealth {
    const book = this.book;
    if (book.isCrossed()) return 'crossed';
    const shortBids = book.bids.isTruncated() && book.bids.trustedDepth() < this.minTrustedDepth;
    const shortAsks = book.asks.isTruncated() && book.asks.trustedDepth() < this.minTrustedDepth;
    return shortBids || shortAsks ? 'depth' : 'ok';
  }
}

/** All books, keyed `exchange:SYMBOL`. One event loop owns them, so no locking is needed. */
export class BookManager {
  private readonly books = new Map<BookKey, ManagedBook>();
  /** The same books by exchange then symbol: the per-event lookup builds no key string. */
  private readonly byExchange = new Map<Exchange, Map<string, ManagedBook>>();
  readonly displayDepth: number;
  readonly staleAfterMs: number;
  private readonly bookOptions: OrderBookOptions;
  private readonly now: () => number;
  private readonly checksums: ReadonlyMap<Exchange, BookChecksum> | undefined;

  constructor(options: BookManagerOptions = {}) {
    this.checksums = options.checksums;
    this.displayDepth = options.displayDepth ?? DEFAULT_DISPLAY_DEPTH;
    this.staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
    this.now = options.now ?? Date.now;
    this.bookOptions = { depth: options.depth, trimFactor: options.trimFactor };
    if (!Number.isInteger(this.displayDepth) || this.displayDepth < 1) {
      throw new RangeError('displayDepth must be a positive integer');
    }
  }

  /** The book for `exchange:symbol`, created (syncing) if absent. */
  ensure(exchange: Exchange, symbol: string): ManagedBook {
    let symbols = this.byExchange.get(exchange);
    const existing = symbols?.get(symbol);
    if (existing !== undefined) return existing;
    const book = new ManagedBook(
      exchange,
      symbol,
      this.bookOptions,
      this.displayDepth,
      this.staleAfterMs,
      this.now,
      this.checksums?.get(exchange),
    );
    this.books.set(book.key, book);
    if (symbols === undefined) {
      symbols = new Map();
      this.byExchange.set(exchange, symbols);
    }
    symbols.set(symbol, book);
    return book;
  }

  /** A book with the same settings that no one else sees (an audit's shadow copy). */
  detached(exchange: Exchange, symbol: string): ManagedBook {
    return new ManagedBook(
      exchange,
      symbol,
      this.bookOptions,
      this.displayDepth,
      this.staleAfterMs,
      this.now,
      this.checksums?.get(exchange),
    );
  }

  /** Records a venue listing on its book (created if absent): its canonical key and contract size. */
  describe(instrument: Instrument): ManagedBook {
    const book = this.ensure(instrument.exchange, instrument.symbol);
    book.instrument = instrument;
    return book;
  }

  /** Every book of one canonical instrument, across venues. */
  byCanonical(canonical: string): ManagedBook[] {
    return this.list().filter((b) => b.canonical === canonical);
  }

  get(key: BookKey): ManagedBook | undefined {
    return this.books.get(key);
  }

  /** Case-insensitive lookup on the exchange part; the symbol is matched as given, then uppercased. */
  find(exchange: string, symbol: string): ManagedBook | undefined {
    const ex = exchange.toLowerCase();
    return this.books.get(`${ex}:${symbol}` as BookKey) ?? this.books.get(`${ex}:${symbol.toUpperCase()}` as BookKey);
  }

  list(): ManagedBook[] {
    return [...this.books.values()];
  }

  remove(key: BookKey): boolean {
    const book = this.books.get(key);
    if (book === undefined) return false;
    this.byExchange.get(book.exchange)?.delete(book.symbol);
    return this.books.delete(key);
  }

  get size(): number {
    return this.books.size;
  }
}
