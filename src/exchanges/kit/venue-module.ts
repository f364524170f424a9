import type { z } from 'zod';
import type { Instrument } from '../../core/instrument.js';
import type { PriceLevel } from '../../core/types.js';
import type { Logger } from '../../log.js';
import type { SimVenueFactory } from '../../sim/sim-venue.js';
import type { Backoff } from '../backoff.js';
import type { VenueConnector } from '../connector.js';
import type { ConnectionLimits } from './subscription-protocol.js';

/**
 * One venue setting: `FLOWRS_<VENUE>_<ENV>`, flag `--<venue>-<env in kebab case>`, config key
 * `<venue><Name>`. The default is the real venue's (endpoints) or the documented choice.
 */
export interface VenueSetting {
  /** The variable's suffix, e.g. `WS_URL` for `FLOWRS_OKX_WS_URL`. */
  readonly env: string;
  readonly schema: z.ZodType;
  readonly fallback: string;
  readonly help: string;
}

export type VenueSettingsSpec = Readonly<Record<string, VenueSetting>>;

/** Parsed values of a settings spec. */
export type VenueSettingValues<S extends VenueSettingsSpec> = { readonly [K in keyof S]: z.output<S[K]['schema']> };

/** Settings every connector gets, whatever its venue. */
export interface CommonConnectorSettings {
  /** A connection carrying books that sends no data this long is reconnected. */
  readonly dataTimeoutMs: number;
  /** How often each live book is audited against a copy rebuilt from scratch (0: never). */
  readonly auditIntervalMs: number;
}

/**
 * Timings a connector normally takes from its venue's documentation and the `DEFAULT_*` constants;
 * tests shorten them to run fast against the simulator.
 */
export interface ConnectorTiming {
  readonly pingIntervalMs: number;
  readonly pongTimeoutMs: number;
  /** How long a request waits for its acknowledgement (then it is retried, or the connection restarted). */
  readonly ackTimeoutMs: number;
  /** First retry of a refused subscription (then doubling to a cap). */
  readonly subscriptionRetryMs: number;
  /** First retry after the venue sent a snapshot the book engine cannot use (then doubling to a cap). */
  readonly invalidSnapshotRetryMs: number;
  /** How long the first instrument-list request may take before connections open without it. */
  readonly instrumentsTimeoutMs: number;
  /** First retry of an instrument list that could not be fetched (then backing off). */
  readonly instrumentRetryMs: number;
  readonly auditTimeoutMs: number;
  readonly backoff: () => Backoff;
  /** Uniform draws in [0, 1), for jitter. */
  readonly random: () => number;
}

export interface ConnectorContext<S extends VenueSettingsSpec> {
  /** The venue's own symbols to follow. */
  readonly symbols: readonly string[];
  readonly settings: VenueSettingValues<S>;
  readonly common: CommonConnectorSettings;
  /** Already bound with `exchange`: never add it again. */
  readonly log: Logger;
  readonly timing?: Partial<ConnectorTiming>;
  /** Overrides of the venue's documented connection limits (tests force small ones to see connections open and close). */
  readonly limits?: Partial<ConnectionLimits>;
}

/** One row of the venue × channel capability matrix (README, dashboard). */
export interface ChannelCapability {
  readonly channel: string;
  /** What the channel carries and how deep. */
  readonly carries: string;
  /** The rule that proves nothing was missed (or that nothing can be proven). */
  readonly sequence: string;
  readonly checksum: string;
  readonly snapshotSource: string;
  /** The documentation page or captured frame each rule was checked against. */
  readonly evidence: string;
}

/**
 * Everything FlowRS knows about one venue, exported by its folder under src/exchanges/<venue>/.
 * Adding a venue = that folder + one line in src/exchanges/venues.ts.
 */
export interface VenueModule<S extends VenueSettingsSpec = VenueSettingsSpec> {
  /** Lowercase id used in book keys (`okx:BTC-USDT-SWAP`) and settings (`FLOWRS_OKX_*`). */
  readonly id: string;
  /** What users call it, with the market type: `OKX v5 USDT-margined swaps`. */
  readonly name: string;
  readonly settings: S;
  /** Whether its size fields count base units or contracts (then `Instrument.contractSize` converts). */
  readonly sizeUnit: 'base' | 'contracts';
  /**
   * How streams are subscribed: by message on an open connection (the default), or in the connection's
   * URL (Binance), where refusing a subscription means refusing the connection.
   */
  readonly subscribesIn?: 'message' | 'url';
  /** The venue's instrument list (perpetuals FlowRS can follow), from its REST API. */
  loadInstruments(settings: VenueSettingValues<S>, signal: AbortSignal): Promise<Instrument[]>;
  /**
   * The venue's symbol for a canonical instrument by its naming rule, for when the instrument list
   * cannot be had (`BTC-USDT` → `BTC-USDT-SWAP`); undefined when the rule cannot tell.
   */
  symbolFor(canonical: string): string | undefined;
  createConnector(context: ConnectorContext<S>): VenueConnector;
  /** The venue's book checksum over raw levels, best first, when it has one. */
  readonly checksum?: (bids: readonly PriceLevel[], asks: readonly PriceLevel[]) => number;
  /** Its simulator piece, loaded only by the simulator and the tests. */
  readonly sim: () => Promise<SimVenueFactory>;
  readonly capabilities: readonly ChannelCapability[];
}

/** Keeps a module's own settings type inside it while the VENUES list holds every venue alike. */
export function defineVenue<S extends VenueSettingsSpec>(module: VenueModule<S>): VenueModule {
  return module as unknown as VenueModule;
}
