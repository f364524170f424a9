/**
 * Bitget names a subscription by its argument `{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"}`
 * and echoes that argument in each acknowledgement (one per argument; no request id). FlowRS names the
 * same thing `books:BTCUSDT`: the topic the connector base tracks and the parser reports acks for.
 */

/** The product line FlowRS follows: USDT-margined perpetuals. */
export const BITGET_INST_TYPE = 'USDT-FUTURES';
/** The incremental full-depth book: "first push is a full snapshot, subsequent pushes are increments". */
export const BITGET_BOOK_CHANNEL = 'books';
/** Public trades ("New Trades Channel"): `side` is the taker's. */
export const BITGET_TRADE_CHANNEL = 'trade';
export type BitgetChannel = typeof BITGET_BOOK_CHANNEL | typeof BITGET_TRADE_CHANNEL;

export function bookTopic(instId: string): string {
  return `${BITGET_BOOK_CHANNEL}:${instId}`;
}

export function tradeTopic(instId: string): string {
  return `${BITGET_TRADE_CHANNEL}:${instId}`;
}

/** `books:BTCUSDT` → channel and instId; undefined for anything else. */
export function parseTopic(topic: string): { channel: BitgetChannel; instId: string } | undefined {
  const i = topic.indexOf(':');
  if (i <= 0 || i === topic.length - 1) return undefined;
  const channel = topic.slice(0, i);
  if (channel !== BITGET_BOOK_CHANNEL && channel !== BITGET_TRADE_CHANNEL) return undefined;
  return { channel, instId: topic.slice(i + 1) };
}

/**
 * The request for these topics, exactly as the docs write it:
 * `{"op":"subscribe","args":[{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"}]}`.
 */
export function requestMessage(op: 'subscribe' | 'unsubscribe', topics: readonly string[]): string {
  const args = topics.map((topic) => {
    const parsed = parseTopic(topic);
    if (parsed === undefined) throw new RangeError(`not a Bitget topic: ${topic}`);
    return `{"instType":"${BITGET_INST_TYPE}","channel":"${parsed.channel}","instId":${JSON.stringify(parsed.instId)}}`;
  });
  return `{"op":"${op}","args":[${args.join(',')}]}`;
}
