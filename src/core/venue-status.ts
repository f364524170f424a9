import type { ConnectionStatus } from './sink.js';
import type { Exchange } from './types.js';

/**
 * Counters only a connector can know; the metrics engine reads them. Invalid frames and resyncs are
 * not here: they are counted once, where they pass through the sink.
 */
export interface ConnectorCounters {
  /** Frames received, of any kind. */
  frames: number;
  /** Sequence breaks detected. */
  gaps: number;
  /** Events already applied that arrived again (duplicates, connection overlap), ignored. */
  duplicates: number;
  snapshotsFetched: number;
  subscriptionFailures: number;
}

export interface ConnectorStatus {
  readonly exchange: Exchange;
  readonly connections: { readonly name: string; readonly status: ConnectionStatus; readonly reconnections: number }[];
  readonly counters: Readonly<ConnectorCounters>;
}

/**
 * The narrow, read-only view of the venues that the server and the metrics need: each venue's
 * connections and counters. The exchange manager provides it; nothing downstream can start, stop or
 * resync a venue through it.
 */
export interface VenueStatusSource {
  status(): ConnectorStatus[];
}
