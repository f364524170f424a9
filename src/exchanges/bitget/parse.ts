import { isInt, isObject, type Json, stringLevels, wholeNumberString } from '../json-guards.js';
import type { AckFrame, BookFrame, InvalidFrame, TradeFrame, VenueFrame } from '../kit/venue-frame.js';
import { BITGET_BOOK_CHANNEL, BITGET_INST_TYPE, BITGET_TRADE_CHANNEL, bookTopic, tradeTopic } from './topics.js';

/** The text Bitget answers the text `ping` with. */
export const BITGET_PONG = 'pong';

/**
 * WebSocket error 30001, "Channel does not exist": for the `books` and `trade` channels (which exist on
 * the public socket) the missing thing is the instrument. The answer names the argument, e.g.
 * `{"event":"error","arg":{"instType":"USDT-FUTURES","channel":"books","instId":"NOPEUSDT"},"code":30001,
 * "msg":"instType:USDT-FUTURES,channel:books,instId:NOPEUSDT,precision:null doesn't exist","op":"subscribe"}`
 * (a live answer quoted in a public probe report; ccxt's error table quotes the same code and text form).
 */
export const BITGET_DOES_NOT_EXIST_CODE = '30001';
/** The phrase every "does not exist" answer ends with. */
export const BITGET_DOES_NOT_EXIST_TEXT = "doesn't exist";

/** `…channel:books,instId:NOPEUSDT…doesn't exist`: the argument named in the message text. */
const ARG_IN_MESSAGE = /channel:([A-Za-z0-9]+),instId:([^\s,]+)/;

const invalid = (reason: InvalidFrame['reason'], detail: string): InvalidFrame => ({ kind: 'invalid', reason, detail });

/**
 * Bitget v2 public frames → the shared VenueFrame. Never throws; structural checks only (the book
 * validates level strings); unknown extra fields are ignored. Frames of another `instType` than
 * USDT-FUTURES are ignored (FlowRS never subscribes them, and their ids could collide with ours).
 */
export function parseBitgetFrame(text: string, _localTs: number): VenueFrame {
  // "send string "ping", and expect a string "pong" as response" (not JSON).
  if (text === BITGET_PONG) return { kind: 'pong' };
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
  if (arg.instType !== BITGET_INST_TYPE) return { kind: 'ignored', what: `instType ${String(arg.instType)}` };
  if (typeof arg.instId !== 'string' || arg.instId === '') return invalid('bad_field', `${arg.channel}: no instId`);
  if (arg.channel === BITGET_BOOK_CHANNEL) return book(arg.instId, message);
  if (arg.channel === BITGET_TRADE_CHANNEL) return trades(arg.instId, message);
  return { kind: 'ignored', what: `channel ${arg.channel}` };
}

function topicOf(channel: string, instId: string): string | undefined {
  if (channel === BITGET_BOOK_CHANNEL) return bookTopic(instId);
  if (channel === BITGET_TRADE_CHANNEL) return tradeTopic(instId);
  return undefined;
}

function event(name: string, m: Json): VenueFrame {
  if (name === 'subscribe' || name === 'unsubscribe') {
    // One answer per argument: {"event":"subscribe","arg":{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"}}.
    const { arg } = m;
    if (!isObject(arg) || typeof arg.channel !== 'string' || typeof arg.instId !== 'string') {
      return invalid('bad_field', `${name}: bad arg`);
    }
    const topic = topicOf(arg.channel, arg.instId);
    if (topic === undefined || arg.instType !== BITGET_INST_TYPE) {
      return { kind: 'ignored', what: `${name} ${arg.channel} (a channel FlowRS does not use)` };
    }
    const ack: AckFrame = { kind: 'ack', op: name, ok: true, topics: [topic] };
    return ack;
  }
  if (name === 'error') return errorAnswer(m);
  // `login` and anything else a public socket might say.
  return { kind: 'ignored', what: `event ${name}` };
}

/**
 * `{"event":"error","arg":{…},"code":30001,"msg":"…","op":"subscribe"}`: one answer per refused
 * argument. The topic comes from `arg`, or from the text when `arg` is missing; `op` says which request
 * failed when present (else subscribe, the only request FlowRS sends that the venue refuses by name).
 */
function errorAnswer(m: Json): VenueFrame {
  const code = typeof m.code === 'string' ? m.code : isInt(m.code) ? String(m.code) : undefined;
  const text = typeof m.msg === 'string' ? m.msg : '';
  let channel: string | undefined;
  let instId: string | undefined;
  if (isObject(m.arg) && typeof m.arg.channel === 'string' && typeof m.arg.instId === 'string') {
    channel = m.arg.channel;
    instId = m.arg.instId;
  } else {
    const match = ARG_IN_MESSAGE.exec(text);
    if (match !== null) [, channel, instId] = match;
  }
  const topic = channel === undefined || instId === undefined ? undefined : topicOf(channel, instId);
  const unknownSymbol = topic !== undefined && code === BITGET_DOES_NOT_EXIST_CODE;
  const ack: AckFrame = {
    kind: 'ack',
    op: m.op === 'unsubscribe' ? 'unsubscribe' : 'subscribe',
    ok: false,
    topics: topic === undefined ? [] : [topic],
    ...(code === undefined ? {} : { code }),
    message: text,
    ...(unknownSymbol ? { unknownSymbol: true } : {}),
  };
  return ack;
}

/** `"1695716059516"` (or a number) → ms; undefined when it is not a whole number. */
function timestamp(value: unknown): number | undefined {
  return isInt(value) && value >= 0 ? value : wholeNumberString(value);
}

/**
 * A sequence number: a JSON integer on the v2 wire (a string in some documented examples). Linear
 * perpetuals' numbers sit near 10^12; one beyond 2^53 (Coin-M) cannot be compared exactly as a double,
 * so it is refused rather than rounded.
 */
function sequence(value: unknown): number | undefined {
  return isInt(value) && value >= 0 ? value : wholeNumberString(value);
}

/** `[[price, size], …]` (strings) → levels; undefined if malformed. Sizes are base coin. */
const levels = stringLevels;

/**
 * `{"action":"snapshot"|"update","arg":{…},"data":[{"asks","bids","checksum","seq","pseq"?,"ts"}],"ts":…}`.
 * `seq` → `updateId`; `pseq` ("the serial number of the previous push"), when an update carries it,
 * → `prevUpdateId` (a snapshot's `pseq` 0 is not a link and is dropped). A checksum of 0, or none, means
 * "no checksum" (Bitget is removing it); only a non-zero one is passed on to be verified.
 */
function book(instId: string, m: Json): VenueFrame {
  const { action, data } = m;
  if (action !== 'snapshot' && action !== 'update') return invalid('bad_field', `books ${instId}: bad action`);
  if (!Array.isArray(data) || data.length !== 1 || !isObject(data[0])) {
    return invalid('bad_field', `books ${instId}: data is not one object`);
  }
  const d = data[0];
  const ts = timestamp(d.ts);
  if (ts === undefined) return invalid('bad_field', `books ${instId}: bad ts`);
  const seq = sequence(d.seq);
  if (seq === undefined) return invalid('bad_field', `books ${instId}: bad seq`);
  const pseq = d.pseq === undefined ? undefined : sequence(d.pseq);
  if (d.pseq !== undefined && pseq === undefined) return invalid('bad_field', `books ${instId}: bad pseq`);
  const { checksum } = d;
  if (checksum !== undefined && checksum !== null && !isInt(checksum)) {
    return invalid('bad_field', `books ${instId}: bad checksum`);
  }
  const bids = levels(d.bids);
  const asks = levels(d.asks);
  if (bids === undefined || asks === undefined) return invalid('bad_level', `books ${instId}: bad bids/asks`);
  const frame: BookFrame = {
    kind: 'book',
    symbol: instId,
    action,
    bids,
    asks,
    firstUpdateId: seq,
    updateId: seq,
    ...(action === 'update' && pseq !== undefined ? { prevUpdateId: pseq } : {}),
    ...(isInt(checksum) && checksum !== 0 ? { checksum } : {}),
    venueTs: ts,
  };
  return frame;
}

/**
 * `{"action":"snapshot"|"update","arg":{…"channel":"trade"…},"data":[{ts, price, size, side, tradeId}]}`.
 * `side` is the taker's; `size` is base coin. The first push after subscribing (`action: "snapshot"`)
 * carries recent past trades: it is marked `history` and never forwarded as new.
 */
function trades(instId: string, m: Json): VenueFrame {
  const { action, data } = m;
  if (action !== undefined && action !== 'snapshot' && action !== 'update') {
    return invalid('bad_field', `trade ${instId}: bad action`);
  }
  if (!Array.isArray(data)) return invalid('bad_field', `trade ${instId}: data is not an array`);
  const out: TradeFrame[] = [];
  for (const t of data) {
    if (!isObject(t)) return invalid('bad_field', `trade ${instId}: a trade is not an object`);
    const { tradeId, price, size, side } = t;
    const ts = timestamp(t.ts);
    if (
      typeof tradeId !== 'string' ||
      typeof price !== 'string' ||
      typeof size !== 'string' ||
      (side !== 'buy' && side !== 'sell') ||
      ts === undefined
    ) {
      return invalid('bad_field', `trade ${instId}: bad tradeId/price/size/side/ts`);
    }
    out.push({ tradeId, price, size, side, venueTs: ts });
  }
  return { kind: 'trades', symbol: instId, trades: out, ...(action === 'snapshot' ? { history: true } : {}) };
}
