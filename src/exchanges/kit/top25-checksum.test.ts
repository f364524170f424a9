import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasChecksum, top25Checksum } from './top25-checksum.js';

describe('the top-25 interleaved CRC32 checksum (OKX, Bitget)', () => {
  it('matches the documented worked vectors', () => {
    // OKX: bids 3366.1×7, 3366×6; asks 3366.8×9, 3368×8 → "3366.1:7:3366.8:9:3366:6:3368:8".
    assert.equal(
      top25Checksum(
        [
          ['3366.1', '7'],
          ['3366', '6'],
        ],
        [
          ['3366.8', '9'],
          ['3368', '8'],
        ],
      ),
      -1881014294,
    );
    // One side longer than the other: "3366.1:7:3366.8:9:3368:8:3372:8".
    assert.equal(
      top25Checksum(
        [['3366.1', '7']],
        [
          ['3366.8', '9'],
          ['3368', '8'],
          ['3372', '8'],
        ],
      ),
      831078360,
    );
    // Bitget's documentation example.
    assert.equal(
      top25Checksum(
        [
          ['43231.1', '4'],
          ['43231', '6'],
        ],
        [
          ['43232.8', '9'],
          ['43232.9', '8'],
        ],
      ),
      -1504501796,
    );
  });

  it('covers only 25 levels a side', () => {
    const side = (start: number) => Array.from({ length: 30 }, (_, i) => [String(start - i), '1'] as const);
    const bids = side(1000);
    assert.equal(top25Checksum(bids, []), top25Checksum(bids.slice(0, 25), []));
  });

  it('treats 0 and an absent field as no checksum', () => {
    assert.equal(hasChecksum(0), false);
    assert.equal(hasChecksum(undefined), false);
    assert.equal(hasChecksum(-5), true);
  });
});
