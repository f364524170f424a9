import { z } from 'zod';
import { httpUrl, wsUrl } from '../kit/setting-schemas.js';
import type { VenueSettingsSpec, VenueSettingValues } from '../kit/venue-module.js';

/** The venue id: book keys `hyperliquid:BTC`, settings `FLOWRS_HYPERLIQUID_*`. */
export const HYPERLIQUID_ID = 'hyperliquid';

/** Mainnet public WebSocket (testnet: `wss://api.hyperliquid-testnet.xyz/ws`). */
export const DEFAULT_HYPERLIQUID_WS_URL = 'wss://api.hyperliquid.xyz/ws';
/** REST base; the info endpoint is `POST {base}/info`. */
export const DEFAULT_HYPERLIQUID_REST_URL = 'https://api.hyperliquid.xyz';

/**
 * `l2Book` cadence (2026): `default` pushes 20 levels a side every 2–5 s; `fast` (`"fast": true` in the
 * subscription) pushes 5 levels a side every 0.5 s. Depth for the ladder, or speed for the touch.
 */
export const HYPERLIQUID_CADENCES = ['default', 'fast'] as const;
export type HyperliquidCadence = (typeof HYPERLIQUID_CADENCES)[number];
export const DEFAULT_HYPERLIQUID_CADENCE: HyperliquidCadence = 'default';

/** Levels a side every `l2Book` picture holds at most, per cadence. */
export const HYPERLIQUID_BOOK_LEVELS: Readonly<Record<HyperliquidCadence, number>> = { default: 20, fast: 5 };

/**
 * The longest normal silence of one book, per cadence: the venue pushes a default book every 2–5 s
 * (a quiet coin may skip a push when nothing changed) and a fast one every 0.5 s. A book silent for
 * longer than this is really stale; the threshold is three of the longest documented gaps, so a normal
 * 2–5 s gap never trips it.
 */
export const HYPERLIQUID_STALE_AFTER_MS: Readonly<Record<HyperliquidCadence, number>> = {
  default: 15_000,
  fast: 5_000,
};

export const hyperliquidSettings = {
  wsUrl: {
    env: 'WS_URL',
    schema: wsUrl,
    fallback: DEFAULT_HYPERLIQUID_WS_URL,
    help: 'Hyperliquid public WebSocket URL',
  },
  restUrl: {
    env: 'REST_URL',
    schema: httpUrl,
    fallback: DEFAULT_HYPERLIQUID_REST_URL,
    help: 'Hyperliquid REST base (instruments: POST /info {"type":"meta"})',
  },
  cadence: {
    env: 'CADENCE',
    schema: z.enum(HYPERLIQUID_CADENCES, { message: `one of ${HYPERLIQUID_CADENCES.join(', ')}` }),
    fallback: DEFAULT_HYPERLIQUID_CADENCE,
    help: 'l2Book cadence: default (20 levels every 2–5 s) or fast (5 levels every 0.5 s)',
  },
} satisfies VenueSettingsSpec;

export type HyperliquidSettings = VenueSettingValues<typeof hyperliquidSettings>;
