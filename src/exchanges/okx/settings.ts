import { httpUrl, milliseconds, wsUrl } from '../kit/setting-schemas.js';
import type { VenueSettingsSpec, VenueSettingValues } from '../kit/venue-module.js';

/** The venue id: book keys `okx:BTC-USDT-SWAP`, settings `FLOWRS_OKX_*`. */
export const OKX_ID = 'okx' as const;

/** OKX v5 public WebSocket (books, trades). */
export const DEFAULT_OKX_WS_URL = 'wss://ws.okx.com:8443/ws/v5/public';
/** OKX v5 REST base (instruments, order-book snapshots). */
export const DEFAULT_OKX_REST_URL = 'https://www.okx.com';

/** The public incremental book channel: 400 levels, a snapshot then increments every 100 ms. */
export const OKX_BOOK_CHANNEL = 'books';
/** Levels a side the `books` channel and the REST snapshot (`sz` ≤ 400) carry. */
export const OKX_BOOK_DEPTH = 400;
/** Public trades: one message per taker order per price, `side` is the taker's. */
export const OKX_TRADE_CHANNEL = 'trades';

/**
 * "If subscribing to many 50 or 400 depth level channels, use multiple websocket connections each with
 * less than 30 channels": at most 29 book channels a connection, each with its trades channel.
 */
export const OKX_BOOK_CHANNELS_PER_CONNECTION = 29;
export const OKX_TOPICS_PER_CONNECTION = OKX_BOOK_CHANNELS_PER_CONNECTION * 2;
/**
 * "The total length of multiple channels cannot exceed 64 KB" per request; one arg is under 60 bytes,
 * so this many args a request stays far below it.
 */
export const OKX_TOPICS_PER_REQUEST = 20;
/** "The total number of 'subscribe'/'unsubscribe'/'login' requests per connection is limited to 480 times per hour." */
export const OKX_REQUESTS_PER_HOUR = 480;
/**
 * No per-second message limit is documented for the public endpoint; FlowRS keeps to a few a second so
 * that a burst of resubscriptions cannot spend the hourly budget at once.
 */
export const OKX_MESSAGES_PER_SECOND = 3;
/**
 * "Connection limit: 3 requests per second (based on IP)": the connector base must pace connection
 * opens (all OKX connections of the process share the IP) to at most this many a second.
 */
export const OKX_CONNECTIONS_PER_SECOND = 3;
/** "The connection will break automatically if ... data has not been pushed for more than 30 seconds." */
export const OKX_IDLE_CLOSE_MS = 30_000;
/** "Set a timer of N seconds whenever a response message is received, where N is less than 30": N = 20 s. */
export const DEFAULT_OKX_PING_INTERVAL_MS = 20_000;
/**
 * OKX announced it will stop sending the in-band snapshot: when none arrives this long after the
 * subscription's ack, FlowRS builds the book from `GET /api/v5/market/books` (restSnapshot.ts).
 */
export const DEFAULT_OKX_REST_SNAPSHOT_AFTER_MS = 2_000;

export const okxSettings = {
  wsUrl: {
    env: 'WS_URL',
    schema: wsUrl,
    fallback: DEFAULT_OKX_WS_URL,
    help: 'OKX v5 public WebSocket (channels `books` and `trades`)',
  },
  restUrl: {
    env: 'REST_URL',
    schema: httpUrl,
    fallback: DEFAULT_OKX_REST_URL,
    help: 'OKX v5 REST base: the instrument list and, when no in-band snapshot arrives, book snapshots',
  },
  pingIntervalMs: {
    env: 'PING_INTERVAL_MS',
    // OKX closes a connection after 30 s without traffic: the text ping must go out before that.
    schema: milliseconds(1_000, OKX_IDLE_CLOSE_MS - 1_000),
    fallback: String(DEFAULT_OKX_PING_INTERVAL_MS),
    help: 'send the text `ping` after this long without a frame (OKX closes idle connections at 30 s)',
  },
  restSnapshotAfterMs: {
    env: 'REST_SNAPSHOT_AFTER_MS',
    schema: milliseconds(100, 60_000),
    fallback: String(DEFAULT_OKX_REST_SNAPSHOT_AFTER_MS),
    help: 'build a book from the REST snapshot when no in-band snapshot arrived this long after subscribing',
  },
} satisfies VenueSettingsSpec;

export type OkxSettingsSpec = typeof okxSettings;
export type OkxSettings = VenueSettingValues<OkxSettingsSpec>;
