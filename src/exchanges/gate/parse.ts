import { classifyQuantity } from '../../core/decimal.js';
import type { InvalidFrameReason } from '../../core/sink.js';
import type { PriceLevel } from '../../core/types.js';
import { isInt, isObject, type Json } from '../json-guards.js';
import type { AckFrame, BookFrame, TradeFrame, VenueFrame } from '../kit/venue-frame.js';

/**
 * Gate futures WebSocket v4 frames → the shared VenueFrame. Every server message is an envelope
 * `{time, time_ms, channel, event, [id], [payload], error, result}`; structural checks only (the book
 * engine validates level strings before changing anything); unknown extra fields are ignored.
 */

/** The order book V2 channel: `full: true` snapshots (first push, and again at any time), then `U`/`u` increments. */
export const GATE_BOOK_CHANNEL = 'futures.obu';
export const GATE_TRADES_CHANNEL = 'futures.trades';
/** The legacy increment channel (REST `with_id` snapshot + `U`/`u`), kept for the 2023 capture. */
export const GATE_LEGACY_BOOK_CHANNEL = 'futures.order_book_update';
export const GATE_PING_CHANNEL = 'futures.ping';
export const GATE_PONG_CHANNEL = 'futures.pong';

/**
 * A duplicate subscription of one depth stream on one connection: Gate answers code 2
 * `Alert sub ob.BTC_USDT.400` ("a single connection is allowed to subscribe only once"). The first
 * subscription keeps delivering, so this is never a gap and never a failure.
 */
const ALREADY_SUBSCRIBED = /^Alert sub /;
/**
 * Gate's answer for a contract it does not list, on the channels that check (`futures.trades`,
 * `futures.tickers`, `futures.order_book_update`): code 2 `unknown currency pair NOPE_USDT` (with or
 * without a colon). `futures.obu` itself acknowledges an unknown stream as success and stays silent,
 * so books rely on the contracts list for that.
 */
const UNKNOWN_CONTRACT = /^unknown currency pair\b/i;

/** The `futures.obu` stream of one contract: `ob.BTC_USDT.400`. */
export function gateBookTopic(contract: string, depth: number): string {
  return `ob.${contract}.${depth}`;
}

/** `futures.trades` subscriptions name the contract itself, and so do their acknowledgements. */
export function gateTradeTopic(contract: string): string {
  return contract;
}

/** The channel a topic belongs to: book streams are spelled `ob.<contract>.<level>`, trade topics are bare contracts. */
export function gateChannelOf(topic: string): typeof GATE_BOOK_CHANNEL | typeof GATE_TRADES_CHANNEL {
  return topic.startsWith('ob.') ? GATE_BOOK_CHANNEL : GATE_TRADES_CHANNEL;
}

const BOOK_STREAM = /^ob\.(.+)\.(\d+)$/;

/** `ob.BTC_USDT.400` → `{ contract: 'BTC_USDT', depth: 400 }` (contract names may hold any characters but the dots around them). */
export function parseBookStream(stream: string): { contract: string; depth: number } | undefined {
  const m = BOOK_STREAM.exec(stream);
  return m === null ? undefined : { contract: m[1], depth: Number(m[2]) };
}

const invalid = (reason: InvalidFrameReason, detail: string): VenueFrame => ({ kind: 'invalid', reason, detail });

/** `_localTs` is unused: every Gate message carries its own time. */
export function parseGateFrame(text: string, _localTs: number): VenueFrame {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return invalid('not_json', 'not JSON');
  }
  if (!isObject(message)) return invalid('unknown_message', 'not an object');
  const { channel, event } = message;
  if (typeof channel !== 'string') return invalid('unknown_message', 'no channel');
  if (channel === GATE_PONG_CHANNEL) return { kind: 'pong' };
  if (event === 'subscribe' || event === 'unsubscribe') return ack(channel, event, message);
  const ours = channel === GATE_BOOK_CHANNEL || channel === GATE_TRADES_CHANNEL || channel === GATE_LEGACY_BOOK_CHANNEL;
  if (!ours) return { kind: 'ignored', what: channel };
  // Pushes carry `event: "update"` on the wire; the documented first push shows none.
  if (event !== 'update' && event !== 'all' && event !== undefined) {
    return invalid('unknown_message', `${channel}: event ${String(event)}`);
  }
  if (channel === GATE_BOOK_CHANNEL) return obu(message);
  if (channel === GATE_TRADES_CHANNEL) return trades(message);
  return legacyUpdate(message);
}

/**
 * Gate: "response to client subscription request always set the `result` to {"status": "success"}. To
 * verify if subscription request is successful or not, you only need to check if `error` field is null."
 * Acks echo the request's `payload` (the topics) and, when the request carried one, its integer `id`.
 */
function ack(channel: string, op: 'subscribe' | 'unsubscribe', m: Json): VenueFrame {
  if (channel !== GATE_BOOK_CHANNEL && channel !== GATE_TRADES_CHANNEL)
    return { kind: 'ignored', what: `${channel} ${op}` };
  const topics = Array.isArray(m.payload) ? m.payload.filter((t): t is string => typeof t === 'string') : [];
  const requestId = isInt(m.id) ? String(m.id) : typeof m.id === 'string' ? m.id : undefined;
  const error = m.error;
  if (!isObject(error)) {
    const ok = isObject(m.result) && m.result.status === 'success';
    return { kind: 'ack', op, ok, topics, ...(requestId === undefined ? {} : { requestId }) };
  }
  const message = typeof error.message === 'string' ? error.message : '';
  const frame: AckFrame = {
    kind: 'ack',
    op,
    ok: false,
    topics,
    ...(requestId === undefined ? {} : { requestId }),
    code: error.code === undefined ? '' : String(error.code),
    message,
    ...(ALREADY_SUBSCRIBED.test(message) ? { alreadySubscribed: true } : {}),
    ...(UNKNOWN_CONTRACT.test(message) ? { unknownSymbol: true } : {}),
  };
  return frame;
}

/** Levels as `futures.obu` writes them: `[["104027.1","509392"], …]` (price, size in contracts). */
function pairLevels(value: unknown): PriceLevel[] | undefined {
  // Gate: an increment with no `b` or no `a` is legal ("even if the a, b fields … are empty, users must
  // still update the local order book's id"): an absent side changes nothing.
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  for (const level of value) {
    if (!Array.isArray(level) || typeof level[0] !== 'string' || typeof level[1] !== 'string') return undefined;
  }
  return value as PriceLevel[];
}

function venueTime(result: Json, m: Json): number | undefined {
  if (isInt(result.t)) return result.t;
  if (isInt(m.time_ms)) return m.time_ms;
  return undefined;
}

function obu(m: Json): VenueFrame {
  const r = m.result;
  if (!isObject(r)) return invalid('bad_field', 'futures.obu: no result');
  const stream = typeof r.s === 'string' ? parseBookStream(r.s) : undefined;
  if (stream === undefined) return invalid('bad_field', 'futures.obu: bad s');
  const venueTs = venueTime(r, m);
  if (venueTs === undefined || !isInt(r.u)) return invalid('bad_field', 'futures.obu: bad t/u');
  const bids = pairLevels(r.b);
  const asks = pairLevels(r.a);
  if (bids === undefined || asks === undefined)
    return invalid('bad_level', 'futures.obu: levels are not [price, size] strings');
  if (r.full === true) {
    const frame: BookFrame = {
      kind: 'book',
      symbol: stream.contract,
      action: 'snapshot',
      bids,
      asks,
      firstUpdateId: r.u,
      updateId: r.u,
      venueTs,
    };
    return frame;
  }
  if (!isInt(r.U)) return invalid('bad_field', 'futures.obu: increment without U');
  return {
    kind: 'book',
    symbol: stream.contract,
    action: 'update',
    bids,
    asks,
    firstUpdateId: r.U,
    updateId: r.u,
    venueTs,
  };
}

/** A size Gate writes as a JSON number (legacy book, trades) or a string: its exact decimal text, unsigned. */
function sizeText(value: unknown): { text: string; negative: boolean; zero: boolean } | undefined {
  let negative: boolean;
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    // Gate writes integer contract counts (or short decimals): String() gives their exact text.
    text = String(Math.abs(value));
    negative = value < 0;
  } else if (typeof value === 'string') {
    negative = value.startsWith('-');
    text = negative ? value.slice(1) : value;
  } else {
    return undefined;
  }
  const cls = classifyQuantity(text);
  return cls === -1 ? undefined : { text, negative, zero: cls === 0 };
}

/** Legacy levels: `[{"p":"0.3004","s":36916}, …]`, sizes JSON integers of contracts. */
function objectLevels(value: unknown): PriceLevel[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  const out: PriceLevel[] = [];
  for (const level of value) {
    if (!isObject(level) || typeof level.p !== 'string') return undefined;
    const size = sizeText(level.s);
    if (size === undefined || size.negative) return undefined;
    out.push([level.p, size.text]);
  }
  return out;
}

function legacyUpdate(m: Json): VenueFrame {
  const r = m.result;
  if (!isObject(r) || typeof r.s !== 'string') return invalid('bad_field', 'futures.order_book_update: bad result/s');
  const venueTs = venueTime(r, m);
  if (venueTs === undefined || !isInt(r.U) || !isInt(r.u)) {
    return invalid('bad_field', 'futures.order_book_update: bad t/U/u');
  }
  const bids = objectLevels(r.b);
  const asks = objectLevels(r.a);
  if (bids === undefined || asks === undefined) return invalid('bad_level', 'futures.order_book_update: bad levels');
  return { kind: 'book', symbol: r.s, action: 'update', bids, asks, firstUpdateId: r.U, updateId: r.u, venueTs };
}

/**
 * Gate: "Positive size means taker is buyer, negative seller"; |size| counts contracts. Internal trades
 * ("the takeover of liquidation orders by the insurance fund and ADL users … not a normal matching on
 * the market depth … not recorded in the K-line") are not market prints and are left out.
 */
function trades(m: Json): VenueFrame {
  if (!Array.isArray(m.result)) return invalid('bad_field', 'futures.trades: result is not an array');
  const out: TradeFrame[] = [];
  let contract: string | undefined;
  for (const t of m.result) {
    if (!isObject(t) || typeof t.contract !== 'string' || typeof t.price !== 'string') {
      return invalid('bad_field', 'futures.trades: bad contract/price');
    }
    if (contract !== undefined && t.contract !== contract)
      return invalid('bad_field', 'futures.trades: mixed contracts');
    contract = t.contract;
    const id = isInt(t.id) ? String(t.id) : typeof t.id === 'string' ? t.id : undefined;
    const venueTs = isInt(t.create_time_ms)
      ? t.create_time_ms
      : isInt(t.create_time)
        ? t.create_time * 1000
        : undefined;
    const size = sizeText(t.size);
    if (id === undefined || venueTs === undefined || size === undefined || size.zero) {
      return invalid('bad_field', 'futures.trades: bad id/create_time_ms/size');
    }
    if (t.is_internal === true) continue;
    out.push({ tradeId: id, price: t.price, size: size.text, side: size.negative ? 'sell' : 'buy', venueTs });
  }
  if (contract === undefined || out.length === 0) return { kind: 'ignored', what: 'futures.trades: no market trades' };
  return { kind: 'trades', symbol: contract, trades: out };
}
