import type { BookManager } from '../book/book-manager.js';
import type { BookKey, Exchange } from '../core/types.js';
import type { ExchangeManager } from '../exchanges/manager.js';
import { venueSymbols } from '../exchanges/registry.js';
import { venueById } from '../exchanges/venues.js';
import type { Logger } from '../log.js';
import {
  type BookDirectory,
  type BookRequestError,
  type BookResolution,
  FollowedBooks,
  splitName,
  unknownBooks,
} from '../server/book-directory.js';
import { MAX_ON_DEMAND_BOOKS_PER_CLIENT } from '../server/protocol.js';

/** Most books followed on demand at once, for all clients together. */
export const DEFAULT_MAX_DYNAMIC_BOOKS = 100;
/** A book followed on demand is kept this long after its last client has gone (a reload does not resubscribe). */
export const DEFAULT_DYNAMIC_BOOK_LINGER_MS = 60_000;

export interface BookDemandOptions {
  readonly books: BookManager;
  readonly exchanges: ExchangeManager;
  readonly maxDynamicBooks: number;
  readonly lingerMs: number;
  readonly log: Logger;
}

/** A book followed because clients asked: who holds it, and when it goes once no one does. */
interface DynamicBook {
  readonly exchange: Exchange;
  readonly symbol: string;
  readonly holders: Set<object>;
  linger: NodeJS.Timeout | undefined;
}

/**
 * Books on demand. A name that is not followed yet is checked against the venue's instrument list (never
 * against the venue itself), followed when a client takes hold of it, reference-counted across clients,
 * and unfollowed a linger period after the last one lets go. Configured books are never unfollowed.
 */
export class BookDemand implements BookDirectory {
  private readonly followed: FollowedBooks;
  private readonly dynamic = new Map<BookKey, DynamicBook>();
  private readonly held = new Map<object, ReadonlySet<BookKey>>();

  constructor(private readonly options: BookDemandOptions) {
    this.followed = new FollowedBooks(options.books);
  }

  /** Books followed on demand now (lingering ones included). */
  get size(): number {
    return this.dynamic.size;
  }

  async resolve(names: readonly string[]): Promise<BookResolution> {
    const keys: BookKey[] = [];
    const unknown: string[] = [];
    const unavailable: string[] = [];
    // Checked together, reported in the order asked.
    const found = await Promise.all(
      names.map(async (name) => ({
        name,
        followed: this.followed.followed(name),
        candidates: await this.candidates(name),
      })),
    );
    for (const { name, followed, candidates } of found) {
      if (candidates === 'unavailable') {
        if (followed.length === 0) unavailable.push(name);
        keys.push(...followed);
        continue;
      }
      if (followed.length === 0 && candidates.length === 0) unknown.push(name);
      keys.push(...followed, ...candidates);
    }
    if (unknown.length > 0) return { error: unknownBooks(unknown) };
    if (unavailable.length > 0) {
      return {
        error: {
          code: 'FLOWRS_UNAVAILABLE',
          message: `cannot check ${unavailable.map((n) => JSON.stringify(n)).join(', ')} against the venue's instrument list now; try again later`,
          books: unavailable,
        },
      };
    }
    return { keys: [...new Set(keys)] };
  }

  /** Books a name means that are not followed yet but are listed by their venue (which can follow them on demand). */
  private async candidates(name: string): Promise<BookKey[] | 'unavailable'> {
    const parts = splitName(name);
    if (parts === undefined) return [];
    const asked: { exchange: Exchange; symbol: string }[] = [];
    if ('canonical' in parts) {
      for (const connector of this.options.exchanges.connectors) {
        const venue = venueById(connector.exchange);
        if (venue === undefined || connector.onDemand === undefined) continue;
        for (const symbol of venueSymbols(venue, [{ kind: 'canonical', canonical: parts.canonical }])) {
          asked.push({ exchange: venue.id, symbol });
        }
      }
    } else {
      asked.push({ exchange: parts.exchange, symbol: parts.symbol });
      if (parts.symbol !== parts.symbol.toUpperCase())
        asked.push({ exchange: parts.exchange, symbol: parts.symbol.toUpperCase() });
    }
    const out: BookKey[] = [];
    let unavailable = false;
    for (const { exchange, symbol } of asked) {
      if (this.options.books.find(exchange, symbol) !== undefined) continue;
      const onDemand = this.options.exchanges.get(exchange)?.onDemand;
      if (onDemand === undefined) continue;
      const listed = await onDemand.lists(symbol);
      if (listed === undefined) unavailable = true;
      else if (listed) {
        out.push(`${exchange}:${symbol}`);
        if (!('canonical' in parts)) break;
      }
    }
    return out.length === 0 && unavailable ? 'unavailable' : out;
  }

  hold(holder: object, keys: readonly BookKey[]): BookRequestError | undefined {
    const next = new Set(keys);
    const previous = this.held.get(holder) ?? new Set<BookKey>();
    const isDynamic = (key: BookKey) => this.dynamic.has(key) || this.options.books.get(key) === undefined;
    const mine = [...next].filter(isDynamic);
    if (mine.length > MAX_ON_DEMAND_BOOKS_PER_CLIENT) {
      return {
        code: 'FLOWRS_LIMIT',
        message: `at most ${MAX_ON_DEMAND_BOOKS_PER_CLIENT} books on demand per client (asked for ${mine.length})`,
      };
    }
    const added = mine.filter((key) => !this.dynamic.has(key));
    if (this.dynamic.size + added.length > this.options.maxDynamicBooks) {
      return {
        code: 'FLOWRS_LIMIT',
        message: `the server follows at most ${this.options.maxDynamicBooks} books on demand (FLOWRS_MAX_DYNAMIC_BOOKS); ${this.dynamic.size} are in use`,
        books: added,
      };
    }
    for (const key of next) {
      if (!isDynamic(key)) continue;
      const book = this.dynamic.get(key) ?? this.follow(key);
      book.holders.add(holder);
      clearTimeout(book.linger);
      book.linger = undefined;
    }
    this.held.set(holder, next);
    for (const key of previous) if (!next.has(key)) this.letGo(holder, key);
    return undefined;
  }

  release(holder: object): void {
    const previous = this.held.get(holder);
    this.held.delete(holder);
    for (const key of previous ?? []) this.letGo(holder, key);
  }

  private follow(key: BookKey): DynamicBook {
    const colon = key.indexOf(':');
    const book: DynamicBook = {
      exchange: key.slice(0, colon),
      symbol: key.slice(colon + 1),
      holders: new Set(),
      linger: undefined,
    };
    this.dynamic.set(key, book);
    // The book exists (syncing) from now on, so the client's snapshot shows its state until it is live.
    this.options.books.ensure(book.exchange, book.symbol);
    this.options.exchanges.get(book.exchange)?.onDemand?.follow(book.symbol);
    this.options.log.info({ book: key, followed: this.dynamic.size }, 'following a book on demand');
    return book;
  }

  private letGo(holder: object, key: BookKey): void {
    const book = this.dynamic.get(key);
    if (book === undefined || !book.holders.delete(holder) || book.holders.size > 0) return;
    book.linger = setTimeout(() => this.unfollow(key, book), this.options.lingerMs);
    book.linger.unref();
  }

  private unfollow(key: BookKey, book: DynamicBook): void {
    if (book.holders.size > 0 || this.dynamic.get(key) !== book) return;
    this.dynamic.delete(key);
    this.options.exchanges.get(book.exchange)?.onDemand?.unfollow(book.symbol);
    this.options.books.remove(key);
    this.options.log.info(
      { book: key, followed: this.dynamic.size },
      'no client wants a book followed on demand; unfollowed',
    );
  }

  /** Unfollows nothing (the connectors stop with the service); clears the linger timers. */
  stop(): void {
    for (const book of this.dynamic.values()) clearTimeout(book.linger);
  }
}
