import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BitgetApiError } from './errors.js';
import { parseBitgetContracts, symbolFor, tickOf } from './instruments.js';
import { documentedFrame } from './test-support.js';

const entry = (fields: Record<string, string>) =>
  JSON.stringify({
    symbol: 'BTCUSDT',
    baseCoin: 'BTC',
    quoteCoin: 'USDT',
    priceEndStep: '1',
    pricePlace: '1',
    sizeMultiplier: '0.001',
    symbolType: 'perpetual',
    symbolStatus: 'normal',
    ...fields,
  });
const answer = (entries: string[]) => `{"code":"00000","msg":"success","requestTime":1,"data":[${entries.join(',')}]}`;

describe('Bitget USDT-FUTURES contracts', () => {
  it('maps the documented BTCUSDT entry: canonical from baseCoin/quoteCoin, base-coin sizes', () => {
    assert.deepEqual(parseBitgetContracts(documentedFrame('contracts')), [
      {
        exchange: 'bitget',
        symbol: 'BTCUSDT',
        canonical: 'BTC-USDT',
        base: 'BTC',
        quote: 'USDT',
        settle: 'USDT',
        type: 'perp',
        tickSize: '0.1',
        lotSize: '0.001',
        contractSize: '1',
      },
    ]);
  });

  it('takes the base from baseCoin, never from the symbol (PEPEUSDT, 10 price places, lots of 1000)', () => {
    const [pepe] = parseBitgetContracts(
      answer([entry({ symbol: 'PEPEUSDT', baseCoin: 'PEPE', pricePlace: '10', sizeMultiplier: '1000' })]),
    );
    assert.equal(pepe.canonical, 'PEPE-USDT');
    assert.equal(pepe.tickSize, '0.0000000001');
    assert.equal(pepe.lotSize, '1000');
    // A symbol whose text does not split into base+quote still maps by its fields.
    const [odd] = parseBitgetContracts(answer([entry({ symbol: '牛来USDT', baseCoin: '牛来' })]));
    assert.equal(odd.canonical, '牛来-USDT');
  });

  it('steps prices by priceEndStep × 10^-pricePlace', () => {
    assert.equal(tickOf(1, '5'), '0.5');
    assert.equal(tickOf(0, '1'), '1');
    assert.equal(tickOf(2, '10'), '0.1');
    assert.equal(tickOf(4, '1'), '0.0001');
  });

  it('leaves out delivery contracts, non-normal statuses and other quotes', () => {
    const list = parseBitgetContracts(
      answer([
        entry({}),
        entry({ symbol: 'BTCUSDT0927', symbolType: 'delivery' }),
        entry({ symbol: 'ETHUSDT', baseCoin: 'ETH', symbolStatus: 'maintain' }),
        entry({ symbol: 'SOLUSDT', baseCoin: 'SOL', symbolStatus: 'off' }),
        entry({ symbol: 'BTCPERP', quoteCoin: 'USDC' }),
      ]),
    );
    assert.deepEqual(
      list.map((i) => i.symbol),
      ['BTCUSDT'],
    );
  });

  it('throws the venue error code on a refused request, and on a malformed entry', () => {
    assert.throws(
      () => parseBitgetContracts('{"code":"40034","msg":"Parameter productType error","data":null}'),
      (e: unknown) => e instanceof BitgetApiError && e.bitgetCode === '40034' && e.code === 'FLOWRS_BITGET_API',
    );
    assert.throws(() => parseBitgetContracts(answer([entry({ pricePlace: 'x' })])), /bad pricePlace/);
    assert.throws(() => parseBitgetContracts('<html>'), /not JSON/);
  });

  it('names a canonical USDT perpetual by the rule BASE+USDT', () => {
    assert.equal(symbolFor('BTC-USDT'), 'BTCUSDT');
    assert.equal(symbolFor('1000PEPE-USDT'), '1000PEPEUSDT');
    assert.equal(symbolFor('BTC-USDC'), undefined);
    assert.equal(symbolFor('BTC'), undefined);
  });
});
