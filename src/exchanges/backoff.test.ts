import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('draws below an exponentially growing, capped ceiling, and resets', () => {
    const b = new Backoff(100, 1_000, () => 0.999);
    assert.deepEqual(
      Array.from({ length: 6 }, () => b.next()),
      [99, 199, 399, 799, 999, 999],
    );
    b.reset();
    assert.equal(b.next(), 99);
    const jittered = new Backoff(100, 1_000, () => 0.5);
    assert.equal(jittered.next(), 50, 'full jitter: anywhere below the ceiling');
  });

  it('makes a fresh copy with the same parameters and its own count', () => {
    const b = new Backoff(100, 1_000, () => 0.999);
    b.next();
    b.next();
    const copy = b.fresh();
    assert.equal(copy.attempts, 0);
    assert.equal(copy.next(), 99, 'starts from the base again');
    assert.equal(b.next(), 399, 'the original keeps its own count');
  });
});
