/**
 * Books on demand, run against every venue in VENUES through its own simulator: a connector follows a
 * book it was not configured with (the venue lists it), serves it exactly like a configured one, stops
 * following it (the venue streams it no more), opens and closes connections within the venue's limits,
 * and says whether the venue lists a symbol before anything is asked of the venue.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConnectionStatus } from '../core/sink.js';
import { NAMED_INSTRUMENTS } from '../sim/market.js';
import type { OnDemandBooks } from './connector.js';
import type { VenueModule } from './kit/venue-module.js';
import {
  assertBooksExact,
  CONFORMANCE_INSTRUMENTS,
  type ConformanceOptions,
  type ConformanceRun,
  connectorStatus,
  startConformance,
  unlistedSymbol,
  whileMarketMoves,
} from './test-support/conformance.js';
import { VENUES } from './venues.js';

const SCENARIO_TIMEOUT_MS = 60_000;
const BASE_SEED = 7_300;
/** The simulated instruments: FlowRS is configured with the conformance two; the venue lists a third. */
const INSTRUMENTS = [...CONFORMANCE_INSTRUMENTS, NAMED_INSTRUMENTS.find((i) => i.symbol === 'ETHUSDT')!];
const CONFIGURED = CONFORMANCE_INSTRUMENTS.length;

/**
 * How a venue spreads one symbol's topics: Binance carries depth and trades on connections of two
 * categories (`/public`, `/market`), one stream each; the others carry a book and a trade topic together.
 */
function layout(module: VenueModule): { readonly categories: number; readonly topicsPerSymbol: number } {
  return module.id === 'binance' ? { categories: 2, topicsPerSymbol: 1 } : { categories: 1, topicsPerSymbol: 2 };
}

/** Connections a venue needs for `symbols` symbols at `perConnection` topics (streams) a connection. */
function connectionsFor(module: VenueModule, symbols: number, perConnection: number): number {
  const { categories, topicsPerSymbol } = layout(module);
  return categories * Math.ceil((symbols * topicsPerSymbol) / perConnection);
}

async function withRun(
  module: VenueModule,
  options: Omit<ConformanceOptions, 'instruments' | 'configured'>,
  body: (run: ConformanceRun, onDemand: OnDemandBooks, extra: string) => Promise<void>,
): Promise<void> {
  const run = await startConformance(module, { ...options, instruments: INSTRUMENTS, configured: CONFIGURED });
  try {
    const onDemand = run.stack.manager.get(run.id)?.onDemand;
    assert.ok(onDemand, `${run.id} follows books on demand`);
    const extra = run.symbols[CONFIGURED];
    assert.ok(extra !== undefined && !run.configured.includes(extra), 'a listed symbol that is not configured');
    await body(run, onDemand, extra);
  } finally {
    await run.stop();
  }
}

const connectionNames = (run: ConformanceRun) => connectorStatus(run).connections.map((c) => c.name);
const tradesOf = (run: ConformanceRun, symbol: string) => run.stack.trades.filter((t) => t.symbol === symbol).length;

VENUES.forEach((module, venueIndex) => {
  const seed = (n: number) => BASE_SEED + venueIndex * 10 + n;

  describe(`books on demand: ${module.id}`, () => {
    it(`follows a listed book it was not configured with: live, exact, with trades, on the same connections (seed ${seed(0)})`, {
      timeout: SCENARIO_TIMEOUT_MS,
    }, async () => {
      await withRun(module, { seed: seed(0) }, async (run, onDemand, extra) => {
        await assertBooksExact(run);
        assert.equal(run.venue.subscribers(extra), 0, `${extra} is not streamed before it is followed`);
        const before = connectionNames(run);
        const opened = run.venue.stats.connectionsOpened;
        assert.equal(await onDemand.lists(extra), true, `${run.id} lists ${extra}`);
        onDemand.follow(extra);
        onDemand.follow(extra); // following a followed symbol does nothing
        await assertBooksExact(run, 20, { symbols: [...run.configured, extra] });
        await whileMarketMoves(run, () => tradesOf(run, extra) > 0, `${extra}'s trades reach the sink`);
        assert.deepEqual(connectionNames(run), before, 'carried by the connections it had (room under the limits)');
        assert.equal(run.venue.stats.connectionsOpened, opened, 'no connection opened');
        assert.deepEqual(
          run.resyncs.filter((r) => r.symbol === extra),
          [],
          `${extra} went live without a resync`,
        );
      });
    });

    it(`unfollows: the venue streams the book no more, its frames are ignored, the others stay exact (seed ${seed(1)})`, {
      timeout: SCENARIO_TIMEOUT_MS,
    }, async () => {
      await withRun(module, { seed: seed(1) }, async (run, onDemand, extra) => {
        onDemand.follow(extra);
        await assertBooksExact(run, 20, { symbols: [...run.configured, extra] });
        assert.ok(run.venue.subscribers(extra) > 0, `${extra} is streamed while followed`);
        const before = connectionNames(run);
        onDemand.unfollow(extra);
        await whileMarketMoves(
          run,
          () => run.venue.subscribers(extra) === 0,
          () => `the venue stops streaming ${extra} (${run.venue.subscribers(extra)} connections still get it)`,
        );
        // Whatever was in flight has arrived once the other books, on the same connections, caught up.
        await assertBooksExact(run);
        const book = run.stack.books.ensure(run.id, extra);
        const updateId = book.updateId;
        const trades = tradesOf(run, extra);
        for (let i = 0; i < 50; i++) run.venue.step(extra);
        await assertBooksExact(run, 50);
        assert.equal(book.updateId, updateId, `${extra}'s book takes no update once unfollowed`);
        assert.equal(tradesOf(run, extra), trades, `no trade of ${extra} reaches the sink once unfollowed`);
        assert.deepEqual(connectionNames(run), before, 'shared connections stay open');
        // Configured symbols are never dropped.
        const [configured] = run.configured;
        onDemand.unfollow(configured);
        await assertBooksExact(run);
        assert.ok(run.venue.subscribers(configured) > 0, `${configured} is still streamed`);
        // Followed again: the book comes back exact.
        onDemand.follow(extra);
        await assertBooksExact(run, 20, { symbols: [...run.configured, extra] });
      });
    });

    it(`with few topics per connection, following opens a connection and unfollowing closes it again (seed ${seed(2)})`, {
      timeout: SCENARIO_TIMEOUT_MS,
    }, async () => {
      // The configured books fill their connections exactly.
      const perConnection = CONFIGURED * layout(module).topicsPerSymbol;
      await withRun(module, { seed: seed(2), streamsPerConnection: perConnection }, async (run, onDemand, extra) => {
        const closed: string[] = [];
        run.stack.pipeline.subscribe({
          onConnection: (_exchange, name, status: ConnectionStatus) => {
            if (status.type === 'closed') closed.push(name);
          },
        });
        await assertBooksExact(run);
        const before = connectionNames(run);
        assert.equal(before.length, connectionsFor(module, CONFIGURED, perConnection), `connections: ${before}`);
        const opened = run.venue.stats.connectionsOpened;
        onDemand.follow(extra);
        await assertBooksExact(run, 20, { symbols: [...run.configured, extra] });
        const after = connectionNames(run);
        const added = after.filter((n) => !before.includes(n));
        assert.equal(after.length, connectionsFor(module, CONFIGURED + 1, perConnection), `connections: ${after}`);
        assert.equal(added.length, after.length - before.length, `new names: ${added}`);
        assert.equal(run.venue.stats.connectionsOpened, opened + added.length, 'the venue saw them open');
        onDemand.unfollow(extra);
        await whileMarketMoves(
          run,
          () => run.venue.subscribers(extra) === 0 && added.every((n) => closed.includes(n)),
          () => `the emptied connections close (closed: ${closed.join(',') || 'none'})`,
        );
        assert.deepEqual(connectionNames(run), before, 'the connections it had before');
        await assertBooksExact(run);
      });
    });

    it(`lists: true for a listed symbol, false for one the venue does not list (never followed) (seed ${seed(3)})`, {
      timeout: SCENARIO_TIMEOUT_MS,
    }, async () => {
      await withRun(module, { seed: seed(3) }, async (run, onDemand, extra) => {
        const nope = unlistedSymbol(module, run.venue);
        assert.equal(await onDemand.lists(nope), false, `${run.id} does not list ${nope}`);
        assert.equal(await onDemand.lists(extra), true, `${run.id} lists ${extra}`);
        for (const symbol of run.configured) assert.equal(await onDemand.lists(symbol), true, `${symbol} is listed`);
        await assertBooksExact(run);
        assert.equal(run.venue.subscribers(nope), 0, `${nope} is never subscribed`);
      });
    });

    it(`lists: undefined when the instrument list cannot be had (seed ${seed(4)})`, {
      timeout: SCENARIO_TIMEOUT_MS,
    }, async () => {
      await withRun(
        module,
        { seed: seed(4), beforeStart: (venue) => venue.failInstrumentList(1) },
        async (run, onDemand, extra) => {
          assert.equal(await onDemand.lists(extra), undefined, 'unknown: nothing is asked of the venue');
          assert.equal(run.venue.subscribers(extra), 0, `${extra} is not subscribed`);
        },
      );
    });
  });
});

describe('books on demand: binance pace', () => {
  it('following many books at once stays under Binance’s 10 incoming messages a second per connection', {
    timeout: SCENARIO_TIMEOUT_MS,
  }, async () => {
    const binance = VENUES.find((v) => v.id === 'binance')!;
    await withRun(binance, { seed: BASE_SEED + 99 }, async (run, onDemand) => {
      await assertBooksExact(run);
      // Well-formed stream names: the simulated venue takes them (it sends nothing for symbols it does not simulate).
      const many = Array.from({ length: 40 }, (_, i) => `PACE${i}USDT`);
      const opened = run.venue.stats.connectionsOpened;
      for (const symbol of many) onDemand.follow(symbol);
      await whileMarketMoves(
        run,
        () => many.every((s) => run.venue.subscribers(s) === 2),
        () =>
          `every book's depth and trade streams subscribed (${many.filter((s) => run.venue.subscribers(s) === 2).length}/40)`,
      );
      for (const symbol of many.slice(0, 20)) onDemand.unfollow(symbol);
      await whileMarketMoves(
        run,
        () => many.slice(0, 20).every((s) => run.venue.subscribers(s) === 0),
        'the first twenty unsubscribed',
      );
      assert.equal(run.venue.stats.connectionsOpened, opened, 'no connection closed by the venue, none opened');
      assert.deepEqual(run.disconnects, [], 'no disconnect');
      await assertBooksExact(run);
    });
  });
});

describe('books on demand: hourly request caps', () => {
  for (const [venueIndex, module] of VENUES.entries()) {
    // Binance subscribes in the URL and caps messages a second only (see the pace test).
    if (module.id === 'binance') continue;
    it(`${module.id}: a connection whose requests this hour are spent gets no more books; a new one opens (seed ${BASE_SEED + 200 + venueIndex})`, {
      timeout: SCENARIO_TIMEOUT_MS,
    }, async () => {
      // One topic a request: the configured books' first subscription spends the whole cap.
      const spent = CONFIGURED * layout(module).topicsPerSymbol;
      const limits = { topicsPerRequest: 1, requestsPerHour: spent };
      await withRun(module, { seed: BASE_SEED + 200 + venueIndex, limits }, async (run, onDemand, extra) => {
        await assertBooksExact(run);
        const before = connectionNames(run);
        assert.equal(before.length, 1, `connections: ${before}`);
        onDemand.follow(extra);
        await assertBooksExact(run, 20, { symbols: [...run.configured, extra] });
        assert.equal(connectionNames(run).length, 2, `a second connection: ${connectionNames(run)}`);
        onDemand.unfollow(extra);
        await whileMarketMoves(run, () => run.venue.subscribers(extra) === 0, `${extra} no longer streamed`);
        assert.deepEqual(connectionNames(run), before, 'the emptied connection closed');
        assert.deepEqual(run.disconnects, [], 'no connection lost');
      });
    });
  }
});
