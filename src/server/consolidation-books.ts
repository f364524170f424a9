import type { BookManager, ManagedBook } from '../book/book-manager.js';
import { USD_STABLECOINS } from '../core/instrument.js';

const LEGACY_QUOTES = ['USDT', 'USDC', 'USD'];

/** `BTC-USDT` as is; `btcusdt` (the venues' old spelling) as `BTC-USDT`; undefined if neither. */
export function canonicalOf(text: string): string | undefined {
  const upper = text.toUpperCase();
  if (/^[A-Z0-9]{1,20}-[A-Z0-9]{2,10}$/.test(upper)) return upper;
  const quote = LEGACY_QUOTES.find((q) => upper.endsWith(q) && upper.length > q.length);
  return quote === undefined ? undefined : `${upper.slice(0, -quote.length)}-${quote}`;
}

/**
 * The books of one canonical instrument across venues. Different quote currencies are different
 * markets: only with `mergeStablecoins` are `BTC-USDT`, `BTC-USDC` and `BTC-USD` merged (the view says so).
 */
export function consolidationBooks(books: BookManager, instrument: string, mergeStablecoins: boolean): ManagedBook[] {
  const [base, quote] = instrument.split('-');
  const quotes = mergeStablecoins && USD_STABLECOINS.includes(quote) ? USD_STABLECOINS : [quote];
  return books.list().filter((b) => b.instrument?.base === base && quotes.includes(b.instrument.quote));
}
