import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../sim/random.js';
import { binanceAdapter } from './binance-pass.js';
import { bybitAdapter } from './bybit-pass.js';
import { FRAME_CORRUPTIONS, VENUE_VARIATIONS } from './mutate.js';
import { readDecimal, readPrice } from './reference/decimal.js';
import { runServerFuzz } from './server-fuzz.js';
import { DELIVERY_FAULTS, type FuzzFailure, runStream, type VenueAdapter } from './stream-driver.js';

/** Frames per venue in the short run (the long run is `npm run fuzz -- --frames 1000000`). */
const SHORT_RUN_FRAMES = 20_000;
const SEED = 1;

function describeFailures(failures: readonly FuzzFailure[]): string[] {
  return failures.map((f) => `seed ${f.seed} frame ${f.frame} [${f.mutations.join(',')}]: ${f.message}`);
}

function shortRun(adapter: VenueAdapter, t: { diagnostic(message: string): void }) {
  const run = runStream(adapter, { seed: SEED, frames: SHORT_RUN_FRAMES });
  for (const k of run.knownIssues) t.diagnostic(`known issue ${k.knownIssue} at frame ${k.frame}`);
  assert.deepEqual(describeFailures(run.failures), [], 'no crash and no live book differing from the reference');
  const s = run.stats;
  assert.equal(s.frames, SHORT_RUN_FRAMES);
  // The property is only as strong as the comparisons that ran: many, deep, some over the whole trusted depth.
  assert.ok(s.tally.comparisons > 2_000, `${s.tally.comparisons} comparisons`);
  assert.ok(s.tally.comparedLevels > 20 * s.tally.comparisons, `${s.tally.comparedLevels} levels compared`);
  assert.ok(s.tally.fullComparisons > 0 && s.tally.deepestComparison >= 100, `deepest ${s.tally.deepestComparison}`);
  // And the stream really was hostile: every kind of mutation happened, FlowRS rejected and resynced.
  for (const kind of [...VENUE_VARIATIONS, ...FRAME_CORRUPTIONS, ...DELIVERY_FAULTS]) {
    assert.ok((s.byMutation[kind] ?? 0) > 0, `mutation ${kind} happened`);
  }
  assert.ok(s.rejected > 100 && s.resyncs > 50 && s.snapshots > 50, JSON.stringify({ ...s, byMutation: undefined }));
  return run;
}

describe('fuzz: mutated recorded frames through FlowRS against an independent reference', () => {
  it('Binance: parse → BinanceBookSync → pipeline → book never serves a live book the reference disagrees with', (t) => {
    shortRun(binanceAdapter(), t);
  });

  it('Bybit: parse → bybitSequencer → pipeline → book never serves a live book the reference disagrees with', (t) => {
    shortRun(bybitAdapter(), t);
  });

  it('catches a book that silently loses one level of an update (the comparisons are not vacuous)', () => {
    let deltas = 0;
    const run = runStream(
      binanceAdapter((pipeline) => ({
        book: (event) =>
          event.type === 'book_delta' && ++deltas % 200 === 0 && event.bids.length > 1
            ? pipeline.book({ ...event, bids: event.bids.slice(1) })
            : pipeline.book(event),
        bookResyncing: (exchange, symbol, reason) => pipeline.bookResyncing(exchange, symbol, reason),
      })),
      { seed: SEED, frames: SHORT_RUN_FRAMES, faultRate: 0, variationRate: 0, junkRate: 0 },
    );
    assert.equal(run.failures.length, 1);
    assert.equal(run.failures[0].kind, 'mismatch');
    assert.match(run.failures[0].message, /level \d+: FlowRS serves|reference has/);
  });

  it('the client server answers every hostile message as documented and keeps serving a well-behaved client', async () => {
    // Deeply nested selections included: they once escaped the message handler as an uncaught RangeError.
    const result = await runServerFuzz({ seed: SEED, messages: 1_500, probeKnownIssues: true });
    assert.deepEqual(result.failures, []);
    assert.ok(result.messages >= 1_500);
    assert.ok(result.answered > 800, `${result.answered} answers checked`);
    assert.ok((result.closes[1009] ?? 0) > 0 && (result.closes[1008] ?? 0) > 0, JSON.stringify(result.closes));
    assert.ok(result.wellBehavedPongs > 0);
  });
});

describe("the reference's decimals", () => {
  it('accept exactly digits[.digits] up to 64 characters, and order values as strings', () => {
    const rng = new SeededRandom(7);
    const alphabet = '0123456789..-e+ x';
    for (let n = 0; n < 20_000; n++) {
      let s = '';
      for (let i = rng.int(0, 8); i > 0; i--) s += alphabet[rng.int(0, alphabet.length - 1)];
      const valid = /^[0-9]+(\.[0-9]+)?$/.test(s);
      const d = readDecimal(s);
      assert.equal(d !== undefined, valid, s);
      if (d === undefined) continue;
      assert.equal(d.zero, Number(s) === 0, s);
      assert.equal(Number(d.canonical), Number(s), s);
    }
    assert.equal(readDecimal('1'.repeat(65)), undefined);
    assert.equal(readPrice('0.000'), undefined);
    assert.equal(readPrice('1234567890.123456'), undefined, '16 significant digits');
    assert.equal(readPrice('123456789012345000')?.significantDigits, 15);
    assert.equal(readDecimal('007.50')?.canonical, '7.5');
    const keys = ['0.0001', '0.5', '0.50001', '7', '9.99', '10', '100.5', '1000'].map((s) => readDecimal(s)!.key);
    assert.deepEqual([...keys].sort(), keys);
  });
});
