import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { PriceLevel } from '../../core/types.js';
import { runScanEquivalence, SCAN_MUTATIONS } from '../../fuzz/scan-equivalence.js';
import { readRecording } from '../../sim/recording.js';
import { realFixture } from '../../sim/test-support/fixtures.js';
import { JsonScanner } from '../json-scan.js';
import { parseBybitFrame, parseBybitFrameViaJson } from './parse.js';
import { BYBIT_SCAN_BOOK, BYBIT_SCAN_FALLBACK, BYBIT_SCAN_TRADES, BybitScanner } from './scan.js';

/** Mutated cases in the unit run (`npm run fuzz -- --targets scan` runs millions). */
const UNIT_CASES = 20_000;
const FIXTURE = 'bybit/cryptofeed_2026-08-09_v5_linear_orderbook200_trades.jsonl';

const decimal = fc
  .tuple(fc.nat({ max: 999_999 }), fc.nat({ max: 8 }), fc.nat({ max: 99_999_999 }))
  .map(([whole, decimals, fraction]) =>
    decimals === 0 ? String(whole) : `${whole}.${String(fraction % 10 ** decimals).padStart(decimals, '0')}`,
  );
const level = fc.tuple(decimal, decimal).map(([p, q]): PriceLevel => [p, q]);
const id = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const symbol = fc.stringMatching(/^[A-Z0-9]{1,20}$/);

describe('Bybit frame scanner', () => {
  it('every real captured frame: scanner first equals the JSON path, and the scanner reads every orderbook and publicTrade frame itself', () => {
    const probe = new BybitScanner();
    const taken = { book: 0, trades: 0, fallback: 0 };
    for (const text of readRecording(realFixture(FIXTURE)).frames) {
      assert.deepEqual(parseBybitFrame(text, 7), parseBybitFrameViaJson(text, 7), text.slice(0, 120));
      const kind = probe.scan(text);
      if (kind === BYBIT_SCAN_BOOK) taken.book++;
      else if (kind === BYBIT_SCAN_TRADES) taken.trades++;
      else taken.fallback++;
    }
    // 1,598 orderbook.200 pushes (snapshots and deltas) and 102 publicTrade pushes; acks, tickers and
    // klines are left to the JSON path.
    assert.deepEqual(taken, { book: 1_598, trades: 102, fallback: 846 });
  });

  it('generated orderbook pushes, snapshot and delta, with or without seq and cts: read by the scanner, as the venue wrote them', () => {
    fc.assert(
      fc.property(
        symbol,
        fc.tuple(id, id, id),
        fc.array(level, { maxLength: 60 }),
        fc.array(level, { maxLength: 60 }),
        fc.constantFrom('snapshot', 'delta'),
        fc.boolean(),
        (s, [ts, u, seq], b, a, type, tail) => {
          const text =
            `{"topic":"orderbook.200.${s}","type":"${type}","ts":${ts},"data":{"s":"${s}","b":${JSON.stringify(b)},` +
            `"a":${JSON.stringify(a)},"u":${u}${tail ? `,"seq":${seq}` : ''}}${tail ? `,"cts":${ts}` : ''}}`;
          assert.equal(new BybitScanner().scan(text), BYBIT_SCAN_BOOK);
          const frame = parseBybitFrame(text, 0);
          assert.deepEqual(frame, {
            kind: 'book',
            symbol: s,
            action: type === 'snapshot' ? 'snapshot' : 'update',
            bids: b,
            asks: a,
            firstUpdateId: u,
            updateId: u,
            venueTs: ts,
          });
          assert.deepEqual(frame, parseBybitFrameViaJson(text, 0));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('generated publicTrade pushes, both sides, any number of trades: read by the scanner, as the venue wrote them', () => {
    const trade = fc.record({
      T: id,
      S: fc.constantFrom('Buy', 'Sell'),
      v: decimal,
      p: decimal,
      i: fc.oneof(fc.uuid(), fc.nat().map(String)),
    });
    fc.assert(
      fc.property(symbol, id, fc.array(trade, { maxLength: 8 }), (s, ts, trades) => {
        const data = trades.map(
          (t) =>
            `{"T":${t.T},"s":"${s}","S":"${t.S}","v":"${t.v}","p":"${t.p}","L":"PlusTick","i":"${t.i}","BT":false,"RPI":false,"seq":${ts}}`,
        );
        const text = `{"topic":"publicTrade.${s}","type":"snapshot","ts":${ts},"data":[${data.join(',')}]}`;
        assert.equal(new BybitScanner().scan(text), BYBIT_SCAN_TRADES);
        const frame = parseBybitFrame(text, 0);
        assert.deepEqual(frame, {
          kind: 'trades',
          symbol: s,
          trades: trades.map((t) => ({
            tradeId: t.i,
            price: t.p,
            size: t.v,
            side: t.S === 'Buy' ? 'buy' : 'sell',
            venueTs: t.T,
          })),
        });
        assert.deepEqual(frame, parseBybitFrameViaJson(text, 0));
      }),
      { numRuns: 2_000 },
    );
  });

  it('leaves to the JSON path what it does not recognise, which then decides exactly as before', () => {
    const book =
      '{"topic":"orderbook.200.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[["1.5","2"]],"a":[],"u":6,"seq":9},"cts":1}';
    const cases: [string, string][] = [
      ['unknown type', book.replace('"delta"', '"Delta"')],
      ['whitespace', book.replace('"ts":1', '"ts" :1')],
      ['escaped symbol', book.replace('"s":"BTCUSDT"', '"s":"BTC\\u0055SDT"')],
      ['reordered keys', book.replace('"type":"delta","ts":1', '"ts":1,"type":"delta"')],
      ['success key', book.replace('{"topic"', '{"success":true,"op":"subscribe","topic"')],
      ['unknown key', book.replace('"u":6', '"u":6,"x":1')],
      ['negative id', book.replace('"u":6', '"u":-6')],
      ['level of numbers', book.replace('["1.5","2"]', '[1.5,2]')],
      ['text after the frame', `${book}\n`],
      ['truncated', book.slice(0, -1)],
      ['another topic', '{"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT"},"cs":1,"ts":1}'],
    ];
    for (const [name, text] of cases) {
      assert.equal(new BybitScanner().scan(text), BYBIT_SCAN_FALLBACK, name);
      assert.deepEqual(parseBybitFrame(text, 0), parseBybitFrameViaJson(text, 0), name);
    }
    assert.equal(parseBybitFrame(cases[2][1], 0).kind, 'book', 'an escaped symbol is read by the JSON path');
    assert.equal(parseBybitFrame(cases[4][1], 0).kind, 'ack', 'success makes it an answer, as before');
  });

  it(`recorded, generated, mutated, truncated, escaped, reordered and whitespace variants: ${UNIT_CASES} cases equal the JSON path`, () => {
    const { stats, failures } = runScanEquivalence({ venue: 'bybit', seed: 1, cases: UNIT_CASES });
    assert.deepEqual(failures, []);
    assert.equal(stats.cases, UNIT_CASES);
    for (const kind of SCAN_MUTATIONS) assert.ok((stats.byMutation[kind] ?? 0) > 0, `mutation ${kind} happened`);
    assert.ok(stats.scanned > 6_000 && stats.mutatedScanned > 500, JSON.stringify(stats));
    assert.ok((stats.byResult['invalid:not_json'] ?? 0) > 1_000 && (stats.byResult['invalid:bad_field'] ?? 0) > 500);
  });

  it('catches a deliberately broken scanner: one that takes a negative number for a positive one', () => {
    class DropsTheSign extends JsonScanner {
      override uint(): number {
        if (this.peek() === 45) this.pos++;
        return super.uint();
      }
    }
    const { failures } = runScanEquivalence({
      venue: 'bybit',
      seed: 1,
      cases: UNIT_CASES,
      cursor: () => new DropsTheSign(),
      maxFailures: 1,
    });
    assert.equal(failures.length, 1);
    assert.notEqual(failures[0].production, failures[0].reference);
  });
});
