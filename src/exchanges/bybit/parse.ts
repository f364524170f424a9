import type { PriceLevel } from '../../core/types.js';
import { isInt, isObject, type Json } from '../json-guards.js';
import type { AckFrame, TradeFrame, VenueFrame } from '../kit/venue-frame.js';
import { BYBIT_SCAN_BOOK, BYBIT_SCAN_TRADES, BybitScanner } from './scan.js';

/** The answer Bybit gives a topic it has no such stream for (an instrument it does not list). */
export const BYBIT_UNKNOWN_TOPIC = 'handler not found';
/** Its answer to a second subscription of the same topic: not an error, and not a gap. */
export const BYBIT_ALREADY_SUBSCRIBED = 'already subscribed';

const scanner = new BybitScanner();

/**
 * Bybit v5 public frames → the shared frame type. Structural validation only; level strings are checked
 * by the book engine before it changes anything. Unknown extra fields are ignored.
 *
 * Scanner first (see scan.ts: the orderbook and publicTrade pushes the venue sends, read without
 * `JSON.parse`); anything the scanner does not recognise goes through `parseBybitFrameViaJson`, with the
 * same result either way.
 */
export function parseBybitFrame(text: string, localTs: number): VenueFrame {
  return parseBybitFrameWith(scanner, text, localTs);
}

/** `parseBybitFrame` with the given scanner (the equivalence tests pass deliberately broken ones). */
export function parseBybitFrameWith(scanner: BybitScanner, text: string, localTs: number): VenueFrame {
  const kind = scanner.scan(text);
  if (kind === BYBIT_SCAN_BOOK) {
    const f = scanner;
    return bookFrame(f.s, f.snapshot, f.b, f.a, f.u, f.ts);
  }
  if (kind === BYBIT_SCAN_TRADES) return tradesFrame(scanner.symbol, scanner.topic, scanner.trades);
  return parseBybitFrameViaJson(text, localTs);
}

/** The reference path: `JSON.parse`, then structural checks on the parsed value. */
export function parseBybitFrameViaJson(text: string, localTs: number): VenueFrame {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not_json', detail: 'not JSON' };
  }
  if (!isObject(message)) return { kind: 'invalid', reason: 'unknown_message', detail: 'not an object' };
  // Answers to subscribe / unsubscribe / ping: branch on `success`, never on `ret_msg` (linear and spot differ).
  if (typeof message.success === 'boolean') return ack(message);
  const topic = message.topic;
  if (typeof topic !== 'string') return { kind: 'invalid', reason: 'unknown_message', detail: 'no topic' };
  if (topic.startsWith('orderbook.')) return orderbook(message);
  if (topic.startsWith('publicTrade.')) return trades(message, localTs);
  return { kind: 'ignored', what: topic };
}

function ack(m: Json): VenueFrame {
  const op = m.op;
  const message = typeof m.ret_msg === 'string' ? m.ret_msg : '';
  if (op === 'ping' || message === 'pong') return { kind: 'pong' };
  if (op !== 'subscribe' && op !== 'unsubscribe') return { kind: 'ignored', what: `ack of ${String(op)}` };
  // A refusal names the topic that failed (`error:handler not found,topic:orderbook.200.NOPEUSDT`).
  const named = /topic:(\S+)/.exec(message)?.[1];
  const out: AckFrame = {
    kind: 'ack',
    op,
    ok: m.success === true,
    topics: m.success === true || named === undefined ? [] : [named],
    requestId: typeof m.req_id === 'string' && m.req_id !== '' ? m.req_id : undefined,
    message,
    unknownSymbol: message.includes(BYBIT_UNKNOWN_TOPIC),
    alreadySubscribed: message.includes(BYBIT_ALREADY_SUBSCRIBED),
  };
  return out;
}

function orderbook(m: Json): VenueFrame {
  const { type, ts, data } = m;
  if (type !== 'snapshot' && type !== 'delta') {
    return { kind: 'invalid', reason: 'bad_field', detail: 'orderbook: bad type' };
  }
  if (!isInt(ts) || !isObject(data)) return { kind: 'invalid', reason: 'bad_field', detail: 'orderbook: bad ts/data' };
  const { s, b, a, u } = data;
  if (typeof s !== 'string' || !isInt(u) || !Array.isArray(b) || !Array.isArray(a)) {
    return { kind: 'invalid', reason: 'bad_field', detail: 'orderbook: bad s/b/a/u' };
  }
  return bookFrame(s, type === 'snapshot', b as PriceLevel[], a as PriceLevel[], u, ts);
}

/** The book frame both paths build (one constructor, so both give the same object). */
function bookFrame(
  symbol: string,
  snapshot: boolean,
  bids: PriceLevel[],
  asks: PriceLevel[],
  u: number,
  ts: number,
): VenueFrame {
  return {
    kind: 'book',
    symbol,
    action: snapshot ? 'snapshot' : 'update',
    bids,
    asks,
    firstUpdateId: u,
    updateId: u,
    venueTs: ts,
  };
}

function trades(m: Json, _localTs: number): VenueFrame {
  if (!Array.isArray(m.data)) {
    return { kind: 'invalid', reason: 'bad_field', detail: 'publicTrade: data is not an array' };
  }
  const out: TradeFrame[] = [];
  let symbol = '';
  for (const t of m.data) {
    if (!isObject(t)) return { kind: 'invalid', reason: 'bad_field', detail: 'publicTrade: trade is not an object' };
    const { T, s, S, v, p, i } = t;
    if (
      !isInt(T) ||
      typeof s !== 'string' ||
      (S !== 'Buy' && S !== 'Sell') ||
      typeof v !== 'string' ||
      typeof p !== 'string' ||
      typeof i !== 'string'
    ) {
      return { kind: 'invalid', reason: 'bad_field', detail: 'publicTrade: bad T/s/S/v/p/i' };
    }
    symbol = s;
    // `S` is the taker's side.
    out.push({ tradeId: i, price: p, size: v, side: S === 'Buy' ? 'buy' : 'sell', venueTs: T });
  }
  return tradesFrame(symbol, typeof m.topic === 'string' ? m.topic : '', out);
}

/** The trades frame both paths build: named by the last trade's symbol, else by the topic. */
function tradesFrame(symbol: string, topic: string, trades: TradeFrame[]): VenueFrame {
  return { kind: 'trades', symbol: symbol || topic.slice('publicTrade.'.length), trades };
}
