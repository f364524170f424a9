import type { InvalidFrameReason } from '../../core/sink.js';
import type { PriceLevel, TradeEvent } from '../../core/types.js';
import { isInt, isObject, type Json } from '../json-guards.js';

/**
 * Bybit v5 public frames → tagged messages. Structural validation only; level strings are checked by
 * the book engine before it changes anything. Unknown extra fields are ignored.
 */
export type BybitFrame =
  | {
      readonly kind: 'orderbook';
      readonly topic: string;
      readonly type: 'snapshot' | 'delta';
      readonly symbol: string;
      readonly bids: PriceLevel[];
      readonly asks: PriceLevel[];
      readonly u: number;
      readonly ts: number;
    }
  | { readonly kind: 'trades'; readonly topic: string; readonly trades: TradeEvent[] }
  /** Answer to subscribe / unsubscribe / ping: branch on `success`, never on `ret_msg`. */
  | {
      readonly kind: 'ack';
      readonly op: string;
      readonly success: boolean;
      readonly message: string;
      readonly reqId: string | undefined;
    }
  | { readonly kind: 'ignored'; readonly topic: string }
  | { readonly kind: 'invalid'; readonly reason: InvalidFrameReason; readonly detail: string };

export function parseBybitFrame(text: string, localTs: number): BybitFrame {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not_json', detail: 'not JSON' };
  }
  if (!isObject(message)) return { kind: 'invalid', reason: 'unknown_message', detail: 'not an object' };
  if (typeof message.success === 'boolean') {
    return {
      kind: 'ack',
      op: typeof message.op === 'string' ? message.op : '',
      success: message.success,
      message: typeof message.ret_msg === 'string' ? message.ret_msg : '',
      reqId: typeof message.req_id === 'string' ? message.req_id : undefined,
    };
  }
  const topic = message.topic;
  if (typeof topic !== 'string') return { kind: 'invalid', reason: 'unknown_message', detail: 'no topic' };
  if (topic.startsWith('orderbook.')) return orderbook(topic, message);
  if (topic.startsWith('publicTrade.')) return trades(topic, message, localTs);
  return { kind: 'ignored', topic };
}

function orderbook(topic: string, m: Json): BybitFrame {
  const { type, ts, data } = m;
  if (type !== 'snapshot' && type !== 'delta')
    return { kind: 'invalid', reason: 'bad_field', detail: 'orderbook: bad type' };
  if (!isInt(ts) || !isObject(data)) return { kind: 'invalid', reason: 'bad_field', detail: 'orderbook: bad ts/data' };
  const { s, b, a, u } = data;
  if (typeof s !== 'string' || !isInt(u) || !Array.isArray(b) || !Array.isArray(a)) {
    return { kind: 'invalid', reason: 'bad_field', detail: 'orderbook: bad s/b/a/u' };
  }
  return { kind: 'orderbook', topic, type, symbol: s, bids: b as PriceLevel[], asks: a as PriceLevel[], u, ts };
}

function trades(topic: string, m: Json, localTs: number): BybitFrame {
  if (!Array.isArray(m.data))
    return { kind: 'invalid', reason: 'bad_field', detail: 'publicTrade: data is not an array' };
  const out: TradeEvent[] = [];
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
    // S is the taker's side.
    out.push({
      type: 'trade',
      exchange: 'bybit',
      symbol: s,
      tradeId: i,
      price: p,
      quantity: v,
      side: S === 'Buy' ? 'buy' : 'sell',
      venueTs: T,
      localTs,
    });
  }
  return { kind: 'trades', topic, trades: out };
}
