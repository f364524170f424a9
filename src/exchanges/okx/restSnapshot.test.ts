import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BookFrame } from '../kit/venue-frame.js';
import { OkxApiError, OkxSnapshotUnsequencedError } from './errors.js';
import { parseOkxFrame } from './parse.js';
import { alignOkxRestSnapshot, okxRestBooksUrl, parseOkxRestBooks } from './restSnapshot.js';

function update(prevSeqId: number, seqId: number): BookFrame {
  const frame = parseOkxFrame(
    `{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"update","data":[{"asks":[["2","${seqId}","0","1"]],"bids":[],"ts":"1","checksum":0,"prevSeqId":${prevSeqId},"seqId":${seqId}}]}`,
    0,
  );
  assert.ok(frame.kind === 'book');
  return frame;
}

/** The documented REST answer (GET /api/v5/market/books), with the seqId the 2026 procedure relies on. */
const REST_BODY =
  '{"code":"0","msg":"","data":[{"asks":[["41006.8","0.60038921","0","1"]],"bids":[["41006.3","0.30178218","0","2"]],"ts":"1629966436396","seqId":105}]}';

describe('the OKX REST snapshot path', () => {
  it('asks for 400 levels the way OKX’s own procedure does', () => {
    assert.equal(
      okxRestBooksUrl('https://www.okx.com/', 'BTC-USDT-SWAP'),
      'https://www.okx.com/api/v5/market/books?instId=BTC-USDT-SWAP&sz=400&source=0',
    );
  });

  it('turns the documented answer into a snapshot frame carrying its seqId', () => {
    assert.deepEqual(parseOkxRestBooks(REST_BODY, 'BTC-USDT-SWAP'), {
      kind: 'book',
      symbol: 'BTC-USDT-SWAP',
      action: 'snapshot',
      bids: [['41006.3', '0.30178218']],
      asks: [['41006.8', '0.60038921']],
      firstUpdateId: 105,
      updateId: 105,
      prevUpdateId: -1,
      venueTs: 1629966436396,
    });
  });

  it('refuses an answer without seqId (it cannot be aligned) and reports OKX error codes', () => {
    const unsequenced = REST_BODY.replace(',"seqId":105', '');
    assert.throws(() => parseOkxRestBooks(unsequenced, 'BTC-USDT-SWAP'), OkxSnapshotUnsequencedError);
    assert.throws(
      () => parseOkxRestBooks('{"code":"51001","msg":"Instrument ID does not exist","data":[]}', 'NOPE-USDT-SWAP'),
      (e: unknown) => e instanceof OkxApiError && e.okxCode === '51001',
    );
  });

  it('drops buffered updates already in the snapshot and starts at the one that straddles it', () => {
    const snapshot = parseOkxRestBooks(REST_BODY, 'BTC-USDT-SWAP');
    const buffered = [update(80, 90), update(90, 100), update(100, 110), update(110, 110), update(110, 130)];
    const result = alignOkxRestSnapshot(snapshot, buffered);
    assert.equal(result.type, 'ready');
    assert.ok(result.type === 'ready');
    assert.deepEqual(
      result.updates.map((u) => [u.prevUpdateId, u.updateId]),
      [
        [100, 110],
        [110, 110],
        [110, 130],
      ],
    );
  });

  it('accepts a first kept update whose prevSeqId equals the snapshot seqId', () => {
    const snapshot = parseOkxRestBooks(REST_BODY, 'BTC-USDT-SWAP');
    const result = alignOkxRestSnapshot(snapshot, [update(90, 105), update(105, 111)]);
    assert.ok(result.type === 'ready');
    assert.deepEqual(
      result.updates.map((u) => u.updateId),
      [111],
    );
  });

  it('asks for the snapshot again when it is older than the buffered stream (step 4)', () => {
    const snapshot = parseOkxRestBooks(REST_BODY, 'BTC-USDT-SWAP');
    const result = alignOkxRestSnapshot(snapshot, [update(120, 130), update(130, 140)]);
    assert.equal(result.type, 'refetch');
  });

  it('reports a hole in the buffer, or a maintenance reset inside it, as a gap', () => {
    const snapshot = parseOkxRestBooks(REST_BODY, 'BTC-USDT-SWAP');
    assert.equal(alignOkxRestSnapshot(snapshot, [update(100, 110), update(115, 120)]).type, 'gap');
    assert.equal(alignOkxRestSnapshot(snapshot, [update(100, 110), update(110, 3), update(3, 5)]).type, 'gap');
  });

  it('is ready alone when nothing was buffered (the sequencer judges the next update by the same rule)', () => {
    const snapshot = parseOkxRestBooks(REST_BODY, 'BTC-USDT-SWAP');
    assert.deepEqual(alignOkxRestSnapshot(snapshot, []), { type: 'ready', snapshot, updates: [] });
  });

  it('ignores an in-band snapshot in the buffer ("Ignore the first event received")', () => {
    const snapshot = parseOkxRestBooks(REST_BODY, 'BTC-USDT-SWAP');
    const inBand = parseOkxFrame(
      '{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"snapshot","data":[{"asks":[],"bids":[],"ts":"1","checksum":0,"prevSeqId":-1,"seqId":100}]}',
      0,
    );
    assert.ok(inBand.kind === 'book');
    const result = alignOkxRestSnapshot(snapshot, [inBand, update(100, 110)]);
    assert.ok(result.type === 'ready');
    assert.equal(result.updates.length, 1);
  });
});
