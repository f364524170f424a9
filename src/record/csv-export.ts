import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BookStatus, ManagedBook } from '../book/book-manager.js';
import { toBaseQuantity } from '../core/instrument.js';
import type { BookEvent, PriceLevel, TradeEvent } from '../core/types.js';
import type { PipelineListener } from '../pipeline/pipeline.js';

/** Rows buffered per file before they are appended to it. */
const ROWS_PER_WRITE = 2_000;

/** The three CSV tables, one file each per book and UTC day. */
export type CsvTable = 'book' | 'trades' | 'changes';

export const TRADES_COLUMNS = [
  'time_us',
  'venue_time_ms',
  'exchange',
  'symbol',
  'trade_id',
  'price',
  'quantity',
  'side',
];
export const CHANGES_COLUMNS = ['time_us', 'update_id', 'side', 'price', 'quantity'];

/** `time_us, exchange, symbol, status, update_id, bid_1_price, bid_1_quantity, …, ask_N_price, ask_N_quantity`. */
export function bookColumns(depth: number): string[] {
  const side = (name: string) =>
    Array.from({ length: depth }, (_, i) => [`${name}_${i + 1}_price`, `${name}_${i + 1}_quantity`]).flat();
  return ['time_us', 'exchange', 'symbol', 'status', 'update_id', ...side('bid'), ...side('ask')];
}

/** `binance_BTCUSDT_2024-05-01_book.csv`; characters a file name should not have become `-`. */
export function csvFileName(exchange: string, symbol: string, day: string, table: CsvTable): string {
  return `${exchange}_${symbol.replace(/[^A-Za-z0-9._-]/g, '-')}_${day}_${table}.csv`;
}

/** The UTC day of a time in µs: `2024-05-01`. */
export function dayOf(us: number): string {
  return new Date(Math.floor(us / 1000)).toISOString().slice(0, 10);
}

/** Files being written, by name: header on creation, rows appended in batches. */
class CsvFiles {
  private readonly pending = new Map<string, string[]>();
  readonly written = new Set<string>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  row(name: string, columns: readonly string[], values: readonly (string | number)[]): void {
    let rows = this.pending.get(name);
    if (!rows) {
      rows = [];
      this.pending.set(name, rows);
      if (!this.written.has(name)) {
        writeFileSync(join(this.dir, name), `${columns.join(',')}\n`);
        this.written.add(name);
      }
    }
    rows.push(values.join(','));
    if (rows.length >= ROWS_PER_WRITE) this.flushFile(name);
  }

  private flushFile(name: string): void {
    const rows = this.pending.get(name);
    if (!rows || rows.length === 0) return;
    appendFileSync(join(this.dir, name), `${rows.join('\n')}\n`);
    this.pending.set(name, []);
  }

  flush(): void {
    for (const name of this.pending.keys()) this.flushFile(name);
  }
}

/** A book's state as the next interval row will show it. */
interface Sampled {
  status: BookStatus;
  updateId: number;
  levels: { bids: [string, string][]; asks: [string, string][] };
  /** The next interval boundary (µs) a row is due at. */
  nextRowUs: number;
}

export interface CsvExportOptions {
  readonly dir: string;
  /** Books to write, by key (`binance:BTCUSDT`); all when empty. */
  readonly books: ReadonlySet<string>;
  readonly depth: number;
  readonly intervalUs: number;
  readonly fromUs?: number;
  readonly toUs?: number;
  /** The recorded receive time (µs) of what the book engine is processing now. */
  readonly clockUs: () => number;
}

/**
 * Writes the replayed books as CSV while the replay runs: a row per book and interval with the book as
 * it stood at the interval's end, every trade, and every change to a book (in base units, exact strings).
 */
export class CsvExport implements PipelineListener {
  private readonly files: CsvFiles;
  private readonly sampled = new Map<string, Sampled>();
  private readonly columns: string[];

  constructor(private readonly options: CsvExportOptions) {
    this.files = new CsvFiles(options.dir);
    this.columns = bookColumns(options.depth);
  }

  private wanted(key: string, us: number): boolean {
    if (this.options.books.size > 0 && !this.options.books.has(key)) return false;
    return us >= (this.options.fromUs ?? 0) && us <= (this.options.toUs ?? Number.POSITIVE_INFINITY);
  }

  onBook(book: ManagedBook): void {
    const now = this.options.clockUs();
    if (this.options.books.size > 0 && !this.options.books.has(book.key)) return;
    let state = this.sampled.get(book.key);
    if (state === undefined) {
      const interval = this.options.intervalUs;
      state = {
        status: book.status(),
        updateId: 0,
        levels: { bids: [], asks: [] },
        nextRowUs: Math.ceil(now / interval) * interval,
      };
      this.sampled.set(book.key, state);
    }
    this.rowsUntil(book.key, state, now);
    state.status = book.status();
    state.updateId = book.updateId;
    state.levels = book.levels(this.options.depth);
  }

  /** Writes the rows due at every boundary before `us` (the book then was `state`). */
  private rowsUntil(key: string, state: Sampled, us: number): void {
    while (state.nextRowUs <= us) {
      const at = state.nextRowUs;
      state.nextRowUs += this.options.intervalUs;
      if (this.wanted(key, at)) this.bookRow(key, state, at);
    }
  }

  private bookRow(key: string, state: Sampled, at: number): void {
    const [exchange, symbol] = splitKey(key);
    const side = (levels: [string, string][]) =>
      Array.from({ length: this.options.depth }, (_, i) => levels[i] ?? ['', '']).flat();
    this.files.row(csvFileName(exchange, symbol, dayOf(at), 'book'), this.columns, [
      at,
      exchange,
      symbol,
      state.status,
      state.updateId,
      ...side(state.levels.bids),
      ...side(state.levels.asks),
    ]);
  }

  onBookEvent(book: ManagedBook, event: BookEvent): void {
    const now = this.options.clockUs();
    if (!this.wanted(book.key, now)) return;
    const name = csvFileName(book.exchange, book.symbol, dayOf(now), 'changes');
    const size = book.contractSize;
    const write = (side: 'bid' | 'ask', levels: readonly PriceLevel[]) => {
      for (const [price, quantity] of levels)
        this.files.row(name, CHANGES_COLUMNS, [now, event.updateId, side, price, toBaseQuantity(quantity, size)]);
    };
    // A snapshot replaces the book: a `reset` row, then its levels.
    if (event.type === 'book_snapshot') this.files.row(name, CHANGES_COLUMNS, [now, event.updateId, 'reset', '', '']);
    write('bid', event.bids);
    write('ask', event.asks);
  }

  /** Trades, in base units; `contractSize` gives the venue's size of one contract for the trade's book. */
  trade(trade: TradeEvent, contractSize: string): void {
    const now = this.options.clockUs();
    const key = `${trade.exchange}:${trade.symbol}`;
    if (!this.wanted(key, now)) return;
    this.files.row(csvFileName(trade.exchange, trade.symbol, dayOf(now), 'trades'), TRADES_COLUMNS, [
      now,
      trade.venueTs,
      trade.exchange,
      trade.symbol,
      trade.tradeId,
      trade.price,
      toBaseQuantity(trade.quantity, contractSize),
      trade.side,
    ]);
  }

  /** The replay is over at `endUs`: rows for the boundaries up to it, and everything on disk. */
  finish(endUs: number): string[] {
    for (const [key, state] of this.sampled) this.rowsUntil(key, state, endUs);
    this.files.flush();
    return [...this.files.written].sort();
  }
}

function splitKey(key: string): [string, string] {
  const at = key.indexOf(':');
  return [key.slice(0, at), key.slice(at + 1)];
}
