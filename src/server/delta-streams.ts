import type { ManagedBook } from '../book/book-manager.js';
import type { BookKey } from '../core/types.js';
import { type BookDeltaMessage, type BookMessage, type BookStatus, bookChecksum, type Level } from './protocol.js';

/**
 * One book at one depth as delta-mode clients see it: the top `depth` levels last sent, and a sequence
 * that grows by one with every delta. Every client of the stream shares its messages, so a delta is
 * computed once per book, depth and throttle tick, whatever the number of clients.
 */
export class DeltaStream {
  sequence = 0;
  private bids: Level[] = [];
  private asks: Level[] = [];
  private status: BookStatus = 'syncing';
  private reason: string | undefined;
  private updateId = 0;
  private timestamp = 0;
  private checksum = 0;

  constructor(
    readonly book: ManagedBook,
    readonly depth: number,
    now: number,
  ) {
    this.capture(now);
  }

  /** The stream's whole state at its sequence. */
  snapshot(): BookMessage {
    return {
      type: 'book',
      ...this.header(this.book.canonical),
      bids: this.bids,
      asks: this.asks,
      checksum: this.checksum,
    };
  }

  /** What every message of the stream says about the book, at the stream's sequence. */
  private header(instrument?: string) {
    return {
      exchange: this.book.exchange,
      symbol: this.book.symbol,
      ...(instrument !== undefined ? { instrument } : {}),
      depth: this.depth,
      sequence: this.sequence,
      status: this.status,
      ...(this.reason !== undefined ? { reason: this.reason } : {}),
      updateId: this.updateId,
      timestamp: this.timestamp,
    };
  }

  /** Moves the stream to the book's current state: the delta, or undefined when nothing a client sees changed. */
  advance(now: number): BookDeltaMessage | undefined {
    const before = { bids: this.bids, asks: this.asks, status: this.status, reason: this.reason };
    this.capture(now);
    const bids = diff(before.bids, this.bids);
    const asks = diff(before.asks, this.asks);
    if (bids.length === 0 && asks.length === 0 && before.status === this.status && before.reason === this.reason) {
      return undefined;
    }
    this.sequence++;
    return { type: 'delta', ...this.header(), bids, asks, checksum: this.checksum };
  }

  private capture(now: number): void {
    const top = this.book.levels(this.depth);
    this.bids = top.bids;
    this.asks = top.asks;
    this.status = this.book.status(now);
    this.reason = this.book.resyncReason();
    this.updateId = this.book.updateId;
    this.timestamp = this.book.venueTs;
    this.checksum = bookChecksum(this.bids, this.asks);
  }
}

/** The levels that turn `before` into `after`: changed or new ones, and removed ones with quantity "0". */
function diff(before: readonly Level[], after: readonly Level[]): Level[] {
  const changes: Level[] = [];
  const old = new Map<string, string>();
  for (const [price, quantity] of before) old.set(price, quantity);
  for (const level of after) {
    const quantity = old.get(level[0]);
    if (quantity !== level[1]) changes.push(level);
    old.delete(level[0]);
  }
  for (const price of old.keys()) changes.push([price, '0']);
  return changes;
}

/** The delta streams in use, by book and depth. */
export class DeltaStreams {
  private readonly byBook = new Map<BookKey, Map<number, DeltaStream>>();

  /** The stream of `book` at `depth`, started at the book's current state if there is none. */
  get(book: ManagedBook, depth: number, now: number): DeltaStream {
    let streams = this.byBook.get(book.key);
    if (streams === undefined) {
      streams = new Map();
      this.byBook.set(book.key, streams);
    }
    let stream = streams.get(depth);
    if (stream === undefined) {
      stream = new DeltaStream(book, depth, now);
      streams.set(depth, stream);
    }
    return stream;
  }

  has(key: BookKey, depth: number): boolean {
    return this.byBook.get(key)?.has(depth) === true;
  }

  /** Every stream of one book. */
  of(key: BookKey): Iterable<DeltaStream> {
    return this.byBook.get(key)?.values() ?? [];
  }

  /** Drops the streams no client needs any more. */
  retain(needed: (key: BookKey, depth: number) => boolean): void {
    for (const [key, streams] of this.byBook) {
      for (const depth of streams.keys()) if (!needed(key, depth)) streams.delete(depth);
      if (streams.size === 0) this.byBook.delete(key);
    }
  }

  get size(): number {
    let n = 0;
    for (const streams of this.byBook.values()) n += streams.size;
    return n;
  }
}
