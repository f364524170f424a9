import type { BookManager, ManagedBook } from '../book/book-manager.js';
import { frameClock } from '../core/frame-clock.js';
import {
  type BookAuditResult,
  INVALID_FRAME_REASONS,
  type InvalidFrameReason,
  type ResyncReason,
} from '../core/sink.js';
import type { BookKey, Exchange, TradeEvent } from '../core/types.js';
import type { VenueStatusSource } from '../core/venue-status.js';
import type { PipelineListener } from '../pipeline/pipeline.js';
import type { BusSummary, Metrics, VenueConnectionSummary, VenueCounts } from '../protocol/metrics.js';
import { EventLoopLag } from './event-loop-lag.js';
import { BucketHistogram, LatencyRing } from './latency-ring.js';
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

// The snapshot's shape is part of the client protocol (src/protocol/), so clients need no server code.
export type { Metrics, VenueCounts };

/** One book's audit counters. */
export interface BookAudits {
  audits: number;
  drifts: number;
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
  private readonly invalid = new Map<Exchange, Record<InvalidFrameReason, number>>();
  private readonly resyncs = new Map<Exchange, Partial<Record<ResyncReason, number>>>();
  private readonly audits = new Map<BookKey, BookAudits>();
  updatesTotal = 0;
  tradesTotal = 0;
  clientCount: () => { clients: number; lagging: number } = () => ({ clients: 0, lagging: 0 });
  /** The client server's refused handshakes by reason (read when a snapshot is built, and at scrape time). */
  rejectedHandshakes: () => Readonly<Record<string, number>> = () => ({});
  /** Books followed on demand now. */
  onDemandBooks: () => number = () => 0;
  /** The NATS connection, in the distributed roles. */
  bus: () => BusSummary | undefined = () => undefined;

  constructor(
    private readonly books: BookManager,
    private readonly exchanges: VenueStatusSource,
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
    let byReason = this.resyncs.get(exchange);
    if (byReason === undefined) {
      byReason = {};
      this.resyncs.set(exchange, byReason);
    }
    byReason[reason] = (byReason[reason] ?? 0) + 1;
  }

  onInvalidFrame(exchange: Exchange, reason: InvalidFrameReason): void {
    this.invalidOf(exchange)[reason]++;
  }

  onAudit(book: ManagedBook, result: BookAuditResult): void {
    let a = this.audits.get(book.key);
    if (a === undefined) {
      a = { audits: 0, drifts: 0 };
      this.audits.set(book.key, a);
    }
    a.audits++;
    if (result.driftLevels > 0) a.drifts++;
  }

  private invalidOf(exchange: Exchange): Record<InvalidFrameReason, number> {
    let byReason = this.invalid.get(exchange);
    if (byReason === undefined) {
      byReason = Object.fromEntries(INVALID_FRAME_REASONS.map((r) => [r, 0])) as Record<InvalidFrameReason, number>;
      this.invalid.set(exchange, byReason);
    }
    return byReason;
  }

  /**
   * Every configured venue's fault counters, read now: the one source JSON metrics, /health and
   * Prometheus all report.
   */
  /** One venue's connections summed up: the worst state, and the cause when one is down. */
  connectionSummary(exchange: Exchange): VenueConnectionSummary {
    const connections = this.exchanges.status().find((s) => s.exchange === exchange)?.connections ?? [];
    if (connections.length === 0) return { state: 'none', open: 0, total: 0 };
    const open = connections.filter((c) => c.status.type === 'open').length;
    const down = connections.find((c) => c.status.type === 'reconnecting');
    const order = ['reconnecting', 'connecting', 'closed', 'open'] as const;
    const state = order.find((t) => connections.some((c) => c.status.type === t)) ?? 'open';
    return down?.status.type === 'reconnecting'
      ? { state, open, total: connections.length, reason: down.status.reason, detail: down.status.detail }
      : { state, open, total: connections.length };
  }

  venueCounts(): Map<Exchange, VenueCounts> {
    const out = new Map<Exchange, VenueCounts>();
    for (const s of this.exchanges.status()) {
      const invalidFramesByReason = { ...this.invalidOf(s.exchange) };
      const resyncsByReason = { ...this.resyncs.get(s.exchange) };
      out.set(s.exchange, {
        invalidFrames: sum(Object.values(invalidFramesByReason)),
        invalidFramesByReason,
        resyncs: sum(Object.values(resyncsByReason)),
        resyncsByReason,
        gaps: s.counters.gaps,
        reconnections: sum(s.connections.map((c) => c.reconnections)),
      });
    }
    return out;
  }

  /** Audits per book (only books audited at least once). */
  bookAudits(): ReadonlyMap<BookKey, Readonly<BookAudits>> {
    return this.audits;
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
    let resyncs = 0;
    let invalidFrames = 0;
    let messagesPerSec = 0;
    for (const [exchange, counts] of this.venueCounts()) {
      const mps = this.framesPerSec.get(exchange) ?? 0;
      reconnections += counts.reconnections;
      resyncs += counts.resyncs;
      invalidFrames += counts.invalidFrames;
      messagesPerSec += mps;
      perVenue[exchange] = { messagesPerSec: mps, connection: this.connectionSummary(exchange), ...counts };
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
        lastAuditAt: book.lastAudit?.at ?? null,
        auditDriftLevels: book.lastAudit?.driftLevels ?? null,
      };
    }
    const audits = [...this.audits.values()];
    const clients = this.clientCount();
    const bus = this.bus();
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
      resyncs,
      invalidFrames,
      audits: sum(audits.map((a) => a.audits)),
      auditDrifts: sum(audits.map((a) => a.drifts)),
      clients: clients.clients,
      laggingClients: clients.lagging,
      rejectedHandshakes: { ...this.rejectedHandshakes() },
      onDemandBooks: this.onDemandBooks(),
      ...(bus !== undefined ? { bus } : {}),
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

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
