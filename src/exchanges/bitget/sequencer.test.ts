import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BookFrame } from '../kit/venue-frame.js';
import { parseBitgetFrame } from './parse.js';
import { BitgetBookSequencer } from './sequencer.js';
import { documentedFrame } from './test-support.js';

function frame(action: 'snapshot' | 'update', seq: number, pseq?: number): BookFrame {
  return {
    kind: 'book',
    symbol: 'BTCUSDT',
    action,
    bids: [],
    asks: [],
    firstUpdateId: seq,
    updateId: seq,
    ...(pseq === undefined ? {} : { prevUpdateId: pseq }),
    venueTs: 1,
  };
}

function book(name: string): BookFrame {
  const parsed = parseBitgetFrame(documentedFrame(name), 0);
  assert.equal(parsed.kind, 'book');
  return parsed as BookFrame;
}

/** Checks then applies when the verdict says so, as the connector does. */
function feed(s: BitgetBookSequencer, f: BookFrame): string {
  const verdict = s.check(f);
  if (verdict.type === 'snapshot' || verdict.type === 'apply') s.applied(f);
  return verdict.type;
}

describe('Bitget books sequencing with pseq', () => {
  it('chains the probe-quoted snapshot and updates: each pseq is the last seq', () => {
    const s = new BitgetBookSequencer();
    assert.equal(feed(s, book('books_snapshot')), 'snapshot');
    assert.equal(feed(s, book('books_update_1')), 'apply');
    assert.equal(feed(s, book('books_update_2')), 'apply');
    assert.equal(s.lastUpdateId, 427583480664);
  });

  it('waits for the snapshot before any update', () => {
    const s = new BitgetBookSequencer();
    assert.equal(s.check(book('books_update_1')).type, 'wait');
  });

  it('reports a gap when an update is missing', () => {
    const s = new BitgetBookSequencer();
    feed(s, book('books_snapshot'));
    assert.deepEqual(s.check(book('books_update_2')), {
      type: 'gap',
      expected: 'pseq 427583461144',
      got: 'pseq 427583480559, seq 427583480664',
    });
  });

  it('drops an update sent twice as a duplicate', () => {
    const s = new BitgetBookSequencer();
    feed(s, frame('snapshot', 100, 0));
    feed(s, frame('update', 150, 100));
    feed(s, frame('update', 170, 150));
    assert.equal(s.check(frame('update', 170, 150)).type, 'duplicate');
    assert.equal(s.check(frame('update', 150, 100)).type, 'duplicate');
  });

  it('drops an update older than the snapshot just applied', () => {
    const s = new BitgetBookSequencer();
    feed(s, frame('snapshot', 100, 0));
    assert.equal(s.check(frame('update', 90, 60)).type, 'duplicate');
  });

  it('treats pseq 0 on an update (a venue restart) as a gap, and a new snapshot as the way back', () => {
    const s = new BitgetBookSequencer();
    feed(s, frame('snapshot', 100, 0));
    feed(s, frame('update', 150, 100));
    assert.equal(s.check(frame('update', 7, 0)).type, 'gap');
    assert.equal(feed(s, frame('snapshot', 9, 0)), 'snapshot');
    assert.equal(feed(s, frame('update', 12, 9)), 'apply');
  });

  it('replaces the book with a snapshot again at any time, even with a lower seq', () => {
    const s = new BitgetBookSequencer();
    feed(s, frame('snapshot', 100, 0));
    feed(s, frame('update', 150, 100));
    assert.equal(feed(s, frame('snapshot', 3, 0)), 'snapshot');
    assert.equal(s.lastUpdateId, 3);
  });

  it('starts over after reset: updates wait for the next snapshot', () => {
    const s = new BitgetBookSequencer();
    feed(s, frame('snapshot', 100, 0));
    s.reset();
    assert.equal(s.check(frame('update', 150, 100)).type, 'wait');
    assert.equal(s.lastUpdateId, undefined);
  });
});

describe('Bitget books sequencing without pseq (classic table)', () => {
  it('applies an update whose seq is larger, whatever the step', () => {
    const s = new BitgetBookSequencer();
    feed(s, frame('snapshot', 100));
    assert.equal(feed(s, frame('update', 101)), 'apply');
    assert.equal(feed(s, frame('update', 400)), 'apply');
  });

  it('drops an update whose seq is not larger as a duplicate', () => {
    const s = new BitgetBookSequencer();
    feed(s, frame('snapshot', 100));
    feed(s, frame('update', 120));
    assert.equal(s.check(frame('update', 120)).type, 'duplicate');
    assert.equal(s.check(frame('update', 110)).type, 'duplicate');
  });

  it('recovers from symbol maintenance through the fresh snapshot (seq jumps back)', () => {
    const s = new BitgetBookSequencer();
    feed(s, frame('snapshot', 100));
    feed(s, frame('update', 120));
    // The maintenance update with a lower seq is dropped; the snapshot that follows replaces the book.
    assert.equal(feed(s, frame('update', 5)), 'duplicate');
    assert.equal(feed(s, frame('snapshot', 6)), 'snapshot');
    assert.equal(feed(s, frame('update', 8)), 'apply');
  });
});
