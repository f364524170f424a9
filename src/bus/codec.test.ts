import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BookDeltaEvent, BookSnapshotEvent } from '../core/types.js';
import {
  BusDecodeError,
  chainHeaders,
  decodeDelta,
  decodeSnapshot,
  encodeDelta,
  encodeSnapshot,
  readChain,
  SEQ_HEADER,
} from './codec.js';

const delta: BookDeltaEvent = {
  type: 'book_delta',
  exchange: 'okx',
  symbol: 'BTC-USDT-SWAP',
  venueTs: 1,
  localTs: 2,
  bids: [['67000.10', '0.0000000001']],
  asks: [['67000.20', '0']],
  firstUpdateId: 10,
  updateId: 11,
  prevUpdateId: 9,
  checksum: -123,
};

describe('bus codec', () => {
  it('a delta crosses the bus with its exact decimal strings and ids', () => {
    const withExtra = { ...delta, raw: 'not on the wire' } as BookDeltaEvent;
    assert.deepEqual(decodeDelta(encodeDelta(withExtra)), delta);
  });

  it('a snapshot carries its instrument (contract size) and depth limit', () => {
    const snapshot: BookSnapshotEvent = {
      type: 'book_snapshot',
      exchange: 'okx',
      symbol: 'BTC-USDT-SWAP',
      venueTs: 1,
      localTs: 2,
      bids: [['1.5', '2']],
      asks: [['1.6', '3']],
      updateId: 7,
      depthLimit: 400,
    };
    const instrument = {
      exchange: 'okx',
      symbol: 'BTC-USDT-SWAP',
      canonical: 'BTC-USDT',
      base: 'BTC',
      quote: 'USDT',
      settle: 'USDT',
      type: 'perp' as const,
      tickSize: '0.1',
      lotSize: '0.01',
      contractSize: '0.01',
    };
    assert.deepEqual(decodeSnapshot(encodeSnapshot(snapshot, instrument)), { event: snapshot, instrument });
  });

  it('chain headers round-trip; missing ones read as no chain', () => {
    const h = chainHeaders({ seq: 42, epoch: 7 }, 99, 'id');
    assert.deepEqual(readChain(h), { seq: 42, epoch: 7 });
    h.delete(SEQ_HEADER);
    assert.equal(readChain(h), undefined);
    assert.equal(readChain(undefined), undefined);
  });

  it('malformed content is a BusDecodeError', () => {
    const bytes = (s: string) => new TextEncoder().encode(s);
    assert.throws(() => decodeDelta(bytes('{')), BusDecodeError);
    assert.throws(() => decodeDelta(bytes('{"type":"book_delta","bids":[[1,2]]}')), BusDecodeError);
    assert.throws(() => decodeSnapshot(bytes('{"event":null}')), BusDecodeError);
  });
});
