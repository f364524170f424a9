import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Simulator } from '../../sim/simulator.js';
import { assertExact, settleBooks, startStack } from '../test-support/stack.js';
import type { OkxSimVenue } from './sim/venue.js';

describe('OKX without its in-band snapshot (announced for removal)', () => {
  it('seeds each book from GET /api/v5/market/books, aligned by seqId, and keeps it exact', async () => {
    const sim = await Simulator.start({
      seed: 61,
      venues: ['okx'],
      venueOptions: { okx: { withholdSnapshot: true } },
    });
    const okx = sim.venue('okx') as OkxSimVenue;
    const symbols = okx.symbols();
    const stack = startStack(sim, { okx: { settings: { restSnapshotAfterMs: 200 } } });
    try {
      for (let i = 0; i < 5; i++) sim.step();
      const books = await settleBooks(
        sim,
        stack,
        symbols.map((symbol) => ({ exchange: 'okx', symbol })),
      );
      for (const symbol of symbols) assertExact(sim, stack, 'okx', symbol);
      assert.ok(books.every((b) => b.status() === 'live'));
      assert.ok(
        okx.stats.restBooksRequests >= symbols.length,
        `each book asked the REST API (${okx.stats.restBooksRequests} requests)`,
      );
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });
});
