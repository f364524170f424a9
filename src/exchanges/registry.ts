import { USD_STABLECOINS } from '../core/instrument.js';
import type { Exchange } from '../core/types.js';
import type { Logger } from '../log.js';
import type { VenueConnector } from './connector.js';
import type { CommonConnectorSettings, ConnectorTiming, VenueModule } from './kit/venue-module.js';
import { venueById } from './venues.js';

/** An instrument asked for: canonical (every venue listing it) or one venue's own symbol. */
export type InstrumentRequest =
  | { readonly kind: 'canonical'; readonly canonical: string }
  | { readonly kind: 'venue'; readonly exchange: Exchange; readonly symbol: string };

/** What the registry needs from the configuration. */
export interface RegistrySettings extends CommonConnectorSettings {
  readonly exchanges: readonly Exchange[];
  readonly symbols: readonly InstrumentRequest[];
  readonly venueSettings: Readonly<Record<Exchange, Readonly<Record<string, unknown>>>>;
}

/**
 * The venue's symbols for the requested instruments, by its naming rule. A canonical instrument the
 * venue names in another dollar stablecoin (Hyperliquid settles every perp in USDC) maps to that one:
 * `BTC-USDT` follows `BTC` on Hyperliquid as `BTC-USDC`, and the consolidated view keeps the two quotes
 * apart unless asked to merge them. Whether the venue really lists a symbol is its instrument list's say.
 */
export function venueSymbols(venue: VenueModule, requests: readonly InstrumentRequest[]): string[] {
  const out: string[] = [];
  for (const request of requests) {
    if (request.kind === 'venue') {
      if (request.exchange === venue.id) out.push(request.symbol);
      continue;
    }
    const [base, quote] = request.canonical.split('-');
    const quotes = USD_STABLECOINS.includes(quote) ? [quote, ...USD_STABLECOINS.filter((q) => q !== quote)] : [quote];
    for (const q of quotes) {
      const symbol = venue.symbolFor(`${base}-${q}`);
      if (symbol !== undefined) {
        out.push(symbol);
        break;
      }
    }
  }
  return [...new Set(out)];
}

/** Builds one connector per configured venue, each with a logger bound to its id. */
export function createConnectors(
  settings: RegistrySettings,
  log: Logger,
  timing?: Partial<ConnectorTiming>,
): VenueConnector[] {
  return settings.exchanges.map((id) => {
    const venue = venueById(id);
    if (venue === undefined) throw new RangeError(`unknown venue ${id}`);
    return venue.createConnector({
      symbols: venueSymbols(venue, settings.symbols),
      settings: settings.venueSettings[id] ?? {},
      common: { dataTimeoutMs: settings.dataTimeoutMs, auditIntervalMs: settings.auditIntervalMs },
      log: log.child({ exchange: id }),
      timing,
    });
  });
}
