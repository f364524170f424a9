import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BookDeltaEvent, BookSnapshotEvent } from '../core/types.js';
import { BookManager } from './book-manager.js';

function snapshot(over: Partial<BookSnapshotEvent> = {}): BookSnapshotEvent {
  return {
    type: 'book_snapshot',
    exchange: 'binance',
    symbol: 'BTCUSDT',
    bids: [
      ['100.0', '1'],
      ['99.9', '1'],
    ],
    asks: [
      ['100.1', '1'],
      ['100.2', '1'],
    ],
    updateId: 10,
    venueTs: 1,
    localTs: 1_000,
    ...over,
  };
}

function delta(over: Partial<BookDeltaEvent> = {}): BookDeltaEvent {
  return {
    type: 'book_delta',
    exchange: 'binance',
    symbol: 'BTCUSDT',
    bids: [],
    asks: [],
    firstUpdateId: 11,
    updateId: 12,
    venueTs: 2,
    localTs: 1_100,
    ...over,
  };
}

describe('BookManager', () => {
  it('creates, finds (case-insensitively on the exchange), lists and removes books', () => {
    const books = new BookManager();
    const book = books.ensure('binance', 'BTCUSDT');
    assert.equal(books.ensure('binance', 'BTCUSDT'), book);
    assert.equal(books.find('BINANCE', 'btcusdt'), book);
    assert.equal(books.get('binance:BTCUSDT'), book);
    assert.deepEqual(
      books.list().map((b) => b.key),
      ['binance:BTCUSDT'],
    );
    assert.equal(books.remove('binance:BTCUSDT'), true);
    assert.equal(books.size, 0);
  });

  it('moves syncing → live → resyncing → live, keeping the last good book readable', () => {
    let now = 1_000;
    const books = new BookManager({ now: () => now });
    const book = books.ensure('binance', 'BTCUSDT');
    assert.equal(book.status(), 'syncing');
    assert.equal(book.applySnapshot(snapshot()), 'ok');
    assert.equal(book.status(), 'live');
    book.markResyncing('gap');
    assert.equal(book.status(), 'resyncing');
    assert.equal(book.resyncReason(), 'gap');
    assert.deepEqual(book.book.bestBid(), ['100.0', '1'], 'last good book stays readable');
    now = 1_200;
    book.applySnapshot(snapshot({ updateId: 20, localTs: 1_200 }));
    assert.equal(book.status(), 'live');
    assert.equal(book.updateId, 20);
  });

  it('reports stale when a live book hears nothing for staleAfterMs', () => {
    let now = 1_000;
    const books = new BookManager({ now: () => now, staleAfterMs: 500 });
    const book = books.ensure('binance', 'BTCUSDT');
    book.applySnapshot(snapshot());
    now = 1_400;
    assert.equal(book.status(), 'live');
    now = 1_501;
    assert.equal(book.status(), 'stale');
    book.applyDelta(delta({ localTs: 1_501 }));
    assert.equal(book.status(), 'live');
  });

  it('never serves a crossed book as live', () => {
    const books = new BookManager({ now: () => 1_000 });
    const book = books.ensure('binance', 'BTCUSDT');
    book.applySnapshot(snapshot());
    assert.equal(book.applyDelta(delta({ bids: [['100.1', '1']] })), 'crossed');
    assert.equal(book.status(), 'resyncing');
    assert.equal(book.resyncReason(), 'crossed');
  });

  it('flags a truncated book whose trusted levels fall below the display depth', () => {
    const books = new BookManager({ now: () => 1_000, displayDepth: 2 });
    const book = books.ensure('binance', 'BTCUSDT');
    assert.equal(book.applySnapshot(snapshot({ depthLimit: 2 })), 'ok');
    assert.equal(book.applyDelta(delta({ bids: [['100.0', '0']] })), 'depth');
    assert.equal(book.status(), 'resyncing');
    assert.equal(book.resyncReason(), 'depth');
  });

  it('accepts a thin but complete book: a short side is the truth, not a hole', () => {
    const books = new BookManager({ now: () => 1_000, displayDepth: 5 });
    const book = books.ensure('bybit', 'TINYUSDT');
    assert.equal(book.applySnapshot(snapshot({ exchange: 'bybit', symbol: 'TINYUSDT' })), 'ok');
    assert.equal(book.status(), 'live');
  });

  it('bumps the sequence on every visible change', () => {
    const books = new BookManager({ now: () => 1_000 });
    const book = books.ensure('binance', 'BTCUSDT');
    book.applySnapshot(snapshot());
    const s1 = book.sequence;
    book.applyDelta(delta());
    book.markResyncing('gap');
    book.markResyncing('gap');
    assert.equal(book.sequence, s1 + 2);
  });
});
