import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRecording } from '../../sim/recording.js';
import { realFixture } from '../../sim/test-support/fixtures.js';
import { parseBybitFrame } from './parse.js';

describe('parseBybitFrame', () => {
  it('parses every frame of the real linear capture; u rises by one per delta per book', () => {
    const recording = readRecording(realFixture('bybit/cryptofeed_2026-08-09_v5_linear_orderbook200_trades.jsonl'));
    // The capture holds one orderbook topic per symbol (orderbook.200), so the symbol names the topic.
    const lastU = new Map<string, number>();
    let snapshots = 0;
    let deltas = 0;
    let trades = 0;
    let acks = 0;
    for (const text of recording.frames) {
      const frame = parseBybitFrame(text, 0);
      if (frame.kind === 'invalid') assert.fail(`${frame.reason}: ${text.slice(0, 100)}`);
      if (frame.kind === 'ack') {
        acks++;
        assert.equal(frame.ok, true);
        assert.equal(frame.op, 'subscribe');
        assert.equal(frame.unknownSymbol, false);
      }
      if (frame.kind === 'trades') {
        trades += frame.trades.length;
        for (const t of frame.trades) assert.ok(t.side === 'buy' || t.side === 'sell');
      }
      if (frame.kind !== 'book') continue;
      assert.equal(frame.firstUpdateId, frame.updateId, 'Bybit has one id per message');
      if (frame.action === 'update') {
        deltas++;
        assert.equal(frame.updateId, lastU.get(frame.symbol)! + 1, frame.symbol);
      } else {
        snapshots++;
      }
      lastU.set(frame.symbol, frame.updateId);
    }
    assert.equal(acks, 17);
    assert.equal(deltas, 1594);
    assert.equal(trades, 327);
    assert.deepEqual([...lastU.keys()].sort(), ['BTCUSDT', 'DOGEUSDT', 'ETHUSDT', 'SOLUSDT']);
    assert.ok(snapshots >= 4, 'each book starts with a snapshot');
  });

  it('maps S (the taker side) and keeps strings exact', () => {
    const frame = parseBybitFrame(
      '{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1786310819681,"data":[{"T":1786310819680,"s":"BTCUSDT","S":"Sell","v":"0.004","p":"65114.20","L":"MinusTick","i":"a9188a0a-82bc-50de-be60-03eedbe3cdd7","BT":false,"RPI":false,"seq":753843954913}]}',
      5,
    );
    assert.ok(frame.kind === 'trades');
    assert.equal(frame.symbol, 'BTCUSDT');
    assert.deepEqual(frame.trades, [
      {
        tradeId: 'a9188a0a-82bc-50de-be60-03eedbe3cdd7',
        price: '65114.20',
        size: '0.004',
        side: 'sell',
        venueTs: 1786310819680,
      },
    ]);
  });

  it('maps a snapshot and a delta onto the shared book frame, exact strings and u as the id', () => {
    const snapshot = parseBybitFrame(
      '{"topic":"orderbook.200.BTCUSDT","type":"snapshot","ts":1700000000010,"data":{"s":"BTCUSDT","b":[["65000.10","1.500"]],"a":[["65000.20","0.010"]],"u":77,"seq":9},"cts":1}',
      0,
    );
    assert.deepEqual(snapshot, {
      kind: 'book',
      symbol: 'BTCUSDT',
      action: 'snapshot',
      bids: [['65000.10', '1.500']],
      asks: [['65000.20', '0.010']],
      firstUpdateId: 77,
      updateId: 77,
      venueTs: 1700000000010,
    });
    const delta = parseBybitFrame(
      '{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1700000000020,"data":{"s":"BTCUSDT","b":[["65000.10","0"]],"a":[],"u":78,"seq":10},"cts":1}',
      0,
    );
    assert.ok(delta.kind === 'book');
    assert.equal(delta.action, 'update');
    assert.equal(delta.updateId, 78);
    assert.deepEqual(delta.bids, [['65000.10', '0']]);
  });

  it('reads acknowledgements by success, whatever ret_msg says (linear and spot differ)', () => {
    const linear = parseBybitFrame('{"success":true,"ret_msg":"","conn_id":"x","req_id":"7","op":"subscribe"}', 0);
    const spot = parseBybitFrame('{"success":true,"ret_msg":"subscribe","conn_id":"x","op":"subscribe"}', 0);
    assert.ok(linear.kind === 'ack' && linear.ok && linear.requestId === '7' && linear.op === 'subscribe');
    assert.ok(spot.kind === 'ack' && spot.ok && spot.requestId === undefined);
  });

  it('reads a refusal: the topic it names, handler not found as an unknown symbol, already subscribed', () => {
    const unknown = parseBybitFrame(
      '{"success":false,"ret_msg":"error:handler not found,topic:orderbook.50.NOPEUSDT","conn_id":"x","req_id":"e1","op":"subscribe"}',
      0,
    );
    assert.ok(unknown.kind === 'ack');
    assert.equal(unknown.ok, false);
    assert.equal(unknown.requestId, 'e1');
    assert.deepEqual(unknown.topics, ['orderbook.50.NOPEUSDT']);
    assert.equal(unknown.unknownSymbol, true);
    assert.equal(unknown.alreadySubscribed, false);
    const again = parseBybitFrame(
      '{"success":false,"ret_msg":"error:already subscribed,topic:orderbook.200.BTCUSDT","conn_id":"x","req_id":"e2","op":"subscribe"}',
      0,
    );
    assert.ok(again.kind === 'ack');
    assert.equal(again.alreadySubscribed, true);
    assert.equal(again.unknownSymbol, false);
    assert.deepEqual(again.topics, ['orderbook.200.BTCUSDT']);
  });

  it('reads the answer to op ping as a pong, on linear (ret_msg pong) and spot (op ping)', () => {
    assert.deepEqual(parseBybitFrame('{"success":true,"ret_msg":"pong","conn_id":"x","req_id":"","op":"ping"}', 0), {
      kind: 'pong',
    });
    assert.deepEqual(parseBybitFrame('{"success":true,"ret_msg":"pong","conn_id":"x","op":"pong"}', 0), {
      kind: 'pong',
    });
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
    assert.equal(parseBybitFrame('not json', 0).kind, 'invalid');
    assert.equal(parseBybitFrame('{"topic":"tickers.BTCUSDT","type":"snapshot","ts":1,"data":{}}', 0).kind, 'ignored');
  });
});
