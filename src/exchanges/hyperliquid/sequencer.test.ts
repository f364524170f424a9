import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BookFrame } from '../kit/venue-frame.js';
import { HyperliquidBookSequencer } from './sequencer.js';

function picture(time: number, bid = '100'): BookFrame {
  return {
    kind: 'book',
    symbol: 'BTC',
    action: 'snapshot',
    bids: [[bid, '1']],
    asks: [['101', '1']],
    firstUpdateId: time,
    updateId: time,
    venueTs: time,
    depthLimit: 20,
  };
}

/** Feeds frames as the connector does: check, then `applied` for what it applies. */
function run(seq: HyperliquidBookSequencer, frames: BookFrame[]): string[] {
  return frames.map((f) => {
    const verdict = seq.check(f);
    if (verdict.type === 'snapshot' || verdict.type === 'apply') seq.applied(f);
    return verdict.type;
  });
}

describe('Hyperliquid book sequencing (whole pictures, no sequence)', () => {
  it('takes the first picture and every newer one as a snapshot that replaces the book', () => {
    const seq = new HyperliquidBookSequencer();
    assert.equal(seq.lastUpdateId, undefined);
    assert.deepEqual(run(seq, [picture(1000), picture(3000), picture(8000)]), ['snapshot', 'snapshot', 'snapshot']);
    assert.equal(seq.lastUpdateId, 8000);
  });

  it('never reports a gap: a missed picture costs nothing, the next one is whole', () => {
    const seq = new HyperliquidBookSequencer();
    // 2 s, then a 60 s hole (pictures lost): still just snapshots.
    assert.deepEqual(run(seq, [picture(1000), picture(3000), picture(63000)]), ['snapshot', 'snapshot', 'snapshot']);
  });

  it('drops a picture older than, or as old as, the last applied one (duplicate or late)', () => {
    const seq = new HyperliquidBookSequencer();
    assert.deepEqual(run(seq, [picture(5000), picture(5000), picture(4000, '99'), picture(6000)]), [
      'snapshot',
      'duplicate',
      'duplicate',
      'snapshot',
    ]);
    assert.equal(seq.lastUpdateId, 6000);
  });

  it('accepts any picture after a reset (resubscription or reconnect), even an older time', () => {
    const seq = new HyperliquidBookSequencer();
    run(seq, [picture(9000)]);
    seq.reset();
    assert.equal(seq.lastUpdateId, undefined);
    assert.deepEqual(run(seq, [picture(7000)]), ['snapshot']);
  });

  it('takes a venue jump (a picture unrelated to the last) as a plain replacement', () => {
    const seq = new HyperliquidBookSequencer();
    assert.deepEqual(run(seq, [picture(1000, '100'), picture(2000, '50')]), ['snapshot', 'snapshot']);
  });
});
