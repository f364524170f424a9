export type { BookHealth, BookManagerOptions, BookStatus, ResyncReason } from './book/book-manager.js';
export {
  BookManager,
  DEFAULT_DISPLAY_DEPTH,
  DEFAULT_STALE_AFTER_MS,
  ManagedBook,
} from './book/book-manager.js';
export { BookSide } from './book/book-side.js';
export { InvalidLevelError } from './book/errors.js';
export type { BookSideName, OrderBookOptions } from './book/order-book.js';
export { DEFAULT_BOOK_DEPTH, DEFAULT_TRIM_FACTOR, OrderBook } from './book/order-book.js';
export * from './core/decimal.js';
export * from './core/sink.js';
export * from './core/types.js';
