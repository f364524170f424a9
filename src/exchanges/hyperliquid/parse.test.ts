import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HYPERLIQUID_GREETING, parseHyperliquidFrame } from './parse.js';
import { documentedFrame } from './test-support.js';

const parse = (text: string, depthLimit = 20) => parseHyperliquidFrame(text, 1, { depthLimit });

describe('Hyperliquid frames (documented examples)', () => {
  it('reads an l2Book message as a whole picture: a snapshot of both sides, capped at the cadence depth, id = time', () => {
    const frame = parse(documentedFrame('l2book'));
    assert.deepEqual(frame, {
      kind: 'book',
      symbol: 'BTC',
      action: 'snapshot',
      bids: [
        ['90057', '5.34526'],
        ['90056', '0.01336'],
        ['90055', '0.33772'],
        ['90054', '0.01859'],
        ['90053', '0.08936'],
      ],
      asks: [
        ['90058', '7.46316'],
        ['90059', '0.44694'],
        ['90060', '0.00013'],
        ['90061', '0.05576'],
        ['90062', '0.9716'],
      ],
      firstUpdateId: 1767878802704,
      updateId: 1767878802704,
      venueTs: 1767878802704,
      depthLimit: 20,
    });
    const fast = parse(documentedFrame('l2book'), 5);
    assert.equal(fast.kind === 'book' && fast.depthLimit, 5);
  });

  it('reads side B as a taker buy and A as a taker sell, with the tid as trade id', () => {
    const frame = parse(documentedFrame('trades'));
    assert.deepEqual(frame, {
      kind: 'trades',
      symbol: 'BTC',
      trades: [{ tradeId: '907188554740561', price: '90058.0', size: '0.00012', side: 'buy', venueTs: 1767878803102 }],
    });
    const sold = parse(documentedFrame('trades').replace('"side":"B"', '"side":"A"'));
    assert.equal(sold.kind === 'trades' && sold.trades[0].side, 'sell');
  });

  it('matches a subscription acknowledgement to its topic by content', () => {
    assert.deepEqual(parse(documentedFrame('subscription_response')), {
      kind: 'ack',
      op: 'subscribe',
      ok: true,
      topics: ['trades:SOL'],
    });
    assert.deepEqual(
      parse(
        '{"channel":"subscriptionResponse","data":{"method":"unsubscribe","subscription":{"type":"l2Book","coin":"kPEPE","fast":true}}}',
      ),
      { kind: 'ack', op: 'unsubscribe', ok: true, topics: ['l2Book:kPEPE'] },
    );
  });

  it('recognises pong, and the greeting text as ignored rather than invalid', () => {
    assert.deepEqual(parse(documentedFrame('pong')), { kind: 'pong' });
    assert.equal(documentedFrame('greeting'), HYPERLIQUID_GREETING);
    assert.deepEqual(parse(documentedFrame('greeting')), { kind: 'ignored', what: 'greeting' });
  });

  it('answers "Already subscribed: {…}" as a refusal that is not an error, for the topic it names', () => {
    // The live frame names a candle subscription: not one of FlowRS's, so nothing to act on.
    assert.equal(parse(documentedFrame('error_already_subscribed')).kind, 'ignored');
    const mine = documentedFrame('error_already_subscribed').replace(
      '{\\"type\\":\\"candle\\",\\"interval\\":\\"30m\\",\\"coin\\":\\"UNI\\"}',
      '{\\"type\\":\\"l2Book\\",\\"coin\\":\\"BTC\\"}',
    );
    assert.deepEqual(parse(mine), {
      kind: 'ack',
      op: 'subscribe',
      ok: false,
      topics: ['l2Book:BTC'],
      message: 'Already subscribed: {"type":"l2Book","coin":"BTC"}',
      alreadySubscribed: true,
    });
  });

  it('answers "Invalid subscription {…}" naming one of its subscriptions as an unknown symbol', () => {
    assert.deepEqual(
      parse('{"channel":"error","data":"Invalid subscription {\\"type\\":\\"trades\\",\\"coin\\":\\"NOPE\\"}"}'),
      {
        kind: 'ack',
        op: 'subscribe',
        ok: false,
        topics: ['trades:NOPE'],
        message: 'Invalid subscription {"type":"trades","coin":"NOPE"}',
        unknownSymbol: true,
      },
    );
  });

  it('reports malformed frames with typed reasons and never throws', () => {
    assert.deepEqual(parse('{"channel":"l2Book","data":{"coin":"BTC"'), {
      kind: 'invalid',
      reason: 'not_json',
      detail: 'not JSON',
    });
    assert.equal((parse('[1,2]') as { reason: string }).reason, 'unknown_message');
    assert.equal((parse('{"data":{}}') as { reason: string }).reason, 'unknown_message');
    assert.equal(
      (parse('{"channel":"l2Book","data":{"coin":"BTC","time":"soon","levels":[[],[]]}}') as { reason: string }).reason,
      'bad_field',
    );
    assert.equal(
      (
        parse('{"channel":"l2Book","data":{"coin":"BTC","time":1,"levels":[[{"px":1,"sz":"2","n":1}],[]]}}') as {
          reason: string;
        }
      ).reason,
      'bad_level',
    );
    assert.equal(
      (
        parse('{"channel":"trades","data":[{"coin":"BTC","side":"S","px":"1","sz":"1","time":1,"tid":1}]}') as {
          reason: string;
        }
      ).reason,
      'bad_field',
    );
    assert.equal(
      (
        parse(
          '{"channel":"trades","data":[{"coin":"BTC","side":"B","px":"1","sz":"1","time":1,"tid":1},{"coin":"ETH","side":"B","px":"1","sz":"1","time":1,"tid":2}]}',
        ) as { reason: string }
      ).reason,
      'bad_field',
    );
    assert.deepEqual(parse('{"channel":"allMids","data":{"mids":{}}}'), { kind: 'ignored', what: 'channel allMids' });
  });
});
