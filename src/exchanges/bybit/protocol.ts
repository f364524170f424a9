import type { SubscriptionProtocol } from '../kit/subscription-protocol.js';
import { parseBybitFrame } from './parse.js';
import { bybitSequencer } from './sequencer.js';
import type { BybitSettings } from './settings.js';

/** Send at most 10 args per subscribe request (spot enforces it; practitioners hit it on linear too). */
export const BYBIT_MAX_ARGS_PER_REQUEST = 10;
/** Bybit recommends an op ping every 20 s. */
export const BYBIT_PING_INTERVAL_MS = 20_000;
/** Topics per connection (well under the 21,000-character args limit). */
export const BYBIT_MAX_TOPICS_PER_CONNECTION = 200;
/** Messages a connection sends per second at most. */
export const BYBIT_MAX_MESSAGES_PER_SECOND = 10;

/** Bybit v5 public linear for the connector base: `orderbook.{depth}` + `publicTrade`, `{"op":"ping"}`. */
export function bybitProtocol(settings: Pick<BybitSettings, 'wsUrl' | 'depth'>): SubscriptionProtocol {
  return {
    url: settings.wsUrl,
    limits: {
      topicsPerConnection: BYBIT_MAX_TOPICS_PER_CONNECTION,
      topicsPerRequest: BYBIT_MAX_ARGS_PER_REQUEST,
      messagesPerSecond: BYBIT_MAX_MESSAGES_PER_SECOND,
    },
    heartbeat: { kind: 'app', intervalMs: BYBIT_PING_INTERVAL_MS, ping: () => '{"op":"ping"}' },
    bookTopic: (symbol) => `orderbook.${settings.depth}.${symbol}`,
    tradeTopic: (symbol) => `publicTrade.${symbol}`,
    request: (op, topics, requestId) => JSON.stringify({ req_id: requestId, op, args: topics }),
    parse: parseBybitFrame,
    createSequencer: bybitSequencer,
  };
}
