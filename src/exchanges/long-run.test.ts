import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Exchange } from '../core/types.js';
import { injectFault } from '../sim/faults.js';
import { SeededRandom } from '../sim/random.js';
import { Simulator } from '../sim/simulator.js';
import { sleep, waitFor } from '../sim/test-support/wait.js';
import { assertExact, type BookRef, settleBooks, startStack } from './test-support/stack.js';

const FAULTS = [
  ['binance', 'gap'],
  ['binance', 'duplicate'],
  ['binance', 'reorder'],
  ['binance', 'malformed-json'],
  ['binance', 'bad-level'],
  ['binance', 'stale-snapshot'],
  ['binance', 'snapshot-500'],
  ['binance', 'drop'],
  ['binance', 'close'],
  ['bybit', 'gap'],
  ['bybit', 'duplicate'],
  ['bybit', 'reorder'],
  ['bybit', 'wrong-types'],
  ['bybit', 'bad-level'],
  ['bybit', 'reset'],
  ['bybit', 'drop'],
] as const;
type Fault = (typeof FAULTS)[number];

/** Market rounds (one event per symbol per venue each) and the chance of a fault in each. */
const ROUNDS = 5_000;
const FAULT_CHANCE = 0.01;
/** The market's pace: it yields to the sockets this often, so frames flow while it runs (not a wait). */
const ROUNDS_PER_YIELD = 10;

/**
 * A long seeded run: both venues, every symbol, tens of thousands of venue events with random faults
 * (gaps, duplicates, reorders, malformed frames, drops, clean closes, stale and refused snapshots,
 * Bybit restarts). However the run goes, it must end with every book exactly equal to the venue's, and
 * the faults FlowRS was exposed to must show in what it counted.
 */
describe('seeded long run with random faults', () => {
  it('ends with every book exactly equal to the venue’s', { timeout: 300_000 }, async (t) => {
    const sim = await Simulator.start({ seed: 2026 });
    const stack = startStack(sim, { binance: {}, bybit: {} });
    try {
      const rng = new SeededRandom(99);
      const symbols = sim.symbols();
      const pick = <T>(xs: readonly T[]) => xs[rng.int(0, xs.length - 1)];
      const venueOpen = (venue: Exchange) =>
        stack.manager
          .get(venue)
          ?.status()
          .connections.every((c) => c.status.type === 'open') ?? false;
      // Faults injected while the venue's connections were open: FlowRS was there to see them.
      const witnessed: Fault[] = [];
      await waitFor(() => stack.connected(), 'connected');
      for (let round = 0; round < ROUNDS; round++) {
        sim.step();
        if (rng.chance(FAULT_CHANCE)) {
          const fault = pick(FAULTS);
          const [venue, kind] = fault;
          if (venueOpen(venue)) witnessed.push(fault);
          injectFault(sim, { venue, kind, symbol: pick(symbols) });
        }
        if (round % ROUNDS_PER_YIELD === 0) await sleep(1);
      }
      t.diagnostic(`faults seen by FlowRS: ${witnessed.map(([v, k]) => `${v}:${k}`).join(', ')}`);

      await waitFor(() => stack.connected(), 'every connection open again', 60_000);
      const books: BookRef[] = (['binance', 'bybit'] as const).flatMap((exchange) =>
        symbols.map((symbol) => ({ exchange, symbol })),
      );
      await settleBooks(sim, stack, books, { steps: 30 });
      for (const { exchange, symbol } of books) assertExact(sim, stack, exchange, symbol);

      const saw = (venue: Exchange, ...kinds: string[]) => witnessed.some(([v, k]) => v === venue && kinds.includes(k));
      for (const venue of ['binance', 'bybit'] as const) {
        const status = stack.manager.get(venue)!.status();
        const reconnections = status.connections.reduce((sum, c) => sum + c.reconnections, 0);
        if (saw(venue, 'drop', 'close')) assert.ok(reconnections > 0, `${venue}: dropped connections were reconnected`);
        if (saw(venue, 'gap')) assert.ok(status.counters.gaps > 0, `${venue}: withheld events were detected as gaps`);
        if (saw(venue, 'malformed-json', 'wrong-types', 'bad-level'))
          assert.ok(
            stack.invalidFrames.some((f) => f.exchange === venue),
            `${venue}: malformed frames were counted as invalid`,
          );
      }
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });
});
