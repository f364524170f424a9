import type { PipelineListener } from '../app/pipeline.js';
import type { BookManager, ManagedBook } from '../book/book-manager.js';
import { frameClock } from '../core/frame-clock.js';
import type { ResyncReason } from '../core/sink.js';
import type { BookKey, Exchange, TradeEvent } from '../core/types.js';
import type { ExchangeManager } from '../exchanges/manager.js';
import { EventLoopLag } from './event-loop-lag.js';
import { BucketHistogram, LatencyRing, type LatencySummary } from './latency-ring.js';
import { ProcessStats } from './process-stats.js';

/** Per-book activity, kept as plain numbers so the hot path only increments. */
interface BookActivity {
  updates: number;
  trades: number;
  updatesPerSec: number;
  tradesPerSec: number;
  lastUpdates: number;
  lastTrades: number;
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
    { messagesPerSec: number; reconnections: number; resyncs: number; invalidFrames: number; gaps: number }
  >;
  readonly perSymbol: Record<
    string,
    { updatesPerSec: number; tradesPerSec: number; spreadBps: number | null; status: string; ageMs: number }
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
  readonly clients: number;
  readonly laggingClients: number;
}

/**
 * Collects everything FlowRS measures about itself. The hot path (`onBook`, `onTrade`) records a
 * latency sample and bumps counters: no allocation, no labels. Rates, percentiles, memory and CPU are
 * derived once a second by `tick()`, which also produces the `Metrics` snapshot served to clients; the
 * Prometheus view (prometheus.ts) reads the same state.
 */
export class MetricsEngine implements PipelineListener {
  readonly processing = new LatencyRing();
  /** The same processing latencies, all of them, as histogram buckets (µs) for Prometheus. */
  readonly processingHistogram = new BucketHistogram(
    'flowrs_processing_latency_seconds',
    'Venue frame received → book applied and ready to broadcast',
    [5, 10, 20, 50, 100, 200, 500, 1_000, 5_000, 20_000],
    1e-6,
  );
  readonly venueLatency = new LatencyRing();
  private readonly activity = new Map<BookKey, BookActivity>();
  private readonly process = new ProcessStats();
  private readonly loopLag = new EventLoopLag();
  private lastTickAt = performance.now();
  private lastFrames = new Map<Exchange, number>();
  private framesPerSec = new Map<Exchange, number>();
  private current: Metrics;
  readonly resyncsByVenue = new Map<Exchange, number>();
  readonly invalidByVenue = new Map<Exchange, number>();
  readonly resyncsByReason = new Map<ResyncReason, number>();
  updatesTotal = 0;
  tradesTotal = 0;
  clientCount: () => { clients: number; lagging: number } = () => ({ clients: 0, lagging: 0 });

  constructor(
    private readonly books: BookManager,
    private readonly exchanges: ExchangeManager,
    private readonly startedAt = Date.now(),
  ) {
    this.current = this.build(1);
  }

  private activityOf(key: BookKey): BookActivity {
    let a = this.activity.get(key);
    if (!a) {
      a = { updates: 0, trades: 0, updatesPerSec: 0, tradesPerSec: 0, lastUpdates: 0, lastTrades: 0 };
      this.activity.set(key, a);
    }
    return a;
  }

  onBook(book: ManagedBook, change: 'update' | 'status'): void {
    if (change !== 'update') return;
    this.updatesTotal++;
    this.activityOf(book.key).updates++;
    if (frameClock.receivedAt > 0) {
      const us = (performance.now() - frameClock.receivedAt) * 1000;
      this.processing.record(us);
      this.processingHistogram.record(us);
    }
    if (book.venueTs > 0) this.venueLatency.record(book.localTs - book.venueTs);
  }

  onTrade(trade: TradeEvent): void {
    this.tradesTotal++;
    this.activityOf(`${trade.exchange}:${trade.symbol}`).trades++;
    this.venueLatency.record(trade.localTs - trade.venueTs);
  }

  onResync(exchange: Exchange, _symbol: string, reason: ResyncReason): void {
    this.resyncsByVenue.set(exchange, (this.resyncsByVenue.get(exchange) ?? 0) + 1);
    this.resyncsByReason.set(reason, (this.resyncsByReason.get(reason) ?? 0) + 1);
  }

  onInvalidFrame(exchange: Exchange): void {
    this.invalidByVenue.set(exchange, (this.invalidByVenue.get(exchange) ?? 0) + 1);
  }

  /** Recomputes rates and the snapshot; call once a second. */
  tick(): Metrics {
    const now = performance.now();
    const seconds = Math.max(0.001, (now - this.lastTickAt) / 1000);
    this.lastTickAt = now;
    for (const a of this.activity.values()) {
      a.updatesPerSec = (a.updates - a.lastUpdates) / seconds;
      a.tradesPerSec = (a.trades - a.lastTrades) / seconds;
      a.lastUpdates = a.updates;
      a.lastTrades = a.trades;
    }
    for (const s of this.exchanges.status()) {
      const last = this.lastFrames.get(s.exchange) ?? 0;
      this.framesPerSec.set(s.exchange, (s.counters.frames - last) / seconds);
      this.lastFrames.set(s.exchange, s.counters.frames);
    }
    this.current = this.build(seconds);
    return this.current;
  }

  /** The latest snapshot (updated by `tick`). */
  snapshot(): Metrics {
    return this.current;
  }

  private build(_seconds: number): Metrics {
    const now = Date.now();
    const perVenue: Metrics['perVenue'] = {};
    let reconnections = 0;
    let messagesPerSec = 0;
    for (const s of this.exchanges.status()) {
      const venueReconnects = s.connections.reduce((sum, c) => sum + c.reconnections, 0);
      const mps = this.framesPerSec.get(s.exchange) ?? 0;
      reconnections += venueReconnects;
      messagesPerSec += mps;
      perVenue[s.exchange] = {
        messagesPerSec: mps,
        reconnections: venueReconnects,
        resyncs: this.resyncsByVenue.get(s.exchange) ?? 0,
        invalidFrames: this.invalidByVenue.get(s.exchange) ?? 0,
        gaps: s.counters.gaps,
      };
    }
    const perSymbol: Metrics['perSymbol'] = {};
    let updatesPerSec = 0;
    let tradesPerSec = 0;
    for (const book of this.books.list()) {
      const a = this.activity.get(book.key);
      updatesPerSec += a?.updatesPerSec ?? 0;
      tradesPerSec += a?.tradesPerSec ?? 0;
      perSymbol[book.key] = {
        updatesPerSec: a?.updatesPerSec ?? 0,
        tradesPerSec: a?.tradesPerSec ?? 0,
        spreadBps: book.book.spreadBps() ?? null,
        status: book.status(now),
        ageMs: book.localTs > 0 ? now - book.localTs : -1,
      };
    }
    const clients = this.clientCount();
    return {
      timestamp: now,
      uptimeSec: (now - this.startedAt) / 1000,
      messagesPerSec,
      updatesPerSec,
      tradesPerSec,
      perVenue,
      perSymbol,
      processingLatencyUs: this.processing.summary(),
      venueLatencyMs: this.venueLatency.summary(),
      memory: this.process.memory(),
      cpuPercent: this.process.cpuPercent(),
      eventLoopDelayMs: this.loopLag.take(),
      reconnections,
      resyncs: [...this.resyncsByVenue.values()].reduce((a, b) => a + b, 0),
      invalidFrames: [...this.invalidByVenue.values()].reduce((a, b) => a + b, 0),
      clients: clients.clients,
      laggingClients: clients.lagging,
    };
  }

  stop(): void {
    this.loopLag.stop();
  }

  /** Cumulative per-book counters, for Prometheus. */
  bookCounters(): { key: BookKey; updates: number; trades: number }[] {
    return [...this.activity.entries()].map(([key, a]) => ({ key, updates: a.updates, trades: a.trades }));
  }
}
