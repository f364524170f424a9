import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { PriceLevel } from '../../core/types.js';
import { runScanEquivalence, SCAN_MUTATIONS } from '../../fuzz/scan-equivalence.js';
import { readRecording } from '../../sim/recording.js';
import { realFixture } from '../../sim/test-support/fixtures.js';
import { JsonScanner } from '../json-scan.js';
import { parseBinanceFrame, parseBinanceFrameViaJson } from './parse.js';
import { BINANCE_SCAN_DEPTH, BINANCE_SCAN_FALLBACK, BINANCE_SCAN_TRADE, BinanceScanner } from './scan.js';

/** Mutated cases in the unit run (`npm run fuzz -- --targets scan` runs millions). */
const UNIT_CASES = 20_000;

const FIXTURES = [
  'binance/cryptofeed_2021-07-22_combined_4sym.ws.txt',
  'binance/hftbacktest_ethusdt_2024-08-08_part1_all_streams.txt',
  'binance/hftbacktest_btcusdt_2024-08-08_snapshot_and_depth.txt',
];

const decimal = fc
  .tuple(fc.nat({ max: 999_999 }), fc.nat({ max: 8 }), fc.nat({ max: 99_999_999 }))
  .map(([whole, decimals, fraction]) =>
    decimals === 0 ? String(whole) : `${whole}.${String(fraction % 10 ** decimals).padStart(decimals, '0')}`,
  );
const level = fc.tuple(decimal, decimal).map(([p, q]): PriceLevel => [p, q]);
const id = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const symbol = fc.stringMatching(/^[A-Z0-9]{1,20}$/);

describe('Binance frame scanner', () => {
  it('every real captured frame: scanner first equals the JSON path, and the scanner reads every depth and aggTrade frame itself', () => {
    const probe = new BinanceScanner();
    const taken = { depth: 0, trade: 0, fallback: 0 };
    for (const fixture of FIXTURES) {
      for (const text of readRecording(realFixture(fixture)).frames) {
        assert.deepEqual(parseBinanceFrame(text, 7), parseBinanceFrameViaJson(text, 7), text.slice(0, 120));
        const kind = probe.scan(text);
        if (kind === BINANCE_SCAN_DEPTH) taken.depth++;
        else if (kind === BINANCE_SCAN_TRADE) taken.trade++;
        else taken.fallback++;
      }
    }
    // The captures hold 2,430 depthUpdate and 91 aggTrade frames; the rest (bookTicker, trade, kline) are
    // left to the JSON path, which calls them ignored.
    assert.deepEqual(taken, { depth: 2_430, trade: 91, fallback: 6_152 });
  });

  it('generated depthUpdate frames, bare or in the envelope, with or without T: read by the scanner, as the venue wrote them', () => {
    fc.assert(
      fc.property(
        symbol,
        fc.tuple(id, id, id, id),
        fc.array(level, { maxLength: 40 }),
        fc.array(level, { maxLength: 40 }),
        fc.boolean(),
        fc.boolean(),
        (s, [E, first, last, pu], b, a, envelope, withT) => {
          const [U, u] = first <= last ? [first, last] : [last, first];
          const T = withT ? `"T":${E},` : '';
          const data = `{"e":"depthUpdate","E":${E},${T}"s":"${s}","U":${U},"u":${u},"pu":${pu},"b":${JSON.stringify(b)},"a":${JSON.stringify(a)}}`;
          const text = envelope ? `{"stream":"${s.toLowerCase()}@depth","data":${data}}` : data;
          assert.equal(new BinanceScanner().scan(text), BINANCE_SCAN_DEPTH);
          const frame = parseBinanceFrame(text, 3);
          assert.deepEqual(frame, {
            kind: 'depth',
            event: {
              type: 'book_delta',
              exchange: 'binance',
              symbol: s,
              bids: b,
              asks: a,
              firstUpdateId: U,
              updateId: u,
              prevUpdateId: pu,
              venueTs: E,
              localTs: 3,
            },
          });
          assert.deepEqual(frame, parseBinanceFrameViaJson(text, 3));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('generated aggTrade frames, both sides: read by the scanner, as the venue wrote them', () => {
    fc.assert(
      fc.property(symbol, fc.tuple(id, id, id), decimal, decimal, fc.boolean(), (s, [aggId, E, T], p, q, m) => {
        const text = `{"stream":"${s.toLowerCase()}@aggTrade","data":{"e":"aggTrade","E":${E},"a":${aggId},"s":"${s}","p":"${p}","q":"${q}","f":1,"l":2,"T":${T},"m":${m}}}`;
        assert.equal(new BinanceScanner().scan(text), BINANCE_SCAN_TRADE);
        const frame = parseBinanceFrame(text, 0);
        assert.deepEqual(frame, {
          kind: 'trade',
          event: {
            type: 'trade',
            exchange: 'binance',
            symbol: s,
            tradeId: String(aggId),
            price: p,
            quantity: q,
            side: m ? 'sell' : 'buy',
            venueTs: T,
            localTs: 0,
          },
        });
        assert.deepEqual(frame, parseBinanceFrameViaJson(text, 0));
      }),
      { numRuns: 2_000 },
    );
  });

  it('leaves to the JSON path what it does not recognise, which then decides exactly as before', () => {
    const depth = '{"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT","U":5,"u":6,"pu":4,"b":[["1.5","2"]],"a":[]}';
    const cases: [string, string][] = [
      ['U > u', depth.replace('"U":5', '"U":7')],
      ['whitespace', depth.replace('"E":1', '"E": 1')],
      ['escaped key', depth.replace('"pu"', '"p\\u0075"')],
      ['reordered keys', depth.replace('"U":5,"u":6', '"u":6,"U":5')],
      ['repeated key', depth.replace('"pu":4', '"pu":4,"pu":"x"')],
      ['unknown key', depth.replace('"pu":4', '"pu":4,"x":1')],
      ['fractional id', depth.replace('"u":6', '"u":6.0')],
      ['extra level element', depth.replace('["1.5","2"]', '["1.5","2","3"]')],
      ['text after the frame', `${depth} `],
      ['truncated', depth.slice(0, -1)],
      ['another event', '{"e":"bookTicker","u":1,"s":"BTCUSDT"}'],
    ];
    for (const [name, text] of cases) {
      assert.equal(new BinanceScanner().scan(text), BINANCE_SCAN_FALLBACK, name);
      assert.deepEqual(parseBinanceFrame(text, 0), parseBinanceFrameViaJson(text, 0), name);
    }
    assert.deepEqual(parseBinanceFrame(cases[0][1], 0), {
      kind: 'invalid',
      reason: 'bad_field',
      detail: 'depthUpdate: U > u',
    });
    assert.equal(parseBinanceFrame(cases[5][1], 0).kind, 'depth', 'unknown keys are still ignored, by the JSON path');
  });

  it(`recorded, generated, mutated, truncated, escaped, reordered and whitespace variants: ${UNIT_CASES} cases equal the JSON path`, () => {
    const { stats, failures } = runScanEquivalence({ venue: 'binance', seed: 1, cases: UNIT_CASES });
    assert.deepEqual(failures, []);
    assert.equal(stats.cases, UNIT_CASES);
    for (const kind of SCAN_MUTATIONS) assert.ok((stats.byMutation[kind] ?? 0) > 0, `mutation ${kind} happened`);
    // Not vacuous: the scanner read many frames itself, mutated ones among them, and the JSON path
    // rejected many for each reason.
    assert.ok(stats.scanned > 4_000 && stats.mutatedScanned > 300, JSON.stringify(stats));
    assert.ok((stats.byResult['invalid:not_json'] ?? 0) > 1_000 && (stats.byResult['invalid:bad_field'] ?? 0) > 500);
  });

  it('catches a deliberately broken scanner: one that accepts text after the frame, one that reads escaped strings raw', () => {
    class AcceptsTrailingText extends JsonScanner {
      override atEnd(): boolean {
        return true;
      }
    }
    class IgnoresEscapes extends JsonScanner {
      override string(): string | undefined {
        const end = this.text.indexOf('"', this.pos + 1);
        if (this.peek() !== 34 || end < 0) return undefined;
        const value = this.text.slice(this.pos + 1, end);
        this.pos = end + 1;
        return value;
      }
    }
    for (const Broken of [AcceptsTrailingText, IgnoresEscapes]) {
      const { failures } = runScanEquivalence({
        venue: 'binance',
        seed: 1,
        cases: UNIT_CASES,
        cursor: () => new Broken(),
        maxFailures: 1,
      });
      assert.equal(failures.length, 1, Broken.name);
      assert.notEqual(failures[0].production, failures[0].reference);
    }
  });
});
