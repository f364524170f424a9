/**
 * The shared contract every venue meets, run against each venue in VENUES through its own simulator:
 * the same scenarios, each ending with FlowRS's book exactly the venue's true book (raw strings, the
 * venue's whole window, and the sizes served in base units). Adding a venue to VENUES adds it here.
 * A venue's own folder only tests what is its own.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { InvalidFrameReason } from '../core/sink.js';
import type { MalformedKind } from '../sim/sim-venue.js';
import { waitFor } from '../sim/test-support/wait.js';
import type { VenueModule } from './kit/venue-module.js';
import {
  allOpen,
  assertBooksExact,
  type ConformanceOptions,
  type ConformanceRun,
  connectorStatus,
  reconnections,
  startConformance,
  type VenueTraits,
  venueTraits,
  whileMarketMoves,
} from './test-support/conformance.js';
import { VENUES } from './venues.js';

/** A scenario's own patience: a whole venue's run normally takes a few seconds. */
const SCENARIO_TIMEOUT_MS = 60_000;
/** First seed; each venue × scenario gets its own, printed with the test. */
const BASE_SEED = 4_200;

/** The invalid-frame reason each malformed frame is counted as, unless a venue documents otherwise. */
const MALFORMED_REASONS: Readonly<Record<MalformedKind, InvalidFrameReason>> = {
  invalid_json: 'not_json',
  wrong_types: 'bad_field',
  unknown_event: 'unknown_message',
  bad_level: 'bad_level',
};

/**
 * Where a venue's parser documents a different verdict for a malformed frame. `ignored`: the frame is
 * dropped without counting (a venue whose parser lets through event types it does not know).
 */
const MALFORMED_OVERRIDES: Readonly<Record<string, Partial<Record<MalformedKind, InvalidFrameReason | 'ignored'>>>> = {
  // binance/parse.ts: an event whose `e` it does not use is ignored.
  binance: { unknown_event: 'ignored' },
  // bybit/parse.ts: a `topic` FlowRS does not use is ignored.
  bybit: { unknown_event: 'ignored' },
  // okx/parse.ts: events it does not act on (`notice`, `channel-conn-count`…) are ignored.
  okx: { unknown_event: 'ignored' },
  // bitget/parse.ts: `login` "and anything else a public socket might say" is ignored.
  bitget: { unknown_event: 'ignored' },
  // hyperliquid/parse.ts: a channel FlowRS does not use is ignored.
  hyperliquid: { unknown_event: 'ignored' },
};

/**
 * Scenarios a venue does not pass yet, with the reason (each reported as a defect outside this suite).
 * A todo scenario still runs; its failure does not fail the suite.
 */
const TODO: Readonly<Record<string, Partial<Record<ScenarioId, string>>>> = {};

interface Scenario {
  readonly id: string;
  readonly name: string;
  readonly options?: (module: VenueModule) => Omit<ConformanceOptions, 'seed'>;
  run(run: ConformanceRun, context: { module: VenueModule; traits: VenueTraits; t: TestContext }): Promise<void>;
}

const resyncsOf = (run: ConformanceRun, symbol: string, from = 0) =>
  run.resyncs
    .slice(from)
    .filter((r) => r.symbol === symbol)
    .map((r) => r.reason);

const stepTimes = (run: ConformanceRun, symbol: string, n: number) => {
  for (let i = 0; i < n; i++) run.venue.step(symbol);
};

/** Cuts (or closes) every connection; FlowRS reconnects and its books end exact. */
async function reconnectsAfter(run: ConformanceRun, cut: () => void, what: string): Promise<void> {
  await assertBooksExact(run);
  const before = run.disconnects.length;
  cut();
  await whileMarketMoves(
    run,
    () => run.disconnects.length > before && allOpen(run),
    () => `${what}: reconnected (disconnects ${run.disconnects.slice(before).join(',') || 'none'})`,
  );
  assert.ok(reconnections(run) > 0, `${what}: counted as a reconnection`);
  await assertBooksExact(run);
}

const SCENARIOS = [
  {
    id: 'steady',
    name: 'steady state: the books equal the venue’s after the snapshot and after many events',
    async run(run) {
      await assertBooksExact(run);
      await assertBooksExact(run, 200);
      assert.equal(reconnections(run), 0, 'no reconnection');
      assert.deepEqual(run.resyncs, [], 'no resync');
      assert.deepEqual(run.invalid, [], 'no invalid frame');
    },
  },
  {
    id: 'gap',
    name: 'gap: a withheld event is detected (sequenced venues) and the book ends exact',
    async run(run, { traits }) {
      await assertBooksExact(run);
      const [symbol] = run.symbols;
      const gaps = connectorStatus(run).counters.gaps;
      const from = run.resyncs.length;
      run.venue.faults.withholdNext(symbol);
      stepTimes(run, symbol, 3);
      await assertBooksExact(run);
      if (traits.sequenced) {
        assert.ok(connectorStatus(run).counters.gaps > gaps, 'the gap is counted');
        assert.ok(resyncsOf(run, symbol, from).includes('gap'), `resynced for a gap (${resyncsOf(run, symbol, from)})`);
      } else {
        // Whole pictures carry no sequence: a lost one cannot be seen, only repaired by the next.
        assert.equal(connectorStatus(run).counters.gaps, gaps, 'no gap can be detected');
        assert.deepEqual(resyncsOf(run, symbol, from), [], 'no resync needed');
      }
    },
  },
  {
    id: 'duplicate',
    name: 'duplicate: events sent twice are ignored, without a resync',
    async run(run) {
      await assertBooksExact(run);
      const [symbol] = run.symbols;
      const from = run.resyncs.length;
      const duplicates = connectorStatus(run).counters.duplicates;
      run.venue.faults.duplicateNext(symbol, 3);
      stepTimes(run, symbol, 5);
      await assertBooksExact(run);
      assert.ok(connectorStatus(run).counters.duplicates > duplicates, 'the duplicates are counted');
      assert.deepEqual(resyncsOf(run, symbol, from), [], 'no resync');
    },
  },
  {
    id: 'reorder',
    name: 'reorder: two events swapped, the book ends exact',
    async run(run) {
      await assertBooksExact(run);
      const [symbol] = run.symbols;
      run.venue.faults.reorderNext(symbol);
      stepTimes(run, symbol, 4);
      await assertBooksExact(run);
    },
  },
  {
    id: 'venue_reset',
    name: 'venue reset: the venue restarts a book, FlowRS follows it exactly',
    async run(run) {
      await assertBooksExact(run);
      const [symbol] = run.symbols;
      run.venue.venueReset(symbol);
      stepTimes(run, symbol, 3);
      await assertBooksExact(run);
    },
  },
  {
    id: 'drop',
    name: 'dropped connection: cut without a close frame, reconnected, exact',
    async run(run) {
      await reconnectsAfter(run, () => run.venue.dropAllConnections(), 'drop');
    },
  },
  {
    id: 'close',
    name: 'clean close: the venue closes every connection, reconnected, exact',
    async run(run) {
      await reconnectsAfter(run, () => run.venue.closeAllConnections(), 'close');
      assert.ok(run.disconnects.includes('closed'), `closed is the reason (${run.disconnects.join(',')})`);
    },
  },
  {
    id: 'stall_pong',
    name: 'stalled stream that still answers pings: the no-data watchdog reconnects, exact',
    // Pings answered well within the pong timeout; only the missing data can end the connection.
    options: () => ({ dataTimeoutMs: 500, timing: { pingIntervalMs: 100, pongTimeoutMs: 5_000 } }),
    async run(run) {
      await assertBooksExact(run);
      const from = run.disconnects.length;
      run.venue.stall({ pong: true });
      await whileMarketMoves(
        run,
        () => run.disconnects.slice(from).includes('no_data') && allOpen(run),
        () => `the watchdog reconnects (disconnects ${run.disconnects.slice(from).join(',') || 'none'})`,
      );
      assert.ok(!run.disconnects.slice(from).includes('no_pong'), 'pongs kept coming');
      await assertBooksExact(run);
    },
  },
  {
    id: 'stall_no_pong',
    name: 'stalled stream that stops answering pings: the pong timeout reconnects, exact',
    // The data timeout is far longer than the pong timeout: only the missing pong can end it first.
    options: () => ({ dataTimeoutMs: 30_000, timing: { pingIntervalMs: 100, pongTimeoutMs: 500 } }),
    async run(run) {
      await assertBooksExact(run);
      const from = run.disconnects.length;
      run.venue.stall({ pong: false });
      await whileMarketMoves(
        run,
        () => run.disconnects.slice(from).includes('no_pong') && allOpen(run),
        () => `the pong timeout reconnects (disconnects ${run.disconnects.slice(from).join(',') || 'none'})`,
      );
      await assertBooksExact(run);
    },
  },
  {
    id: 'malformed',
    name: 'malformed frames: each kind counted by reason, the connection kept, the book exact',
    async run(run, { module, t }) {
      await assertBooksExact(run);
      const kinds = Object.keys(MALFORMED_REASONS) as MalformedKind[];
      for (const kind of kinds) {
        const expected = MALFORMED_OVERRIDES[module.id]?.[kind] ?? MALFORMED_REASONS[kind];
        const before = [...run.invalid];
        run.venue.sendMalformed(kind);
        if (expected === 'ignored') {
          // Frames on a connection arrive in order: once the book has caught up past it, it was read.
          await assertBooksExact(run);
          assert.deepEqual(run.invalid, before, `${kind}: ignored, not counted`);
        } else {
          // One frame per connection that carries a book (Binance: its public and market connections).
          await waitFor(
            () => run.invalid.length > before.length,
            () => `${kind}: counted as invalid (${expected})`,
          );
          const counted = run.invalid.slice(before.length);
          assert.deepEqual(
            counted.filter((r) => r !== expected),
            [],
            `${kind}: counted as ${expected} (${counted.join(',')})`,
          );
          await assertBooksExact(run);
        }
        t.diagnostic(`${kind} → ${expected}`);
      }
      assert.equal(reconnections(run), 0, 'no reconnection for a bad frame');
    },
  },
  {
    id: 'unknown_symbol',
    name: 'unknown symbol: flagged unknown_symbol, no connection churn, the others exact',
    options: () => ({ withUnlisted: true }),
    async run(run) {
      const nope = run.unlisted;
      assert.ok(nope !== undefined);
      const book = run.stack.books.ensure(run.id, nope);
      await waitFor(() => book.resyncReason() === 'unknown_symbol', `${book.key} flagged unknown_symbol`);
      await assertBooksExact(run);
      await assertBooksExact(run, 100);
      assert.notEqual(book.status(), 'live', `${book.key} is never served`);
      assert.equal(reconnections(run), 0, 'no reconnection');
      assert.equal(
        run.venue.stats.connectionsOpened,
        connectorStatus(run).connections.length,
        'each connection opened once',
      );
      assert.deepEqual(
        run.resyncs.filter((r) => r.symbol !== nope),
        [],
        'the listed symbols are never resynced',
      );
    },
  },
  {
    id: 'unknown_symbol_answer',
    name: 'unknown symbol without the instrument list: the venue’s own answer flags it, the others exact',
    // The list request is rate limited, so the unlisted symbol is subscribed and the venue refuses it.
    options: () => ({ withUnlisted: true, beforeStart: (venue) => venue.rateLimitNext(1) }),
    async run(run, { t, module }) {
      const nope = run.unlisted;
      assert.ok(nope !== undefined);
      const book = run.stack.books.ensure(run.id, nope);
      await whileMarketMoves(run, () => book.resyncReason() === 'unknown_symbol', `${book.key} flagged unknown_symbol`);
      // Which path flagged it: no listed book knows its instrument when the list never arrived.
      const listKnown = run.symbols.some((s) => run.stack.books.ensure(run.id, s).instrument !== undefined);
      t.diagnostic(
        `flagged from ${listKnown ? 'the instrument list (its REST was not the one limited)' : 'the venue’s answer'}`,
      );
      // Raw books only: what is served before the contract sizes are known is the rate_limit scenario's.
      await assertBooksExact(run, 20, { servedSizes: false });
      assert.notEqual(book.status(), 'live', `${book.key} is never served`);
      assert.equal(reconnections(run), 0, 'no reconnection');
      // A venue counting contracts subscribes nothing until its list (the contract sizes) arrives, and says so.
      const waiting = module.sizeUnit === 'contracts' ? ['instruments_unavailable'] : [];
      assert.deepEqual(
        run.resyncs.filter((r) => r.symbol !== nope && !waiting.includes(r.reason)),
        [],
        'the listed symbols are never resynced',
      );
    },
  },
  {
    id: 'rejected_subscription',
    name: 'rejected subscription: flagged subscription_failed, retried, then exact',
    // A short data timeout: a topic left unsubscribed would otherwise hide behind a watchdog reconnect.
    options: () => ({
      dataTimeoutMs: 2_000,
      beforeStart: (venue) => venue.rejectNextSubscription(venue.symbols()[0]),
    }),
    async run(run, { module }) {
      const [symbol] = run.symbols;
      // Recovered first (the refusal came before any book could be live), then: was it flagged?
      await assertBooksExact(run);
      assert.ok(
        resyncsOf(run, symbol).includes('subscription_failed'),
        `${symbol} was flagged subscription_failed (resyncs: ${resyncsOf(run, symbol).join(',') || 'none'}; disconnects: ${run.disconnects.join(',') || 'none'})`,
      );
      // A venue may refuse the whole request (OKX's internal error names no argument): other books may
      // be flagged too, but every repair is a new subscription, never a reconnect.
      if (module.subscribesIn === 'url') {
        // Subscribed in the URL: the refusal is the connection's, and connecting again is the repair.
        assert.ok(
          run.disconnects.every((d) => d === 'connect_failed'),
          `disconnects: ${run.disconnects.join(',')}`,
        );
      } else {
        assert.deepEqual(run.disconnects, [], 'repaired by subscribing again, without a reconnect');
      }
    },
  },
  {
    id: 'rate_limit',
    name: 'rate limit: the venue’s REST answers with its rate limit, the books still end exact',
    options: () => ({ beforeStart: (venue) => venue.rateLimitNext(1) }),
    async run(run) {
      await assertBooksExact(run);
      await assertBooksExact(run, 50);
    },
  },
] as const satisfies readonly Scenario[];

type ScenarioId = (typeof SCENARIOS)[number]['id'];

VENUES.forEach((module, venueIndex) => {
  const traits = venueTraits(module);
  describe(`conformance: ${module.id} (${module.name})`, () => {
    it(`capabilities: ${traits.sequenced ? 'sequenced' : 'unsequenced (whole pictures)'}, sizes in ${module.sizeUnit}`, async (t) => {
      // What the module states, which the scenarios below rely on; its simulator must agree.
      const run = await startConformance(module, { seed: BASE_SEED + venueIndex * 100 + 99 });
      try {
        for (const symbol of run.symbols) {
          const size = run.venue.contractSize(symbol);
          if (module.sizeUnit === 'base') assert.equal(size, '1', `${symbol}: base units`);
          t.diagnostic(`${symbol} (${run.venue.canonical(symbol)}): contract size ${size}`);
        }
        t.diagnostic(`book sequence: ${traits.bookSequence}`);
        t.diagnostic(`checksum: ${module.checksum ? 'yes' : 'none'}`);
        const overrides = MALFORMED_OVERRIDES[module.id] ?? {};
        t.diagnostic(`malformed frames: ${JSON.stringify({ ...MALFORMED_REASONS, ...overrides })}`);
      } finally {
        await run.stop();
      }
    });
    SCENARIOS.forEach((scenario, scenarioIndex) => {
      const seed = BASE_SEED + venueIndex * 100 + scenarioIndex;
      const todo = TODO[module.id]?.[scenario.id];
      it(`${scenario.name} (seed ${seed})`, { timeout: SCENARIO_TIMEOUT_MS, ...(todo ? { todo } : {}) }, async (t) => {
        const options: Scenario['options'] = 'options' in scenario ? scenario.options : undefined;
        const run = await startConformance(module, { ...options?.(module), seed });
        try {
          await scenario.run(run, { module, traits, t });
        } finally {
          await run.stop();
        }
      });
    });
  });
});
