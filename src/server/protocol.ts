/**
 * FlowRS's client protocol as the server builds it: views and messages from the server's own books.
 * The wire types themselves live in src/protocol/ (no Node, no server code, so clients and browsers can
 * import them); they are re-exported here so server code has one place to import from.
 */
import type { ManagedBook } from '../book/book-manager.js';
import type { TradeEvent } from '../core/types.js';
import {
  buildConsolidatedView,
  type ConsolidatedBookView,
  type OrderBookView,
  type TradeMessage,
} from '../protocol/index.js';

export * from '../protocol/index.js';

export function bookView(book: ManagedBook, depth: number, now = Date.now()): OrderBookView {
  const top = book.levels(depth);
  const status = book.status(now);
  const reason = book.resyncReason();
  const instrument = book.canonical;
  return {
    exchange: book.exchange,
    symbol: book.symbol,
    ...(instrument !== undefined ? { instrument } : {}),
    bids: top.bids.map(([price, quantity]) => ({ price, quantity })),
    asks: top.asks.map(([price, quantity]) => ({ price, quantity })),
    bestBid: top.bids[0]?.[0] ?? null,
    bestAsk: top.asks[0]?.[0] ?? null,
    spreadBps: book.book.spreadBps() ?? null,
    status,
    ...(reason !== undefined ? { reason } : {}),
    updateId: book.updateId,
    timestamp: book.venueTs,
    sequence: book.sequence,
  };
}

export function tradeMessage(t: TradeEvent): TradeMessage {
  return {
    type: 'trade',
    exchange: t.exchange,
    symbol: t.symbol,
    tradeId: t.tradeId,
    price: t.price,
    quantity: t.quantity,
    side: t.side,
    timestamp: t.venueTs,
  };
}

/** The server's consolidated view, from its own books at any retained depth. */
export function consolidatedView(
  instrument: string,
  books: readonly ManagedBook[],
  depth: number,
  now = Date.now(),
): ConsolidatedBookView {
  const quotes = [...new Set(books.map((b) => b.instrument?.quote).filter((q): q is string => q !== undefined))];
  const view = buildConsolidatedView(
    instrument,
    books.map((book) => {
      const top = book.levels(depth);
      return {
        exchange: book.exchange,
        symbol: book.symbol,
        status: book.status(now),
        updateId: book.updateId,
        timestamp: book.venueTs,
        bids: top.bids,
        asks: top.asks,
        bidsComplete: !book.book.bids.isTruncated(),
        asksComplete: !book.book.asks.isTruncated(),
      };
    }),
    depth,
  );
  return quotes.length > 0 ? { ...view, quotes } : view;
}
