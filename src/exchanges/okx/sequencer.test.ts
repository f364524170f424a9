import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BookFrame } from '../kit/venue-frame.js';
import { parseOkxFrame } from './parse.js';
import { DEFAULT_OKX_DUPLICATE_MEMORY, OkxBookSequencer } from './sequencer.js';

/** A `books` frame on the wire, through the real parser. */
function wire(
  action: 'snapshot' | 'update',
  prevSeqId: number | undefined,
  seqId: number | undefined,
  ts = 1,
): BookFrame {
  const seq = seqId === undefined ? '' : `,"prevSeqId":${prevSeqId},"seqId":${seqId}`;
  const frame = parseOkxFrame(
    `{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"${action}","data":[{"asks":[],"bids":[],"ts":"${ts}","checksum":0${seq}}]}`,
    0,
  );
  assert.ok(frame.kind === 'book', JSON.stringify(frame));
  return frame;
}

/** Runs frames through check/applied as a connector would; returns each verdict's type. */
function run(sequencer: OkxBookSequencer, frames: BookFrame[]): string[] {
  return frames.map((frame) => {
    const verdict = sequencer.check(frame);
    if (verdict.type === 'snapshot' || verdict.type === 'apply') sequencer.applied(frame);
    return verdict.type;
  });
}

describe('OkxBookSequencer', () => {
  it('follows the documented example: snapshot, update, heartbeat, maintenance reset, update', () => {
    // "Snapshot: prevSeqId = -1, seqId = 10; update 1: 10 → 15; update 2 (no change): 15 → 15;
    //  update 3 (reset): 15 → 3; update 4: 3 → 5".
    const s = new OkxBookSequencer();
    const verdicts = run(s, [
      wire('snapshot', -1, 10),
      wire('update', 10, 15),
      wire('update', 15, 15),
      wire('update', 15, 3),
      wire('update', 3, 5),
    ]);
    assert.deepEqual(verdicts, ['snapshot', 'apply', 'apply', 'apply', 'apply']);
    assert.equal(s.lastUpdateId, 5);
  });

  it('accepts steps of any size, and nothing but prevSeqId = the last seqId', () => {
    const s = new OkxBookSequencer();
    assert.deepEqual(run(s, [wire('snapshot', -1, 1000), wire('update', 1000, 1093), wire('update', 1093, 1100)]), [
      'snapshot',
      'apply',
      'apply',
    ]);
    const verdict = s.check(wire('update', 1120, 1180));
    assert.deepEqual(verdict, { type: 'gap', expected: 'prevSeqId 1100', got: 'prevSeqId 1120, seqId 1180' });
  });

  it('waits for a snapshot before any update', () => {
    const s = new OkxBookSequencer();
    assert.equal(s.check(wire('update', 5, 9)).type, 'wait');
    assert.equal(s.lastUpdateId, undefined);
  });

  it('keeps -1 distinct from 0: an update from seqId 0 chains from a snapshot at 0', () => {
    const s = new OkxBookSequencer();
    assert.deepEqual(run(s, [wire('snapshot', -1, 0), wire('update', 0, 4)]), ['snapshot', 'apply']);
    assert.equal(s.check(wire('update', -1, 8)).type, 'snapshot', 'prevSeqId -1 is a snapshot, never a chain from 0');
  });

  it('drops a re-sent step as a duplicate, remembering only recent ones', () => {
    const s = new OkxBookSequencer();
    run(s, [wire('snapshot', -1, 10), wire('update', 10, 20), wire('update', 20, 30)]);
    assert.equal(s.check(wire('update', 20, 30)).type, 'duplicate');
    assert.equal(s.check(wire('update', 10, 20)).type, 'duplicate');
    const steps: BookFrame[] = [];
    for (let i = 0; i <= DEFAULT_OKX_DUPLICATE_MEMORY; i++) steps.push(wire('update', 30 + i, 31 + i));
    run(s, steps);
    assert.equal(s.check(wire('update', 10, 20)).type, 'gap', 'forgotten: no longer provably a duplicate');
  });

  it('calls a smaller seqId that is no applied step a gap, not a duplicate (a missed maintenance reset)', () => {
    const s = new OkxBookSequencer();
    run(s, [wire('snapshot', -1, 10), wire('update', 10, 15)]);
    // The reset message 15 → 3 was lost; the stream continues 3 → 5 → 9: every seqId is below 15.
    assert.equal(s.check(wire('update', 3, 5)).type, 'gap');
  });

  it('calls a swapped pair a gap (OKX documents no reordering to wait for)', () => {
    const s = new OkxBookSequencer();
    run(s, [wire('snapshot', -1, 10)]);
    assert.equal(s.check(wire('update', 17, 25)).type, 'gap');
  });

  it('replaces the book on any snapshot, even one whose seqId went backwards', () => {
    const s = new OkxBookSequencer();
    assert.deepEqual(run(s, [wire('snapshot', -1, 500), wire('update', 500, 510), wire('snapshot', -1, 20)]), [
      'snapshot',
      'apply',
      'snapshot',
    ]);
    assert.equal(s.lastUpdateId, 20);
    assert.equal(s.check(wire('update', 510, 520)).type, 'gap', 'the old chain ended with the snapshot');
    assert.equal(s.check(wire('update', 20, 21)).type, 'apply');
  });

  it('after a snapshot, applies the documented alignment rule prevSeqId <= snapshot seqId < seqId', () => {
    const s = new OkxBookSequencer();
    run(s, [wire('snapshot', -1, 105)]);
    assert.equal(s.check(wire('update', 90, 100)).type, 'duplicate', 'seqId <= snapshot seqId: already in it');
    assert.equal(s.check(wire('update', 100, 110)).type, 'apply', 'straddles the snapshot');
    assert.equal(s.check(wire('update', 106, 110)).type, 'gap', 'starts after the snapshot: something was missed');
    run(s, [wire('update', 100, 110)]);
    assert.equal(s.check(wire('update', 100, 110)).type, 'duplicate');
    assert.equal(s.check(wire('update', 105, 112)).type, 'gap', 'the range rule holds only right after a snapshot');
  });

  it('starts again from the next snapshot after reset()', () => {
    const s = new OkxBookSequencer();
    run(s, [wire('snapshot', -1, 10), wire('update', 10, 11)]);
    s.reset();
    assert.equal(s.lastUpdateId, undefined);
    assert.equal(s.check(wire('update', 11, 12)).type, 'wait');
  });

  it('applies an unsequenced (pre-2023) stream after its snapshot, and refuses to mix the two', () => {
    const legacy = new OkxBookSequencer();
    assert.deepEqual(
      run(legacy, [
        wire('snapshot', undefined, undefined, 100),
        wire('update', undefined, undefined, 200),
        wire('update', undefined, undefined, 300),
      ]),
      ['snapshot', 'apply', 'apply'],
    );
    assert.equal(legacy.lastUpdateId, 300);
    assert.equal(legacy.check(wire('update', 300, 400)).type, 'gap', 'sequence fields cannot start mid-stream');
    const sequenced = new OkxBookSequencer();
    run(sequenced, [wire('snapshot', -1, 10)]);
    assert.equal(sequenced.check(wire('update', undefined, undefined, 5)).type, 'gap', 'nor disappear');
  });
});
