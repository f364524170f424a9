import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { injectFault } from '../sim/faults.js';
import { SeededRandom } from '../sim/random.js';
import { Simulator } from '../sim/simulator.js';
import { sleep, waitFor } from '../sim/test-support/wait.js';
import { assertExact, settle, startStack } from './test-support/stack.js';

/**
 * A long seeded run: both venues, every symbol, tens of thousands of venue events with random faults
 * (gaps, duplicates, reorders, malformed frames, drops, clean closes, stale and refused snapshots,
 * Bybit restarts). However the run goes, it must end with every book exactly equal to the venue's.
 */
describe('seeded long run with random faults', () => {
  it('ends with every book exactly equal to the venue’s', { timeout: 180_000 }, async () => {
    const sim = await Simulator.start({ seed: 2026 });
    const stack = startStack(sim, { binance: {}, bybit: {} });
    const rng = new SeededRandom(99);
    const symbols = sim.symbols();
    const pick = <T>(xs: readonly T[]) => xs[rng.int(0, xs.length - 1)];
    const faults = [
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
    const injected = new Map<string, number>();
    let events = 0;
    const rounds = 5_000;
    for (let round = 0; round < rounds; round++) {
      sim.step(); // one event per symbol per venue: 6 venue events a round
      events += symbols.length * 2;
      if (rng.chance(0.01)) {
        const [venue, kind] = pick(faults);
        injectFault(sim, { venue, kind, symbol: pick(symbols) });
        injected.set(`${venue}:${kind}`, (injected.get(`${venue}:${kind}`) ?? 0) + 1);
      }
      if (round % 10 === 0) await sleep(1);
    }
    await waitFor(
      () => stack.manager.status().every((s) => s.connections.every((c) => c.status.type === 'open')),
      'connected',
    );
    for (const venue of ['binance', 'bybit'] as const) {
      for (const symbol of symbols) await settle(sim, stack, venue, symbol, 30);
    }
    for (const venue of ['binance', 'bybit'] as const)
      for (const symbol of symbols) assertExact(sim, stack, venue, symbol);
    assert.ok(events >= 30_000, `${events} venue events`);
    assert.ok(injected.size >= 12, `most fault kinds were exercised: ${[...injected.keys()].join(', ')}`);
    const counters = stack.manager.status().map((s) => s.counters);
    assert.ok(
      counters.every((c) => c.gaps > 0),
      'both venues had to repair books',
    );
    await stack.stop();
    await sim.stop();
  });
});
