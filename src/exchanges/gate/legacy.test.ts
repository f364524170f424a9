import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PriceLevel } from '../../core/types.js';
import { realFixture } from '../../sim/test-support/fixtures.js';
import type { BookFrame } from '../kit/venue-frame.js';
import { alignLegacySnapshot, parseGateRestBook } from './legacy.js';
import { parseGateFrame } from './parse.js';
import { gateFollows } from './sequencer.js';
import { readCryptofeedText } from './test-support/capture.js';

type Book = { bids: Map<string, string>; asks: Map<string, string> };

function apply(book: Book, bids: readonly PriceLevel[], asks: readonly PriceLevel[]): void {
  for (const [p, q] of bids) Number(q) === 0 ? book.bids.delete(p) : book.bids.set(p, q);
  for (const [p, q] of asks) Number(q) === 0 ? book.asks.delete(p) : book.asks.set(p, q);
}

interface Replay {
  applied: number;
  gaps: number;
  staleSnapshots: number;
  book: Book | undefined;
  firstApplied: BookFrame | undefined;
  baseId: number;
}

/**
 * Gate's documented legacy procedure over the capture, one contract: buffer the stream from the
 * subscription, take the REST `with_id` book when it arrived, align, then chain every later increment.
 */
function replay(contract: string): Replay {
  const ws = readCryptofeedText(realFixture('gate/cryptofeed_GATEIO_FUTURES.ws.1.0.txt'));
  const http = readCryptofeedText(realFixture('gate/cryptofeed_GATEIO_FUTURES.http.0.0.txt'));
  const rest = http.find((l) => new URL(l.url!).searchParams.get('contract') === contract)!;
  const snapshot = parseGateRestBook(rest.text, contract);
  const out: Replay = {
    applied: 0,
    gaps: 0,
    staleSnapshots: 0,
    book: undefined,
    firstApplied: undefined,
    baseId: snapshot.updateId,
  };
  const buffered: BookFrame[] = [];
  let last: BookFrame | undefined;
  const take = (frames: readonly BookFrame[]) => {
    out.book ??= { bids: new Map(snapshot.bids), asks: new Map(snapshot.asks) };
    for (const f of frames) {
      out.firstApplied ??= f;
      apply(out.book, f.bids, f.asks);
      out.applied++;
      last = f;
    }
  };
  for (const line of ws) {
    const frame = parseGateFrame(line.text, 0);
    if (frame.kind !== 'book' || frame.symbol !== contract) continue;
    if (out.book === undefined) {
      buffered.push(frame);
      // The snapshot is only known from its arrival on.
      if (line.receivedAt < rest.receivedAt) continue;
      const alignment = alignLegacySnapshot(snapshot.updateId, buffered);
      if (alignment.type === 'stale') out.staleSnapshots++;
      if (alignment.type === 'aligned') take(alignment.apply);
      continue;
    }
    if (last === undefined) {
      // Aligned with nothing after the snapshot yet: the snapshot itself is the base.
      const alignment = alignLegacySnapshot(snapshot.updateId, [frame]);
      if (alignment.type === 'aligned') take(alignment.apply);
      continue;
    }
    const verdict = gateFollows(frame, last);
    if (verdict.type === 'gap') out.gaps++;
    if (verdict.type === 'apply') take([frame]);
  }
  if (out.book === undefined && buffered.length > 0) {
    // Increments that arrived before the snapshot and are all older than it: nothing to apply yet.
    const alignment = alignLegacySnapshot(snapshot.updateId, buffered);
    assert.equal(alignment.type, 'pending');
  }
  return out;
}

const CONTRACTS: Record<string, number> = {
  RDNT_USDT: 61,
  OMG_USDT: 101,
  PHB_USDT: 69,
  FRONT_USDT: 5,
  QUICK_USDT: 13,
  WOO_USDT: 57,
  ZRX_USDT: 1,
  SFP_USDT: 7,
  DIA_USDT: 0,
  LIT_USDT: 2,
};

describe('Gate legacy book procedure on the real 2023 capture (REST with_id + futures.order_book_update)', () => {
  it('reads the REST book with its id, sizes as exact strings', () => {
    const rest = readCryptofeedText(realFixture('gate/cryptofeed_GATEIO_FUTURES.http.0.0.txt'))[0];
    const snap = parseGateRestBook(rest.text, 'RDNT_USDT');
    assert.equal(snap.updateId, 203083287);
    assert.equal(snap.venueTs, 1684930166384);
    assert.deepEqual(snap.asks.slice(0, 2), [
      ['0.2974', '803'],
      ['0.2975', '500'],
    ]);
    assert.equal(snap.asks.length, 76);
    assert.equal(snap.bids.length, 57);
  });

  for (const [contract, applied] of Object.entries(CONTRACTS)) {
    it(`${contract}: the first applied increment straddles id + 1, and every later one chains with no gap`, () => {
      const r = replay(contract);
      assert.equal(r.staleSnapshots, 0);
      assert.equal(r.gaps, 0);
      assert.equal(r.applied, applied);
      if (applied === 0) return;
      const first = r.firstApplied!;
      assert.ok(first.firstUpdateId <= r.baseId + 1 && r.baseId + 1 <= first.updateId, 'U <= id+1 <= u');
      const bestBid = Math.max(...[...r.book!.bids.keys()].map(Number));
      const bestAsk = Math.min(...[...r.book!.asks.keys()].map(Number));
      assert.ok(bestBid < bestAsk, `${contract} book is not crossed (${bestBid} < ${bestAsk})`);
    });
  }

  it('calls a snapshot older than the buffered stream stale, and waits when the stream is older than it', () => {
    const inc = (U: number, u: number): BookFrame => ({
      kind: 'book',
      symbol: 'X_USDT',
      action: 'update',
      bids: [],
      asks: [],
      firstUpdateId: U,
      updateId: u,
      venueTs: 0,
    });
    assert.deepEqual(alignLegacySnapshot(100, [inc(105, 110)]), { type: 'stale', firstU: 105 });
    assert.deepEqual(alignLegacySnapshot(100, [inc(90, 95), inc(96, 100)]), { type: 'pending' });
    const aligned = alignLegacySnapshot(100, [inc(90, 95), inc(96, 101), inc(102, 104)]);
    assert.equal(aligned.type, 'aligned');
    assert.deepEqual(aligned.type === 'aligned' ? aligned.apply.map((f) => f.firstUpdateId) : [], [96, 102]);
  });
});
