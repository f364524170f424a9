import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRecording } from '../../sim/recording.js';
import { realFixture } from '../../sim/test-support/fixtures.js';
import { top25Checksum } from '../kit/top25-checksum.js';
import type { VenueFrame } from '../kit/venue-frame.js';
import { parseOkxFrame } from './parse.js';
import { RawBook } from './test-support.js';

const REAL_2022 = 'okx/cryptofeed_2022-05-13_books_trades_tickers.ws.txt';

function parse(text: string): VenueFrame {
  return parseOkxFrame(text, 0);
}

describe('parseOkxFrame on the real 2022 capture', () => {
  it('parses every frame, and every books checksum matches a raw-string book built from the frames', () => {
    const { frames } = readRecording(realFixture(REAL_2022));
    const books = new Map<string, RawBook>();
    let booksFrames = 0;
    let verified = 0;
    let snapshots = 0;
    let acks = 0;
    let trades = 0;
    for (const text of frames) {
      const frame = parse(text);
      if (frame.kind === 'invalid') assert.fail(`${frame.reason} ${frame.detail}: ${text.slice(0, 120)}`);
      if (frame.kind === 'ack') {
        acks++;
        assert.equal(frame.ok, true);
      }
      if (frame.kind === 'trades') {
        trades += frame.trades.length;
        for (const t of frame.trades) assert.ok(t.side === 'buy' || t.side === 'sell');
      }
      if (frame.kind !== 'book') continue;
      booksFrames++;
      // Recorded before OKX added seqId/prevSeqId: an unsequenced stream, its ts standing in as the id.
      assert.equal(frame.prevUpdateId, undefined);
      assert.equal(frame.updateId, frame.venueTs);
      let book = books.get(frame.symbol);
      if (frame.action === 'snapshot') {
        snapshots++;
        book = new RawBook();
        books.set(frame.symbol, book);
        book.replace(frame.bids, frame.asks);
      } else {
        assert.ok(book, `an update before the snapshot of ${frame.symbol}`);
        book.update(frame.bids, frame.asks);
      }
      assert.notEqual(frame.checksum, undefined, 'the 2022 frames all carry a non-zero checksum');
      const { bids, asks } = book.sorted(25);
      assert.equal(top25Checksum(bids, asks), frame.checksum, `${frame.symbol} at ts ${frame.venueTs}`);
      verified++;
    }
    assert.equal(booksFrames, 290);
    assert.equal(verified, 290);
    assert.equal(snapshots, 3);
    assert.equal(acks, 18);
    assert.ok(trades > 0);
  });

  it('maps the real trade frame: side is the taker’s, sz stays the raw contract count', () => {
    const frame = parse(
      '{"arg":{"channel":"trades","instId":"UNI-USD-SWAP"},"data":[{"instId":"UNI-USD-SWAP","tradeId":"12883020","px":"5.123","sz":"100","side":"sell","ts":"1652459215150"}]}',
    );
    assert.deepEqual(frame, {
      kind: 'trades',
      symbol: 'UNI-USD-SWAP',
      trades: [{ tradeId: '12883020', price: '5.123', size: '100', side: 'sell', venueTs: 1652459215150 }],
    });
  });

  it('maps the real legacy ack (no id, no connId) to one topic', () => {
    assert.deepEqual(parse('{"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"}}'), {
      kind: 'ack',
      op: 'subscribe',
      ok: true,
      topics: ['books:BTC-USDT'],
      requestId: undefined,
    });
  });
});

describe('parseOkxFrame on the documented 2026 frames', () => {
  it('keeps seqId and prevSeqId, -1 distinct from 0, and the documented non-zero checksum', () => {
    // The documentation's snapshot example.
    const snapshot = parse(
      '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"snapshot","data":[{"asks":[["8476.98","415","0","13"],["8477","7","0","2"]],"bids":[["8476.97","256","0","12"],["8475.55","101","0","1"]],"ts":"1597026383085","checksum":-855196043,"prevSeqId":-1,"seqId":123456}]}',
    );
    assert.deepEqual(snapshot, {
      kind: 'book',
      symbol: 'BTC-USDT',
      action: 'snapshot',
      bids: [
        ['8476.97', '256'],
        ['8475.55', '101'],
      ],
      asks: [
        ['8476.98', '415'],
        ['8477', '7'],
      ],
      firstUpdateId: 123456,
      updateId: 123456,
      prevUpdateId: -1,
      checksum: -855196043,
      venueTs: 1597026383085,
    });
    const fromZero = parse(
      '{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"update","data":[{"asks":[],"bids":[["1","0","0","0"]],"ts":"1","checksum":0,"prevSeqId":0,"seqId":7}]}',
    );
    assert.ok(fromZero.kind === 'book');
    assert.equal(fromZero.action, 'update');
    assert.equal(fromZero.prevUpdateId, 0);
  });

  it('reads checksum 0 (OKX since 2026-06-23) as no checksum', () => {
    const frame = parse(
      '{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"snapshot","data":[{"asks":[["65000.1","3","0","1"]],"bids":[["65000","2","0","1"]],"ts":"1787000000000","checksum":0,"prevSeqId":-1,"seqId":335226848531}]}',
    );
    assert.ok(frame.kind === 'book');
    assert.equal(frame.checksum, undefined);
    assert.equal(frame.updateId, 335226848531);
  });

  it('treats prevSeqId -1 as a snapshot whatever the action says', () => {
    const frame = parse(
      '{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"update","data":[{"asks":[],"bids":[],"ts":"1","checksum":0,"prevSeqId":-1,"seqId":10}]}',
    );
    assert.ok(frame.kind === 'book');
    assert.equal(frame.action, 'snapshot');
  });

  it('answers per argument, with the request id', () => {
    assert.deepEqual(
      parse('{"id":"1512","event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"connId":"a4d3ae55"}'),
      { kind: 'ack', op: 'subscribe', ok: true, topics: ['books:BTC-USDT-SWAP'], requestId: '1512' },
    );
    assert.deepEqual(
      parse('{"id":"7","event":"unsubscribe","arg":{"channel":"trades","instId":"ETH-USDT-SWAP"},"connId":"a4d3ae55"}'),
      { kind: 'ack', op: 'unsubscribe', ok: true, topics: ['trades:ETH-USDT-SWAP'], requestId: '7' },
    );
  });

  it('reads an error that names no argument by its request id (the documented 60012 answer)', () => {
    const frame = parse(
      '{"id":"1512","event":"error","code":"60012","msg":"Invalid request: {\\"op\\": \\"subscribe\\", \\"argss\\":[{ \\"channel\\" : \\"books\\", \\"instId\\" : \\"BTC-USD-191227\\"}]}","connId":"a4d3ae55"}',
    );
    assert.ok(frame.kind === 'ack');
    assert.equal(frame.ok, false);
    assert.equal(frame.requestId, '1512');
    assert.equal(frame.code, '60012');
    assert.equal(frame.unknownSymbol, undefined);
    // The quoted request names the argument: attributed to it, but not as an unknown instrument.
    assert.deepEqual(frame.topics, ['books:BTC-USD-191227']);
    const bare = parse(
      '{"id":"9","event":"error","code":"64007","msg":"Operation subscribe failed due to WebSocket internal error. Please try again later.","connId":"x"}',
    );
    assert.ok(bare.kind === 'ack' && !bare.ok);
    assert.deepEqual(bare.topics, []);
    assert.equal(bare.requestId, '9');
  });

  it('recognises 60018 for books or trades as an unknown instrument (real answers, 2023 and 2025)', () => {
    const old = parse('{"event":"error","msg":"channel:books,instId:LTC-USD-SWAP doesn\'t exist","code":"60018"}');
    assert.ok(old.kind === 'ack');
    assert.equal(old.unknownSymbol, true);
    assert.deepEqual(old.topics, ['books:LTC-USD-SWAP']);
    const current = parse(
      '{"id":"3","event":"error","msg":"Wrong URL or channel:trades,instId:NOPE-USDT-SWAP doesn\'t exist. Please use the correct URL, channel and parameters referring to API document.","code":"60018","connId":"2b5dc6ac"}',
    );
    assert.ok(current.kind === 'ack');
    assert.equal(current.unknownSymbol, true);
    assert.deepEqual(current.topics, ['trades:NOPE-USDT-SWAP']);
    assert.equal(current.requestId, '3');
    // The same code for a channel the public URL does not carry is a wrong URL, not an unknown symbol.
    const wrongUrl = parse(
      '{"event":"error","msg":"Wrong URL or channel:candle1s,instId:BTC-USDT-SWAP doesn\'t exist. Please use the correct URL, channel and parameters referring to API document.","code":"60018","connId":"2b5dc6ac"}',
    );
    assert.ok(wrongUrl.kind === 'ack');
    assert.equal(wrongUrl.unknownSymbol, undefined);
  });

  it('recognises the text pong, and ignores other channels and notices', () => {
    assert.deepEqual(parse('pong'), { kind: 'pong' });
    assert.equal(parse('{"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{}]}').kind, 'ignored');
    assert.equal(
      parse(
        '{"event":"notice","code":"64008","msg":"The connection will soon be closed for a service upgrade. Please reconnect.","connId":"a"}',
      ).kind,
      'ignored',
    );
  });

  it('rejects malformed frames with typed reasons', () => {
    const cases: [string, string][] = [
      ['ping', 'not_json'],
      ['{"arg":{"channel":"books","instId":"X"},"action":"update","data":[{"asks":[],"bids":[],"ts":"1"', 'not_json'],
      ['[1,2]', 'unknown_message'],
      ['{"hello":1}', 'unknown_message'],
      [
        '{"arg":{"channel":"books","instId":"X"},"action":"weird","data":[{"asks":[],"bids":[],"ts":"1"}]}',
        'bad_field',
      ],
      [
        '{"arg":{"channel":"books","instId":"X"},"action":"update","data":[{"asks":[],"bids":[],"ts":"soon"}]}',
        'bad_field',
      ],
      ['{"arg":{"channel":"books","instId":"X"},"action":"update","data":[]}', 'bad_field'],
      [
        '{"arg":{"channel":"books","instId":"X"},"action":"update","data":[{"asks":[],"bids":[],"ts":"1","seqId":5}]}',
        'bad_field',
      ],
      [
        '{"arg":{"channel":"books","instId":"X"},"action":"update","data":[{"asks":[],"bids":[],"ts":"1","seqId":"5","prevSeqId":4}]}',
        'bad_field',
      ],
      [
        '{"arg":{"channel":"books","instId":"X"},"action":"update","data":[{"asks":[],"bids":[],"ts":"1","checksum":"abc"}]}',
        'bad_field',
      ],
      [
        '{"arg":{"channel":"books","instId":"X"},"action":"update","data":[{"asks":[[1,"2"]],"bids":[],"ts":"1"}]}',
        'bad_level',
      ],
      [
        '{"arg":{"channel":"books","instId":"X"},"action":"update","data":[{"asks":"none","bids":[],"ts":"1"}]}',
        'bad_level',
      ],
      [
        '{"arg":{"channel":"trades","instId":"X"},"data":[{"tradeId":"1","px":"1","sz":"1","side":"up","ts":"1"}]}',
        'bad_field',
      ],
      ['{"event":"subscribe","arg":{"channel":"books"}}', 'bad_field'],
    ];
    for (const [text, reason] of cases) {
      const frame = parse(text);
      assert.ok(frame.kind === 'invalid', text);
      assert.equal(frame.reason, reason, text);
    }
  });
});
