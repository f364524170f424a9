import { readLevels } from './reference/binance.js';
import type { ReferenceLevel } from './reference/book.js';
import { ReferenceBook, type ReferenceSide } from './reference/book.js';

/**
 * The simulated venue's own book for one symbol: the recording's book frames as the venue sent them
 * (with the fuzzer's valid variations, never its corruptions), applied in order whether or not they
 * reach FlowRS. Fresh snapshots are cut from it, as the venue's REST API or a new subscription would.
 */

/** Levels of a frame the fuzzer itself produced or recorded: they must be valid, or the fuzzer is wrong. */
export function trustedLevels(value: unknown, what: string): ReferenceLevel[] {
  const levels = readLevels(value);
  if (levels === undefined) throw new Error(`fuzzer bug: the venue's own ${what} has an invalid level`);
  return levels;
}

function sideLevels(side: ReferenceSide, limit: number): [string, string][] {
  return side.top(limit, true).map((l) => [l.price, l.quantity]);
}

/** A Binance symbol: starts from the recorded REST answer, then follows its diff stream. */
export class BinanceVenueBook {
  private readonly book = new ReferenceBook();
  private readonly restLastUpdateId: number;
  /** True once the stream has reached the recorded snapshot: from then on the book moves. */
  private started = false;
  lastU: number;
  private lastE = 0;

  constructor(
    readonly symbol: string,
    /** The recorded REST answer, byte for byte. */
    private readonly restBody: string,
    private readonly snapshotLimit: number,
  ) {
    const body = JSON.parse(restBody) as { lastUpdateId: number; E?: number; bids: unknown; asks: unknown };
    this.restLastUpdateId = body.lastUpdateId;
    this.lastU = body.lastUpdateId;
    this.lastE = body.E ?? 0;
    this.book.bids.reset(trustedLevels(body.bids, 'snapshot'), false);
    this.book.asks.reset(trustedLevels(body.asks, 'snapshot'), false);
  }

  /** Every depth event the venue sent for this symbol, in order. */
  apply(event: { U: number; u: number; pu: number; E: number; b: unknown; a: unknown }): void {
    if (!this.started) {
      if (event.u < this.restLastUpdateId) return;
      const straddles =
        (event.U <= this.restLastUpdateId && this.restLastUpdateId <= event.u) || event.pu === this.restLastUpdateId;
      if (!straddles) throw new Error(`fixture: ${this.symbol}'s stream skips its recorded snapshot`);
      this.started = true;
    } else if (event.pu !== this.lastU) {
      throw new Error(`fixture: ${this.symbol}'s recorded stream breaks at u ${event.u}`);
    }
    this.book.apply(trustedLevels(event.b, 'diff'), trustedLevels(event.a, 'diff'));
    this.lastU = event.u;
    this.lastE = event.E;
  }

  /** What `GET /fapi/v1/depth?limit=1000` answers now: the recorded answer until the stream moves past it. */
  snapshotText(): string {
    if (!this.started) return this.restBody;
    return JSON.stringify({
      lastUpdateId: this.lastU,
      E: this.lastE,
      T: this.lastE,
      bids: sideLevels(this.book.bids, this.snapshotLimit),
      asks: sideLevels(this.book.asks, this.snapshotLimit),
    });
  }
}

/** A Bybit `orderbook.{depth}.{symbol}` topic: follows its recorded snapshot and deltas. */
export class BybitVenueBook {
  private book: ReferenceBook | undefined;
  lastU = 0;
  private lastTs = 0;

  constructor(
    readonly topic: string,
    readonly symbol: string,
  ) {}

  apply(message: { type: string; ts: number; data: { u: number; b: unknown; a: unknown } }): void {
    const bids = trustedLevels(message.data.b, message.type);
    const asks = trustedLevels(message.data.a, message.type);
    if (message.type === 'snapshot') {
      this.book = new ReferenceBook();
      this.book.bids.reset(bids, false);
      this.book.asks.reset(asks, false);
    } else {
      if (this.book === undefined) return;
      this.book.apply(bids, asks);
    }
    this.lastU = message.data.u;
    this.lastTs = message.ts;
  }

  /** The snapshot a fresh subscription starts with now; undefined before the venue has a book. */
  snapshotText(): string | undefined {
    if (this.book === undefined) return undefined;
    return JSON.stringify({
      topic: this.topic,
      type: 'snapshot',
      ts: this.lastTs,
      data: {
        s: this.symbol,
        b: sideLevels(this.book.bids, Number.POSITIVE_INFINITY),
        a: sideLevels(this.book.asks, Number.POSITIVE_INFINITY),
        u: this.lastU,
        seq: this.lastU,
      },
      cts: this.lastTs,
    });
  }
}
