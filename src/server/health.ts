import type { BookManager, BookStatus } from '../book/book-manager.js';
import type { ConnectionStatus, ResyncReason } from '../core/sink.js';
import type { Exchange } from '../core/types.js';
import type { ConnectorCounters, ConnectorStatus } from '../exchanges/connector.js';
import type { VenueCounts } from '../metrics/metrics-engine.js';
import type { BusSummary } from '../protocol/metrics.js';
import type { RecordStatus } from '../record/recorder.js';

/** HTTP status of /health while no venue has a single live book: nothing FlowRS serves can be trusted. */
export const HEALTH_UNAVAILABLE = 503;

/** One venue connection as /health shows it: its state and, while reconnecting, why. */
export interface HealthConnection {
  readonly name: string;
  readonly state: ConnectionStatus['type'];
  readonly reconnections: number;
  /** While `open`: since when (ms since epoch). */
  readonly since?: number;
  /** While `connecting` or `reconnecting`: the attempt number. */
  readonly attempt?: number;
  /** While `reconnecting`: why the connection went down, and what a user can act on. */
  readonly reason?: string;
  readonly detail?: string;
}

export interface HealthVenue extends VenueCounts {
  readonly exchange: Exchange;
  /** Configured books of this venue, and how many of them are live. */
  readonly books: number;
  readonly liveBooks: number;
  readonly connections: readonly HealthConnection[];
  /** Counters only the connector knows (frames, duplicates, snapshots fetched...). */
  readonly counters: Readonly<ConnectorCounters>;
}

export interface HealthBook {
  readonly exchange: Exchange;
  readonly symbol: string;
  readonly status: BookStatus;
  /** Why the book is not live (absent while live). */
  readonly reason?: ResyncReason;
  readonly updateId: number;
  readonly ageMs: number | null;
  /** The last audit against a copy rebuilt from scratch (null: never audited). */
  readonly lastAuditAt: number | null;
  readonly auditDriftLevels: number | null;
}

/** The /health body. */
export interface HealthReport {
  /** `ok` only when every configured book is live. */
  readonly status: 'ok' | 'degraded';
  readonly uptimeSec: number;
  readonly simulated: boolean;
  /** What is not live and why: empty lists when `ok`. */
  readonly notLive: {
    readonly books: readonly { readonly book: string; readonly status: BookStatus; readonly reason: string | null }[];
    readonly connections: readonly ({ readonly exchange: Exchange } & HealthConnection)[];
  };
  readonly venues: readonly HealthVenue[];
  readonly books: readonly HealthBook[];
  /** WebSocket handshakes refused, by reason. */
  readonly rejectedHandshakes: Readonly<Record<string, number>>;
  /** Books followed on demand now. */
  readonly onDemandBooks: number;
  /** The distributed roles' NATS connection. */
  readonly bus?: BusSummary;
  /** Recording raw venue traffic: `off`, `recording`, or `paused` with the reason (a full disk...). */
  readonly recording: RecordStatus;
}

export interface HealthSources {
  readonly books: BookManager;
  readonly venues: () => readonly ConnectorStatus[];
  readonly counts: () => ReadonlyMap<Exchange, VenueCounts>;
  readonly startedAt: number;
  readonly simulated: boolean;
  /** The recorder's state (`off` when FLOWRS_RECORD_DIR is not set). */
  readonly recording?: () => RecordStatus;
  /** The client server's counters and the NATS connection (the metrics engine's hooks: one source). */
  readonly service?: {
    readonly rejectedHandshakes: () => Readonly<Record<string, number>>;
    readonly onDemandBooks: () => number;
    readonly bus: () => BusSummary | undefined;
  };
}

/** Builds /health: the body and its HTTP status (503 when no venue has a live book). */
export function healthReport(sources: HealthSources, now = Date.now()): { httpStatus: number; body: HealthReport } {
  const books: HealthBook[] = sources.books.list().map((b) => {
    const reason = b.resyncReason();
    return {
      exchange: b.exchange,
      symbol: b.symbol,
      status: b.status(now),
      ...(reason ? { reason } : {}),
      updateId: b.updateId,
      ageMs: b.localTs > 0 ? now - b.localTs : null,
      lastAuditAt: b.lastAudit?.at ?? null,
      auditDriftLevels: b.lastAudit?.driftLevels ?? null,
    };
  });
  const counts = sources.counts();
  const venues: HealthVenue[] = sources.venues().map((s) => {
    const own = books.filter((b) => b.exchange === s.exchange);
    const venueCounts = counts.get(s.exchange);
    if (venueCounts === undefined) throw new Error(`no counters for ${s.exchange}`);
    return {
      exchange: s.exchange,
      books: own.length,
      liveBooks: own.filter((b) => b.status === 'live').length,
      connections: s.connections.map((c) => connectionView(c.name, c.status, c.reconnections)),
      counters: s.counters,
      ...venueCounts,
    };
  });
  const bus = sources.service?.bus();
  const notLiveBooks = books
    .filter((b) => b.status !== 'live')
    .map((b) => ({ book: `${b.exchange}:${b.symbol}`, status: b.status, reason: b.reason ?? null }));
  const body: HealthReport = {
    status: notLiveBooks.length === 0 ? 'ok' : 'degraded',
    uptimeSec: (now - sources.startedAt) / 1000,
    simulated: sources.simulated,
    notLive: {
      books: notLiveBooks,
      connections: [
        ...venues.flatMap((v) =>
          v.connections.filter((c) => c.state !== 'open').map((c) => ({ exchange: v.exchange, ...c })),
        ),
        ...(bus !== undefined && bus.state !== 'open'
          ? [
              {
                exchange: 'nats',
                name: 'nats',
                state: bus.state,
                reconnections: bus.reconnections,
                ...(bus.detail ? { detail: bus.detail } : {}),
              },
            ]
          : []),
      ],
    },
    venues,
    books,
    rejectedHandshakes: { ...(sources.service?.rejectedHandshakes() ?? {}) },
    onDemandBooks: sources.service?.onDemandBooks() ?? 0,
    ...(bus !== undefined ? { bus } : {}),
    recording: sources.recording?.() ?? { type: 'off' },
  };
  const anyLive = books.some((b) => b.status === 'live');
  return { httpStatus: anyLive ? 200 : HEALTH_UNAVAILABLE, body };
}

function connectionView(name: string, status: ConnectionStatus, reconnections: number): HealthConnection {
  const base = { name, state: status.type, reconnections };
  switch (status.type) {
    case 'open':
      return { ...base, since: status.since };
    case 'connecting':
      return { ...base, attempt: status.attempt };
    case 'reconnecting':
      return { ...base, attempt: status.attempt, reason: status.reason, detail: status.detail };
    case 'closed':
      return base;
  }
}
