import { type ApplyOutcome, isUnhealthy, type MarketSink, type ResyncReason } from '../../core/sink.js';
import type { BookDeltaEvent, PriceLevel } from '../../core/types.js';
import type { ConnectorCounters } from '../connector.js';

/** Applied update ids a book remembers, to recognise a re-delivered event. */
const RECENT_IDS = 64;
/** Events kept while waiting for a snapshot; past this the oldest go (a resync may follow). */
export const MAX_BUFFERED_EVENTS = 10_000;
/** Binance REST snapshots hold at most this many levels a side. */
export const BINANCE_SNAPSHOT_LIMIT = 1000;
/**
 * After a snapshot the book engine refused (a malformed level) or found unhealthy more than once in a
 * row, the next request waits: 1 s, doubling to 5 min, with jitter. Asking again at once would spend
 * the venue's weight budget on a symbol whose snapshots keep failing, without helping it.
 */
export const DEFAULT_BAD_SNAPSHOT_RETRY_MS = 1_000;
export const DEFAULT_BAD_SNAPSHOT_RETRY_CAP_MS = 5 * 60 * 1000;

/** What a sync needs from the sink: a live book's pipeline, or an audit's shadow. */
export type BookSyncSink = Pick<MarketSink, 'book' | 'bookResyncing'>;

/** Asks for a REST snapshot of `symbol`, not before `delayMs` from now. */
export type SnapshotRequester = (symbol: string, delayMs: number) => void;

export interface BinanceBookSyncOptions {
  /** Events kept while waiting for a snapshot (default MAX_BUFFERED_EVENTS). */
  readonly maxBuffered?: number;
  readonly badSnapshotRetryMs?: number;
  readonly badSnapshotRetryCapMs?: number;
  /** Source of jitter, injectable for tests. */
  readonly random?: () => number;
}

/**
 * The wait before the next snapshot after `failures` bad ones in a row: the base doubled per failure
 * up to the cap, drawn uniformly from the upper half so it is never "at once".
 */
export function badSnapshotDelay(failures: number, baseMs: number, capMs: number, random: () => number): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(0, failures - 1), 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

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
  /** The last applied update ids (the snapshot's included), to tell a true duplicate from a bad id. */
  private recent: number[] = [];
  private recentHead = 0;
  /** The book was flagged `subscription_failed` (a refused connection) and has not synced since. */
  private refused = false;
  /** The outstanding snapshot was asked for before any event (to learn early whether the venue lists the symbol). */
  private probing = false;
  /** Snapshots in a row that did not give a healthy book (refused by the engine, or unhealthy). */
  private badSnapshots = 0;
  private readonly maxBuffered: number;

  constructor(
    readonly symbol: string,
    private readonly sink: BookSyncSink,
    private readonly requestSnapshot: SnapshotRequester,
    private readonly counters: ConnectorCounters,
    private readonly options: BinanceBookSyncOptions = {},
  ) {
    this.maxBuffered = options.maxBuffered ?? MAX_BUFFERED_EVENTS;
  }

  get isLive(): boolean {
    return this.live;
  }

  /** Live and not waiting for proof of continuity after a lost connection. */
  get isTrusted(): boolean {
    return this.live && !this.interrupted;
  }

  get isAbandoned(): boolean {
    return this.abandoned;
  }

  get lastUpdateId(): number | undefined {
    return this.lastU;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  onDelta(event: BookDeltaEvent): void {
    if (this.abandoned) return;
    if (this.live) {
      const lastU = this.lastU!;
      if (event.updateId <= lastU) {
        // Already applied (connection overlap, a rollover) — unless it is no event we applied: then the
        // ids cannot be trusted (an id we took was not the venue's), and only a snapshot can tell.
        if (this.wasApplied(event.updateId)) {
          this.counters.duplicates++;
          return;
        }
        this.counters.gaps++;
        this.startResync('gap');
        this.push(event);
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
  startResync(reason: ResyncReason, snapshotDelayMs = 0): void {
    if (this.abandoned) return; // nothing to repair: the venue does not list the symbol
    this.live = false;
    this.interrupted = false;
    this.buffer = [];
    this.pending = undefined;
    this.sink.bookResyncing('binance', this.symbol, reason);
    this.ensureSnapshot(snapshotDelayMs);
  }

  /**
   * Asks for a snapshot before any event has arrived. The official procedure waits for events first,
   * but Binance sends nothing for a symbol it does not list; when its instrument list is unavailable,
   * only the snapshot's answer (-1121) can tell. A probe that turns out older than the stream is
   * fetched again without flagging the book: nothing was lost.
   */
  probe(): void {
    if (this.snapshotRequested || this.abandoned || this.live) return;
    this.probing = true;
    this.ensureSnapshot();
  }

  private push(event: BookDeltaEvent): void {
    this.buffer.push(event);
    if (this.buffer.length > this.maxBuffered) this.buffer.shift();
  }

  /**
   * The venue refused the connection carrying this symbol's stream (the reconnect retries it): flag the
   * book, unless it is live on an overlapping connection or already flagged for that.
   */
  subscriptionRefused(): void {
    if (this.live || this.abandoned || this.refused) return;
    this.refused = true;
    this.sink.bookResyncing('binance', this.symbol, 'subscription_failed');
  }

  /** The venue does not know this symbol: flag the book once and stop asking. */
  abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    this.live = false;
    this.pending = undefined;
    this.snapshotRequested = false;
    this.buffer = [];
    this.sink.bookResyncing('binance', this.symbol, 'unknown_symbol');
  }

  private ensureSnapshot(delayMs = 0): void {
    if (this.snapshotRequested || this.abandoned) return;
    this.snapshotRequested = true;
    this.requestSnapshot(this.symbol, delayMs);
  }

  /** Counts one more bad snapshot and returns how long to wait before the next. */
  private nextBadSnapshotDelay(): number {
    this.badSnapshots++;
    return badSnapshotDelay(
      this.badSnapshots,
      this.options.badSnapshotRetryMs ?? DEFAULT_BAD_SNAPSHOT_RETRY_MS,
      this.options.badSnapshotRetryCapMs ?? DEFAULT_BAD_SNAPSHOT_RETRY_CAP_MS,
      this.options.random ?? Math.random,
    );
  }

  private trySync(): void {
    const snapshot = this.pending!;
    const lid = snapshot.lastUpdateId;
    // "Drop any event where u is < lastUpdateId in the snapshot" (u = lastUpdateId is kept).
    let start = 0;
    while (start < this.buffer.length && this.buffer[start].updateId < lid) start++;
    if (start > 0) this.buffer = this.buffer.slice(start);
    const first = this.buffer[0];
    if (first === undefined) return; // wait for an event that reaches the snapshot
    const probe = this.probing;
    this.probing = false;
    // "The first processed event should have U <= lastUpdateId AND u >= lastUpdateId"
    // (or pu = lastUpdateId, the same proof of continuity).
    if (!((first.firstUpdateId <= lid && lid <= first.updateId) || first.prevUpdateId === lid)) {
      // The snapshot is older than everything buffered: fetch again.
      this.pending = undefined;
      if (!probe) this.sink.bookResyncing('binance', this.symbol, 'stale_snapshot');
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
      // The engine refused a level (e.g. more significant digits than it represents exactly): the
      // book is unchanged and not trustworthy. Say why, and wait before asking again.
      this.live = false;
      this.sink.bookResyncing('binance', this.symbol, 'invalid_data');
      this.ensureSnapshot(this.nextBadSnapshotDelay());
      return;
    }
    this.lastU = lid;
    this.recent = [lid];
    this.recentHead = 0;
    this.live = true;
    this.refused = false;
    const events = this.buffer;
    this.buffer = [];
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      // The same event twice (old and new sockets overlap at a rollover): already applied, skip it
      // as the live path does.
      if (i > 0 && e.updateId <= this.lastU) {
        this.counters.duplicates++;
        continue;
      }
      // "While listening to the stream, each new event's pu should be equal to the previous event's u."
      if (i > 0 && e.prevUpdateId !== this.lastU) {
        this.counters.gaps++;
        this.startResync('gap');
        for (let j = i; j < events.length; j++) this.push(events[j]);
        return;
      }
      if (!this.apply(e)) return;
    }
    this.afterSnapshot(outcome);
  }

  /**
   * A snapshot judged unhealthy is not repaired by the events after it, even if they make the book
   * look healthy: resync (flagged) from a new one. The first such retry is immediate (the book may have
   * moved during the request); more in a row back off.
   */
  private afterSnapshot(outcome: ApplyOutcome): void {
    if (!isUnhealthy(outcome)) {
      this.badSnapshots = 0;
      return;
    }
    const delay = this.badSnapshots === 0 ? 0 : this.nextBadSnapshotDelay();
    if (delay === 0) this.badSnapshots++;
    this.startResync(outcome, delay);
  }

  /** Hands one sequenced event to the sink; false if the symbol had to resync. */
  /** Remembers an applied id (the last RECENT_IDS of them). */
  private remember(u: number): void {
    if (this.recent.length < RECENT_IDS) this.recent.push(u);
    else {
      this.recent[this.recentHead] = u;
      this.recentHead = (this.recentHead + 1) % RECENT_IDS;
    }
  }

  /** Whether `u` is an id this book applied (or older than every id it remembers). */
  private wasApplied(u: number): boolean {
    if (this.recent.includes(u)) return true;
    return this.recent.length > 0 && u < Math.min(...this.recent);
  }

  private apply(event: BookDeltaEvent): boolean {
    const outcome = this.sink.book(event);
    if (outcome === 'rejected') return true; // malformed content: the book and lastU stay as they were
    this.lastU = event.updateId;
    this.remember(event.updateId);
    if (isUnhealthy(outcome)) {
      this.startResync(outcome);
      return false;
    }
    return true;
  }
}
