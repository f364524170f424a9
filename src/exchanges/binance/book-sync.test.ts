import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BookManager } from '../../book/book-manager.js';
import type { BookDeltaEvent } from '../../core/types.js';
import { silentLogger } from '../../log.js';
import { MarketPipeline } from '../../pipeline/pipeline.js';
import { readRecording } from '../../sim/recording.js';
import { realFixture } from '../../sim/test-support/fixtures.js';
import { newCounters } from '../connector.js';
import {
  BinanceBookSync,
  DEFAULT_BAD_SNAPSHOT_RETRY_CAP_MS,
  DEFAULT_BAD_SNAPSHOT_RETRY_MS,
  type DepthSnapshot,
} from './book-sync.js';
import { parseBinanceDepthSnapshot, parseBinanceFrame } from './parse.js';

function harness(symbol: string) {
  const books = new BookManager({ depth: 5000, now: () => 0 });
  const pipeline = new MarketPipeline(books, silentLogger);
  const counters = newCounters();
  const requests: string[] = [];
  /** The wait each snapshot request asked for, in order. */
  const delays: number[] = [];
  const resyncs: string[] = [];
  pipeline.subscribe({ onResync: (_e, _s, reason) => resyncs.push(reason) });
  const sync = new BinanceBookSync(
    symbol,
    pipeline,
    (s, delayMs) => {
      requests.push(s);
      delays.push(delayMs);
    },
    counters,
  );
  return { books, sync, counters, requests, delays, resyncs, book: books.ensure('binance', symbol) };
}

const delta = (
  U: number,
  u: number,
  pu: number,
  b: [string, string][] = [],
  a: [string, string][] = [],
): BookDeltaEvent => ({
  type: 'book_delta',
  exchange: 'binance',
  symbol: 'BTCUSDT',
  bids: b,
  asks: a,
  firstUpdateId: U,
  updateId: u,
  prevUpdateId: pu,
  venueTs: 0,
  localTs: 0,
});

const snapshot = (lastUpdateId: number): DepthSnapshot => ({
  lastUpdateId,
  E: 0,
  bids: [['100.0', '1']],
  asks: [['100.1', '1']],
  localTs: 0,
});

function replayFixture(file: string, symbol: string, snapshotFile?: string) {
  const recording = readRecording(realFixture(file));
  const snapshots = snapshotFile ? readRecording(realFixture(snapshotFile)).snapshots : recording.snapshots;
  const h = harness(symbol);
  let applied = 0;
  let snapshotGiven = false;
  for (const text of recording.frames) {
    const frame = parseBinanceFrame(text, 0);
    if (frame.kind !== 'depth' || frame.event.symbol !== symbol) continue;
    h.sync.onDelta(frame.event);
    // Hand over the recorded snapshot once the stream has buffered a few events, as a connector would.
    if (!snapshotGiven && h.requests.length > 0 && h.sync.buffered >= 3) {
      const body = parseBinanceDepthSnapshot(JSON.parse(snapshots.get(symbol)!));
      assert.ok(!('error' in body));
      h.sync.onSnapshot({ ...body, localTs: 0 });
      snapshotGiven = true;
    }
    if (h.sync.isLive) applied++;
  }
  return { ...h, applied };
}

describe('BinanceBookSync', () => {
  it('follows real ETHUSDT data: 5 dropped, the 6th has u == lastUpdateId, 0 pu breaks, never crossed', () => {
    const r = replayFixture('binance/hftbacktest_ethusdt_2024-08-08_part1_all_streams.txt', 'ETHUSDT');
    assert.equal(r.counters.gaps, 0);
    assert.equal(r.requests.length, 1, 'one snapshot was enough');
    assert.equal(r.book.status(), 'live');
    assert.equal(r.book.book.isCrossed(), false);
    assert.ok(r.book.book.bids.size > 1000);
  });

  it('follows real BTCUSDT data (straddling event strictly inside) and the 4-symbol legacy capture', () => {
    const btc = replayFixture('binance/hftbacktest_btcusdt_2024-08-08_snapshot_and_depth.txt', 'BTCUSDT');
    assert.equal(btc.counters.gaps, 0);
    assert.equal(btc.book.status(), 'live');
    for (const symbol of ['SUSHIUSDT', 'AKROUSDT', 'KEEPUSDT', 'CTKUSDT']) {
      const r = replayFixture(
        'binance/cryptofeed_2021-07-22_combined_4sym.ws.txt',
        symbol,
        'binance/cryptofeed_2021-07-22_depth_snapshots.http.txt',
      );
      assert.equal(r.counters.gaps, 0, symbol);
      assert.equal(r.book.status(), 'live', symbol);
      assert.equal(r.book.book.isCrossed(), false, symbol);
    }
  });

  it('keeps the event whose u equals lastUpdateId, and drops only u < lastUpdateId', () => {
    const h = harness('BTCUSDT');
    h.sync.onDelta(delta(90, 95, 80));
    h.sync.onDelta(delta(96, 100, 95, [['100.0', '2']]));
    h.sync.onSnapshot(snapshot(100));
    assert.equal(h.sync.isLive, true);
    assert.deepEqual(h.book.book.bestBid(), ['100.0', '2'], 'the u == lastUpdateId event was applied');
    h.sync.onDelta(delta(105, 110, 100));
    assert.equal(h.book.updateId, 110);
  });

  it('waits when the snapshot is newer than everything buffered, then syncs on the event that reaches it', () => {
    const h = harness('BTCUSDT');
    h.sync.onDelta(delta(90, 95, 80));
    h.sync.onSnapshot(snapshot(120));
    assert.equal(h.sync.isLive, false, 'nothing buffered reaches 120 yet');
    h.sync.onDelta(delta(96, 110, 95)); // still older: dropped
    assert.equal(h.sync.isLive, false);
    h.sync.onDelta(delta(111, 125, 110));
    assert.equal(h.sync.isLive, true);
    assert.equal(h.book.updateId, 125);
    assert.equal(h.requests.length, 1);
  });

  it('accepts pu == lastUpdateId as continuity (no event straddles an id between symbols’ updates)', () => {
    const h = harness('BTCUSDT');
    h.sync.onDelta(delta(130, 140, 120));
    h.sync.onSnapshot(snapshot(120));
    assert.equal(h.sync.isLive, true);
  });

  it('refetches when the snapshot is older than the buffered stream', () => {
    const h = harness('BTCUSDT');
    h.sync.onDelta(delta(130, 140, 125));
    h.sync.onSnapshot(snapshot(120));
    assert.equal(h.sync.isLive, false);
    assert.equal(h.requests.length, 2, 'a second snapshot was requested');
    assert.equal(h.book.status(), 'syncing');
    h.sync.onDelta(delta(141, 150, 140));
    h.sync.onSnapshot(snapshot(145));
    assert.equal(h.sync.isLive, true);
    assert.equal(h.book.updateId, 150);
  });

  it('on a pu break, flags the book, keeps it readable, and resyncs from a new snapshot', () => {
    const h = harness('BTCUSDT');
    h.sync.onDelta(delta(96, 100, 95));
    h.sync.onSnapshot(snapshot(100));
    h.sync.onDelta(delta(101, 105, 100, [['99.0', '1']]));
    h.sync.onDelta(delta(111, 115, 110)); // 106–110 never arrived
    assert.equal(h.book.status(), 'resyncing');
    assert.equal(h.book.resyncReason(), 'gap');
    assert.equal(h.book.book.bids.size, 2, 'last good book readable');
    assert.equal(h.requests.length, 2);
    h.sync.onDelta(delta(116, 120, 115));
    h.sync.onSnapshot(snapshot(118));
    assert.equal(h.book.status(), 'live');
    assert.equal(h.book.updateId, 120);
    assert.equal(h.book.book.bids.size, 1, 'no stale level survives the resync');
  });

  it('after a reconnect, resumes without a snapshot when pu proves nothing was missed', () => {
    const h = harness('BTCUSDT');
    h.sync.onDelta(delta(96, 100, 95));
    h.sync.onSnapshot(snapshot(100));
    h.sync.onDisconnect();
    assert.equal(h.book.status(), 'resyncing');
    h.sync.onDelta(delta(90, 100, 80)); // overlap: already applied
    h.sync.onDelta(delta(101, 104, 100));
    assert.equal(h.book.status(), 'live');
    assert.equal(h.requests.length, 1, 'no new snapshot');
    assert.equal(h.counters.duplicates, 1);
  });

  it('an id it never applied is not a duplicate: a bad id taken once cannot freeze the book as live', () => {
    const h = harness('BTCUSDT');
    h.sync.onDelta(delta(96, 100, 95));
    h.sync.onSnapshot(snapshot(100));
    h.sync.onDelta(delta(101, 105, 100));
    h.sync.onDelta(delta(101, 105, 100)); // a true duplicate (connection overlap)
    assert.equal(h.counters.duplicates, 1);
    assert.equal(h.book.status(), 'live');
    // `pu` chains, but `u` is wrong (far ahead): every real event after it now looks "older".
    h.sync.onDelta(delta(106, 9_999_999, 105));
    h.sync.onDelta(delta(111, 115, 110));
    assert.equal(h.book.status(), 'resyncing', 'not live and frozen');
    assert.equal(h.book.resyncReason(), 'gap');
    assert.equal(h.requests.length, 2, 'a new snapshot was asked for');
    assert.equal(h.counters.duplicates, 1, 'not counted as a duplicate');
  });

  it('bounds the pre-sync buffer', () => {
    const books = new BookManager();
    const counters = newCounters();
    const sync = new BinanceBookSync('BTCUSDT', new MarketPipeline(books, silentLogger), () => undefined, counters, {
      maxBuffered: 100,
    });
    for (let i = 0; i < 1_000; i++) sync.onDelta(delta(i * 10 + 1, i * 10 + 10, i * 10));
    assert.equal(sync.buffered, 100);
  });

  it('skips a duplicate in the pre-sync buffer instead of taking it for a gap', () => {
    const h = harness('BTCUSDT');
    h.sync.onDelta(delta(96, 100, 95));
    h.sync.onDelta(delta(101, 105, 100, [['99.0', '3']]));
    h.sync.onDelta(delta(101, 105, 100, [['99.0', '3']])); // the retiring socket's copy, at a rollover
    h.sync.onDelta(delta(106, 110, 105, [['99.5', '4']]));
    h.sync.onSnapshot(snapshot(100));
    assert.equal(h.book.status(), 'live');
    assert.equal(h.book.updateId, 110);
    assert.deepEqual(h.book.book.top(5).bids, [
      ['100.0', '1'],
      ['99.5', '4'],
      ['99.0', '3'],
    ]);
    assert.equal(h.counters.gaps, 0);
    assert.equal(h.counters.duplicates, 1);
    assert.equal(h.requests.length, 1, 'no second snapshot');
    assert.deepEqual(h.resyncs, []);
  });

  it('an unhealthy snapshot leaves the book flagged even when the buffered events make it look healthy', () => {
    const h = harness('BTCUSDT');
    // The snapshot is crossed (bid above ask); the event that straddles it removes the offending bid.
    h.sync.onDelta(delta(96, 105, 95, [['100.2', '0']]));
    h.sync.onSnapshot({
      ...snapshot(100),
      bids: [
        ['100.2', '1'],
        ['100.0', '1'],
      ],
    });
    assert.equal(h.book.book.isCrossed(), false, 'the events did uncross it');
    assert.equal(h.book.status(), 'resyncing', 'but a crossed snapshot is not a base to build on');
    assert.equal(h.book.resyncReason(), 'crossed');
    assert.equal(h.requests.length, 2, 'a new snapshot is on its way');
    assert.equal(h.delays[1], 0, 'the first unhealthy snapshot is retried at once');
    assert.deepEqual(h.resyncs, ['crossed']);
    h.sync.onDelta(delta(106, 110, 105));
    h.sync.onSnapshot(snapshot(105));
    assert.equal(h.book.status(), 'live');
    assert.equal(h.book.updateId, 110);
  });

  it('backs off, with jitter, after snapshots the engine refuses, and says why in the book status', () => {
    const h = harness('BTCUSDT');
    // 17 significant digits: no double holds that price exactly, so the engine refuses the snapshot.
    const refused = (id: number): DepthSnapshot => ({ ...snapshot(id), bids: [['100.000000000000001', '1']] });
    h.sync.onDelta(delta(96, 100, 95));
    assert.deepEqual(h.delays, [0]);
    let lastId = 100;
    for (let i = 0; i < 12; i++) {
      h.sync.onSnapshot(refused(lastId));
      assert.equal(h.book.status(), 'syncing');
      assert.equal(h.book.resyncReason(), 'invalid_data');
      assert.equal(h.requests.length, i + 2, 'one new request per refused snapshot, never more');
      const ceiling = Math.min(DEFAULT_BAD_SNAPSHOT_RETRY_CAP_MS, DEFAULT_BAD_SNAPSHOT_RETRY_MS * 2 ** i);
      const delay = h.delays[i + 1];
      assert.ok(
        delay >= ceiling / 2 && delay <= ceiling,
        `retry ${i + 1} waits ${delay} ms, within [${ceiling / 2}, ${ceiling}]`,
      );
      h.sync.onDelta(delta(lastId + 1, lastId + 5, lastId));
      lastId += 5;
    }
    assert.equal(h.delays.at(-1)! >= DEFAULT_BAD_SNAPSHOT_RETRY_CAP_MS / 2, true, 'capped at 5 minutes');
    assert.equal(h.resyncs.filter((r) => r === 'invalid_data').length, 12);
    // A good snapshot makes it live, and the next refusal starts again from the base delay.
    h.sync.onSnapshot(snapshot(lastId));
    assert.equal(h.book.status(), 'live');
    h.sync.startResync('gap');
    h.sync.onDelta(delta(lastId + 1, lastId + 5, lastId));
    h.sync.onSnapshot(refused(lastId + 5));
    assert.ok(h.delays.at(-1)! <= DEFAULT_BAD_SNAPSHOT_RETRY_MS, 'the backoff was reset by the good snapshot');
  });

  it('a probe snapshot taken before the stream is refetched quietly when the stream is newer', () => {
    const h = harness('BTCUSDT');
    h.sync.probe();
    assert.equal(h.requests.length, 1, 'asked before any event');
    h.sync.onSnapshot(snapshot(90));
    h.sync.onDelta(delta(96, 100, 95)); // the stream opened after the snapshot: it cannot chain
    assert.equal(h.requests.length, 2);
    assert.deepEqual(h.resyncs, [], 'nothing was lost: no resync is counted');
    h.sync.onDelta(delta(101, 105, 100));
    h.sync.onSnapshot(snapshot(100));
    assert.equal(h.book.status(), 'live');
    assert.equal(h.book.updateId, 105);
  });

  it('an abandoned symbol stays flagged unknown_symbol: no resync, no request', () => {
    const h = harness('NOPEUSDT');
    h.sync.abandon();
    h.sync.startResync('gap');
    h.sync.onDelta(delta(1, 2, 0));
    h.sync.probe();
    assert.equal(h.book.resyncReason(), 'unknown_symbol');
    assert.equal(h.requests.length, 0);
    assert.deepEqual(h.resyncs, ['unknown_symbol']);
  });
});
