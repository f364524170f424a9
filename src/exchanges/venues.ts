import { binance } from './binance/index.js';
import { bitget } from './bitget/index.js';
import { bybit } from './bybit/index.js';
import { gate } from './gate/index.js';
import { hyperliquid } from './hyperliquid/index.js';
import type { VenueModule } from './kit/venue-module.js';
import { okx } from './okx/index.js';

/**
 * Every venue FlowRS speaks to, in display order. This list feeds the exchange ids, the configuration,
 * the connectors, the simulator, the test harness, the dashboard and the docs: adding a venue is its
 * folder under src/exchanges/ and one line here.
 */
export const VENUES: readonly VenueModule[] = [binance, bybit, okx, gate, bitget, hyperliquid];

export const VENUE_IDS: readonly string[] = VENUES.map((v) => v.id);

export function venueById(id: string): VenueModule | undefined {
  return VENUES.find((v) => v.id === id);
}
