import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PriceLevel } from '../core/types.js';
import { BinanceBookSync, type DepthSnapshot } from '../exchanges/binance/book-sync.js';
import { parseBinanceFrame } from '../exchanges/binance/parse.js';
import { newCounters } from '../exchanges/connector.js';
import { silentLogger } from '../log.js';
import { MarketPipeline } from '../pipeline/pipeline.js';
import { BookManager } from './book-manager.js';

/**
 * The whole real path with default settings (depth 100, trimmed past 1,000 levels a side): Binance
 * frames → parser → the official sync procedure → pipeline → book. A 1,000-level snapshot, a fall of
 * 600 ticks, 801 single-level updates on scattered deep bids beyond the snapshot's last level (the
 * side passes the trim limit), then a further fall through them. The deep levels were learned one
 * by one; the venue also has levels between them that no update ever mentioned. The book must not
 * be served live with a best bid the venue does not have.
 */

const price = (tick: number) => (tick / 10).toFixed(1);

class Feed {
  private u = 1_000;
  /** The venue's true bids: every tick from 1000.0 down to 700.0. */
  readonly bids = new Map<number, string>();
  readonly asks = new Map<number, string>();

  constructor() {
    for (let t = 10_000; t >= 7_000; t--) this.bids.set(t, '1.000');
    for (let t = 10_001; t <= 13_000; t++) this.asks.set(t, '1.000');
  }

  snapshot(): DepthSnapshot {
    const top = (m: Map<number, string>, desc: boolean): PriceLevel[] =>
      [...m.entries()]
        .sort((a, b) => (desc ? b[0] - a[0] : a[0] - b[0]))
        .slice(0, 1000)
        .map(([t, q]) => [price(t), q]);
    return { lastUpdateId: this.u, E: 1, localTs: 1, bids: top(this.bids, true), asks: top(this.asks, false) };
  }

  /** One depthUpdate frame, exactly as Binance sends it on a combined stream, applied to the truth. */
  frame(bids: [number, string][], asks: [number, string][]): string {
    for (const [t, q] of bids) q === '0' ? this.bids.delete(t) : this.bids.set(t, q);
    for (const [t, q] of asks) q === '0' ? this.asks.delete(t) : this.asks.set(t, q);
    const pu = this.u;
    this.u += 1;
    const data = {
      e: 'depthUpdate',
      E: this.u,
      T: this.u,
      s: 'BTCUSDT',
      U: this.u,
      u: this.u,
      pu,
      b: bids.map(([t, q]) => [price(t), q]),
      a: asks.map(([t, q]) => [price(t), q]),
    };
    return JSON.stringify({ stream: 'btcusdt@depth@100ms', data });
  }

  /** The market falls `ticks` ticks: the best bids are taken and asks follow them down. */
  fall(ticks: number): string {
    const best = Math.max(...this.bids.keys());
    const bids: [number, string][] = [];
    const asks: [number, string][] = [];
    for (let t = best; t > best - ticks; t--) {
      bids.push([t, '0']);
      asks.push([t, '2.000']);
    }
    return this.frame(bids, asks);
  }

  bestBid(): string {
    return price(Math.max(...this.bids.keys()));
  }
}

describe('a trim never makes unknown deep levels trusted (Binance path, default depth)', () => {
  it('after deep single-level updates and a further fall, the book is resynced, not served wrong', () => {
    const books = new BookManager();
    const pipeline = new MarketPipeline(books, silentLogger);
    const feed = new Feed();
    let snapshotRequests = 0;
    const sync = new BinanceBookSync('BTCUSDT', pipeline, () => snapshotRequests++, newCounters());
    const send = (text: string) => {
      const frame = parseBinanceFrame(text, Date.now());
      assert.equal(frame.kind, 'depth');
      if (frame.kind === 'depth') sync.onDelta(frame.event);
    };

    const first = feed.snapshot();
    send(feed.frame([], []));
    assert.equal(snapshotRequests, 1);
    sync.onSnapshot(first);
    const book = books.get('binance:BTCUSDT')!;
    assert.equal(book.status(), 'live');

    send(feed.fall(600));
    // The snapshot reached down to 900.1; the venue also has every tick below it. Update every other one.
    for (let i = 0; i < 801; i++) send(feed.frame([[9_000 - 2 * i, '3.000']], []));
    assert.ok(book.book.bids.size <= 1_000, 'the side was trimmed');
    send(feed.fall(451));

    const served = book.book.top(5).bids.map(([p]) => p);
    assert.notEqual(book.status(), 'live', `served live with bids ${served}; the venue's best is ${feed.bestBid()}`);
    assert.equal(book.resyncReason(), 'depth');
    assert.equal(snapshotRequests, 2, 'a new snapshot was requested');
  });
});
