import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toBaseQuantity } from '../../core/instrument.js';
import { okxSymbolFor, parseOkxInstruments } from './instruments.js';

/**
 * Entries in the documented shape of `GET /api/v5/public/instruments?instType=SWAP` (every field of the
 * documentation's response; values of BTC-USDT-SWAP as listed: ctVal 0.01 BTC). Not a captured answer:
 * the repository has none.
 */
function entry(fields: Record<string, string>): string {
  const base = {
    alias: '',
    auctionEndTime: '',
    baseCcy: '',
    category: '1',
    ctMult: '1',
    ctType: 'linear',
    ctVal: '0.01',
    ctValCcy: 'BTC',
    expTime: '',
    instFamily: 'BTC-USDT',
    instId: 'BTC-USDT-SWAP',
    instType: 'SWAP',
    lever: '100',
    listTime: '1573557408000',
    lotSz: '0.01',
    maxIcebergSz: '100000000.0000000000000000',
    maxLmtAmt: '20000000',
    maxLmtSz: '100000000',
    maxMktAmt: '',
    maxMktSz: '12000',
    maxStopSz: '12000',
    maxTriggerSz: '100000000.0000000000000000',
    maxTwapSz: '100000000.0000000000000000',
    minSz: '0.01',
    optType: '',
    quoteCcy: '',
    settleCcy: 'USDT',
    state: 'live',
    stk: '',
    tickSz: '0.1',
    uly: 'BTC-USDT',
    ...fields,
  };
  return JSON.stringify(base);
}

describe('OKX instruments', () => {
  it('keeps live linear USDT/USDC swaps, with canonical keys from their fields and exact contract sizes', () => {
    const body = `{"code":"0","msg":"","data":[${[
      entry({}),
      entry({
        instId: 'PEPE-USDT-SWAP',
        ctValCcy: 'PEPE',
        instFamily: 'PEPE-USDT',
        uly: 'PEPE-USDT',
        ctVal: '10000000',
        tickSz: '0.0000000001',
        lotSz: '0.1',
      }),
      entry({
        instId: 'ETH-USDC-SWAP',
        ctValCcy: 'ETH',
        instFamily: 'ETH-USDC',
        uly: 'ETH-USDC',
        settleCcy: 'USDC',
        ctVal: '0.001',
        ctMult: '10',
      }),
      entry({
        instId: 'BTC-USD-SWAP',
        ctType: 'inverse',
        ctValCcy: 'USD',
        instFamily: 'BTC-USD',
        uly: 'BTC-USD',
        settleCcy: 'BTC',
        ctVal: '100',
      }),
      entry({ instId: 'NEW-USDT-SWAP', ctValCcy: 'NEW', instFamily: 'NEW-USDT', uly: 'NEW-USDT', state: 'preopen' }),
      entry({ instId: 'ODD-USDT-SWAP', ctValCcy: 'ODD', instFamily: 'OTHER-USDT', uly: 'OTHER-USDT' }),
    ].join(',')}]}`;
    const instruments = parseOkxInstruments(body);
    assert.deepEqual(instruments, [
      {
        exchange: 'okx',
        symbol: 'BTC-USDT-SWAP',
        canonical: 'BTC-USDT',
        base: 'BTC',
        quote: 'USDT',
        settle: 'USDT',
        type: 'perp',
        tickSize: '0.1',
        lotSize: '0.01',
        contractSize: '0.01',
      },
      {
        exchange: 'okx',
        symbol: 'PEPE-USDT-SWAP',
        canonical: 'PEPE-USDT',
        base: 'PEPE',
        quote: 'USDT',
        settle: 'USDT',
        type: 'perp',
        tickSize: '0.0000000001',
        lotSize: '0.1',
        contractSize: '10000000',
      },
      {
        exchange: 'okx',
        symbol: 'ETH-USDC-SWAP',
        canonical: 'ETH-USDC',
        base: 'ETH',
        quote: 'USDC',
        settle: 'USDC',
        type: 'perp',
        tickSize: '0.1',
        lotSize: '0.01',
        contractSize: '0.01',
      },
    ]);
    // 129 contracts of BTC-USDT-SWAP are 1.29 BTC, exactly.
    assert.equal(toBaseQuantity('129', instruments[0].contractSize), '1.29');
    assert.equal(toBaseQuantity('0.3', instruments[1].contractSize), '3000000');
  });

  it('reports OKX error answers and malformed bodies', () => {
    assert.throws(() => parseOkxInstruments('{"code":"50011","msg":"Too Many Requests","data":[]}'), /50011/);
    assert.throws(() => parseOkxInstruments('<html>'), /not JSON/);
    assert.throws(() => parseOkxInstruments(`{"code":"0","msg":"","data":[${entry({ ctVal: '1e-2' })}]}`), /ctVal/);
  });

  it('names a canonical perpetual by OKX’s rule when the list is not available', () => {
    assert.equal(okxSymbolFor('BTC-USDT'), 'BTC-USDT-SWAP');
    assert.equal(okxSymbolFor('ETH-USDC'), 'ETH-USDC-SWAP');
    assert.equal(okxSymbolFor('BTCUSDT'), undefined);
  });
});
