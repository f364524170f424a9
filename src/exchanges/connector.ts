import type { ConnectionStatus, MarketSink, ResyncReason } from '../core/sink.js';
import type { Exchange } from '../core/types.js';

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
 * A venue: connects, keeps every symbol's book sequenced, and delivers normalized events to a sink.
 * Adding a venue means adding a folder under src/exchanges/ with a class implementing this (see the
 * README's checklist).
 */
export interface VenueConnector {
  readonly exchange: Exchange;
  start(sink: MarketSink): void;
  stop(): Promise<void>;
  /** Repairs one symbol's book (the sink found it unhealthy, or an operator asked). */
  resync(symbol: string, reason: ResyncReason): void;
  status(): ConnectorStatus;
}

export function newCounters(): ConnectorCounters {
  return {
    frames: 0,
    gaps: 0,
    duplicates: 0,
    snapshotsFetched: 0,
    subscriptionFailures: 0,
  };
}
