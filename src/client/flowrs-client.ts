/**
 * A tiny typed client for FlowRS's WebSocket feed: connects, reconnects with backoff, keeps the latest
 * view of every book, and hands you each typed message. Works in browsers (global WebSocket) and in
 * Node (pass `WebSocket` from the `ws` package). No dependencies.
 */
import {
  type BookDeltaMessage,
  type BookMessage,
  buildConsolidatedView,
  CLOSE_FORBIDDEN_ORIGIN,
  CLOSE_UNAUTHORIZED,
  type ConsolidatedBookView,
  DeltaBook,
  type DeltaVerdict,
  type Metrics,
  type OrderBookView,
  type ServerLimits,
  type ServerMessage,
  type TradeMessage,
} from '../protocol/index.js';

export type {
  BookDeltaMessage,
  BookMessage,
  ConsolidatedBookView,
  ConsolidatedLevel,
  ConsolidatedMessage,
  ErrorMessage,
  Metrics,
  MetricsMessage,
  OrderBookMessage,
  OrderBookView,
  PongMessage,
  PriceLevelJson,
  ServerLimits,
  ServerMessage,
  SnapshotMessage,
  SubscribeMessage,
  TradeMessage,
} from '../protocol/index.js';

/** The part of the WebSocket API the client uses (browser WebSocket and `ws` both have it). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export type ClientStatus =
  | { type: 'connecting' }
  | { type: 'open' }
  | { type: 'reconnecting'; delayMs: number }
  /** The server refused this client (4401: no valid token; 4403: origin not allowed): it does not retry. */
  | { type: 'refused'; code: number; reason: string }
  | { type: 'closed' };

export interface FlowrsClientOptions {
  /** WebSocket implementation; defaults to the global one (browsers, Node ≥ 22). */
  readonly WebSocket?: WebSocketConstructor;
  readonly onMessage?: (message: ServerMessage) => void;
  readonly onStatus?: (status: ClientStatus) => void;
  /** Reconnect delay bounds (ms): full jitter below a ceiling that doubles from min to max. */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** Trades kept in `trades` (newest first). */
  readonly keepTrades?: number;
  /** Receive only these books (`exchange:SYMBOL`, or `BTC-USDT` for the instrument on every venue) and their trades; default: every book. */
  readonly books?: readonly string[];
  /** Canonical instruments whose consolidated book the server pushes (kept in `consolidatedBooks`). */
  readonly consolidated?: readonly string[];
  /**
   * `delta`: receive each book as a snapshot then deltas, applied to a local copy of `depth` levels a side
   * and verified after every message (sequence and checksum); a copy that fails is resynced at once.
   * `top` (default): a full top-N view per change.
   */
  readonly mode?: 'top' | 'delta';
  /** Delta mode's levels a side (default: the server's display depth). */
  readonly depth?: number;
  /** A bearer token for a server that requires one (sent as `?token=`: browsers cannot set headers). */
  readonly token?: string;
}

/** What delta mode's verification has seen (all zero in top mode). */
export interface DeltaIntegrity {
  /** Deltas applied and verified. */
  deltasApplied: number;
  /** Deltas that skipped a sequence. */
  sequenceGaps: number;
  /** Messages after which the local copy's checksum differed from the server's. */
  checksumFailures: number;
  /** Fresh `book` messages asked for after a gap or a checksum failure. */
  resyncsRequested: number;
}

/** What the client asks the server for; kept across reconnections. */
interface Wanted {
  books: readonly string[] | '*';
  consolidated: readonly string[];
  mode: 'top' | 'delta';
  depth: number | undefined;
}

export const bookKeyOf = (b: { exchange: string; symbol: string }) => `${b.exchange}:${b.symbol}`;

export class FlowrsClient {
  /** The latest view of every book, keyed `exchange:SYMBOL` (in delta mode: built from the verified copies). */
  readonly books = new Map<string, OrderBookView>();
  /** The latest consolidated book of every followed instrument, keyed `BTC-USDT`. */
  readonly consolidatedBooks = new Map<string, ConsolidatedBookView>();
  /** Delta mode's verification so far. */
  readonly integrity: DeltaIntegrity = { deltasApplied: 0, sequenceGaps: 0, checksumFailures: 0, resyncsRequested: 0 };
  /** The server's protocol version and limits, from its last snapshot. */
  protocol: number | undefined;
  limits: ServerLimits | undefined;
  private readonly copies = new Map<string, DeltaBook>();
  /** Books whose copy failed and whose fresh `book` message is awaited. */
  private readonly resyncing = new Set<string>();
  /** Recent trades, newest first. */
  readonly trades: TradeMessage[] = [];
  metrics: Metrics | undefined;
  simulated = false;
  status: ClientStatus = { type: 'connecting' };
  private socket: WebSocketLike | undefined;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly Ctor: WebSocketConstructor;
  private wanted: Wanted;

  constructor(
    readonly url: string,
    private readonly options: FlowrsClientOptions = {},
  ) {
    const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    const Ctor = options.WebSocket ?? global;
    if (!Ctor) throw new Error('no WebSocket implementation: pass options.WebSocket (e.g. from the "ws" package)');
    this.Ctor = Ctor;
    this.wanted = {
      books: options.books ?? '*',
      consolidated: options.consolidated ?? [],
      mode: options.mode ?? 'top',
      depth: options.depth,
    };
    this.connect();
  }

  private setStatus(status: ClientStatus): void {
    this.status = status;
    this.options.onStatus?.(status);
  }

  private connect(): void {
    this.setStatus({ type: 'connecting' });
    // The selection travels in the URL, so every (re)connection starts with the right snapshot.
    const ws = new this.Ctor(connectUrl(this.url, this.wanted, this.options.token));
    this.socket = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.setStatus({ type: 'open' });
    };
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        return;
      }
      this.apply(message);
      this.options.onMessage?.(message);
    };
    ws.onerror = () => undefined;
    ws.onclose = (event) => {
      if (this.socket !== ws) return;
      if (this.closed) {
        this.setStatus({ type: 'closed' });
        return;
      }
      const { code, reason } = (event ?? {}) as { code?: number; reason?: string };
      if (code === CLOSE_UNAUTHORIZED || code === CLOSE_FORBIDDEN_ORIGIN) {
        // Trying again would be refused again: the user must bring another token or origin.
        this.closed = true;
        this.setStatus({ type: 'refused', code, reason: reason ?? '' });
        return;
      }
      const min = this.options.reconnectMinMs ?? 250;
      const ceiling = Math.min(this.options.reconnectMaxMs ?? 10_000, min * 2 ** this.attempt++);
      const delayMs = Math.floor(Math.random() * ceiling);
      this.setStatus({ type: 'reconnecting', delayMs });
      this.timer = setTimeout(() => this.connect(), delayMs);
    };
  }

  private apply(message: ServerMessage): void {
    switch (message.type) {
      case 'snapshot':
        this.books.clear();
        this.copies.clear();
        this.resyncing.clear();
        this.consolidatedBooks.clear();
        for (const b of message.orderbooks) this.books.set(bookKeyOf(b), b);
        for (const b of message.books ?? []) this.load(b);
        for (const c of message.consolidated ?? []) this.consolidatedBooks.set(c.symbol, c);
        this.metrics = message.metrics;
        this.simulated = message.simulated;
        this.protocol = message.protocol;
        this.limits = message.limits;
        return;
      case 'orderbook': {
        const { type: _type, ...view } = message;
        this.books.set(bookKeyOf(message), view);
        return;
      }
      case 'book':
        this.load(message);
        return;
      case 'delta':
        this.applyDelta(message);
        return;
      case 'consolidated': {
        const { type: _type, ...view } = message;
        this.consolidatedBooks.set(view.symbol, view);
        return;
      }
      case 'trade':
        this.trades.unshift(message);
        if (this.trades.length > (this.options.keepTrades ?? 100)) this.trades.length = this.options.keepTrades ?? 100;
        return;
      case 'metrics': {
        const { type: _type, ...metrics } = message;
        this.metrics = metrics;
        return;
      }
      default:
        return;
    }
  }

  /** Delta mode: a book's whole state replaces the local copy. */
  private load(message: BookMessage): void {
    const key = bookKeyOf(message);
    const copy = new DeltaBook(message.depth);
    this.copies.set(key, copy);
    this.resyncing.delete(key);
    if (this.verdict(key, copy.load(message)) === 'applied') this.books.set(key, viewOf(message, copy));
  }

  private applyDelta(delta: BookDeltaMessage): void {
    const key = bookKeyOf(delta);
    if (this.resyncing.has(key)) return;
    const copy = this.copies.get(key);
    if (copy === undefined) {
      this.requestResync(key);
      return;
    }
    const verdict = this.verdict(key, copy.apply(delta));
    if (verdict !== 'applied') return;
    this.integrity.deltasApplied++;
    this.books.set(key, viewOf(delta, copy, this.books.get(key)?.instrument));
  }

  private verdict(key: string, verdict: DeltaVerdict): DeltaVerdict {
    if (verdict === 'gap') this.integrity.sequenceGaps++;
    if (verdict === 'checksum') this.integrity.checksumFailures++;
    if (verdict === 'gap' || verdict === 'checksum') {
      // The copy can no longer be trusted: do not show it, ask for a fresh one.
      this.books.delete(key);
      this.copies.delete(key);
      this.requestResync(key);
    }
    return verdict;
  }

  private requestResync(key: string): void {
    if (this.resyncing.has(key)) return;
    this.resyncing.add(key);
    this.integrity.resyncsRequested++;
    if (this.socket?.readyState === 1) this.socket.send(JSON.stringify({ type: 'resync', books: [key] }));
  }

  /**
   * Changes which books (and their trades) this client receives; `'*'` for all. The server answers with
   * a snapshot of the selection, and reconnections keep it. `options` change the mode, depth or
   * consolidated instruments too (left out: unchanged).
   */
  subscribe(
    books: readonly string[] | '*',
    options: { consolidated?: readonly string[]; mode?: 'top' | 'delta'; depth?: number } = {},
  ): void {
    this.wanted = {
      books,
      consolidated: options.consolidated ?? this.wanted.consolidated,
      mode: options.mode ?? this.wanted.mode,
      depth: options.depth ?? this.wanted.depth,
    };
    if (this.socket?.readyState !== 1) return;
    const { consolidated, mode, depth } = this.wanted;
    this.socket.send(
      JSON.stringify({ type: 'subscribe', books, consolidated, mode, ...(depth !== undefined ? { depth } : {}) }),
    );
  }

  /**
   * One symbol across the venues this client receives, merged by price with exact summed quantities.
   * Built from the views at display depth: each venue vouches only for the levels it sent, so the merge
   * stops at the shallowest venue's last level and may hold fewer than `depth` levels.
   */
  consolidated(instrument: string, depth = Number.POSITIVE_INFINITY): ConsolidatedBookView {
    // Books of one canonical instrument (`BTC-USDT`) merge, whatever each venue calls it.
    const views = [...this.books.values()].filter((v) => (v.instrument ?? v.symbol) === instrument);
    const level = (l: { price: string; quantity: string }) => [l.price, l.quantity] as const;
    const longest = Math.max(0, ...views.flatMap((v) => [v.bids.length, v.asks.length]));
    return buildConsolidatedView(
      instrument,
      views.map((v) => ({
        exchange: v.exchange,
        symbol: v.symbol,
        status: v.status,
        updateId: v.updateId,
        timestamp: v.timestamp,
        bids: v.bids.map(level),
        asks: v.asks.map(level),
        // A view holds only the display depth: nothing says what lies below it.
        bidsComplete: false,
        asksComplete: false,
      })),
      Math.min(depth, longest),
    );
  }

  ping(): void {
    if (this.socket?.readyState === 1) this.socket.send('{"type":"ping"}');
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.socket?.close(1000, 'client closing');
  }
}

function connectUrl(url: string, wanted: Wanted, token: string | undefined): string {
  const u = new URL(url);
  if (wanted.books !== '*') u.searchParams.set('books', wanted.books.join(','));
  if (wanted.consolidated.length > 0) u.searchParams.set('consolidated', wanted.consolidated.join(','));
  if (wanted.mode !== 'top') u.searchParams.set('mode', wanted.mode);
  if (wanted.depth !== undefined) u.searchParams.set('depth', String(wanted.depth));
  if (token !== undefined) u.searchParams.set('token', token);
  return u.toString();
}

/** A delta-mode book as a view, from its verified copy. */
function viewOf(
  message: BookMessage | BookDeltaMessage,
  copy: DeltaBook,
  instrument = 'instrument' in message ? message.instrument : undefined,
): OrderBookView {
  const { bids, asks } = copy.levels();
  const bestBid = bids[0]?.[0] ?? null;
  const bestAsk = asks[0]?.[0] ?? null;
  const bid = Number(bestBid);
  const ask = Number(bestAsk);
  return {
    exchange: message.exchange,
    symbol: message.symbol,
    ...(instrument !== undefined ? { instrument } : {}),
    bids: bids.map(([price, quantity]) => ({ price, quantity })),
    asks: asks.map(([price, quantity]) => ({ price, quantity })),
    bestBid,
    bestAsk,
    spreadBps: bestBid !== null && bestAsk !== null ? ((ask - bid) / ((ask + bid) / 2)) * 10_000 : null,
    status: message.status,
    ...(message.reason !== undefined ? { reason: message.reason } : {}),
    updateId: message.updateId,
    timestamp: message.timestamp,
    sequence: message.sequence,
  };
}
