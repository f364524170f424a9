import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { top25Checksum } from '../kit/top25-checksum.js';
import { parseBitgetFrame } from './parse.js';
import { documentedFrame } from './test-support.js';

const parse = (text: string) => parseBitgetFrame(text, 0);

describe('Bitget v2 parser on documented and probe-quoted frames', () => {
  it('reads a books snapshot: seq as the update id, sizes in base coin as sent, pseq 0 of a snapshot dropped', () => {
    assert.deepEqual(parse(documentedFrame('books_snapshot')), {
      kind: 'book',
      symbol: 'MAVUSDT',
      action: 'snapshot',
      bids: [
        ['0.01038', '4311.15'],
        ['0.01037', '175152.28'],
      ],
      asks: [
        ['0.01039', '4499.23'],
        ['0.0104', '116536.86'],
      ],
      firstUpdateId: 427583461144,
      updateId: 427583461144,
      venueTs: 1789456510736,
    });
  });

  it('reads a books update with pseq as the previous update id', () => {
    const frame = parse(documentedFrame('books_update_1'));
    assert.equal(frame.kind, 'book');
    if (frame.kind !== 'book') return;
    assert.equal(frame.action, 'update');
    assert.equal(frame.updateId, 427583480559);
    assert.equal(frame.prevUpdateId, 427583461144);
    assert.deepEqual(frame.asks, []);
    assert.deepEqual(frame.bids, [['0.00519', '30828.52']]);
    assert.equal(frame.checksum, undefined);
  });

  it('maps a checksum of 0 or none to no checksum, and passes a non-zero one on', () => {
    const base = JSON.parse(documentedFrame('books_update_2')) as { data: Record<string, unknown>[] };
    base.data[0].checksum = 0;
    const zero = parse(JSON.stringify(base));
    assert.equal(zero.kind === 'book' && zero.checksum, undefined);
    base.data[0].checksum = -1504501796;
    const nonZero = parse(JSON.stringify(base));
    assert.equal(nonZero.kind === 'book' && nonZero.checksum, -1504501796);
  });

  it('reads a classic update without pseq (no previous id)', () => {
    const frame = parse(
      '{"action":"update","arg":{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"},"data":[{"asks":[["27000.5","0.000"]],"bids":[],"checksum":0,"seq":124,"ts":"1695716059516"}],"ts":1695716059516}',
    );
    assert.equal(frame.kind, 'book');
    if (frame.kind !== 'book') return;
    assert.equal(frame.updateId, 124);
    assert.equal(frame.prevUpdateId, undefined);
    // The trailing zeros the venue sent are kept (the checksum is over the raw strings).
    assert.deepEqual(frame.asks, [['27000.5', '0.000']]);
  });

  it('refuses a sequence number beyond 2^53 instead of rounding it', () => {
    const frame = parse(
      '{"action":"update","arg":{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"},"data":[{"asks":[],"bids":[],"seq":1483653649791156272,"pseq":1483653649371725838,"ts":"1695716059516"}]}',
    );
    assert.deepEqual(frame, { kind: 'invalid', reason: 'bad_field', detail: 'books BTCUSDT: bad seq' });
  });

  it('reads the subscribe ack as an ack for the argument it names', () => {
    assert.deepEqual(parse(documentedFrame('subscribe_ack')), {
      kind: 'ack',
      op: 'subscribe',
      ok: true,
      topics: ['books:BTCUSDT'],
    });
  });

  it('reads 30001 "doesn\'t exist" as an unknown symbol for that topic', () => {
    assert.deepEqual(parse(documentedFrame('error_unknown_symbol')), {
      kind: 'ack',
      op: 'subscribe',
      ok: false,
      topics: ['books:NOPEUSDT'],
      code: '30001',
      message: "instType:USDT-FUTURES,channel:books,instId:NOPEUSDT,precision:null doesn't exist",
      unknownSymbol: true,
    });
  });

  it('finds the refused argument in the text when the error has no arg', () => {
    const frame = parse(
      '{"event":"error","code":30001,"msg":"instType:USDT-FUTURES,channel:trade,instId:NOPEUSDT doesn\'t exist"}',
    );
    assert.equal(frame.kind === 'ack' && frame.unknownSymbol, true);
    assert.deepEqual(frame.kind === 'ack' && frame.topics, ['trade:NOPEUSDT']);
  });

  it('reads another error as a refusal that is not an unknown symbol', () => {
    const frame = parse(documentedFrame('error_param'));
    assert.equal(frame.kind, 'ack');
    if (frame.kind !== 'ack') return;
    assert.equal(frame.ok, false);
    assert.equal(frame.code, '30016');
    assert.equal(frame.unknownSymbol, undefined);
    // books50 is not a channel FlowRS uses: no topic of its own is refused.
    assert.deepEqual(frame.topics, []);
  });

  it('recognises the text pong', () => {
    assert.deepEqual(parse(documentedFrame('pong')), { kind: 'pong' });
  });

  it('marks the trade snapshot (recent past trades) as history, with the taker side', () => {
    assert.deepEqual(parse(documentedFrame('trade_snapshot')), {
      kind: 'trades',
      symbol: 'BTCUSDT',
      history: true,
      trades: [
        { tradeId: '1111111111', price: '27000.5', size: '0.001', side: 'buy', venueTs: 1695716760565 },
        { tradeId: '1111111111', price: '27000.0', size: '0.001', side: 'sell', venueTs: 1695716759514 },
      ],
    });
  });

  it('forwards trade updates as new trades', () => {
    const text = documentedFrame('trade_snapshot').replace('"action":"snapshot"', '"action":"update"');
    const frame = parse(text);
    assert.equal(frame.kind, 'trades');
    assert.equal(frame.kind === 'trades' && frame.history, undefined);
  });

  it('reports broken frames as invalid with a typed reason, never throwing', () => {
    assert.deepEqual(parse('{"action":"update","arg":'), { kind: 'invalid', reason: 'not_json', detail: 'not JSON' });
    const badLevel = parse(
      '{"action":"update","arg":{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"},"data":[{"asks":[[27000.5,1]],"bids":[],"seq":2,"ts":"1"}]}',
    );
    assert.equal(badLevel.kind === 'invalid' && badLevel.reason, 'bad_level');
    const badAction = parse(
      '{"action":"partial","arg":{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"},"data":[{"asks":[],"bids":[],"seq":2,"ts":"1"}]}',
    );
    assert.equal(badAction.kind === 'invalid' && badAction.reason, 'bad_field');
    assert.deepEqual(parse('{"foo":1}'), { kind: 'invalid', reason: 'unknown_message', detail: 'no event and no arg' });
  });

  it('ignores other instTypes and channels', () => {
    const spot = documentedFrame('books_snapshot').replace('USDT-FUTURES', 'SPOT');
    assert.equal(parse(spot).kind, 'ignored');
    assert.equal(
      parse('{"action":"snapshot","arg":{"instType":"USDT-FUTURES","channel":"ticker","instId":"BTCUSDT"},"data":[]}')
        .kind,
      'ignored',
    );
  });
});

describe('Bitget checksum', () => {
  it('is the OKX string and CRC: the documented vector', () => {
    // Bitget's example "43231.1:4:43232.8:9:43231:6:43232.9:8" → -1504501796.
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
});
