import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_INSTRUMENTS } from '../../sim/market.js';
import { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { startStack } from '../test-support/stack.js';
import { BINANCE_MAX_STREAMS, BINANCE_MAX_URL_LENGTH, combinedStreamUrl, planStreamChunks } from './connection-plan.js';
import { BINANCE_MAX_URL_LENGTH_ACCEPTED } from './sim/venue.js';

/** A 30-character symbol, the longest the configuration accepts. */
const longSymbol = (i: number) => `${'LONGNAME'.repeat(3)}${String(i).padStart(2, '0')}USDT`;

describe('Binance connection plan', () => {
  it('splits by URL length as well as by stream count', () => {
    const base = 'wss://fstream.binance.com';
    const url = (chunk: readonly string[]) => combinedStreamUrl(base, 'public', chunk);
    const long = Array.from({ length: 200 }, (_, i) => `${longSymbol(i).toLowerCase()}@depth@100ms`);
    assert.equal(longSymbol(0).length, 30);
    assert.ok(url(long).length > BINANCE_MAX_URL_LENGTH, '200 long streams make a URL past the limit');
    const chunks = planStreamChunks(long, url);
    assert.equal(chunks.length, 2);
    assert.deepEqual(chunks.flat(), long, 'every stream once, in order');
    for (const c of chunks) assert.ok(url(c).length <= BINANCE_MAX_URL_LENGTH, `${url(c).length} characters`);
    // Short names: the stream count is what splits.
    const short = Array.from({ length: 450 }, (_, i) => `s${i}usdt@depth@100ms`);
    assert.deepEqual(
      planStreamChunks(short, url).map((c) => c.length),
      [BINANCE_MAX_STREAMS, BINANCE_MAX_STREAMS, 50],
    );
    assert.deepEqual(planStreamChunks([], url), []);
  });

  it('connects 190 thirty-character symbols, which one URL could not carry, over URLs the venue accepts', async () => {
    const instruments = Array.from({ length: 190 }, (_, i) => ({
      ...DEFAULT_INSTRUMENTS[i % 3],
      symbol: longSymbol(i),
      levels: 20,
    }));
    const sim = await Simulator.start({ seed: 12, instruments });
    const symbols = instruments.map((i) => i.symbol);
    const stack = startStack(sim, { binance: {} }, symbols);
    try {
      await waitFor(
        () =>
          stack.manager.status()[0].connections.length === 4 &&
          stack.manager.status()[0].connections.every((c) => c.status.type === 'open'),
        'two public and two market connections, all open',
      );
      const subscriptions = sim.binance.subscriptions();
      for (const route of ['public', 'market'] as const) {
        const streams = subscriptions.filter((c) => c.route === route).flatMap((c) => c.streams);
        assert.equal(new Set(streams).size, 190, `every ${route} stream once`);
      }
      for (const c of subscriptions) {
        const length = `/${c.route}/stream?streams=${c.streams.join('/')}`.length;
        assert.ok(length <= BINANCE_MAX_URL_LENGTH_ACCEPTED, `${length} characters`);
      }
      assert.equal(stack.manager.reconnections().binance, 0, 'no connection was refused');
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });
});
