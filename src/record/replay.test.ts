import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TradeEvent } from '../core/types.js';
import { waitFor } from '../sim/test-support/wait.js';
import {
  type RecordedSession,
  type ReplayedSession,
  recordSession,
  replaySession,
  settle,
} from './test-support/session.js';

/** Every venue the simulator has: each connector's own code is what the replay must reproduce. */
const VENUES = ['binance', 'bybit', 'okx', 'gate', 'bitget', 'hyperliquid'];

describe('replaying a recorded session', () => {
  let dir: string;
  let recorded: RecordedSession;
  let replayed: ReplayedSession;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowrs-record-'));
    recorded = await recordSession(dir, VENUES, async (sim, app) => {
      sim.step(20);
      // A gap (sequenced venues resync), a venue reset, and reconnects.
      sim.venue('binance').faults.withholdNext(sim.venue('binance').symbols()[0]);
      sim.venue('okx').faults.withholdNext(sim.venue('okx').symbols()[0]);
      sim.step(5);
      await settle(sim, app);
      sim.venue('bybit').venueReset(sim.venue('bybit').symbols()[0]);
      sim.venue('bitget').venueReset(sim.venue('bitget').symbols()[0]);
      sim.step(5);
      await settle(sim, app);
      const reconnections = () =>
        app.exchanges.status().reduce((n, s) => n + s.connections.reduce((m, c) => m + c.reconnections, 0), 0);
      const before = reconnections();
      sim.venue('gate').dropAllConnections();
      sim.venue('binance').closeAllConnections();
      sim.venue('hyperliquid').dropAllConnections();
      await waitFor(() => reconnections() >= before + 3, 'the dropped venues reconnected');
      await settle(sim, app, 20);
    });
    replayed = await replaySession(dir, 'max');
  });

  after(async () => {
    await replayed?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reproduces the live book states at every update id, on every venue, faults included', () => {
    const live = recorded.live.map();
    const replay = replayed.hashes.map();
    assert.deepEqual([...replay.keys()].sort(), [...live.keys()].sort(), 'the same books');
    for (const [book, states] of live) {
      const replayStates = replay.get(book)!;
      const missing = [...states.keys()].filter((id) => !replayStates.has(id));
      assert.deepEqual(missing, [], `${book}: every update id the live run saw is replayed`);
      for (const [updateId, hashes] of states)
        assert.deepEqual(replayStates.get(updateId), hashes, `${book} at update ${updateId}`);
      assert.ok(states.size > 20, `${book}: the session had many updates (${states.size})`);
    }
  });

  it('replays the same book states in the same order', () => {
    for (const [book, states] of recorded.live.byBook)
      assert.deepEqual(replayed.hashes.byBook.get(book), states, `${book}: the whole sequence of states`);
  });

  it('replays the same trades, in the same order for each book', () => {
    const byBook = (trades: readonly TradeEvent[]) => {
      const out = new Map<string, string[]>();
      for (const t of trades) {
        const key = `${t.exchange}:${t.symbol}`;
        out.set(key, [...(out.get(key) ?? []), `${t.tradeId} ${t.side} ${t.price} ${t.quantity}`]);
      }
      return out;
    };
    assert.ok(recorded.live.trades.length > 0, 'the session had trades');
    assert.deepEqual(byBook(replayed.hashes.trades), byBook(recorded.live.trades));
  });
});
