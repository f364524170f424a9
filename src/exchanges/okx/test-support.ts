import type { PriceLevel } from '../../core/types.js';

/**
 * A deliberately naive book over the venue's raw strings (price → size, sorted on read), for tests that
 * check OKX's checksum: the checksum is defined over the exact strings OKX sent.
 */
export class RawBook {
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();

  replace(bids: readonly PriceLevel[], asks: readonly PriceLevel[]): void {
    this.bids.clear();
    this.asks.clear();
    this.update(bids, asks);
  }

  /** "if size = 0, delete depth; if size changed, replace"; a new price is inserted. */
  update(bids: readonly PriceLevel[], asks: readonly PriceLevel[]): void {
    for (const [p, q] of bids) Number(q) === 0 ? this.bids.delete(p) : this.bids.set(p, q);
    for (const [p, q] of asks) Number(q) === 0 ? this.asks.delete(p) : this.asks.set(p, q);
  }

  /** Best first, as the venue's strings. */
  sorted(limit = Number.POSITIVE_INFINITY): { bids: PriceLevel[]; asks: PriceLevel[] } {
    const bids = [...this.bids].sort((a, b) => Number(b[0]) - Number(a[0]));
    const asks = [...this.asks].sort((a, b) => Number(a[0]) - Number(b[0]));
    return { bids: bids.slice(0, limit), asks: asks.slice(0, limit) };
  }
}
