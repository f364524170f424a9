import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PriceLevel } from '../core/types.js';
import { InvalidLevelError } from './errors.js';
import { OrderBook } from './order-book.js';

const snapshotBids: PriceLevel[] = [
  ['37000.10', '1.500'],
  ['37000.00', '0.00100000'],
  ['36999.90', '2'],
];
const snapshotAsks: PriceLevel[] = [
  ['37000.20', '0.5'],
  ['37000.30', '3.000'],
];

describe('OrderBook', () => {
  it('keeps the venue strings exactly as sent', () => {
    const book = new OrderBook();
    book.applySnapshot(snapshotBids, snapshotAsks);
    assert.deepEqual(book.top(5).bids, snapshotBids);
    assert.deepEqual(book.top(5).asks, snapshotAsks);
    assert.deepEqual(book.bestBid(), ['37000.10', '1.500']);
    assert.equal(book.spread(), '0.10');
    assert.equal(book.mid(), '37000.15');
    assert.equal(book.sizeWithin('bids', 2), '1.50100000');
  });

  it('deletes on zero in any spelling, and ignores deletes of absent levels', () => {
    const book = new OrderBook();
    book.applySnapshot(snapshotBids, snapshotAsks);
    book.applyDelta(
      [
        ['37000.10', '0.000'],
        ['1.0', '0'],
      ],
      [['37000.2', '0.00000000']],
    );
    assert.deepEqual(book.bestBid(), ['37000.00', '0.00100000']);
    assert.deepEqual(book.bestAsk(), ['37000.30', '3.000']);
    assert.equal(book.bids.size, 2);
  });

  it('treats "37000.1" and "37000.10" as one level and serves the latest spelling', () => {
    const book = new OrderBook();
    book.applySnapshot(snapshotBids, snapshotAsks);
    book.applyDelta([['37000.1', '4']], []);
    assert.equal(book.bids.size, 3);
    assert.deepEqual(book.bestBid(), ['37000.1', '4']);
  });

  it('rejects a malformed delta whole, leaving the book untouched', () => {
    const book = new OrderBook();
    book.applySnapshot(snapshotBids, snapshotAsks);
    const before = book.top(10);
    for (const bad of [
      [
        ['37000.5', '1'],
        ['1e-8', '1'],
      ],
      [
        ['37000.5', '1'],
        ['37000.4', '-1'],
      ],
      [['37000.5', '1'], ['37000.4']],
      [
        ['37000.5', '1'],
        [37000.4, '1'],
      ],
      [['37000.5', '1'], null],
    ]) {
      assert.throws(() => book.applyDelta(bad as unknown as PriceLevel[], []), InvalidLevelError);
      assert.deepEqual(book.top(10), before);
    }
    assert.throws(() => book.applySnapshot([['abc', '1']], []), InvalidLevelError);
    assert.deepEqual(book.top(10), before);
  });

  it('reports a crossed book', () => {
    const book = new OrderBook();
    book.applySnapshot(snapshotBids, snapshotAsks);
    assert.equal(book.isCrossed(), false);
    book.applyDelta([['37000.20', '1']], []);
    assert.equal(book.isCrossed(), true);
  });

  it('knows a truncated snapshot is exact only down to its worst level', () => {
    const book = new OrderBook();
    book.applySnapshot(snapshotBids, snapshotAsks, 3);
    assert.equal(book.bids.isTruncated(), true, 'three bids at a limit of three');
    assert.equal(book.asks.isTruncated(), false, 'two asks under a limit of three is the whole side');
    // A level below the boundary is stored but not trusted: the gap above it is unknown.
    book.applyDelta([['36000', '1']], []);
    assert.equal(book.bids.size, 4);
    assert.equal(book.bids.trustedDepth(), 3);
    assert.deepEqual(
      book.top(10).bids.map(([p]) => p),
      ['37000.10', '37000.00', '36999.90'],
    );
    // Deleting inside the boundary shrinks what can be trusted.
    book.applyDelta([['37000.10', '0']], []);
    assert.equal(book.bids.trustedDepth(), 2);
  });

  it('trims a side only past depth × trimFactor, back to half that, and then trusts only what it kept', () => {
    const book = new OrderBook({ depth: 2, trimFactor: 3 });
    book.applySnapshot(snapshotBids, snapshotAsks);
    book.applyDelta(
      [
        ['36999.80', '1'],
        ['36999.70', '1'],
        ['36999.60', '1'],
      ],
      [],
    );
    assert.equal(book.bids.size, 6, 'six levels is not more than 2 × 3');
    book.applyDelta([['36999.50', '1']], []);
    assert.equal(book.bids.size, 3, 'back to half of six');
    assert.equal(book.bids.trustedDepth(), 3);
    assert.equal(book.bids.isTruncated(), true);
    assert.deepEqual(
      book.top(5).bids.map(([p]) => p),
      ['37000.10', '37000.00', '36999.90'],
    );
  });

  it('refuses nonsense options', () => {
    assert.throws(() => new OrderBook({ depth: 0 }), RangeError);
    assert.throws(() => new OrderBook({ trimFactor: 0.5 }), RangeError);
  });
});
