import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BookFrame } from '../kit/venue-frame.js';
import { parseBybitFrame } from './parse.js';
import { bybitSequencer } from './sequencer.js';

/** A real-shaped frame, passed through the real parser. */
function frame(type: 'snapshot' | 'delta', u: number): BookFrame {
  const parsed = parseBybitFrame(
    JSON.stringify({
      topic: 'orderbook.200.BTCUSDT',
      type,
      ts: 1_700_000_000_000 + u,
      data: { s: 'BTCUSDT', b: [['100.0', '1']], a: [['101.0', '2']], u, seq: 9_000 + u },
      cts: 1_700_000_000_000 + u,
    }),
    0,
  );
  assert.ok(parsed.kind === 'book');
  return parsed;
}

/** Feeds frames as the connector does (`applied` after each snapshot/apply) and returns each verdict's type. */
function feed(seq = bybitSequencer(), ...frames: BookFrame[]): string[] {
  return frames.map((f) => {
    const verdict = seq.check(f);
    if (verdict.type === 'snapshot' || verdict.type === 'apply') seq.applied(f);
    return verdict.type === 'gap' ? `gap(${verdict.expected}, ${verdict.got})` : verdict.type;
  });
}

describe('Bybit orderbook sequencer', () => {
  it('waits for the snapshot, then applies u = previous + 1 in order', () => {
    const seq = bybitSequencer();
    assert.equal(seq.lastUpdateId, undefined);
    assert.deepEqual(feed(seq, frame('delta', 5), frame('snapshot', 10), frame('delta', 11), frame('delta', 12)), [
      'wait',
      'snapshot',
      'apply',
      'apply',
    ]);
    assert.equal(seq.lastUpdateId, 12);
  });

  it('calls a delta with u ≤ the last applied one a duplicate, and still applies the next', () => {
    const seq = bybitSequencer();
    assert.deepEqual(
      feed(seq, frame('snapshot', 10), frame('delta', 11), frame('delta', 11), frame('delta', 9), frame('delta', 12)),
      ['snapshot', 'apply', 'duplicate', 'duplicate', 'apply'],
    );
    assert.equal(seq.lastUpdateId, 12);
  });

  it('calls any other u a gap, saying which u it expected, and keeps the last applied id', () => {
    const seq = bybitSequencer();
    assert.deepEqual(feed(seq, frame('snapshot', 10), frame('delta', 12)), ['snapshot', 'gap(u 11, u 12)']);
    assert.equal(seq.lastUpdateId, 10, 'check never changes state');
  });

  it('takes any snapshot as the new book, including u = 1 after a venue restart', () => {
    const seq = bybitSequencer();
    assert.deepEqual(feed(seq, frame('snapshot', 500), frame('delta', 501), frame('snapshot', 1), frame('delta', 2)), [
      'snapshot',
      'apply',
      'snapshot',
      'apply',
    ]);
    assert.equal(seq.lastUpdateId, 2);
  });

  it('waits for a fresh snapshot after reset (a resubscription or a reconnect)', () => {
    const seq = bybitSequencer();
    feed(seq, frame('snapshot', 10), frame('delta', 11));
    seq.reset();
    assert.equal(seq.lastUpdateId, undefined);
    assert.deepEqual(feed(seq, frame('delta', 12), frame('snapshot', 40), frame('delta', 41)), [
      'wait',
      'snapshot',
      'apply',
    ]);
  });

  it('leaves u unchanged when the connector does not call applied (a rejected delta): the real next delta applies', () => {
    const seq = bybitSequencer();
    feed(seq, frame('snapshot', 10));
    assert.equal(seq.check(frame('delta', 11)).type, 'apply');
    // Not applied: the book engine rejected its content.
    assert.equal(seq.check(frame('delta', 11)).type, 'apply');
    assert.equal(seq.lastUpdateId, 10);
  });
});

describe('Bybit orderbook sequencer, ids below the last', () => {
  it('are duplicates when applied (or older than the snapshot: a rollover overlap), a gap otherwise', () => {
    const seq = bybitSequencer();
    assert.deepEqual(feed(seq, frame('snapshot', 10), frame('delta', 11), frame('delta', 12), frame('delta', 11)), [
      'snapshot',
      'apply',
      'apply',
      'duplicate',
    ]);
    assert.deepEqual(feed(seq, frame('delta', 5)), ['duplicate'], 'from before the snapshot');
  });
});
