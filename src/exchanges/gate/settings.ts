import { z } from 'zod';
import type { Exchange } from '../../core/types.js';
import { httpUrl, wsUrl } from '../kit/setting-schemas.js';
import type { VenueSettingsSpec, VenueSettingValues } from '../kit/venue-module.js';

/** The venue id in book keys (`gate:BTC_USDT`) and settings (`FLOWRS_GATE_*`); it joins EXCHANGES in core/types.ts. */
export const GATE_ID = 'gate' as Exchange;

/** Gate futures WebSocket v4, USDT-settled contracts (one URL per settlement currency). */
export const DEFAULT_GATE_WS_URL = 'wss://fx-ws.gateio.ws/v4/ws/usdt';
/** Gate REST API v4 base (the contracts list is `/api/v4/futures/usdt/contracts`). */
export const DEFAULT_GATE_REST_URL = 'https://api.gateio.ws';

/** `futures.obu` levels: `ob.<contract>.400` pushes every 100 ms, `ob.<contract>.50` every 20 ms. */
export const GATE_DEPTHS = ['400', '50'] as const;
export type GateDepth = 400 | 50;
/** 400 levels every 100 ms: the deepest window, at a cadence the book engine absorbs easily. */
export const DEFAULT_GATE_DEPTH: GateDepth = 400;

export const gateSettings = {
  wsUrl: {
    env: 'WS_URL',
    schema: wsUrl,
    fallback: DEFAULT_GATE_WS_URL,
    help: 'Gate futures WebSocket v4 for USDT-settled contracts',
  },
  restUrl: {
    env: 'REST_URL',
    schema: httpUrl,
    fallback: DEFAULT_GATE_REST_URL,
    help: 'Gate REST API v4 base (contracts list: quanto_multiplier, tick, lot)',
  },
  depth: {
    env: 'DEPTH',
    schema: z
      .enum(GATE_DEPTHS, { message: `one of ${GATE_DEPTHS.join(', ')}` })
      .transform((s) => Number(s) as GateDepth),
    fallback: String(DEFAULT_GATE_DEPTH),
    help: 'futures.obu levels: 400 (every 100 ms) or 50 (every 20 ms)',
  },
} as const satisfies VenueSettingsSpec;

export type GateSettings = VenueSettingValues<typeof gateSettings>;
