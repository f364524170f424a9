import type { ConnectionLimits } from '../kit/subscription-protocol.js';

/**
 * Bitget's documented connection rules (WebSocket intro, classic v2):
 * "Connection limit: 300 connection requests/IP/5min, Max 100 connections/IP";
 * "Subscription limit: 240 subscription requests/Hour/connection, Max 1000 channel subscription/connection";
 * "The Websocket server accepts up to 10 messages per second. The message includes: String "ping",
 * JSON message, such as subscribe, unsubscribe"; "We highly recommend that you subscribe less than 50
 * channels in a single connection"; "Websocket will be forcibly disconnected every 24 hours".
 */
export const BITGET_MAX_CONNECTIONS_PER_IP = 100;
export const BITGET_CONNECTION_REQUESTS_PER_5_MIN = 300;
export const BITGET_MAX_MESSAGES_PER_SECOND = 10;
export const BITGET_REQUESTS_PER_HOUR = 240;
export const BITGET_MAX_CHANNELS_PER_CONNECTION = 1_000;
/** The recommended ceiling: "less than 50 channels in a single connection" (25 books + their 25 trades). */
export const BITGET_TOPICS_PER_CONNECTION = 50;
/**
 * "The total length of multiple channels cannot exceed 4096 bytes" per request. One argument
 * (`{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"}`) is about 65 bytes, so 25 stay
 * far below it, and a full connection subscribes in two requests.
 */
export const BITGET_TOPICS_PER_REQUEST = 25;
/**
 * Messages FlowRS sends per connection per second: half the venue's 10 (which counts the text `ping`
 * too), so a ping and a burst of resubscriptions can never reach the limit that closes the connection.
 */
export const BITGET_MESSAGES_PER_SECOND = 5;
/** "Websocket will be forcibly disconnected every 24 hours". */
export const BITGET_FORCED_DISCONNECT_MS = 24 * 60 * 60 * 1_000;
/** Roll over to a fresh connection this long before the venue's forced disconnect. */
export const BITGET_ROLLOVER_MARGIN_MS = 10 * 60 * 1_000;
/** "Websocket server will disconnect the connection if there is no string "ping" received for 2 min". */
export const BITGET_IDLE_CLOSE_MS = 120_000;

export const BITGET_LIMITS: ConnectionLimits = {
  topicsPerConnection: BITGET_TOPICS_PER_CONNECTION,
  topicsPerRequest: BITGET_TOPICS_PER_REQUEST,
  messagesPerSecond: BITGET_MESSAGES_PER_SECOND,
  requestsPerHour: BITGET_REQUESTS_PER_HOUR,
  maxConnectionAgeMs: BITGET_FORCED_DISCONNECT_MS - BITGET_ROLLOVER_MARGIN_MS,
};
