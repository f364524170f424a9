import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRecording } from '../../sim/recording.js';
import { realFixture } from '../../sim/test-support/fixtures.js';
import { parseBinanceExchangeInfo, parseBinanceFrame } from './parse.js';

describe('parseBinanceFrame', () => {
  it('normalizes every real depthUpdate and aggTrade in the captures, keeping the exact strings', () => {
    const recording = readRecording(realFixture('binance/cryptofeed_2021-07-22_combined_4sym.ws.txt'));
    const kinds = new Map<string, number>();
    for (const text of recording.frames) {
      const frame = parseBinanceFrame(text, 1);
      kinds.set(frame.kind, (kinds.get(frame.kind) ?? 0) + 1);
      if (frame.kind === 'invalid') assert.fail(`${frame.reason}: ${text.slice(0, 100)}`);
    }
    assert.equal(kinds.get('depth'), 764);
    assert.equal(kinds.get('trade'), 91);
    assert.equal(kinds.get('ignored'), 613 + 67, 'bookTicker and kline are recognised and ignored');
  });

  it('maps aggTrade m=true to a taker sell and m=false to a taker buy', () => {
    const frame = parseBinanceFrame(
      '{"stream":"ctkusdt@aggTrade","data":{"e":"aggTrade","E":1626992741575,"a":16599292,"s":"CTKUSDT","p":"1.01100","q":"10","f":23961322,"l":23961322,"T":1626992741421,"m":false}}',
      7,
    );
    assert.ok(frame.kind === 'trade');
    assert.deepEqual(frame.event, {
      type: 'trade',
      exchange: 'binance',
      symbol: 'CTKUSDT',
      tradeId: '16599292',
      price: '1.01100',
      quantity: '10',
      side: 'buy',
      venueTs: 1626992741421,
      localTs: 7,
    });
    const sold = parseBinanceFrame(
      '{"e":"aggTrade","E":1,"a":2,"s":"X","p":"1","q":"1","f":1,"l":1,"T":1,"m":true}',
      0,
    );
    assert.ok(sold.kind === 'trade' && sold.event.side === 'sell');
  });

  it('tolerates unknown extra fields such as "st"', () => {
    const frame = parseBinanceFrame(
      '{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT","U":1,"u":2,"pu":0,"b":[["1.0","0.000"]],"a":[],"st":2}',
      0,
    );
    assert.equal(frame.kind, 'depth');
  });

  it('recognises method responses and both error shapes, and rejects what is malformed', () => {
    assert.deepEqual(parseBinanceFrame('{"result":null,"id":1}', 0), { kind: 'response', id: 1, result: null });
    assert.deepEqual(parseBinanceFrame('{"code":2,"msg":"Invalid request"}', 0), {
      kind: 'error',
      code: 2,
      message: 'Invalid request',
      id: undefined,
    });
    assert.equal(parseBinanceFrame('{"error":{"code":2,"msg":"x"},"id":3}', 0).kind, 'error');
    for (const bad of [
      '{"stream":"btcusdt@depth","data":{"e":"depthUpdate","E":17',
      '{"e":"depthUpdate","E":"soon","s":"X","U":1,"u":2,"pu":0,"b":[],"a":[]}',
      '{"e":"depthUpdate","E":1,"s":"X","U":3,"u":2,"pu":0,"b":[],"a":[]}',
      '{"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"pu":0,"b":{},"a":[]}',
      '{"e":"aggTrade","E":1,"a":2,"s":"X","p":"1","q":"1","f":1,"l":1,"T":1,"m":"yes"}',
      '[1,2,3]',
      'null',
      '{"hello":"world"}',
    ]) {
      assert.equal(parseBinanceFrame(bad, 0).kind, 'invalid', bad);
    }
  });

  it('reads exchangeInfo defensively: trading perpetuals only, odd entries skipped, a broken list refused', () => {
    const info = parseBinanceExchangeInfo({
      timezone: 'UTC',
      symbols: [
        {
          symbol: 'BTCUSDT',
          contractType: 'PERPETUAL',
          status: 'TRADING',
          baseAsset: 'BTC',
          quoteAsset: 'USDT',
          marginAsset: 'USDT',
          filters: [
            { filterType: 'PRICE_FILTER', tickSize: '0.10' },
            { filterType: 'LOT_SIZE', stepSize: '0.001' },
          ],
        },
        { symbol: 'BTCUSDT_260626', contractType: 'CURRENT_QUARTER', status: 'TRADING' },
        { symbol: 'OLDUSDT', contractType: 'PERPETUAL', status: 'SETTLING' },
        { symbol: 42, contractType: 'PERPETUAL', status: 'TRADING' },
        null,
        'ETHUSDT',
        { symbol: 'NOASSETUSDT', contractType: 'PERPETUAL', status: 'TRADING' },
        {
          symbol: 'ETHUSDT',
          contractType: 'PERPETUAL',
          status: 'TRADING',
          baseAsset: 'ETH',
          quoteAsset: 'USDT',
          extra: { nested: true },
        },
      ],
    });
    assert.ok('instruments' in info);
    assert.deepEqual(
      info.instruments.map((i) => [i.symbol, i.canonical, i.settle, i.tickSize, i.lotSize, i.contractSize]),
      [
        ['BTCUSDT', 'BTC-USDT', 'USDT', '0.10', '0.001', '1'],
        ['ETHUSDT', 'ETH-USDT', 'USDT', '', '', '1'],
      ],
    );
    assert.deepEqual(parseBinanceExchangeInfo({ symbols: {} }), { error: 'exchangeInfo has no symbols array' });
    assert.deepEqual(parseBinanceExchangeInfo([]), { error: 'exchangeInfo has no symbols array' });
    assert.deepEqual(parseBinanceExchangeInfo({ symbols: [] }), { error: 'exchangeInfo lists no trading perpetual' });
  });
});
