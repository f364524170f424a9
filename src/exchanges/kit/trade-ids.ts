/** How many trade ids a symbol remembers: far more than one history batch or one overlap. */
export const DEFAULT_TRADE_ID_WINDOW = 2_000;

/**
 * The trade ids seen lately, per symbol: the same trade can arrive twice (the batch of recent trades some venues send
 * after a subscription, two connections during a rollover). Trade ids are not always ordered, so this keeps the last `window` ids of each symbol in arrival order.
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
