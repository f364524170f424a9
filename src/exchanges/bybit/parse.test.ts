import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRecording } from '../../sim/recording.js';
import { realFixture } from '../../sim/test-support/fixtures.js';
import { parseBybitFrame } from './parse.js';

describe('parseBybitFrame', () => {
  it('parses every frame of the real linear capture; u rises by one per delta per topic', () => {
    const recording = readRecording(realFixture('bybit/cryptofeed_2026-08-09_v5_linear_orderbook200_trades.jsonl'));
    const lastU = new Map<string, number>();
    let deltas = 0;
    let trades = 0;
    let acks = 0;
    for (const text of recording.frames) {
      const frame = parseBybitFrame(text, 0);
      if (frame.kind === 'invalid') assert.fail(`${frame.reason}: ${text.slice(0, 100)}`);
      if (frame.kind === 'ack') {
        acks++;
        assert.equal(frame.success, true);
      }
      if (frame.kind === 'trades') trades += frame.trades.length;
      if (frame.kind !== 'orderbook') continue;
      if (frame.type === 'delta') {
        deltas++;
        assert.equal(frame.u, lastU.get(frame.topic)! + 1, frame.topic);
      }
      lastU.set(frame.topic, frame.u);
    }
    assert.equal(acks, 17);
    assert.equal(deltas, 1594);
    assert.equal(trades, 327);
  });

  it('maps S (the taker side) and keeps strings exact', () => {
    const frame = parseBybitFrame(
      '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1786310819681,"data":[{"T":1786310819680,"s":"BTCUSDT","S":"Sell","v":"0.004","p":"65114.20","L":"MinusTick","i":"a9188a0a-82bc-50de-be60-03eedbe3cdd7","BT":false,"RPI":false,"seq":753843954913}]}',
      5,
    );
    assert.ok(frame.kind === 'trades');
    assert.deepEqual(frame.trades[0], {
      type: 'trade',
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      tradeId: 'a9188a0a-82bc-50de-be60-03eedbe3cdd7',
      price: '65114.20',
      quantity: '0.004',
      side: 'sell',
      venueTs: 1786310819680,
      localTs: 5,
    });
  });

  it('reads acknowledgements by success, whatever ret_msg says (linear and spot differ)', () => {
    const linear = parseBybitFrame('{"success":true,"ret_msg":"","conn_id":"x","req_id":"","op":"subscribe"}', 0);
    const spot = parseBybitFrame('{"success":true,"ret_msg":"subscribe","conn_id":"x","op":"subscribe"}', 0);
    const refused = parseBybitFrame(
      '{"success":false,"ret_msg":"error:handler not found,topic:orderbook.50.NOPEUSDT","conn_id":"x","req_id":"e1","op":"subscribe"}',
      0,
    );
    assert.ok(linear.kind === 'ack' && linear.success);
    assert.ok(spot.kind === 'ack' && spot.success);
    assert.ok(refused.kind === 'ack' && !refused.success && refused.reqId === 'e1');
  });

  it('rejects malformed frames', () => {
    for (const bad of [
      '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":17',
      '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":"x","data":{"s":"BTCUSDT","b":[],"a":[],"u":1}}',
      '{"topic":"orderbook.50.BTCUSDT","type":"weird","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[],"u":1}}',
      '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":"none","a":[],"u":1}}',
      '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{"S":"Up"}]}',
      '{"no":"topic"}',
    ]) {
      assert.equal(parseBybitFrame(bad, 0).kind, 'invalid', bad);
    }
    assert.equal(parseBybitFrame('{"topic":"tickers.BTCUSDT","type":"snapshot","ts":1,"data":{}}', 0).kind, 'ignored');
  });
});
