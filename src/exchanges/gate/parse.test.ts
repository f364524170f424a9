import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { realFixture } from '../../sim/test-support/fixtures.js';
import { gateBookTopic, gateChannelOf, parseBookStream, parseGateFrame } from './parse.js';
import { readCryptofeedText } from './test-support/capture.js';

const WS_CAPTURE = 'gate/cryptofeed_GATEIO_FUTURES.ws.1.0.txt';

// Documented frames (Gate futures WebSocket v4, "Order book V2" and the 2025-05-13 announcement), and
// frames a third-party connector's tests quote as captured live on 2026-09-15 (noted per case).
const OBU_ACK =
  '{"time":1747054611,"time_ms":1747054611614,"id":7,"conn_id":"d7de96c024f2a5b2","trace_id":"e6fd9bdd617f","channel":"futures.obu","event":"subscribe","payload":["ob.BTC_USDT.50"],"result":{"status":"success"}}';
const OBU_FULL =
  '{"channel":"futures.obu","result":{"t":1747054612673,"full":true,"s":"ob.BTC_USDT.50","u":73777715168,"b":[["104027.1","509392"],["104027","1"]],"a":[["104027.2","1000"]]}}';
const OBU_INCREMENT =
  '{"time":1789455580,"time_ms":1789455580280,"channel":"futures.obu","event":"update","result":{"t":1789455580280,"s":"ob.BTC_USDT.50","U":125033675975,"u":125033676003,"b":[["77222.9","648"]],"a":[["77235","50"],["77235.2","0"]]}}';
const OBU_ID_ONLY =
  '{"time":1789455580,"time_ms":1789455580300,"channel":"futures.obu","event":"update","result":{"t":1789455580300,"s":"ob.BTC_USDT.50","U":125033676004,"u":125033676011}}';
const DUPLICATE_SUB =
  '{"time":1747391482,"time_ms":1747391482960,"id":1,"conn_id":"d9db9373dc5e081e","trace_id":"ee001938590e183db957bd5ba71651c0","channel":"futures.obu","event":"subscribe","payload":["ob.BTC_USDT.400"],"error":{"code":2,"message":"Alert sub ob.BTC_USDT.400"},"result":{"status":"fail"}}';
const TRADES_DOC =
  '{"channel":"futures.trades","event":"update","time":1541503698,"time_ms":1541503698123,"result":[{"size":-108,"id":27753479,"create_time":1545136464,"create_time_ms":1545136464123,"price":"96.4","contract":"BTC_USD","is_internal":true}]}';

describe('parseGateFrame on the real 2023 capture (legacy futures.order_book_update)', () => {
  it('parses every received frame: acks, 352 legacy increments with exact sizes, other channels ignored', () => {
    const lines = readCryptofeedText(realFixture(WS_CAPTURE));
    const counts = { ack: 0, book: 0, ignored: 0 };
    let first: ReturnType<typeof parseGateFrame> | undefined;
    for (const { text } of lines) {
      const frame = parseGateFrame(text, 0);
      if (frame.kind === 'invalid') assert.fail(`${frame.reason} ${frame.detail}: ${text.slice(0, 120)}`);
      if (frame.kind === 'ack') {
        counts.ack++;
        // The 2023 acks predate `payload` and `id`: a success with no topics named.
        assert.deepEqual(frame, { kind: 'ack', op: 'subscribe', ok: true, topics: [] });
      }
      if (frame.kind === 'book') {
        counts.book++;
        first ??= frame;
      }
      if (frame.kind === 'ignored') counts.ignored++;
    }
    // 1 futures.trades ack; 10 candlesticks + 10 order_book_update + 1 book_ticker acks, 75 book_ticker
    // and 1 candlesticks updates are other channels.
    assert.deepEqual(counts, { ack: 1, book: 352, ignored: 97 });
    assert.deepEqual(first, {
      kind: 'book',
      symbol: 'RDNT_USDT',
      action: 'update',
      bids: [],
      asks: [['0.2983', '0']],
      firstUpdateId: 203083177,
      updateId: 203083177,
      venueTs: 1684930165217,
    });
  });

  it('turns integer sizes into exact strings, "0" included', () => {
    const line = readCryptofeedText(realFixture(WS_CAPTURE)).find((l) => l.text.includes('"U":203083179'))!;
    const frame = parseGateFrame(line.text, 0);
    assert.ok(frame.kind === 'book');
    assert.deepEqual(frame.asks, [['0.3004', '36916']]);
    assert.deepEqual(frame.bids, [['0.2943', '0']]);
    assert.equal(frame.firstUpdateId, 203083179);
    assert.equal(frame.updateId, 203083180);
  });
});

describe('parseGateFrame on futures.obu (documented frames)', () => {
  it('reads a subscribe ack: its topics (payload) and the request id it echoes', () => {
    assert.deepEqual(parseGateFrame(OBU_ACK, 0), {
      kind: 'ack',
      op: 'subscribe',
      ok: true,
      topics: ['ob.BTC_USDT.50'],
      requestId: '7',
    });
  });

  it('reads the first push (full: true) as a snapshot of the contract, sizes as sent (contracts)', () => {
    assert.deepEqual(parseGateFrame(OBU_FULL, 9), {
      kind: 'book',
      symbol: 'BTC_USDT',
      action: 'snapshot',
      bids: [
        ['104027.1', '509392'],
        ['104027', '1'],
      ],
      asks: [['104027.2', '1000']],
      firstUpdateId: 73777715168,
      updateId: 73777715168,
      venueTs: 1747054612673,
    });
  });

  it('reads an increment with U and u, and one with no b/a (it only moves the id)', () => {
    const inc = parseGateFrame(OBU_INCREMENT, 0);
    assert.deepEqual(inc, {
      kind: 'book',
      symbol: 'BTC_USDT',
      action: 'update',
      bids: [['77222.9', '648']],
      asks: [
        ['77235', '50'],
        ['77235.2', '0'],
      ],
      firstUpdateId: 125033675975,
      updateId: 125033676003,
      venueTs: 1789455580280,
    });
    const idOnly = parseGateFrame(OBU_ID_ONLY, 0);
    assert.ok(idOnly.kind === 'book');
    assert.deepEqual(
      [idOnly.action, idOnly.bids, idOnly.asks, idOnly.firstUpdateId, idOnly.updateId],
      ['update', [], [], 125033676004, 125033676011],
    );
  });

  it('recognises a duplicate subscription ("Alert sub …") as alreadySubscribed, not unknownSymbol', () => {
    assert.deepEqual(parseGateFrame(DUPLICATE_SUB, 0), {
      kind: 'ack',
      op: 'subscribe',
      ok: false,
      topics: ['ob.BTC_USDT.400'],
      requestId: '1',
      code: '2',
      message: 'Alert sub ob.BTC_USDT.400',
      alreadySubscribed: true,
    });
  });

  it('recognises an unlisted contract ("unknown currency pair …", code 2) as unknownSymbol', () => {
    const frame = parseGateFrame(
      '{"time":1789456400,"time_ms":1789456400123,"id":3,"conn_id":"c59a69fd3702aa1d","trace_id":"5597c780","channel":"futures.trades","event":"subscribe","payload":["NOPE_USDT"],"error":{"code":2,"message":"unknown currency pair NOPE_USDT"},"result":{"status":"fail"}}',
      0,
    );
    assert.ok(frame.kind === 'ack');
    assert.deepEqual(
      [frame.ok, frame.unknownSymbol, frame.alreadySubscribed, frame.topics],
      [false, true, undefined, ['NOPE_USDT']],
    );
  });

  it('reads futures.pong as a pong (live answer shape)', () => {
    const pong =
      '{"time":1789456354,"time_ms":1789456354999,"conn_id":"c59a69fd3702aa1d","channel":"futures.pong","event":"","result":null}';
    assert.deepEqual(parseGateFrame(pong, 0), { kind: 'pong' });
  });

  it('maps a negative trade size to a taker sell of |size| contracts, and leaves internal trades out', () => {
    const market = parseGateFrame(TRADES_DOC.replace(',"is_internal":true', ''), 0);
    assert.deepEqual(market, {
      kind: 'trades',
      symbol: 'BTC_USD',
      trades: [{ tradeId: '27753479', price: '96.4', size: '108', side: 'sell', venueTs: 1545136464123 }],
    });
    const buy = parseGateFrame(TRADES_DOC.replace('"size":-108', '"size":5').replace(',"is_internal":true', ''), 0);
    assert.ok(buy.kind === 'trades');
    assert.deepEqual([buy.trades[0].side, buy.trades[0].size], ['buy', '5']);
    assert.deepEqual(parseGateFrame(TRADES_DOC, 0), { kind: 'ignored', what: 'futures.trades: no market trades' });
  });

  it('reports malformed frames with typed reasons and never throws', () => {
    const reason = (text: string) => {
      const f = parseGateFrame(text, 0);
      return f.kind === 'invalid' ? f.reason : f.kind;
    };
    assert.equal(reason('{"channel":"futures.obu"'), 'not_json');
    assert.equal(reason('[1,2]'), 'unknown_message');
    assert.equal(reason('{"event":"update"}'), 'unknown_message');
    assert.equal(reason('{"channel":"futures.obu","event":"mystery","result":{}}'), 'unknown_message');
    assert.equal(reason(OBU_INCREMENT.replace('"U":125033675975,', '')), 'bad_field');
    assert.equal(reason(OBU_INCREMENT.replace('"s":"ob.BTC_USDT.50"', '"s":"BTC_USDT"')), 'bad_field');
    assert.equal(reason(OBU_INCREMENT.replace('[["77222.9","648"]]', '[["77222.9",648]]')), 'bad_level');
    assert.equal(reason(OBU_INCREMENT.replace('[["77222.9","648"]]', '"none"')), 'bad_level');
    assert.equal(
      reason(TRADES_DOC.replace('"size":-108', '"size":"soon"').replace(',"is_internal":true', '')),
      'bad_field',
    );
    assert.equal(reason(TRADES_DOC.replace('"size":-108', '"size":0')), 'bad_field');
    assert.equal(reason('{"channel":"futures.tickers","event":"update","result":[]}'), 'ignored');
  });
});

describe('Gate topic names', () => {
  it('spells book streams ob.<contract>.<level> and reads them back, non-ASCII contracts included', () => {
    assert.equal(gateBookTopic('BTC_USDT', 400), 'ob.BTC_USDT.400');
    assert.deepEqual(parseBookStream('ob.币安人生_USDT.50'), { contract: '币安人生_USDT', depth: 50 });
    assert.equal(parseBookStream('BTC_USDT'), undefined);
    assert.equal(gateChannelOf('ob.BTC_USDT.400'), 'futures.obu');
    assert.equal(gateChannelOf('BTC_USDT'), 'futures.trades');
  });
});
