import type { Exchange } from '../core/types.js';
import type { Logger } from '../log.js';
import { BinanceConnector, type BinanceDepthSpeed } from './binance/connector.js';
import type { BybitDepth } from './bybit/connector.js';
import { BybitConnector } from './bybit/connector.js';
import type { VenueConnector } from './connector.js';

/** Everything a connector may need from the configuration. */
export interface VenueSettings {
  readonly symbols: readonly string[];
  readonly binanceWsUrl: string;
  readonly binanceRestUrl: string;
  readonly binanceDepthSpeed: BinanceDepthSpeed;
  readonly bybitWsUrl: string;
  readonly bybitRestUrl: string;
  readonly bybitDepth: BybitDepth;
  readonly dataTimeoutMs: number;
  /** Book audits: about one per book per interval; 0 disables them. */
  readonly auditIntervalMs: number;
}

/** The one place that maps an exchange id to its connector: adding a venue adds a case here. */
export function createConnector(exchange: Exchange, settings: VenueSettings, log: Logger): VenueConnector {
  const venueLog = log.child({ exchange });
  switch (exchange) {
    case 'binance':
      return new BinanceConnector({
        symbols: settings.symbols,
        wsUrl: settings.binanceWsUrl,
        restUrl: settings.binanceRestUrl,
        depthSpeed: settings.binanceDepthSpeed,
        dataTimeoutMs: settings.dataTimeoutMs,
        auditIntervalMs: settings.auditIntervalMs,
        log: venueLog,
      });
    case 'bybit':
      return new BybitConnector({
        symbols: settings.symbols,
        wsUrl: settings.bybitWsUrl,
        restUrl: settings.bybitRestUrl,
        depth: settings.bybitDepth,
        dataTimeoutMs: settings.dataTimeoutMs,
        auditIntervalMs: settings.auditIntervalMs,
        log: venueLog,
      });
  }
}
