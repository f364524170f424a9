import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { BookManager, ManagedBook } from '../book/book-manager.js';
import type { ExchangeManager } from '../exchanges/manager.js';
import type { MetricsEngine } from '../metrics/metrics-engine.js';

/**
 * The Prometheus view of the metrics engine's state (one source of truth for JSON and /metrics).
 * Everything is read from the engine and the connectors at scrape time: nothing here runs on the hot path.
 */
export class PrometheusView {
  readonly registry = new Registry();

  constructor(
    private readonly metrics: MetricsEngine,
    books: BookManager,
    exchanges: ExchangeManager,
    clients: () => { clients: number; lagging: number },
  ) {
    const r = this.registry;
    collectDefaultMetrics({ register: r, prefix: 'flowrs_' });
    const venueStatus = () => exchanges.status();
    const setCounter = (c: Counter<string>, rows: [Record<string, string>, number][]) => {
      c.reset();
      for (const [labels, value] of rows) c.inc(labels, value);
    };
    new Counter({
      name: 'flowrs_venue_messages_total',
      help: 'Frames received from each venue',
      labelNames: ['exchange'],
      registers: [r],
      collect() {
        setCounter(
          this,
          venueStatus().map((s) => [{ exchange: s.exchange }, s.counters.frames]),
        );
      },
    });
    new Counter({
      name: 'flowrs_book_updates_total',
      help: 'Snapshots and deltas applied to each book',
      labelNames: ['exchange', 'symbol'],
      registers: [r],
      collect() {
        setCounter(
          this,
          metrics.bookCounters().map((b) => [splitKey(b.key), b.updates]),
        );
      },
    });
    new Counter({
      name: 'flowrs_trades_total',
      help: 'Trades received for each instrument',
      labelNames: ['exchange', 'symbol'],
      registers: [r],
      collect() {
        setCounter(
          this,
          metrics.bookCounters().map((b) => [splitKey(b.key), b.trades]),
        );
      },
    });
    new Counter({
      name: 'flowrs_reconnections_total',
      help: 'Venue connections lost and re-established',
      labelNames: ['exchange'],
      registers: [r],
      collect() {
        setCounter(
          this,
          venueStatus().map((s) => [{ exchange: s.exchange }, s.connections.reduce((n, c) => n + c.reconnections, 0)]),
        );
      },
    });
    new Counter({
      name: 'flowrs_resyncs_total',
      help: 'Book repairs started, by reason',
      labelNames: ['reason'],
      registers: [r],
      collect() {
        setCounter(
          this,
          [...metrics.resyncsByReason.entries()].map(([reason, n]) => [{ reason }, n]),
        );
      },
    });
    new Counter({
      name: 'flowrs_sequence_gaps_total',
      help: 'Sequence breaks detected',
      labelNames: ['exchange'],
      registers: [r],
      collect() {
        setCounter(
          this,
          venueStatus().map((s) => [{ exchange: s.exchange }, s.counters.gaps]),
        );
      },
    });
    new Counter({
      name: 'flowrs_invalid_frames_total',
      help: 'Malformed or unexpected frames dropped at the edge',
      labelNames: ['exchange'],
      registers: [r],
      collect() {
        setCounter(
          this,
          venueStatus().map((s) => [{ exchange: s.exchange }, metrics.invalidByVenue.get(s.exchange) ?? 0]),
        );
      },
    });
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
      name: 'flowrs_clients',
      help: 'Connected WebSocket clients',
      registers: [r],
      collect() {
        this.set(clients().clients);
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

function splitKey(key: string): Record<string, string> {
  const at = key.indexOf(':');
  return { exchange: key.slice(0, at), symbol: key.slice(at + 1) };
}
