/**
 * Hyperliquid names a subscription by its content, `{"type":"l2Book","coin":"BTC"}`, and echoes that
 * content in its acknowledgement (no request id). FlowRS names the same thing `l2Book:BTC`: the topic
 * the connector base tracks and the parser reports acks for.
 */
export const HYPERLIQUID_BOOK_CHANNEL = 'l2Book';
export const HYPERLIQUID_TRADES_CHANNEL = 'trades';
export type HyperliquidChannel = typeof HYPERLIQUID_BOOK_CHANNEL | typeof HYPERLIQUID_TRADES_CHANNEL;

export function bookTopic(coin: string): string {
  return `${HYPERLIQUID_BOOK_CHANNEL}:${coin}`;
}

export function tradeTopic(coin: string): string {
  return `${HYPERLIQUID_TRADES_CHANNEL}:${coin}`;
}

/** `l2Book:BTC` → channel and coin; undefined for anything else. Coins never contain `:` on the main dex. */
export function parseTopic(topic: string): { channel: HyperliquidChannel; coin: string } | undefined {
  const i = topic.indexOf(':');
  if (i <= 0 || i === topic.length - 1) return undefined;
  const channel = topic.slice(0, i);
  const coin = topic.slice(i + 1);
  if (channel !== HYPERLIQUID_BOOK_CHANNEL && channel !== HYPERLIQUID_TRADES_CHANNEL) return undefined;
  return { channel, coin };
}

/** The topic a subscription object names, when it is one FlowRS uses (`l2Book`/`trades` with a coin). */
export function topicOfSubscription(subscription: unknown): string | undefined {
  if (typeof subscription !== 'object' || subscription === null) return undefined;
  const { type, coin } = subscription as { type?: unknown; coin?: unknown };
  if (typeof coin !== 'string' || coin === '') return undefined;
  if (type === HYPERLIQUID_BOOK_CHANNEL) return bookTopic(coin);
  if (type === HYPERLIQUID_TRADES_CHANNEL) return tradeTopic(coin);
  return undefined;
}

/**
 * The subscribe/unsubscribe message for one topic, exactly as the docs write it:
 * `{"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}}`, plus `"fast":true` on a
 * book when the fast cadence is asked for.
 */
export function subscriptionMessage(op: 'subscribe' | 'unsubscribe', topic: string, fast: boolean): string {
  const parsed = parseTopic(topic);
  if (parsed === undefined) throw new RangeError(`not a Hyperliquid topic: ${topic}`);
  const fastField = fast && parsed.channel === HYPERLIQUID_BOOK_CHANNEL ? ',"fast":true' : '';
  return `{"method":"${op}","subscription":{"type":"${parsed.channel}","coin":${JSON.stringify(parsed.coin)}${fastField}}}`;
}
