import type { PriceLevel } from '../../core/types.js';
import { isInt, isObject, type Json } from '../json-guards.js';
import type { AckFrame, TradeFrame, VenueFrame } from '../kit/venue-frame.js';
import { topicOfSubscription } from './topics.js';

/** Plain text the venue may send right after the upgrade (the official SDK skips it). */
export const HYPERLIQUID_GREETING = 'Websocket connection established.';

/**
 * Beginnings of the venue's `{"channel":"error","data":"<text>"}` answers to a subscription. The text
 * names the subscription as JSON after the phrase, e.g.
 * `Already subscribed: {"type":"candle","interval":"30m","coin":"UNI"}` (seen in the wild).
 * An unknown coin is answered with an `Invalid subscription …` error naming it (inference: the docs do
 * not show it; FlowRS only ever sends valid `l2Book`/`trades` shapes, so for its own subscriptions the
 * only invalid part can be the coin). FlowRS validates coins against `meta` before subscribing anyway.
 */
export const HYPERLIQUID_ALREADY_SUBSCRIBED = 'Already subscribed';
export const HYPERLIQUID_ALREADY_UNSUBSCRIBED = 'Already unsubscribed';
export const HYPERLIQUID_INVALID_SUBSCRIPTION = 'Invalid subscription';

export interface HyperliquidParseOptions {
  /** Levels a side the subscription's pictures hold at most (20, or 5 with `fast`). */
  readonly depthLimit: number;
}

/**
 * Hyperliquid public WebSocket text → the shared frame type. Never throws. Structural checks only
 * (the book engine validates level strings before it changes anything); unknown extra fields are
 * ignored. Trades come out without `history`: whether a trades message is the batch of recent trades
 * the venue sends right after a subscription depends on what was sent, which the protocol tracks
 * (see trade-history.ts).
 */
export function parseHyperliquidFrame(text: string, _localTs: number, options: HyperliquidParseOptions): VenueFrame {
  if (text === HYPERLIQUID_GREETING) return { kind: 'ignored', what: 'greeting' };
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return { kind: 'invalid', reason: 'not_json', detail: 'not JSON' };
  }
  if (!isObject(message)) return { kind: 'invalid', reason: 'unknown_message', detail: 'not an object' };
  const { channel, data } = message;
  if (typeof channel !== 'string') return { kind: 'invalid', reason: 'unknown_message', detail: 'no channel' };
  switch (channel) {
    case 'l2Book':
      return book(data, options.depthLimit);
    case 'trades':
      return trades(data);
    case 'pong':
      return { kind: 'pong' };
    case 'subscriptionResponse':
      return subscriptionResponse(data);
    case 'error':
      return errorAnswer(data);
    default:
      return { kind: 'ignored', what: `channel ${channel}` };
  }
}

/**
 * `{"coin":"BTC","time":…,"levels":[[bids high→low],[asks low→high]]}`, each level `{px, sz, n}`:
 * a whole picture of the top of the book, so it is always a snapshot, capped at `depthLimit` a side.
 */
function book(data: unknown, depthLimit: number): VenueFrame {
  if (!isObject(data)) return { kind: 'invalid', reason: 'bad_field', detail: 'l2Book: data is not an object' };
  const { coin, time, levels } = data;
  if (typeof coin !== 'string' || !isInt(time) || !Array.isArray(levels) || levels.length !== 2) {
    return { kind: 'invalid', reason: 'bad_field', detail: 'l2Book: bad coin/time/levels' };
  }
  const bids = side(levels[0]);
  const asks = side(levels[1]);
  if (bids === undefined || asks === undefined) {
    return { kind: 'invalid', reason: 'bad_level', detail: `l2Book ${coin}: a level is not {px, sz} strings` };
  }
  return {
    kind: 'book',
    symbol: coin,
    action: 'snapshot',
    bids,
    asks,
    // Unsequenced: the picture's time is the only ordering the venue gives.
    firstUpdateId: time,
    updateId: time,
    venueTs: time,
    depthLimit,
  };
}

function side(levels: unknown): PriceLevel[] | undefined {
  if (!Array.isArray(levels)) return undefined;
  const out: PriceLevel[] = new Array(levels.length);
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (!isObject(level) || typeof level.px !== 'string' || typeof level.sz !== 'string') return undefined;
    out[i] = [level.px, level.sz];
  }
  return out;
}

/** `[{coin, side, px, sz, hash, time, tid, users}]`; `side` is the taker's: `B` bought, `A` sold. */
function trades(data: unknown): VenueFrame {
  if (!Array.isArray(data)) return { kind: 'invalid', reason: 'bad_field', detail: 'trades: data is not an array' };
  if (data.length === 0) return { kind: 'ignored', what: 'trades: empty' };
  let symbol: string | undefined;
  const out: TradeFrame[] = [];
  for (const t of data) {
    if (!isObject(t)) return { kind: 'invalid', reason: 'bad_field', detail: 'trades: trade is not an object' };
    const trade = oneTrade(t);
    if (trade === undefined)
      return { kind: 'invalid', reason: 'bad_field', detail: 'trades: bad coin/side/px/sz/time/tid' };
    if (symbol === undefined) symbol = t.coin as string;
    else if (t.coin !== symbol)
      return { kind: 'invalid', reason: 'bad_field', detail: 'trades: several coins in one message' };
    out.push(trade);
  }
  return { kind: 'trades', symbol: symbol!, trades: out };
}

function oneTrade(t: Json): TradeFrame | undefined {
  const { coin, side, px, sz, time, tid } = t;
  if (typeof coin !== 'string' || (side !== 'B' && side !== 'A') || typeof px !== 'string' || typeof sz !== 'string') {
    return undefined;
  }
  if (!isInt(time) || !isInt(tid)) return undefined;
  return { tradeId: String(tid), price: px, size: sz, side: side === 'B' ? 'buy' : 'sell', venueTs: time };
}

/** `{"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC",…}}`: matched by content (no request id). */
function subscriptionResponse(data: unknown): VenueFrame {
  if (!isObject(data)) return { kind: 'invalid', reason: 'bad_field', detail: 'subscriptionResponse: no data' };
  const { method, subscription } = data;
  if (method !== 'subscribe' && method !== 'unsubscribe') {
    return { kind: 'invalid', reason: 'bad_field', detail: 'subscriptionResponse: bad method' };
  }
  const topic = topicOfSubscription(subscription);
  if (topic === undefined) return { kind: 'ignored', what: 'subscriptionResponse for a channel FlowRS does not use' };
  return { kind: 'ack', op: method, ok: true, topics: [topic] };
}

/** `{"channel":"error","data":"<text>"}`: a refusal when the text names one of FlowRS's subscriptions. */
function errorAnswer(data: unknown): VenueFrame {
  if (typeof data !== 'string') return { kind: 'invalid', reason: 'bad_field', detail: 'error: data is not text' };
  const topic = topicOfSubscription(embeddedJson(data));
  if (topic === undefined) return { kind: 'ignored', what: `error: ${data.slice(0, 200)}` };
  const ack: AckFrame = {
    kind: 'ack',
    op: data.startsWith(HYPERLIQUID_ALREADY_UNSUBSCRIBED) ? 'unsubscribe' : 'subscribe',
    ok: false,
    topics: [topic],
    message: data,
    ...(data.startsWith(HYPERLIQUID_ALREADY_SUBSCRIBED) ? { alreadySubscribed: true } : {}),
    ...(data.startsWith(HYPERLIQUID_INVALID_SUBSCRIPTION) ? { unknownSymbol: true } : {}),
  };
  return ack;
}

/** The JSON object an error text quotes after its phrase, if any. */
function embeddedJson(text: string): unknown {
  const start = text.indexOf('{');
  if (start < 0) return undefined;
  try {
    return JSON.parse(text.slice(start));
  } catch {
    return undefined;
  }
}
