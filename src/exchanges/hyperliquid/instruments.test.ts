import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VenueResponseError } from '../errors.js';
import { baseOfCoin, parseMeta, symbolFor } from './instruments.js';
import { documentedFrame } from './test-support.js';

describe('Hyperliquid instruments from POST /info {"type":"meta"}', () => {
  it('maps the documented meta answer to USDC-settled perpetuals with exact lot and tick sizes, leaving delisted coins out', () => {
    const instruments = parseMeta(documentedFrame('meta'));
    assert.deepEqual(
      instruments.map((i) => [i.symbol, i.canonical, i.base, i.quote, i.settle, i.tickSize, i.lotSize, i.contractSize]),
      [
        ['BTC', 'BTC-USDC', 'BTC', 'USDC', 'USDC', '0.1', '0.00001', '1'],
        ['ETH', 'ETH-USDC', 'ETH', 'USDC', 'USDC', '0.01', '0.0001', '1'],
        ['HPOS', 'HPOS-USDC', 'HPOS', 'USDC', 'USDC', '0.000001', '1', '1'],
      ],
    );
    assert.ok(instruments.every((i) => i.exchange === 'hyperliquid' && i.type === 'perp'));
  });

  it('names a k-prefixed coin 1000<BASE> (kPEPE quotes 1,000 PEPE; sizes count kPEPE, so contractSize is 1)', () => {
    const meta =
      '{"universe":[{"szDecimals":0,"name":"kPEPE","maxLeverage":10,"marginTableId":10},' +
      '{"szDecimals":1,"name":"kSHIB","maxLeverage":10,"marginTableId":10,"isDelisted":true}],"marginTables":[]}';
    assert.deepEqual(parseMeta(meta), [
      {
        exchange: 'hyperliquid',
        symbol: 'kPEPE',
        canonical: '1000PEPE-USDC',
        base: '1000PEPE',
        quote: 'USDC',
        settle: 'USDC',
        type: 'perp',
        tickSize: '0.000001',
        lotSize: '1',
        contractSize: '1',
      },
    ]);
    // The rule needs the lowercase k before an upper-case name: ordinary coins keep their names.
    assert.equal(baseOfCoin('KAS'), 'KAS');
    assert.equal(baseOfCoin('k'), 'k');
  });

  it('symbolFor follows the naming rule and refuses other quotes', () => {
    assert.equal(symbolFor('BTC-USDC'), 'BTC');
    assert.equal(symbolFor('1000PEPE-USDC'), 'kPEPE');
    assert.equal(symbolFor('BTC-USDT'), undefined);
    assert.equal(symbolFor('BTCUSDC'), undefined);
  });

  it('rejects an answer that is not the documented shape', () => {
    assert.throws(() => parseMeta('<html>'), VenueResponseError);
    assert.throws(() => parseMeta('{"universe":[{"name":"BTC"}]}'), VenueResponseError);
    assert.throws(() => parseMeta('[]'), VenueResponseError);
  });
});
