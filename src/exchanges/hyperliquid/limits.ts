import type { ConnectionLimits } from '../kit/subscription-protocol.js';

/**
 * Hyperliquid's documented limits are per IP address, across every connection from it
 * (docs: for-developers/api/rate-limits): 100 WebSocket connections, 1,000 subscriptions,
 * 2,000 messages sent a minute. The connector base enforces limits per connection, so FlowRS splits
 * the IP budget: at most `HYPERLIQUID_MAX_SUBSCRIPTIONS_PER_IP / HYPERLIQUID_TOPICS_PER_CONNECTION` = 2
 * connections can ever be needed, and 2 × 10 messages a second = 1,200 a minute stays under 2,000
 * with room for pings (one per connection per 30 s) and reconnect bursts.
 */
export const HYPERLIQUID_MAX_CONNECTIONS_PER_IP = 100;
export const HYPERLIQUID_MAX_SUBSCRIPTIONS_PER_IP = 1_000;
export const HYPERLIQUID_MAX_MESSAGES_PER_MINUTE_PER_IP = 2_000;

/** Topics (one coin's `l2Book` or `trades`) on one connection: half the per-IP subscription cap. */
export const HYPERLIQUID_TOPICS_PER_CONNECTION = 500;
/** One subscription per message: the venue silently ignores a batch. */
export const HYPERLIQUID_TOPICS_PER_REQUEST = 1;
/** Messages FlowRS sends per connection per second (see the per-IP arithmetic above). */
export const HYPERLIQUID_MESSAGES_PER_SECOND = 10;

/**
 * `{"method":"ping"}` interval. The venue closes a connection it has not heard from in 60 s
 * (docs: websocket/timeouts-and-heartbeats); the official SDK pings every 50 s; 30 s leaves one
 * lost ping of margin.
 */
export const DEFAULT_HYPERLIQUID_PING_INTERVAL_MS = 30_000;
/** The venue's idle limit: a connection that sends nothing this long is closed. */
export const HYPERLIQUID_IDLE_CLOSE_MS = 60_000;

export const HYPERLIQUID_LIMITS: ConnectionLimits = {
  topicsPerConnection: HYPERLIQUID_TOPICS_PER_CONNECTION,
  topicsPerRequest: HYPERLIQUID_TOPICS_PER_REQUEST,
  messagesPerSecond: HYPERLIQUID_MESSAGES_PER_SECOND,
};
