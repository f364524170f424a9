import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { Logger } from '../../log.js';
import { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { assertExact, type Stack, settle, startStack } from '../test-support/stack.js';

const LISTED = ['BTCUSDT', 'ETHUSDT', '1000PEPEUSDT'];

/** A logger bound as the registry binds a venue's, whose lines the test can read. */
function capturingLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink).child({ exchange: 'binance' }), lines };
}

const allOpen = (stack: Stack) => stack.manager.status()[0].connections.every((c) => c.status.type === 'open');
const streamsOf = (sim: Simulator) => sim.binance.subscriptions().flatMap((c) => c.streams);

/** The error lines that name `symbol` (the one a user must see). */
const linesNaming = (lines: Record<string, unknown>[], symbol: string) =>
  lines.filter((l) => l.level === 50 && String(l.msg).includes(symbol));

describe('Binance symbols the venue does not list', () => {
  it('are flagged unknown_symbol at start from exchangeInfo, with one clear line, and get no stream', async () => {
    const sim = await Simulator.start({ seed: 8 });
    const { log, lines } = capturingLogger();
    // Three streams a connection: NOPEUSDT alone would fill public#1 and market#1, which must not exist.
    const stack = startStack(sim, { binance: { log, maxStreamsPerConnection: 3 } }, [...LISTED, 'NOPEUSDT']);
    try {
      const nope = stack.books.ensure('binance', 'NOPEUSDT');
      await waitFor(() => nope.resyncReason() === 'unknown_symbol', 'flagged without any data or request');
      await waitFor(() => allOpen(stack) && sim.binance.subscriptions().length === 2, 'connected');
      assert.deepEqual(
        stack.manager.status()[0].connections.map((c) => c.name),
        ['public#0', 'market#0'],
        'no connection for the unknown symbol alone',
      );
      assert.ok(!streamsOf(sim).some((s) => s.startsWith('nopeusdt')), 'no stream for it');
      for (const s of LISTED) await settle(sim, stack, 'binance', s);
      for (const s of LISTED) assertExact(sim, stack, 'binance', s);
      assert.equal(sim.binance.stats.snapshotRequestsBySymbol.get('NOPEUSDT'), undefined, 'never asked for');
      assert.equal(nope.status(), 'syncing');
      const named = linesNaming(lines, 'NOPEUSDT');
      assert.equal(named.length, 1, 'said once');
      assert.equal(
        named[0].msg,
        'Binance does not list NOPEUSDT; its book is flagged unknown_symbol (check FLOWRS_SYMBOLS)',
      );
      assert.equal(named[0].book, 'binance:NOPEUSDT');
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });

  it('without the list (exchangeInfo fails), are found by the snapshot’s -1121 and their streams dropped', async () => {
    const sim = await Simulator.start({ seed: 9 });
    sim.binance.failExchangeInfo(1_000);
    const { log, lines } = capturingLogger();
    const stack = startStack(sim, { binance: { log, instrumentRetryMs: 50 } }, [...LISTED, 'NOPEUSDT']);
    try {
      const nope = stack.books.ensure('binance', 'NOPEUSDT');
      await waitFor(() => nope.resyncReason() === 'unknown_symbol', 'flagged from the venue’s own answer');
      assert.equal(sim.binance.stats.snapshotRequestsBySymbol.get('NOPEUSDT'), 1, 'asked once, at start');
      await waitFor(
        () => allOpen(stack) && streamsOf(sim).length === 6 && !streamsOf(sim).some((s) => s.startsWith('nopeusdt')),
        'its streams are dropped, the others kept',
      );
      for (const s of LISTED) await settle(sim, stack, 'binance', s);
      for (const s of LISTED) assertExact(sim, stack, 'binance', s);
      assert.ok(sim.binance.stats.exchangeInfoRequests >= 2, 'the list is fetched again in the background');
      assert.equal(sim.binance.stats.snapshotRequestsBySymbol.get('NOPEUSDT'), 1, 'and never again');
      assert.equal(linesNaming(lines, 'NOPEUSDT').length, 1);
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });

  it('when the list arrives late, flags what it does not list and re-opens connections without it', async () => {
    const sim = await Simulator.start({ seed: 10 });
    sim.binance.failExchangeInfo(1);
    // The venue still serves ETHUSDT's book, but no longer lists it as trading (settling).
    sim.binance.setInstrumentStatus('ETHUSDT', 'SETTLING');
    const stack = startStack(sim, { binance: { instrumentRetryMs: 100 } });
    try {
      const eth = stack.books.ensure('binance', 'ETHUSDT');
      await waitFor(() => eth.resyncReason() === 'unknown_symbol', 'flagged once the list arrives');
      assert.ok((sim.binance.stats.snapshotRequestsBySymbol.get('ETHUSDT') ?? 0) >= 1, 'it had started anyway');
      await waitFor(
        () => allOpen(stack) && streamsOf(sim).length === 4 && !streamsOf(sim).some((s) => s.startsWith('ethusdt')),
        'the connections are re-opened without it',
      );
      for (const s of ['BTCUSDT', '1000PEPEUSDT']) await settle(sim, stack, 'binance', s);
      for (const s of ['BTCUSDT', '1000PEPEUSDT']) assertExact(sim, stack, 'binance', s);
      assert.equal(eth.resyncReason(), 'unknown_symbol');
    } finally {
      await stack.stop();
      await sim.stop();
    }
  });
});
