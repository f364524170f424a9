import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toBaseQuantity } from '../../core/instrument.js';
import { VenueResponseError } from '../errors.js';
import { gateSymbolFor, parseGateContracts } from './instruments.js';

/** The documented `GET /api/v4/futures/usdt/contracts` entry for BTC_USDT (Gate API v4 "List all futures contracts"). */
const BTC_DOC =
  '{"name":"BTC_USDT","type":"direct","quanto_multiplier":"0.0001","ref_discount_rate":"0","order_price_deviate":"0.5","maintenance_rate":"0.005","mark_type":"index","last_price":"38026","mark_price":"37985.6","index_price":"37954.92","funding_rate_indicative":"0.000219","mark_price_round":"0.01","funding_offset":0,"in_delisting":false,"risk_limit_base":"1000000","interest_rate":"0.0003","order_price_round":"0.1","order_size_min":1,"ref_rebate_rate":"0.2","funding_interval":28800,"risk_limit_step":"1000000","leverage_min":"1","leverage_max":"100","risk_limit_max":"8000000","maker_fee_rate":"-0.00025","taker_fee_rate":"0.00075","funding_rate":"0.002053","order_size_max":1000000,"funding_next_apply":1610035200,"short_users":977,"config_change_time":1609899548,"trade_size":28530850594,"position_size":5223816,"long_users":455,"funding_impact_value":"60000","orders_limit":50,"trade_id":10851092,"orderbook_id":2129638396,"enable_bonus":true,"enable_credit":true,"create_time":1669688556,"funding_cap_ratio":"0.75","status":"trading","launch_time":1609899548,"delisting_time":1609899548,"delisted_time":1609899548}';

const entry = (fields: Record<string, unknown>) => JSON.stringify({ ...JSON.parse(BTC_DOC), ...fields });

describe('Gate contracts list → instruments', () => {
  it('maps the documented BTC_USDT entry: canonical BTC-USDT, exact contract size, tick and lot', () => {
    assert.deepEqual(parseGateContracts(`[${BTC_DOC}]`), [
      {
        exchange: 'gate',
        symbol: 'BTC_USDT',
        canonical: 'BTC-USDT',
        base: 'BTC',
        quote: 'USDT',
        settle: 'USDT',
        type: 'perp',
        tickSize: '0.1',
        lotSize: '1',
        contractSize: '0.0001',
      },
    ]);
  });

  it('keeps linear, trading, USDT-quoted contracts only', () => {
    const list = parseGateContracts(
      `[${[
        BTC_DOC,
        entry({ name: 'ETH_USDT', quanto_multiplier: '0.01', order_price_round: '0.01' }),
        entry({ name: 'BTC_USD', type: 'inverse', quanto_multiplier: '0' }),
        entry({ name: 'OLD_USDT', in_delisting: true }),
        entry({ name: 'GONE_USDT', status: 'delisted' }),
        entry({ name: 'BTC_USD1' }),
        entry({ name: 'NOMULT_USDT', quanto_multiplier: '0' }),
        entry({ name: '币安人生_USDT', quanto_multiplier: '10', order_price_round: '0.00001' }),
      ].join(',')}]`,
    );
    assert.deepEqual(
      list.map((i) => [i.symbol, i.canonical, i.contractSize]),
      [
        ['BTC_USDT', 'BTC-USDT', '0.0001'],
        ['ETH_USDT', 'ETH-USDT', '0.01'],
        ['币安人生_USDT', '币安人生-USDT', '10'],
      ],
    );
  });

  it('converts contract sizes to base units exactly (documented and live-quoted sizes)', () => {
    // ob.BTC_USDT.50 first push: 509392 contracts of 0.0001 BTC.
    assert.equal(toBaseQuantity('509392', '0.0001'), '50.9392');
    // ETH_USDT trades fractional contracts: "5923.3" of 0.01 ETH.
    assert.equal(toBaseQuantity('5923.3', '0.01'), '59.233');
    assert.equal(toBaseQuantity('777', '10'), '7770');
  });

  it('refuses an answer that is not a contracts list', () => {
    assert.throws(() => parseGateContracts('{"label":"TOO_MANY_REQUESTS"}'), VenueResponseError);
    assert.throws(() => parseGateContracts('<html>'), VenueResponseError);
  });

  it('names USDT perpetuals by the BASE_USDT rule', () => {
    assert.equal(gateSymbolFor('BTC-USDT'), 'BTC_USDT');
    assert.equal(gateSymbolFor('1000PEPE-USDT'), '1000PEPE_USDT');
    assert.equal(gateSymbolFor('BTC-USDC'), undefined);
  });
});
