import { canonicalPerp, type Instrument } from '../../core/instrument.js';
import type { InvalidFrameReason } from '../../core/sink.js';
import type { BookDeltaEvent, PriceLevel, TradeEvent } from '../../core/types.js';
import { isInt, isObject, type Json } from '../json-guards.js';
import { BINANCE_SCAN_DEPTH, BINANCE_SCAN_TRADE, BinanceScanner } from './scan.js';

/**
 * Binance USDⓈ-M futures market-stream frames → normalized events.
 *
 * Validation at the edge is structural (field types); level strings are validated by the book engine,
 * which checks a whole update before changing anything. Unknown extra fields (e.g. `st`) are ignored.
 */
export type BinanceFrame =
  | { readonly kind: 'depth'; readonly event: BookDeltaEvent }
  | { readonly kind: 'trade'; readonly event: TradeEvent }
  /** Answer to SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS. */
  | { readonly kind: 'response'; readonly id: number; readonly result: unknown }
  | { readonly kind: 'error'; readonly code: number; readonly message: string; readonly id?: number }
  /** A well-formed event of a stream FlowRS does not consume (bookTicker, kline…). */
  | { readonly kind: 'ignored'; readonly eventType: string }
  | { readonly kind: 'invalid'; readonly reason: InvalidFrameReason; readonly detail: string };

const scanner = new BinanceScanner();

/**
 * Parses one text frame from a `/public/stream`, `/market/stream` or raw `/ws` connection. Scanner first
 * (see scan.ts: the depth and aggTrade frames the venue sends, read without `JSON.parse`); anything the
 * scanner does not recognise goes through `parseBinanceFrameViaJson`, with the same result either way.
 */
export function parseBinanceFrame(text: string, localTs: number): BinanceFrame {
  return parseBinanceFrameWith(scanner, text, localTs);
}

/** `parseBinanceFrame` with the given scanner (the equivalence tests pass deliberately broken ones). */
export function parseBinanceFrameWith(scanner: BinanceScanner, text: string, localTs: number): BinanceFrame {
  const kind = scanner.scan(text);
  if (kind === BINANCE_SCAN_DEPTH) {
    const f = scanner;
    return depthFrame(f.s, f.b, f.a, f.U, f.u, f.pu, f.E, localTs);
  }
  if (kind === BINANCE_SCAN_TRADE) {
    const f = scanner;
    return tradeFrame(f.s, f.aggId, f.p, f.q, f.m, f.T, localTs);
  }
  return parseBinanceFrameViaJson(text, localTs);
}

/** The reference path: `JSON.parse`, then `normalizeBinanceMessage`. */
export function parseBinanceFrameViaJson(text: string, localTs: number): BinanceFrame {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not_json', detail: 'not JSON' };
  }
  return normalizeBinanceMessage(message, localTs);
}

/** Normalizes an already-parsed frame (combined `{stream,data}` envelope or a raw event). */
export function normalizeBinanceMessage(message: unknown, localTs: number): BinanceFrame {
  if (!isObject(message)) return { kind: 'invalid', reason: 'unknown_message', detail: 'not an object' };
  const data = 'data' in message && typeof message.stream === 'string' ? message.data : message;
  if (!isObject(data)) return { kind: 'invalid', reason: 'unknown_message', detail: 'data is not an object' };
  const type = data.e;
  if (type === 'depthUpdate') return depth(data, localTs);
  if (type === 'aggTrade') return aggTrade(data, localTs);
  if (typeof type === 'string') return { kind: 'ignored', eventType: type };
  if ('result' in data && isInt(data.id)) return { kind: 'response', id: data.id, result: data.result };
  const error = isObject(data.error) ? data.error : data;
  if (isInt(error.code) && typeof error.msg === 'string') {
    return { kind: 'error', code: error.code, message: error.msg, id: isInt(data.id) ? data.id : undefined };
  }
  return { kind: 'invalid', reason: 'unknown_message', detail: 'unknown message shape' };
}

function depth(d: Json, localTs: number): BinanceFrame {
  const { E, s, U, u, pu, b, a } = d;
  if (!isInt(E) || typeof s !== 'string' || !isInt(U) || !isInt(u) || !isInt(pu)) {
    return { kind: 'invalid', reason: 'bad_field', detail: 'depthUpdate: bad E/s/U/u/pu' };
  }
  if (!Array.isArray(b) || !Array.isArray(a))
    return { kind: 'invalid', reason: 'bad_field', detail: 'depthUpdate: b/a not arrays' };
  if (U > u) return { kind: 'invalid', reason: 'bad_field', detail: 'depthUpdate: U > u' };
  return depthFrame(s, b as PriceLevel[], a as PriceLevel[], U, u, pu, E, localTs);
}

/** The depth frame both paths build (one constructor, so both give the same object). */
function depthFrame(
  symbol: string,
  bids: PriceLevel[],
  asks: PriceLevel[],
  U: number,
  u: number,
  pu: number,
  E: number,
  localTs: number,
): BinanceFrame {
  return {
    kind: 'depth',
    event: {
      type: 'book_delta',
      exchange: 'binance',
      symbol,
      bids,
      asks,
      firstUpdateId: U,
      updateId: u,
      prevUpdateId: pu,
      venueTs: E,
      localTs,
    },
  };
}

function aggTrade(d: Json, localTs: number): BinanceFrame {
  const { s, a, p, q, T, m } = d;
  if (typeof s !== 'string' || !isInt(a) || typeof p !== 'string' || typeof q !== 'string' || !isInt(T)) {
    return { kind: 'invalid', reason: 'bad_field', detail: 'aggTrade: bad s/a/p/q/T' };
  }
  if (typeof m !== 'boolean') return { kind: 'invalid', reason: 'bad_field', detail: 'aggTrade: m is not a boolean' };
  return tradeFrame(s, a, p, q, m, T, localTs);
}

function tradeFrame(
  symbol: string,
  aggId: number,
  price: string,
  quantity: string,
  buyerIsMaker: boolean,
  T: number,
  localTs: number,
): BinanceFrame {
  return {
    kind: 'trade',
    event: {
      type: 'trade',
      exchange: 'binance',
      symbol,
      tradeId: String(aggId),
      price,
      quantity,
      // m: "is the buyer the market maker?" — if so, the taker sold.
      side: buyerIsMaker ? 'sell' : 'buy',
      venueTs: T,
      localTs,
    },
  };
}

/** Parses a `GET /fapi/v1/depth` body. */
export function parseBinanceDepthSnapshot(
  body: unknown,
): { lastUpdateId: number; E: number; bids: PriceLevel[]; asks: PriceLevel[] } | { error: string } {
  if (!isObject(body)) return { error: 'snapshot is not an object' };
  const { lastUpdateId, E, bids, asks } = body;
  if (!isInt(lastUpdateId)) return { error: 'snapshot: bad lastUpdateId' };
  if (!Array.isArray(bids) || !Array.isArray(asks)) return { error: 'snapshot: bids/asks not arrays' };
  return { lastUpdateId, E: isInt(E) ? E : 0, bids: bids as PriceLevel[], asks: asks as PriceLevel[] };
}

/** A symbol counts as listed when it is a perpetual that trades now (not delivery, not settling or delisted). */
export const BINANCE_LISTED_CONTRACT_TYPE = 'PERPETUAL';
export const BINANCE_LISTED_STATUS = 'TRADING';

/**
 * The listed perpetuals in a `GET /fapi/v1/exchangeInfo` body, as instruments (sizes are base units, so
 * the contract size is 1). Defensive: entries that are not objects or lack string `symbol`, `baseAsset`
 * and `quoteAsset` are skipped; a body without a `symbols` array, or with no listed symbol at all, is an
 * error (a list that empty is a broken answer, not a venue without perpetuals).
 */
export function parseBinanceExchangeInfo(
  body: unknown,
): { readonly instruments: Instrument[] } | { readonly error: string } {
  if (!isObject(body) || !Array.isArray(body.symbols)) return { error: 'exchangeInfo has no symbols array' };
  const instruments: Instrument[] = [];
  for (const entry of body.symbols as unknown[]) {
    if (!isObject(entry) || typeof entry.symbol !== 'string') continue;
    if (entry.contractType !== BINANCE_LISTED_CONTRACT_TYPE || entry.status !== BINANCE_LISTED_STATUS) continue;
    const { symbol, baseAsset, quoteAsset, marginAsset } = entry;
    if (typeof baseAsset !== 'string' || typeof quoteAsset !== 'string') continue;
    const filters = Array.isArray(entry.filters) ? entry.filters.filter(isObject) : [];
    const filter = (type: string, field: string): string => {
      const value = filters.find((f) => f.filterType === type)?.[field];
      return typeof value === 'string' ? value : '';
    };
    instruments.push({
      exchange: 'binance',
      symbol,
      canonical: canonicalPerp(baseAsset, quoteAsset),
      base: baseAsset,
      quote: quoteAsset,
      settle: typeof marginAsset === 'string' ? marginAsset : quoteAsset,
      type: 'perp',
      tickSize: filter('PRICE_FILTER', 'tickSize'),
      lotSize: filter('LOT_SIZE', 'stepSize'),
      contractSize: '1',
    });
  }
  if (instruments.length === 0) return { error: 'exchangeInfo lists no trading perpetual' };
  return { instruments };
}
