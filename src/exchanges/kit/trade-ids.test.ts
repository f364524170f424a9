import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecentTradeIds } from './trade-ids.js';

describe('trade dedupe by trade id', () => {
  it('passes a trade id once per symbol and drops its repeats', () => {
    const seen = new RecentTradeIds();
    assert.equal(seen.firstSeen('BTC', '907188554740561'), true);
    assert.equal(seen.firstSeen('BTC', '907188554740561'), false);
    assert.equal(seen.firstSeen('ETH', '907188554740561'), true, 'ids are per symbol');
  });

  it('remembers only the last `window` ids, in arrival order', () => {
    const seen = new RecentTradeIds(3);
    for (const id of ['1', '2', '3', '4']) assert.equal(seen.firstSeen('BTC', id), true);
    assert.equal(seen.firstSeen('BTC', '4'), false);
    assert.equal(seen.firstSeen('BTC', '2'), false);
    assert.equal(seen.firstSeen('BTC', '1'), true, 'the oldest id was forgotten');
    seen.forget('BTC');
    assert.equal(seen.firstSeen('BTC', '4'), true);
  });
});
