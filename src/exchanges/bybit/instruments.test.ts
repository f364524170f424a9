import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Simulator } from '../../sim/simulator.js';
import { realFixture } from '../../sim/test-support/fixtures.js';
import { VenueHttpError, VenueResponseError } from '../errors.js';
import { bybitSymbolFor, fetchBybitLinearInstruments, parseInstrumentsPage } from './instruments.js';

/** The body of the real instruments-info answer (one page of 800 linear instruments). */
function realAnswer(): string {
  const line = readFileSync(realFixture('bybit/cryptofeed_2026-08-09_v5_instruments_info_linear.http.jsonl'), 'utf8')
    .trim()
    .split('\n')[0];
  return JSON.parse(line).data;
}

describe('Bybit linear instrument list', () => {
  it('reads the real instruments-info answer: the perpetuals of its 800 entries, canonical keys, and the end of the pages', () => {
    const text = realAnswer();
    assert.equal(JSON.parse(text).result.list.length, 800, 'the capture lists 800 linear instruments');
    const page = parseInstrumentsPage(text);
    // 692 USDT perpetuals + 68 USDC perpetuals; the 40 dated futures (`BTCUSDT-14AUG26`) are other markets.
    assert.equal(page.instruments.length, 760);
    assert.equal(page.nextPageCursor, '');
    assert.ok(!page.instruments.some((i) => i.symbol === 'BTCUSDT-14AUG26'));
    const bySymbol = new Map(page.instruments.map((i) => [i.symbol, i]));
    for (const s of ['BTCUSDT', 'ETHUSDT', '1000PEPEUSDT', '0GUSDT']) assert.ok(bySymbol.has(s), s);
    assert.deepEqual(bySymbol.get('BTCUSDT'), {
      exchange: 'bybit',
      symbol: 'BTCUSDT',
      canonical: 'BTC-USDT',
      base: 'BTC',
      quote: 'USDT',
      settle: 'USDT',
      type: 'perp',
      tickSize: '0.10',
      lotSize: '0.001',
      contractSize: '1',
    });
    // The canonical key comes from baseCoin/quoteCoin, never from splitting the symbol.
    assert.equal(bySymbol.get('1000PEPEUSDT')?.canonical, '1000PEPE-USDT');
    assert.equal(bySymbol.get('1000PEPEPERP')?.canonical, '1000PEPE-USDC');
    assert.equal(bySymbol.get('1000PEPEPERP')?.settle, 'USDC');
    assert.equal(page.instruments.filter((i) => i.quote === 'USDC').length, 68);
    assert.ok(
      page.instruments.every((i) => i.contractSize === '1'),
      'linear sizes are base units',
    );
  });

  it('rejects an answer that is not the documented shape, and skips entries that are not Trading', () => {
    assert.throws(() => parseInstrumentsPage('{"retCode":10001,"retMsg":"params error"}'), VenueResponseError);
    assert.throws(() => parseInstrumentsPage('<html>'), VenueResponseError);
    const page = parseInstrumentsPage(
      '{"retCode":0,"result":{"list":[{"symbol":"AUSDT","status":"PreLaunch","baseCoin":"A","quoteCoin":"USDT"},{"symbol":"BUSDT","status":"Trading","baseCoin":"B","quoteCoin":"USDT","contractType":"LinearPerpetual"}],"nextPageCursor":"x"}}',
    );
    assert.deepEqual(
      page.instruments.map((i) => [i.symbol, i.canonical]),
      [['BUSDT', 'B-USDT']],
    );
    assert.equal(page.nextPageCursor, 'x');
  });

  it('names a canonical perpetual by Bybit’s rule when the list cannot be had', () => {
    assert.equal(bybitSymbolFor('BTC-USDT'), 'BTCUSDT');
    assert.equal(bybitSymbolFor('1000PEPE-USDT'), '1000PEPEUSDT');
    assert.equal(bybitSymbolFor('BTC'), undefined);
  });

  describe('against the simulator', () => {
    let sim: Simulator;
    before(async () => {
      sim = await Simulator.start({ seed: 3 });
    });
    after(async () => {
      await sim.stop();
    });

    it('follows nextPageCursor to the last page', async () => {
      sim.bybit.setInstrumentsPageSize(1);
      sim.bybit.setInstrumentStatus('ETHUSDT', 'Delivering');
      try {
        const before = sim.bybit.stats.instrumentRequests;
        const instruments = await fetchBybitLinearInstruments(sim.bybit.restBaseUrl, AbortSignal.timeout(5_000));
        assert.deepEqual(instruments.map((i) => i.symbol).sort(), ['1000PEPEUSDT', 'BTCUSDT']);
        assert.deepEqual(instruments.map((i) => i.canonical).sort(), ['1000PEPE-USDT', 'BTC-USDT']);
        assert.equal(sim.bybit.stats.instrumentRequests - before, 3);
      } finally {
        sim.bybit.setInstrumentsPageSize(1000);
        sim.bybit.setInstrumentStatus('ETHUSDT', 'Trading');
      }
    });

    it('fails with the HTTP status when the venue answers 500', async () => {
      sim.bybit.failInstrumentRequests(1);
      await assert.rejects(
        fetchBybitLinearInstruments(sim.bybit.restBaseUrl, AbortSignal.timeout(5_000)),
        (e) => e instanceof VenueHttpError && e.status === 500,
      );
    });
  });
});
