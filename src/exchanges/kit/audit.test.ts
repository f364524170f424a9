/**
 * Book audits of the connector base: a fresh subscription of the same topic on a second, short-lived
 * connection is sequenced on its own and compared with the live book at the same update id. Driven
 * through the Bybit module against the Bybit simulator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BookAuditResult } from '../../core/sink.js';
import { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { bybitStack, recordResyncs, settleExact, stepUntil, waitOpen } from './test-support/bybit-stack.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];

describe('SubscriptionConnector book audit from a fresh subscription on a second connection', () => {
  let sim: Simulator;
  before(async () => {
    sim = await Simulator.start({ seed: 47 });
  });
  after(async () => {
    await sim.stop();
  });

  it('records driftLevels 0 for books that follow the venue, and closes its connection', async () => {
    const stack = bybitStack(sim, SYMBOLS, { auditIntervalMs: 40 });
    const audits: { key: string; result: BookAuditResult }[] = [];
    stack.pipeline.subscribe({ onAudit: (book, result) => audits.push({ key: book.key, result }) });
    try {
      await waitOpen(stack);
      await settleExact(sim, stack, SYMBOLS);
      await stepUntil(
        sim,
        SYMBOLS,
        () => SYMBOLS.every((s) => audits.some((a) => a.key === `bybit:${s}`)),
        'both books audited',
      );
      for (const s of SYMBOLS) {
        const book = stack.books.get(`bybit:${s}`)!;
        assert.equal(book.lastAudit?.driftLevels, 0, `${s} agrees with its shadow`);
        assert.ok((book.lastAudit?.comparedLevels ?? 0) >= 5, `${s} compared level by level`);
      }
      // Audit sockets are short-lived: between audits, only the live connection stays.
      await stepUntil(sim, SYMBOLS, () => sim.bybit.subscriptions().length === 1, 'audit connections closed');
      assert.ok(audits.every((a) => a.result.driftLevels === 0));
    } finally {
      await stack.stop();
    }
  });

  it('detects a corrupted live book and resyncs it back to the truth', async () => {
    const stack = bybitStack(sim, SYMBOLS, { auditIntervalMs: 40 });
    const reasons = recordResyncs(stack);
    const drifts: BookAuditResult[] = [];
    stack.pipeline.subscribe({
      onAudit: (book, result) => book.key === 'bybit:BTCUSDT' && result.driftLevels > 0 && drifts.push(result),
    });
    try {
      await waitOpen(stack);
      await settleExact(sim, stack, SYMBOLS);
      const btc = stack.books.get('bybit:BTCUSDT')!;
      // A wrong quantity on a level the venue has: invisible to sequencing, visible to an audit.
      const [price] = btc.book.top(50).bids[40];
      btc.book.applyDelta([[price, '123']], []);
      // The venue stands still, so no delta can overwrite the corrupted level before the audit sees it.
      await waitFor(() => drifts.length > 0, 'the drift is found');
      assert.equal(drifts[0].driftLevels, 1);
      assert.deepEqual(drifts[0].sample[0], { side: 'bid', price, live: '123', shadow: drifts[0].sample[0].shadow });
      assert.notEqual(drifts[0].sample[0].shadow, '123');
      await waitFor(() => reasons.get('BTCUSDT')?.includes('audit_drift') === true, 'resynced for audit_drift');
      await settleExact(sim, stack, ['BTCUSDT']);
      assert.deepEqual(reasons.get('BTCUSDT'), ['audit_drift']);
      assert.equal(reasons.get('ETHUSDT'), undefined, 'the sound book was left alone');
    } finally {
      await stack.stop();
    }
  });
});
