import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApplyOutcome, ResyncReason } from '../../core/sink.js';
import type { BookEvent, PriceLevel } from '../../core/types.js';
import { type BybitBookFrame, BybitBookSequencer, type BybitRecoveryReason } from './book-sequencer.js';
import { parseBybitFrame } from './parse.js';

const TOPIC = 'orderbook.200.BTCUSDT';

/** A real-shaped frame, passed through the real parser. */
function frame(type: 'snapshot' | 'delta', u: number, bids: PriceLevel[] = [['100.0', '1']]): BybitBookFrame {
  const text = JSON.stringify({
    topic: TOPIC,
    type,
    ts: 1_700_000_000_000 + u,
    data: { s: 'BTCUSDT', b: bids, a: [['101.0', '2']], u, seq: 9_000 + u },
    cts: 1_700_000_000_000 + u,
  });
  const parsed = parseBybitFrame(text, 0);
  assert.equal(parsed.kind, 'orderbook');
  return parsed as BybitBookFrame;
}

function harness(outcomes: ApplyOutcome[] = []) {
  const events: BookEvent[] = [];
  const resyncs: ResyncReason[] = [];
  const recoveries: BybitRecoveryReason[] = [];
  const counters = { gaps: 0, duplicates: 0 };
  const sink = {
    book(event: BookEvent): ApplyOutcome {
      events.push(event);
      return outcomes.shift() ?? 'applied';
    },
    bookResyncing(_exchange: string, _symbol: string, reason: ResyncReason) {
      resyncs.push(reason);
    },
  };
  const seq = new BybitBookSequencer('BTCUSDT', sink, (r) => recoveries.push(r), { counters });
  const ids = () => events.map((e) => `${e.type === 'book_snapshot' ? 's' : 'd'}${e.updateId}`);
  return { seq, events, resyncs, recoveries, counters, outcomes, ids };
}

describe('BybitBookSequencer', () => {
  it('ignores deltas until a snapshot, then applies u = previous + 1 in order', () => {
    const h = harness();
    h.seq.onFrame(frame('delta', 5), 1);
    h.seq.onFrame(frame('snapshot', 10), 2);
    h.seq.onFrame(frame('delta', 11), 3);
    h.seq.onFrame(frame('delta', 12), 4);
    assert.deepEqual(h.ids(), ['s10', 'd11', 'd12']);
    assert.equal(h.seq.lastUpdateId, 12);
    assert.equal(h.seq.isLive, true);
    assert.equal(h.events[2].localTs, 4, 'the receive time is the one passed in');
    assert.deepEqual(h.resyncs, []);
  });

  it('ignores a delta with u ≤ the previous u as a duplicate', () => {
    const h = harness();
    h.seq.onFrame(frame('snapshot', 10), 0);
    h.seq.onFrame(frame('delta', 11), 0);
    h.seq.onFrame(frame('delta', 11), 0);
    h.seq.onFrame(frame('delta', 9), 0);
    h.seq.onFrame(frame('delta', 12), 0);
    assert.deepEqual(h.ids(), ['s10', 'd11', 'd12']);
    assert.equal(h.counters.duplicates, 2);
    assert.equal(h.counters.gaps, 0);
  });

  it('treats any other u as a gap: flags the book once, asks for one recovery, ignores deltas until a snapshot', () => {
    const h = harness();
    h.seq.onFrame(frame('snapshot', 10), 0);
    h.seq.onFrame(frame('delta', 12), 0);
    h.seq.onFrame(frame('delta', 14), 0);
    h.seq.onFrame(frame('delta', 13), 0);
    assert.deepEqual(h.resyncs, ['gap']);
    assert.deepEqual(h.recoveries, ['gap']);
    assert.equal(h.counters.gaps, 1);
    assert.equal(h.seq.isRecovering, true);
    assert.equal(h.seq.lastUpdateId, undefined);
    h.seq.onFrame(frame('snapshot', 40), 0);
    h.seq.onFrame(frame('delta', 41), 0);
    assert.deepEqual(h.ids(), ['s10', 's40', 'd41']);
    assert.equal(h.seq.isLive, true);
  });

  it('replaces the book with any snapshot, including u = 1 after a venue restart', () => {
    const resets: [number, number][] = [];
    const events: BookEvent[] = [];
    const seq = new BybitBookSequencer(
      'BTCUSDT',
      {
        book: (e) => {
          events.push(e);
          return 'applied';
        },
        bookResyncing: () => assert.fail('no resync'),
      },
      () => assert.fail('no recovery'),
      { onVenueReset: (u, previous) => resets.push([u, previous]) },
    );
    seq.onFrame(frame('snapshot', 500), 0);
    seq.onFrame(frame('delta', 501), 0);
    seq.onFrame(frame('snapshot', 1), 0);
    seq.onFrame(frame('delta', 2), 0);
    assert.deepEqual(
      events.map((e) => [e.type, e.updateId]),
      [
        ['book_snapshot', 500],
        ['book_delta', 501],
        ['book_snapshot', 1],
        ['book_delta', 2],
      ],
    );
    assert.deepEqual(resets, [[1, 501]]);
  });

  it('flags a rejected snapshot invalid_data, asks for recovery, and applies no delta on top of it', () => {
    const h = harness(['rejected']);
    h.seq.onFrame(frame('snapshot', 10), 0);
    h.seq.onFrame(frame('delta', 11), 0);
    assert.deepEqual(h.resyncs, ['invalid_data']);
    assert.deepEqual(h.recoveries, ['invalid_data']);
    assert.deepEqual(h.ids(), ['s10']);
    assert.equal(h.seq.isLive, false);
  });

  it('asks again when the fresh subscription’s snapshot is rejected too, saying the snapshot was the cause', () => {
    const causes: string[] = [];
    const outcomes: ApplyOutcome[] = ['applied', 'rejected', 'crossed', 'applied'];
    const resyncs: ResyncReason[] = [];
    const seq = new BybitBookSequencer(
      'BTCUSDT',
      { book: () => outcomes.shift() ?? 'applied', bookResyncing: (_e, _s, r) => resyncs.push(r) },
      (reason, cause) => causes.push(`${reason}/${cause}`),
    );
    seq.onFrame(frame('snapshot', 10), 0);
    seq.onFrame(frame('delta', 12), 0);
    seq.onFrame(frame('snapshot', 30), 0);
    seq.onFrame(frame('snapshot', 31), 0);
    seq.onFrame(frame('snapshot', 40), 0);
    assert.deepEqual(causes, ['gap/delta', 'invalid_data/snapshot', 'crossed/snapshot']);
    assert.deepEqual(resyncs, ['gap', 'invalid_data', 'crossed']);
    assert.equal(seq.isLive, true);
    assert.equal(seq.lastUpdateId, 40);
  });

  it('keeps u on a rejected delta, so the real next delta still applies', () => {
    const h = harness(['applied', 'rejected']);
    h.seq.onFrame(frame('snapshot', 10), 0);
    h.seq.onFrame(frame('delta', 11), 0);
    h.seq.onFrame(frame('delta', 11), 0);
    assert.equal(h.seq.lastUpdateId, 11);
    assert.deepEqual(h.resyncs, []);
  });

  for (const unhealthy of ['crossed', 'depth'] as const) {
    it(`resyncs with reason ${unhealthy} when a snapshot or a delta leaves the book ${unhealthy}`, () => {
      const h = harness([unhealthy]);
      h.seq.onFrame(frame('snapshot', 10), 0);
      assert.deepEqual(h.resyncs, [unhealthy]);
      assert.deepEqual(h.recoveries, [unhealthy]);
      h.seq.onFrame(frame('snapshot', 20), 0);
      h.outcomes.push(unhealthy);
      h.seq.onFrame(frame('delta', 21), 0);
      assert.deepEqual(h.resyncs, [unhealthy, unhealthy]);
      assert.equal(h.seq.isRecovering, true);
    });
  }

  it('flags a live book disconnected once, and a repairing one not again', () => {
    const h = harness();
    h.seq.onDisconnect();
    assert.deepEqual(h.resyncs, [], 'a book that never synced is still syncing');
    h.seq.onFrame(frame('snapshot', 10), 0);
    h.seq.onDisconnect();
    h.seq.onDisconnect();
    assert.deepEqual(h.resyncs, ['disconnected']);
    h.seq.onFrame(frame('delta', 11), 0);
    assert.deepEqual(h.ids(), ['s10'], 'a delta after the disconnect has no base');
    h.seq.onFrame(frame('snapshot', 30), 0);
    h.seq.onFrame(frame('delta', 32), 0);
    h.seq.onDisconnect();
    assert.deepEqual(h.resyncs, ['disconnected', 'gap']);
    assert.equal(h.seq.isRecovering, false, 'the next subscription starts afresh');
  });

  it('after abandon() flags unknown_symbol once and ignores every frame', () => {
    const h = harness();
    h.seq.abandon();
    h.seq.abandon();
    h.seq.onFrame(frame('snapshot', 10), 0);
    h.seq.resync('gap');
    h.seq.onDisconnect();
    assert.deepEqual(h.resyncs, ['unknown_symbol']);
    assert.deepEqual(h.events, []);
    assert.deepEqual(h.recoveries, []);
  });
});
