import type { MarketSink, ResyncReason } from '../core/sink.js';
import type { Exchange } from '../core/types.js';
import type { ConnectorCounters, ConnectorStatus } from '../core/venue-status.js';

export type { ConnectorCounters, ConnectorStatus, VenueStatusSource } from '../core/venue-status.js';

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
