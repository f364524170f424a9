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

/** How many trade ids a symbol remembers: far more than one history batch or one overlap. */
export const DEFAULT_TRADE_ID_WINDOW = 2_000;

/**
 * The trade ids seen lately, per symbol: Hyperliquid's `tid` identifies a trade, and the same trade can
 * arrive twice (the history batch after a reconnect, two connections during a rollover). Trade ids are
 * not ordered, so this keeps the last `window` ids of each symbol in arrival order.
 */
export class RecentTradeIds {
  private readonly bySymbol = new Map<string, { ids: Set<string>; order: string[]; head: number }>();

  constructor(private readonly window = DEFAULT_TRADE_ID_WINDOW) {}

  /** True the first time `tradeId` is seen for `symbol` (within the window); false for a repeat. */
  firstSeen(symbol: string, tradeId: string): boolean {
    let entry = this.bySymbol.get(symbol);
    if (entry === undefined) {
      entry = { ids: new Set(), order: [], head: 0 };
      this.bySymbol.set(symbol, entry);
    }
    if (entry.ids.has(tradeId)) return false;
    entry.ids.add(tradeId);
    if (entry.order.length < this.window) {
      entry.order.push(tradeId);
    } else {
      // A ring: overwrite the oldest id.
      entry.ids.delete(entry.order[entry.head]);
      entry.order[entry.head] = tradeId;
      entry.head = (entry.head + 1) % this.window;
    }
    return true;
  }

  forget(symbol: string): void {
    this.bySymbol.delete(symbol);
  }
}
