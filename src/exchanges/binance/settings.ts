import { z } from 'zod';
import { httpUrl, wsUrl } from '../kit/setting-schemas.js';
import type { VenueSettingsSpec, VenueSettingValues } from '../kit/venue-module.js';

export const BINANCE_DEFAULT_WS_URL = 'wss://fstream.binance.com';
export const BINANCE_DEFAULT_REST_URL = 'https://fapi.binance.com';
/** Diff-depth update speeds on offer. */
export const BINANCE_DEPTH_SPEEDS = ['100ms', '250ms', '500ms'] as const;
export type BinanceDepthSpeed = (typeof BINANCE_DEPTH_SPEEDS)[number];
export const BINANCE_DEFAULT_DEPTH_SPEED: BinanceDepthSpeed = '100ms';

export const binanceSettings = {
  wsUrl: {
    env: 'WS_URL',
    schema: wsUrl,
    fallback: BINANCE_DEFAULT_WS_URL,
    help: 'FlowRS appends `/public/stream?streams=…` and `/market/stream?streams=…`',
  },
  restUrl: {
    env: 'REST_URL',
    schema: httpUrl,
    fallback: BINANCE_DEFAULT_REST_URL,
    help: 'exchangeInfo and depth snapshots',
  },
  depthSpeed: {
    env: 'DEPTH_SPEED',
    schema: z.enum(BINANCE_DEPTH_SPEEDS, { message: `one of ${BINANCE_DEPTH_SPEEDS.join(', ')}` }),
    fallback: BINANCE_DEFAULT_DEPTH_SPEED,
    help: 'diff-depth speed: `100ms` (`<symbol>@depth@100ms`), `250ms` (`<symbol>@depth`) or `500ms`: slower means fewer, larger events',
  },
} satisfies VenueSettingsSpec;

export type BinanceSettings = VenueSettingValues<typeof binanceSettings>;
