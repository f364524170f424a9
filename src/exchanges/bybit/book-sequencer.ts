import { isUnhealthy, type MarketSink, type ResyncReason } from '../../core/sink.js';
import { type ConnectorCounters, newCounters } from '../connector.js';
import type { BybitFrame } from './parse.js';

export type BybitBookFrame = Extract<BybitFrame, { kind: 'orderbook' }>;

/** Why the sequencer asks for a fresh subscription. */
export type BybitRecoveryReason = ResyncReason;

/**
 * What prompted a recovery: `snapshot` when the venue's own snapshot was bad (rejected, crossed, or
 * with a hole), which a fresh subscription may well repeat, so the connector paces those.
 */
export type BybitRecoveryCause = 'snapshot' | 'delta' | 'request';

export interface BybitBookSequencerOptions {
  /** Gaps and duplicates are added here (a connector passes its own counters). */
  readonly counters?: Pick<ConnectorCounters, 'gaps' | 'duplicates'>;
  /** Told when a snapshot arrives mid-stream with a `u` not above the last one (a venue restart). */
  readonly onVenueReset?: (u: number, previousU: number) => void;
}

/**
 * One `orderbook.{depth}.{symbol}` topic's sequencing, with no socket: frames in, book events out to
 * the sink, and a callback when the topic must be subscribed afresh (a REST snapshot cannot seed
 * these topics, so the only repair is unsubscribe → ack → subscribe, which the connector performs).
 */
export class BybitBookSequencer {
  /** `u` of the last applied message; undefined until a snapshot arrives on this subscription. */
  private lastU: number | undefined;
  /** A fresh subscription was requested; deltas are ignored until its snapshot arrives. */
  private recovering = false;
  /** The venue does not know the symbol: ignore everything, request nothing. */
  private abandoned = false;
  private readonly counters: Pick<ConnectorCounters, 'gaps' | 'duplicates'>;

  constructor(
    readonly symbol: string,
    private readonly sink: Pick<MarketSink, 'book' | 'bookResyncing'>,
    private readonly requestRecovery: (reason: BybitRecoveryReason, cause: BybitRecoveryCause) => void,
    private readonly options: BybitBookSequencerOptions = {},
  ) {
    this.counters = options.counters ?? newCounters();
  }

  get lastUpdateId(): number | undefined {
    return this.lastU;
  }

  /** A fresh subscription has been asked for and its snapshot has not arrived yet. */
  get isRecovering(): boolean {
    return this.recovering;
  }

  /** The book follows the stream (a snapshot was applied and no repair is pending). */
  get isLive(): boolean {
    return this.lastU !== undefined && !this.recovering && !this.abandoned;
  }

  get isAbandoned(): boolean {
    return this.abandoned;
  }

  onFrame(frame: BybitBookFrame, localTs: number): void {
    if (this.abandoned) return;
    if (frame.type === 'snapshot') {
      this.onSnapshot(frame, localTs);
      return;
    }
    // Bybit: "after a successful subscribe you receive a snapshot" — a delta before it has no base.
    if (this.lastU === undefined || this.recovering) return;
    // Bybit `u` rises by exactly 1 per message per topic: `u` ≤ last was already applied.
    if (frame.u <= this.lastU) {
      this.counters.duplicates++;
      return;
    }
    // Any other `u` is a gap: only a fresh subscription (whose first message is a snapshot) repairs it.
    if (frame.u !== this.lastU + 1) {
      this.counters.gaps++;
      this.recover('gap', 'delta');
      return;
    }
    const outcome = this.sink.book({
      type: 'book_delta',
      exchange: 'bybit',
      symbol: this.symbol,
      bids: frame.bids,
      asks: frame.asks,
      firstUpdateId: frame.u,
      updateId: frame.u,
      venueTs: frame.ts,
      localTs,
    });
    // Malformed content: the book and `u` stay; a real `u` = last + 1 still applies, anything else is a gap.
    if (outcome === 'rejected') return;
    this.lastU = frame.u;
    if (isUnhealthy(outcome)) this.recover(outcome, 'delta');
  }

  private onSnapshot(frame: BybitBookFrame, localTs: number): void {
    // Bybit: "If you receive a new snapshot message, you will have to reset your local orderbook.
    // If there is a problem on Bybit's end, a snapshot will be re-sent" — and "Occasionally, you'll
    // receive "u"=1, which is a snapshot data due to the restart of the service. So please overwrite
    // your local orderbook": any snapshot replaces the book, whatever its `u`.
    if (this.lastU !== undefined && frame.u <= this.lastU && !this.recovering) {
      this.options.onVenueReset?.(frame.u, this.lastU);
    }
    const outcome = this.sink.book({
      type: 'book_snapshot',
      exchange: 'bybit',
      symbol: this.symbol,
      bids: frame.bids,
      asks: frame.asks,
      updateId: frame.u,
      venueTs: frame.ts,
      localTs,
    });
    // A snapshot answers any repair in progress: the fresh subscription's first message is one.
    this.recovering = false;
    if (outcome === 'rejected') {
      // The book was not replaced and the stream's deltas build on this snapshot: nothing can apply.
      this.lastU = undefined;
      this.recover('invalid_data', 'snapshot');
      return;
    }
    this.lastU = frame.u;
    if (isUnhealthy(outcome)) this.recover(outcome, 'snapshot');
  }

  /** Flags the book once and asks for a fresh subscription; deltas are ignored until its snapshot. */
  private recover(reason: BybitRecoveryReason, cause: BybitRecoveryCause): void {
    if (this.recovering) return;
    this.recovering = true;
    this.lastU = undefined;
    this.sink.bookResyncing('bybit', this.symbol, reason);
    this.requestRecovery(reason, cause);
  }

  /** Repairs the book on request (the sink or an operator found it wrong). */
  resync(reason: BybitRecoveryReason): void {
    if (this.abandoned) return;
    this.recover(reason, 'request');
  }

  /**
   * The connection carrying the topic was lost: its next subscription starts with a snapshot, so any
   * pending repair is over. A live book is flagged `disconnected` (a repairing one is already flagged).
   */
  onDisconnect(): void {
    if (this.abandoned) return;
    if (this.isLive) this.sink.bookResyncing('bybit', this.symbol, 'disconnected');
    this.lastU = undefined;
    this.recovering = false;
  }

  /** The venue does not list the symbol: flag the book once and stop sequencing it. */
  abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    this.lastU = undefined;
    this.recovering = false;
    this.sink.bookResyncing('bybit', this.symbol, 'unknown_symbol');
  }
}
