import { httpUrl, milliseconds, wsUrl } from '../kit/setting-schemas.js';
import type { VenueSettingsSpec, VenueSettingValues } from '../kit/venue-module.js';
import { BITGET_IDLE_CLOSE_MS } from './limits.js';

/** The venue id: book keys `bitget:BTCUSDT`, settings `FLOWRS_BITGET_*`. */
export const BITGET_ID = 'bitget';

/** Bitget v2 (classic account) public WebSocket. */
export const DEFAULT_BITGET_WS_URL = 'wss://ws.bitget.com/v2/ws/public';
/** Bitget REST base (the contract list: `GET /api/v2/mix/market/contracts`). */
export const DEFAULT_BITGET_REST_URL = 'https://api.bitget.com';

/**
 * "Users set a 30 seconds timer to send string "ping", and expect a string "pong" as response";
 * "Websocket server will disconnect the connection if there is no string "ping" received for 2 min".
 */
export const DEFAULT_BITGET_PING_INTERVAL_MS = 30_000;
/** The shortest ping interval accepted: every ping spends one of the 10 messages a second. */
export const MIN_BITGET_PING_INTERVAL_MS = 1_000;
/** The longest: two missed pings must still fit inside the venue's 2-minute silence limit. */
export const MAX_BITGET_PING_INTERVAL_MS = BITGET_IDLE_CLOSE_MS / 2;

export const bitgetSettings = {
  wsUrl: {
    env: 'WS_URL',
    schema: wsUrl,
    fallback: DEFAULT_BITGET_WS_URL,
    help: 'Bitget v2 public WebSocket (channels `books` and `trade`, instType USDT-FUTURES)',
  },
  restUrl: {
    env: 'REST_URL',
    schema: httpUrl,
    fallback: DEFAULT_BITGET_REST_URL,
    help: 'Bitget REST base (instruments: GET /api/v2/mix/market/contracts?productType=USDT-FUTURES)',
  },
  pingIntervalMs: {
    env: 'PING_INTERVAL_MS',
    schema: milliseconds(MIN_BITGET_PING_INTERVAL_MS, MAX_BITGET_PING_INTERVAL_MS),
    fallback: String(DEFAULT_BITGET_PING_INTERVAL_MS),
    help: 'send the text `ping` this often (Bitget asks for 30 s and closes a connection silent for 2 min)',
  },
} satisfies VenueSettingsSpec;

export type BitgetSettingsSpec = typeof bitgetSettings;
export type BitgetSettings = VenueSettingValues<BitgetSettingsSpec>;
