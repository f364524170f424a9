import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { BookManager, ManagedBook } from '../book/book-manager.js';
import type { VenueStatusSource } from '../core/venue-status.js';
import type { MetricsEngine } from './metrics-engine.js';

type Labels = Record<string, string>;
type Rows = () => Iterable<readonly [Labels, number]>;

/**
 * The Prometheus view of the metrics engine's state (one source of truth for JSON and /metrics).
 * Everything is read from the engine and the connectors at scrape time: nothing here runs on the hot path.
 */
export class PrometheusView {
  readonly registry = new Registry();

  constructor(
    private readonly metrics: MetricsEngine,
    books: BookManager,
    exchanges: VenueStatusSource,
    clients: () => { clients: number; lagging: number },
  ) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'flowrs_' });
    /** A counter whose values are read from their owner at scrape time. */
    const counter = (name: string, help: string, labelNames: readonly string[], rows: Rows) =>
      new Counter({
        name,
        help,
        labelNames,
        registers: [r],
        collect() {
          this.reset();
          for (const [labels, value] of rows()) this.inc(labels, value);
        },
      });
    const perVenue = function* () {
      for (const [exchange, counts] of metrics.venueCounts()) yield { exchange, counts };
    };
    const bookCounters = () => metrics.bookCounters().map((b) => ({ labels: splitKey(b.key), ...b }));

    counter('flowrs_venue_messages_total', 'Frames received from each venue', ['exchange'], () =>
      exchanges.status().map((s) => [{ exchange: s.exchange }, s.counters.frames]),
    );
    counter('flowrs_book_updates_total', 'Snapshots and deltas applied to each book', ['exchange', 'symbol'], () =>
      bookCounters().map((b) => [b.labels, b.updates]),
    );
    counter('flowrs_trades_total', 'Trades received for each instrument', ['exchange', 'symbol'], () =>
      bookCounters().map((b) => [b.labels, b.trades]),
    );
    counter('flowrs_reconnections_total', 'Venue connections lost and re-established', ['exchange'], function* () {
      for (const { exchange, counts } of perVenue()) yield [{ exchange }, counts.reconnections];
    });
    counter('flowrs_resyncs_total', 'Book repairs started, by venue and reason', ['exchange', 'reason'], function* () {
      for (const { exchange, counts } of perVenue())
        for (const [reason, n] of Object.entries(counts.resyncsByReason)) yield [{ exchange, reason }, n];
    });
    counter('flowrs_sequence_gaps_total', 'Sequence breaks detected', ['exchange'], function* () {
      for (const { exchange, counts } of perVenue()) yield [{ exchange }, counts.gaps];
    });
    counter(
      'flowrs_invalid_frames_total',
      'Malformed or unexpected frames dropped at the edge, by venue and reason',
      ['exchange', 'reason'],
      function* () {
        for (const { exchange, counts } of perVenue())
          for (const [reason, n] of Object.entries(counts.invalidFramesByReason)) yield [{ exchange, reason }, n];
      },
    );
    counter(
      'flowrs_book_audits_total',
      'Audits of each book against a copy rebuilt from scratch',
      ['exchange', 'symbol'],
      function* () {
        for (const [key, a] of metrics.bookAudits()) yield [splitKey(key), a.audits];
      },
    );
    counter(
      'flowrs_book_audit_drifts_total',
      'Audits that found the book different from the rebuilt copy',
      ['exchange', 'symbol'],
      function* () {
        for (const [key, a] of metrics.bookAudits()) yield [splitKey(key), a.drifts];
      },
    );
    const perBook = (name: string, help: string, value: (b: ManagedBook, now: number) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['exchange', 'symbol'],
        registers: [r],
        collect() {
          this.reset();
          const now = Date.now();
          for (const b of books.list()) {
            const v = value(b, now);
            if (v !== undefined) this.set({ exchange: b.exchange, symbol: b.symbol }, v);
          }
        },
      });
    perBook('flowrs_book_spread_bps', 'Best ask − best bid in basis points of the mid', (b) => b.book.spreadBps());
    perBook('flowrs_book_age_seconds', 'Time since the last applied event', (b, now) =>
      b.localTs > 0 ? (now - b.localTs) / 1000 : undefined,
    );
    perBook(
      'flowrs_book_audit_drift_levels',
      'Levels that differed at the last audit (0: the book was exact); absent until audited',
      (b) => b.lastAudit?.driftLevels,
    );
    new Gauge({
      name: 'flowrs_book_status',
      help: '1 for the status each book is in',
      labelNames: ['exchange', 'symbol', 'status'],
      registers: [r],
      collect() {
        this.reset();
        for (const b of books.list()) this.set({ exchange: b.exchange, symbol: b.symbol, status: b.status() }, 1);
      },
    });
    new Gauge({
      name: 'flowrs_venue_latency_p99_milliseconds',
      help: 'Venue event time → local receive, 99th percentile of the last 4,096 (includes clock skew)',
      registers: [r],
      collect() {
        this.set(metrics.venueLatency.summary().p99);
      },
    });
    new Gauge({
      name: 'flowrs_event_loop_delay_milliseconds',
      help:
        'How late a 20 ms timer ran during the last second (p50, p99, max). Unlike flowrs_nodejs_eventloop_lag_*, ' +
        'which include their 10 ms sampling interval, an idle loop reads near 0',
      labelNames: ['quantile'],
      registers: [r],
      collect() {
        const lag = metrics.snapshot().eventLoopDelayMs;
        this.set({ quantile: '0.5' }, lag.p50);
        this.set({ quantile: '0.99' }, lag.p99);
        this.set({ quantile: '1' }, lag.max);
      },
    });
    new Gauge({
      name: 'flowrs_processing_latency_p99_microseconds',
      help: 'Frame received → book applied and ready to broadcast, 99th percentile of the last 4,096',
      registers: [r],
      collect() {
        this.set(metrics.processing.summary().p99);
      },
    });
    new Gauge({
      name: 'flowrs_venue_connections',
      help: 'Venue connections by state (open, connecting, reconnecting, closed)',
      labelNames: ['exchange', 'state'],
      registers: [r],
      collect() {
        this.reset();
        for (const s of exchanges.status()) {
          const byState = new Map<string, number>();
          for (const c of s.connections) byState.set(c.status.type, (byState.get(c.status.type) ?? 0) + 1);
          for (const [state, n] of byState) this.set({ exchange: s.exchange, state }, n);
        }
      },
    });
    new Gauge({
      name: 'flowrs_clients',
      help: 'Connected WebSocket clients',
      registers: [r],
      collect() {
        this.set(clients().clients);
      },
    });
    counter(
      'flowrs_rejected_handshakes_total',
      'WebSocket handshakes refused, by reason (unauthorized, origin, per_ip, full, rate)',
      ['reason'],
      function* () {
        for (const [reason, n] of Object.entries(metrics.rejectedHandshakes())) yield [{ reason }, n];
      },
    );
    new Gauge({
      name: 'flowrs_on_demand_books',
      help: 'Books followed on demand now (lingering ones included)',
      registers: [r],
      collect() {
        this.set(metrics.onDemandBooks());
      },
    });
    new Gauge({
      name: 'flowrs_bus_connection_up',
      help: 'Distributed mode: 1 while the NATS connection is open (absent in the single process)',
      registers: [r],
      collect() {
        const bus = metrics.bus();
        this.reset();
        if (bus !== undefined) this.set(bus.state === 'open' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'flowrs_lagging_clients',
      help: 'Clients currently conflated because their socket is backed up',
      registers: [r],
      collect() {
        this.set(clients().lagging);
      },
    });
  }

  async text(): Promise<string> {
    return (await this.registry.metrics()) + this.metrics.processingHistogram.exposition();
  }
}

function splitKey(key: string): Labels {
  const at = key.indexOf(':');
  return { exchange: key.slice(0, at), symbol: key.slice(at + 1) };
}
