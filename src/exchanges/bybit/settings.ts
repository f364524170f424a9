import { z } from 'zod';
import { httpUrl, wsUrl } from '../kit/setting-schemas.js';
import type { VenueSettingsSpec, VenueSettingValues } from '../kit/venue-module.js';

export const BYBIT_DEFAULT_WS_URL = 'wss://stream.bybit.com/v5/public/linear';
export const BYBIT_DEFAULT_REST_URL = 'https://api.bybit.com';
/** Linear depths on offer (500 was retired on 2025-09-11). */
export const BYBIT_DEPTHS = [1, 50, 200, 1000] as const;
export type BybitDepth = (typeof BYBIT_DEPTHS)[number];
/** 200 because the default retained depth is 100 and orderbook.50 never holds more than 50 levels. */
export const BYBIT_DEFAULT_DEPTH: BybitDepth = 200;

export const bybitSettings = {
  wsUrl: { env: 'WS_URL', schema: wsUrl, fallback: BYBIT_DEFAULT_WS_URL, help: 'Bybit v5 public linear WebSocket' },
  restUrl: {
    env: 'REST_URL',
    schema: httpUrl,
    fallback: BYBIT_DEFAULT_REST_URL,
    help: 'Bybit REST base (the instrument list; its books cannot seed a WebSocket topic)',
  },
  depth: {
    env: 'DEPTH',
    schema: z.coerce
      .number()
      .refine((n) => (BYBIT_DEPTHS as readonly number[]).includes(n), `one of ${BYBIT_DEPTHS.join(', ')}`)
      .transform((n) => n as BybitDepth),
    fallback: String(BYBIT_DEFAULT_DEPTH),
    help: 'Bybit `orderbook.{1,50,200,1000}` (50 never holds more than 50 levels)',
  },
} satisfies VenueSettingsSpec;

export type BybitSettings = VenueSettingValues<typeof bybitSettings>;
