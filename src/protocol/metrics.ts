/**
 * The metrics snapshot FlowRS builds once a second and sends to every client (`metrics` messages, the
 * `snapshot` message, `GET /metrics`). Types only: the server's metrics engine produces this shape.
 */
import type { DisconnectReason, InvalidFrameReason, ResyncReason } from '../core/sink.js';

export type { DisconnectReason, InvalidFrameReason, ResyncReason };

/**
 * A venue's connections at a glance: `open` when all are open, else the worst state among them, with the
 * cause a user can act on when one is down (`getaddrinfo ENOTFOUND fstream.binance.com`).
 */
export interface VenueConnectionSummary {
  readonly state: 'open' | 'connecting' | 'reconnecting' | 'closed' | 'none';
  readonly open: number;
  readonly total: number;
  readonly reason?: DisconnectReason;
  readonly detail?: string;
}

/** A latency distribution over the last samples (units given where it is used). */
export interface LatencySummary {
  readonly count: number;
  readonly avg: number;
  readonly min: number;
  readonly max: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/**
 * One venue's fault counters, as JSON metrics, /health and Prometheus all report them. Invalid frames
 * and resyncs are counted here, where they pass through the pipeline; gaps and reconnections are read
 * from the connector, the only one who can see them.
 */
export interface VenueCounts {
  readonly invalidFrames: number;
  /** Every reason, zeros included. */
  readonly invalidFramesByReason: Readonly<Record<InvalidFrameReason, number>>;
  readonly resyncs: number;
  /** The reasons seen so far. */
  readonly resyncsByReason: Readonly<Partial<Record<ResyncReason, number>>>;
  readonly gaps: number;
  readonly reconnections: number;
}

/** The metrics every client and /metrics see: one snapshot, built once a second. */
export interface Metrics {
  readonly timestamp: number;
  readonly uptimeSec: number;
  readonly messagesPerSec: number;
  readonly updatesPerSec: number;
  readonly tradesPerSec: number;
  readonly perVenue: Record<
    string,
    { readonly messagesPerSec: number; readonly connection: VenueConnectionSummary } & VenueCounts
  >;
  readonly perSymbol: Record<
    string,
    {
      updatesPerSec: number;
      tradesPerSec: number;
      spreadBps: number | null;
      status: string;
      ageMs: number;
      /** When the book was last audited against a copy rebuilt from scratch (ms since epoch); null: never. */
      lastAuditAt: number | null;
      /** Levels that differed at that audit (0: the book was exact); null: never audited. */
      auditDriftLevels: number | null;
    }
  >;
  /** Frame received → book applied and ready to broadcast, microseconds, last 4,096 samples. */
  readonly processingLatencyUs: LatencySummary;
  /** Venue event time → local receive time, milliseconds. Includes clock skew between the venue and this host. */
  readonly venueLatencyMs: LatencySummary;
  readonly memory: { rssBytes: number; heapUsedBytes: number; virtualBytes: number };
  readonly cpuPercent: number;
  /** How late the event loop ran timers over the last second (ms): a blocked loop delays everything. */
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly reconnections: number;
  readonly resyncs: number;
  readonly invalidFrames: number;
  /** Book audits completed, and how many of them found a difference. */
  readonly audits: number;
  readonly auditDrifts: number;
  readonly clients: number;
  readonly laggingClients: number;
  /** WebSocket handshakes refused, by reason (`unauthorized`, `origin`, `per_ip`, `full`, `rate`). */
  readonly rejectedHandshakes: Readonly<Record<string, number>>;
  /** Books followed on demand now (lingering ones included). */
  readonly onDemandBooks: number;
  /** The NATS connection of an ingest or gateway node (absent in the single process). */
  readonly bus?: BusSummary;
}

/** The distributed mode's NATS connection at a glance. */
export interface BusSummary {
  readonly state: 'open' | 'connecting' | 'reconnecting' | 'closed';
  readonly reconnections: number;
  /** While not open: what happened (`disconnected`, `slow consumer`…). */
  readonly detail?: string;
}
