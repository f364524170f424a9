/**
 * A client's copy of one book in delta mode: loaded from a `book` message, moved by `delta` messages, and
 * verified after each one — the sequence must follow on, and the checksum of the copy's top levels must be
 * the server's. Pure and dependency-free, so any client (FlowrsClient, a browser, your own) applies delta
 * mode the same way.
 */
import { priceKey } from '../core/decimal.js';
import { bookChecksum } from './checksum.js';
import type { BookDeltaMessage, BookMessage, Level } from './messages.js';

/**
 * What became of a message: `applied`; `stale` (its sequence is at or below the copy's: already in it,
 * ignored); `gap` (a sequence was skipped: the copy is behind) or `checksum` (the copy differs from the
 * server's book) — in both cases ask for a fresh `book` (`{"type":"resync","books":[…]}`).
 */
export type DeltaVerdict = 'applied' | 'stale' | 'gap' | 'checksum';

export class DeltaBook {
  sequence = 0;
  private readonly bids = new Map<string, string>();
  private readonly asks = new Map<string, string>();
  private sorted: { bids: Level[]; asks: Level[] } | undefined;

  constructor(readonly depth: number) {}

  /** Replaces the copy with a `book` message: `applied`, or `checksum` if the message does not add up. */
  load(message: BookMessage): DeltaVerdict {
    this.bids.clear();
    this.asks.clear();
    for (const [price, quantity] of message.bids) this.bids.set(price, quantity);
    for (const [price, quantity] of message.asks) this.asks.set(price, quantity);
    this.sequence = message.sequence;
    this.sorted = undefined;
    return this.verify(message.checksum);
  }

  /** Applies a `delta` on top of the copy if it follows on, then verifies the result. */
  apply(delta: BookDeltaMessage): DeltaVerdict {
    if (delta.sequence <= this.sequence) return 'stale';
    if (delta.sequence !== this.sequence + 1) return 'gap';
    for (const [price, quantity] of delta.bids) setLevel(this.bids, price, quantity);
    for (const [price, quantity] of delta.asks) setLevel(this.asks, price, quantity);
    this.sequence = delta.sequence;
    this.sorted = undefined;
    return this.verify(delta.checksum);
  }

  /** The copy's levels, best first: bids high to low, asks low to high, at most `depth` a side. */
  levels(): { bids: Level[]; asks: Level[] } {
    if (this.sorted === undefined) {
      const byPrice = (side: Map<string, string>, descending: boolean): Level[] =>
        [...side]
          .map(([price, quantity]) => ({ key: priceKey(price), level: [price, quantity] as const }))
          .sort((a, b) => (descending ? b.key - a.key : a.key - b.key))
          .slice(0, this.depth)
          .map((l) => l.level);
      this.sorted = { bids: byPrice(this.bids, true), asks: byPrice(this.asks, false) };
    }
    return this.sorted;
  }

  private verify(checksum: number): DeltaVerdict {
    const { bids, asks } = this.levels();
    return bookChecksum(bids, asks) === checksum ? 'applied' : 'checksum';
  }
}

function setLevel(side: Map<string, string>, price: string, quantity: string): void {
  if (quantity === '0' || /^0(\.0*)?$/.test(quantity)) side.delete(price);
  else side.set(price, quantity);
}
