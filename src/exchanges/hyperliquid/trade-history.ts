import type { VenueFrame } from '../kit/venue-frame.js';

/**
 * Marks the batch of recent trades Hyperliquid sends right after a `trades` subscription as
 * `history`. The messages carry nothing that tells the batch from live trades, so this follows what
 * was sent: the first trades message for a coin after each subscribe request is the batch (tardis-dev
 * drops exactly that message). When a subscription is made twice in a row (a rollover), a live message
 * may be taken for the batch while the batch itself passes as live; both are then also on the other
 * connection, so the trade-id dedupe (`RecentTradeIds`) keeps the tape exact either way.
 */
export class TradeHistoryTracker {
  /** Coins whose next trades message is the history batch. */
  private readonly pending = new Set<string>();

  subscribed(coin: string): void {
    this.pending.add(coin);
  }

  unsubscribed(coin: string): void {
    this.pending.delete(coin);
  }

  /** The frame, with `history: true` when it is the batch that follows a subscription. */
  mark(frame: VenueFrame): VenueFrame {
    if (frame.kind !== 'trades' || !this.pending.delete(frame.symbol)) return frame;
    return { ...frame, history: true };
  }
}
