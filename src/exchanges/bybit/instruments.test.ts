import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Simulator } from '../../sim/simulator.js';
import { realFixture } from '../../sim/test-support/fixtures.js';
import { VenueHttpError, VenueResponseError } from '../errors.js';
import { fetchBybitLinearSymbols, parseInstrumentsPage } from './instruments.js';

describe('Bybit linear instrument list', () => {
  it('reads the real instruments-info answer: every Trading symbol, and the end of the pages', () => {
    const line = readFileSync(realFixture('bybit/cryptofeed_2026-08-09_v5_instruments_info_linear.http.jsonl'), 'utf8')
      .trim()
      .split('\n')[0];
    const page = parseInstrumentsPage(JSON.parse(line).data);
    assert.equal(page.listed.length, 800);
    for (const s of ['BTCUSDT', 'ETHUSDT', '1000PEPEUSDT', '0GUSDT']) assert.ok(page.listed.includes(s), s);
    assert.equal(page.nextPageCursor, '');
  });

  it('rejects an answer that is not the documented shape, and skips entries that are not Trading', () => {
    assert.throws(() => parseInstrumentsPage('{"retCode":10001,"retMsg":"params error"}'), VenueResponseError);
    assert.throws(() => parseInstrumentsPage('<html>'), VenueResponseError);
    const page = parseInstrumentsPage(
      '{"retCode":0,"result":{"list":[{"symbol":"AUSDT","status":"PreLaunch"},{"symbol":"BUSDT","status":"Trading"}],"nextPageCursor":"x"}}',
    );
    assert.deepEqual(page, { listed: ['BUSDT'], nextPageCursor: 'x' });
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
        const symbols = await fetchBybitLinearSymbols(sim.bybit.restBaseUrl);
        assert.deepEqual([...symbols].sort(), ['1000PEPEUSDT', 'BTCUSDT']);
        assert.equal(sim.bybit.stats.instrumentRequests - before, 3);
      } finally {
        sim.bybit.setInstrumentsPageSize(1000);
        sim.bybit.setInstrumentStatus('ETHUSDT', 'Trading');
      }
    });

    it('fails with the HTTP status when the venue answers 500', async () => {
      sim.bybit.failInstrumentRequests(1);
      await assert.rejects(
        fetchBybitLinearSymbols(sim.bybit.restBaseUrl),
        (e) => e instanceof VenueHttpError && e.status === 500,
      );
    });
  });
});
