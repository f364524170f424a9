/**
 * A tiny typed client for FlowRS's WebSocket feed: connects, reconnects with backoff, keeps the latest
 * view of every book, and hands you each typed message. Works in browsers (global WebSocket) and in
 * Node (pass `WebSocket` from the `ws` package). No dependencies.
 */
import {
  buildConsolidatedView,
  type ConsolidatedBookView,
  type Metrics,
  type OrderBookView,
  type ServerMessage,
  type TradeMessage,
} from '../protocol/index.js';

export type {
  ConsolidatedBookView,
  ConsolidatedLevel,
  ErrorMessage,
  Metrics,
  MetricsMessage,
  OrderBookMessage,
  OrderBookView,
  PongMessage,
  PriceLevelJson,
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
  /** Receive only these books (`exchange:SYMBOL`) and their trades; default: every book. */
  readonly books?: readonly string[];
}

export const bookKeyOf = (b: { exchange: string; symbol: string }) => `${b.exchange}:${b.symbol}`;

export class FlowrsClient {
  /** The latest view of every book, keyed `exchange:SYMBOL`. */
  readonly books = new Map<string, OrderBookView>();
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
  private selection: readonly string[] | '*';

  constructor(
    readonly url: string,
    private readonly options: FlowrsClientOptions = {},
  ) {
    const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    const Ctor = options.WebSocket ?? global;
    if (!Ctor) throw new Error('no WebSocket implementation: pass options.WebSocket (e.g. from the "ws" package)');
    this.Ctor = Ctor;
    this.selection = options.books ?? '*';
    this.connect();
  }

  private setStatus(status: ClientStatus): void {
    this.status = status;
    this.options.onStatus?.(status);
  }

  private connect(): void {
    this.setStatus({ type: 'connecting' });
    // The selection travels in the URL, so every (re)connection starts with the right snapshot.
    const ws = new this.Ctor(this.selection === '*' ? this.url : withBooks(this.url, this.selection));
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
    ws.onclose = () => {
      if (this.socket !== ws) return;
      if (this.closed) {
        this.setStatus({ type: 'closed' });
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
        for (const b of message.orderbooks) this.books.set(bookKeyOf(b), b);
        this.metrics = message.metrics;
        this.simulated = message.simulated;
        return;
      case 'orderbook': {
        const { type: _type, ...view } = message;
        this.books.set(bookKeyOf(message), view);
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

  /**
   * Changes which books (and their trades) this client receives; `'*'` for all. The server answers with
   * a snapshot of the selection, and reconnections keep it.
   */
  subscribe(books: readonly string[] | '*'): void {
    this.selection = books;
    if (this.socket?.readyState === 1) this.socket.send(JSON.stringify({ type: 'subscribe', books }));
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

function withBooks(url: string, books: readonly string[]): string {
  const u = new URL(url);
  u.searchParams.set('books', books.join(','));
  return u.toString();
}
