import { isUnhealthy, type MarketSink, type ResyncReason } from '../../core/sink.js';
import type { BookDeltaEvent, PriceLevel } from '../../core/types.js';
import type { ConnectorCounters } from '../connector.js';

/** Events kept while waiting for a snapshot; past this the oldest go (a resync may follow). */
export const MAX_BUFFERED_EVENTS = 10_000;
/** Binance REST snapshots hold at most this many levels a side. */
export const BINANCE_SNAPSHOT_LIMIT = 1000;

export interface DepthSnapshot {
  readonly lastUpdateId: number;
  readonly E: number;
  readonly bids: PriceLevel[];
  readonly asks: PriceLevel[];
  readonly localTs: number;
}

/**
 * One symbol's local-book procedure for Binance USDⓈ-M futures (the official futures rules, not spot's):
 * buffer the stream; take a snapshot; drop events with `u` < `lastUpdateId`; the first applied event
 * must have `U` ≤ `lastUpdateId` ≤ `u` (or `pu` = `lastUpdateId`: the same proof of continuity);
 * then each event's `pu` must equal the previous `u`. A break re-syncs this symbol only, from a new
 * snapshot, while the stream keeps buffering. After a reconnect, an event whose `pu` is the last
 * applied `u` resumes the book without a snapshot: nothing was missed.
 */
export class BinanceBookSync {
  /** `u` of the last applied event (or the snapshot's `lastUpdateId`). */
  private lastU: number | undefined;
  private live = false;
  /** A connection carrying this symbol was lost while live: the next event decides resume or resync. */
  private interrupted = false;
  private buffer: BookDeltaEvent[] = [];
  private pending: DepthSnapshot | undefined;
  private snapshotRequested = false;
  /** The venue refused the symbol for good: request nothing more. */
  private abandoned = false;

  constructor(
    readonly symbol: string,
    private readonly sink: MarketSink,
    private readonly requestSnapshot: (symbol: string) => void,
    private readonly counters: ConnectorCounters,
    private readonly maxBuffered = MAX_BUFFERED_EVENTS,
  ) {}

  get isLive(): boolean {
    return this.live;
  }

  get lastUpdateId(): number | undefined {
    return this.lastU;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  onDelta(event: BookDeltaEvent): void {
    if (this.live) {
      const lastU = this.lastU!;
      if (event.updateId <= lastU) {
        this.counters.duplicates++;
        return;
      }
      if (event.prevUpdateId !== lastU) {
        this.counters.gaps++;
        this.startResync(this.interrupted ? 'disconnected' : 'gap');
        this.push(event);
        return;
      }
      this.interrupted = false;
      this.apply(event);
      return;
    }
    this.push(event);
    if (this.pending) this.trySync();
    else this.ensureSnapshot();
  }

  onSnapshot(snapshot: DepthSnapshot): void {
    this.snapshotRequested = false;
    if (this.live) return;
    this.pending = snapshot;
    this.trySync();
  }

  /** A connection carrying this symbol was lost. */
  onDisconnect(): void {
    if (this.live) {
      if (!this.interrupted) this.sink.bookResyncing('binance', this.symbol, 'disconnected');
      this.interrupted = true;
      return;
    }
    // Buffered events from the old connection cannot chain with the new one's reliably: start over.
    this.buffer = [];
  }

  /** Re-syncs from a new snapshot, keeping the stream. */
  startResync(reason: ResyncReason): void {
    this.live = false;
    this.interrupted = false;
    this.buffer = [];
    this.pending = undefined;
    this.sink.bookResyncing('binance', this.symbol, reason);
    this.ensureSnapshot();
  }

  private push(event: BookDeltaEvent): void {
    this.buffer.push(event);
    if (this.buffer.length > this.maxBuffered) this.buffer.shift();
  }

  /** The venue does not know this symbol: flag the book once and stop asking. */
  abandon(): void {
    this.abandoned = true;
    this.snapshotRequested = false;
    this.buffer = [];
    this.sink.bookResyncing('binance', this.symbol, 'unknown_symbol');
  }

  private ensureSnapshot(): void {
    if (this.snapshotRequested || this.abandoned) return;
    this.snapshotRequested = true;
    this.requestSnapshot(this.symbol);
  }

  private trySync(): void {
    const snapshot = this.pending!;
    const lid = snapshot.lastUpdateId;
    // Step 4: drop events older than the snapshot (keep u = lastUpdateId).
    let start = 0;
    while (start < this.buffer.length && this.buffer[start].updateId < lid) start++;
    if (start > 0) this.buffer = this.buffer.slice(start);
    const first = this.buffer[0];
    if (first === undefined) return; // wait for an event that reaches the snapshot
    if (!((first.firstUpdateId <= lid && lid <= first.updateId) || first.prevUpdateId === lid)) {
      // The snapshot is older than everything buffered: fetch again.
      this.pending = undefined;
      this.sink.bookResyncing('binance', this.symbol, 'stale_snapshot');
      this.ensureSnapshot();
      return;
    }
    this.pending = undefined;
    const outcome = this.sink.book({
      type: 'book_snapshot',
      exchange: 'binance',
      symbol: this.symbol,
      bids: snapshot.bids,
      asks: snapshot.asks,
      updateId: lid,
      venueTs: snapshot.E,
      localTs: snapshot.localTs,
      depthLimit: BINANCE_SNAPSHOT_LIMIT,
    });
    if (outcome === 'rejected') {
      this.ensureSnapshot();
      return;
    }
    this.lastU = lid;
    this.live = true;
    const events = this.buffer;
    this.buffer = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (i > 0 && e.prevUpdateId !== this.lastU) {
        this.counters.gaps++;
        this.startResync('gap');
        for (let j = i; j < events.length; j++) this.push(events[j]);
        return;
      }
      if (!this.apply(e)) return;
    }
    if (isUnhealthy(outcome)) this.startResync(outcome);
  }

  /** Hands one sequenced event to the sink; false if the symbol had to resync. */
  private apply(event: BookDeltaEvent): boolean {
    const outcome = this.sink.book(event);
    if (outcome === 'rejected') return true; // malformed content: the book and lastU stay as they were
    this.lastU = event.updateId;
    if (isUnhealthy(outcome)) {
      this.startResync(outcome);
      return false;
    }
    return true;
  }
}
