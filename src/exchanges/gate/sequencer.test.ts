import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BookFrame } from '../kit/venue-frame.js';
import { parseGateFrame } from './parse.js';
import { createGateSequencer } from './sequencer.js';

const full = (u: number): BookFrame => ({
  kind: 'book',
  symbol: 'BTC_USDT',
  action: 'snapshot',
  bids: [['100', '5']],
  asks: [['101', '7']],
  firstUpdateId: u,
  updateId: u,
  venueTs: 1,
});
const inc = (U: number, u: number): BookFrame => ({
  kind: 'book',
  symbol: 'BTC_USDT',
  action: 'update',
  bids: [],
  asks: [],
  firstUpdateId: U,
  updateId: u,
  venueTs: 1,
});

/** Feeds frames the way the connector does: `applied` only after an `apply` or `snapshot` verdict. */
function run(frames: BookFrame[]): string[] {
  const seq = createGateSequencer();
  return frames.map((f) => {
    const v = seq.check(f);
    if (v.type === 'apply' || v.type === 'snapshot') seq.applied(f);
    return v.type === 'gap' ? `gap ${v.expected}/${v.got}` : v.type;
  });
}

describe('the futures.obu sequencer', () => {
  it('waits for the first full push, then applies increments whose U is the last u + 1', () => {
    assert.deepEqual(run([inc(5, 9), full(10), inc(11, 15), inc(16, 16), inc(17, 30)]), [
      'wait',
      'snapshot',
      'apply',
      'apply',
      'apply',
    ]);
  });

  it('drops an increment already applied (u at or below the last) as a duplicate', () => {
    assert.deepEqual(run([full(10), inc(11, 15), inc(11, 15), inc(8, 10), inc(16, 20)]), [
      'snapshot',
      'apply',
      'duplicate',
      'duplicate',
      'apply',
    ]);
  });

  it('calls anything else a gap: a skipped id, or an overlap that starts inside the applied range', () => {
    assert.deepEqual(run([full(10), inc(12, 15)]), ['snapshot', 'gap 11/12']);
    assert.deepEqual(run([full(10), inc(11, 15), inc(14, 18)]), ['snapshot', 'apply', 'gap 16/14']);
  });

  it('takes a full push again at any time as the new book, even with a lower u (a venue restart)', () => {
    assert.deepEqual(run([full(10), inc(11, 15), full(40), inc(41, 41), full(3), inc(4, 9), inc(10, 10)]), [
      'snapshot',
      'apply',
      'snapshot',
      'apply',
      'snapshot',
      'apply',
      'apply',
    ]);
  });

  it('repairs a gap with the next full push of the stream', () => {
    assert.deepEqual(run([full(10), inc(13, 15), full(20), inc(21, 22)]), [
      'snapshot',
      'gap 11/13',
      'snapshot',
      'apply',
    ]);
  });

  it('forgets its base on reset: the next increment waits for a new full push', () => {
    const seq = createGateSequencer();
    seq.applied(full(10));
    assert.equal(seq.lastUpdateId, 10);
    seq.reset();
    assert.equal(seq.lastUpdateId, undefined);
    assert.equal(seq.check(inc(11, 12)).type, 'wait');
  });

  it('chains documented frames: a full push, an increment, an id-only increment', () => {
    const frames = [
      '{"time":1789455580,"time_ms":1789455580280,"channel":"futures.obu","event":"update","result":{"t":1789455580261,"full":true,"s":"ob.BTC_USDT.50","u":125033675974,"b":[["77222.9","600"]],"a":[["77235","40"]]}}',
      '{"time":1789455580,"time_ms":1789455580280,"channel":"futures.obu","event":"update","result":{"t":1789455580280,"s":"ob.BTC_USDT.50","U":125033675975,"u":125033676003,"b":[["77222.9","648"]],"a":[["77235","50"]]}}',
      '{"time":1789455580,"time_ms":1789455580300,"channel":"futures.obu","event":"update","result":{"t":1789455580300,"s":"ob.BTC_USDT.50","U":125033676004,"u":125033676011}}',
    ].map((t) => {
      const f = parseGateFrame(t, 0);
      assert.ok(f.kind === 'book');
      return f;
    });
    assert.deepEqual(run(frames), ['snapshot', 'apply', 'apply']);
  });
});
