import { isInt, isObject, type Json, stringLevels, wholeNumberString } from '../json-guards.js';
import type { AckFrame, BookFrame, InvalidFrame, TradeFrame, VenueFrame } from '../kit/venue-frame.js';
import { OKX_BOOK_CHANNEL, OKX_TRADE_CHANNEL } from './settings.js';

/**
 * OKX v5 public frames → the shared VenueFrame. Structural checks only (the book validates level
 * strings); never throws; unknown extra fields are ignored.
 *
 * Book frames map `seqId` → `updateId` (= `firstUpdateId`) and `prevSeqId` → `prevUpdateId`, keeping
 * `-1` (a snapshot's) distinct from `0` (a valid id). Frames recorded before OKX added the sequence
 * fields (2022) carry neither: they map to `updateId` = their `ts` and no `prevUpdateId`, and the
 * sequencer treats that stream as unsequenced, verified by its checksum only.
 */

/** `books:BTC-USDT-SWAP`: how acks and the connector name one subscription argument. */
export function okxTopic(channel: string, instId: string): string {
  return `${channel}:${instId}`;
}

/** The `{channel, instId}` argument of a topic; undefined for a string that is not one. */
export function okxTopicArg(topic: string): { channel: string; instId: string } | undefined {
  const colon = topic.indexOf(':');
  if (colon <= 0 || colon === topic.length - 1) return undefined;
  return { channel: topic.slice(0, colon), instId: topic.slice(colon + 1) };
}

/**
 * "60018 Wrong URL or {0} doesn't exist": on the public URL, for the `books` and `trades` channels
 * (which exist there), the missing thing is the instrument. Real answers name it:
 * `{"event":"error","msg":"channel:tickers,instId:LTC-USD doesn't exist","code":"60018"}` (2023) and
 * `"msg":"Wrong URL or channel:candle1s,instId:BTC-USDT-SWAP doesn't exist. Please use the correct URL,
 * channel and parameters referring to API document.","code":"60018","connId":"2b5dc6ac"` (2025).
 */
export const OKX_DOES_NOT_EXIST_CODE = '60018';

/** The text OKX answers the text `ping` with. */
export const OKX_PONG = 'pong';

const ARG_IN_MESSAGE = /channel:([A-Za-z0-9-]+),instId:([^\s,]+?) doesn't exist/;
const ARG_IN_QUOTED_REQUEST = /"channel"\s*:\s*"([A-Za-z0-9-]+)"\s*,\s*"instId"\s*:\s*"([^"]+)"/;

const invalid = (reason: InvalidFrame['reason'], detail: string): InvalidFrame => ({ kind: 'invalid', reason, detail });

export function parseOkxFrame(text: string, _localTs: number): VenueFrame {
  // "send the String 'ping'. Expect a 'pong' as a response."
  if (text === OKX_PONG) return { kind: 'pong' };
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return invalid('not_json', 'not JSON');
  }
  if (!isObject(message)) return invalid('unknown_message', 'not an object');
  if (typeof message.event === 'string') return event(message.event, message);
  const { arg } = message;
  if (!isObject(arg) || typeof arg.channel !== 'string') return invalid('unknown_message', 'no event and no arg');
  if (arg.channel === OKX_BOOK_CHANNEL) return book(arg, message);
  if (arg.channel === OKX_TRADE_CHANNEL) return trades(arg, message);
  return { kind: 'ignored', what: `channel ${arg.channel}` };
}

function event(name: string, m: Json): VenueFrame {
  const requestId = typeof m.id === 'string' && m.id !== '' ? m.id : undefined;
  if (name === 'subscribe' || name === 'unsubscribe') {
    // One answer per argument: {"id":"1512","event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}.
    const { arg } = m;
    if (!isObject(arg) || typeof arg.channel !== 'string' || typeof arg.instId !== 'string') {
      return invalid('bad_field', `${name}: bad arg`);
    }
    const ack: AckFrame = { kind: 'ack', op: name, ok: true, topics: [okxTopic(arg.channel, arg.instId)], requestId };
    return ack;
  }
  if (name === 'error') {
    // {"id":"1512","event":"error","code":"60012","msg":"Invalid request: …","connId":"a4d3ae55"}: the answer
    // names neither the op nor (always) the argument. The topic is taken from `arg` or the message when
    // either names it; otherwise the request id is all that identifies the refused topics.
    const code = typeof m.code === 'string' ? m.code : typeof m.code === 'number' ? String(m.code) : undefined;
    const text = typeof m.msg === 'string' ? m.msg : '';
    const topic = errorTopic(m.arg, text);
    const unknownSymbol =
      code === OKX_DOES_NOT_EXIST_CODE &&
      topic !== undefined &&
      (topic.channel === OKX_BOOK_CHANNEL || topic.channel === OKX_TRADE_CHANNEL);
    const ack: AckFrame = {
      kind: 'ack',
      // OKX does not say which op failed; the connector matches the request id to its own request.
      op: 'subscribe',
      ok: false,
      topics: topic === undefined ? [] : [okxTopic(topic.channel, topic.instId)],
      requestId,
      code,
      message: text,
      ...(unknownSymbol ? { unknownSymbol: true } : {}),
    };
    return ack;
  }
  // `notice` (64008: "The connection will soon be closed for a service upgrade"), `channel-conn-count`…
  return { kind: 'ignored', what: `event ${name}${typeof m.code === 'string' ? ` ${m.code}` : ''}` };
}

function errorTopic(arg: unknown, text: string): { channel: string; instId: string } | undefined {
  if (isObject(arg) && typeof arg.channel === 'string' && typeof arg.instId === 'string') {
    return { channel: arg.channel, instId: arg.instId };
  }
  const match = ARG_IN_MESSAGE.exec(text) ?? ARG_IN_QUOTED_REQUEST.exec(text);
  return match === null ? undefined : { channel: match[1], instId: match[2] };
}

/** `"1597026383085"` → ms; undefined when it is not a whole number. */
const timestamp = wholeNumberString;

/** `[price, size (contracts), "0" (deprecated), orderCount]` → `[price, size]`; undefined if malformed. */
const levels = stringLevels;

function book(arg: Json, m: Json): VenueFrame {
  const { instId } = arg;
  if (typeof instId !== 'string') return invalid('bad_field', 'books: no instId');
  const { action, data } = m;
  if (action !== 'snapshot' && action !== 'update') return invalid('bad_field', 'books: bad action');
  if (!Array.isArray(data) || data.length !== 1 || !isObject(data[0])) {
    return invalid('bad_field', 'books: data is not one object');
  }
  const d = data[0];
  const ts = timestamp(d.ts);
  if (ts === undefined) return invalid('bad_field', 'books: bad ts');
  const bids = levels(d.bids);
  const asks = levels(d.asks);
  if (bids === undefined || asks === undefined) return invalid('bad_level', 'books: bad bids/asks');
  const { seqId, prevSeqId, checksum } = d;
  if (checksum !== undefined && !isInt(checksum)) return invalid('bad_field', 'books: bad checksum');
  const hasSeq = seqId !== undefined;
  if (hasSeq !== (prevSeqId !== undefined)) return invalid('bad_field', 'books: seqId without prevSeqId');
  if (hasSeq && (!isInt(seqId) || !isInt(prevSeqId) || seqId < 0 || prevSeqId < -1)) {
    return invalid('bad_field', 'books: bad seqId/prevSeqId');
  }
  const frame: BookFrame = {
    kind: 'book',
    symbol: instId,
    // "for snapshots, prevSeqId = -1": a frame saying so replaces the book whatever its action says.
    action: action === 'snapshot' || prevSeqId === -1 ? 'snapshot' : 'update',
    bids,
    asks,
    firstUpdateId: hasSeq ? (seqId as number) : ts,
    updateId: hasSeq ? (seqId as number) : ts,
    ...(hasSeq ? { prevUpdateId: prevSeqId as number } : {}),
    // Since 2026-06-23 OKX sends `checksum: 0` ("must no longer be used"): 0 means none.
    ...(isInt(checksum) && checksum !== 0 ? { checksum } : {}),
    venueTs: ts,
  };
  return frame;
}

function trades(arg: Json, m: Json): VenueFrame {
  const { instId } = arg;
  if (typeof instId !== 'string') return invalid('bad_field', 'trades: no instId');
  if (!Array.isArray(m.data)) return invalid('bad_field', 'trades: data is not an array');
  const out: TradeFrame[] = [];
  for (const t of m.data) {
    if (!isObject(t)) return invalid('bad_field', 'trades: a trade is not an object');
    const { tradeId, px, sz, side } = t;
    const ts = timestamp(t.ts);
    if (
      typeof tradeId !== 'string' ||
      typeof px !== 'string' ||
      typeof sz !== 'string' ||
      (side !== 'buy' && side !== 'sell') ||
      ts === undefined
    ) {
      return invalid('bad_field', 'trades: bad tradeId/px/sz/side/ts');
    }
    // "side: Trade side of taker"; `sz` counts contracts (converted to base units when served).
    out.push({ tradeId, price: px, size: sz, side, venueTs: ts });
  }
  return { kind: 'trades', symbol: instId, trades: out };
}
