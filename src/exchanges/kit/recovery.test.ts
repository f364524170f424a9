/**
 * How the connector base repairs one book by resubscribing its topic (unsubscribe → ack or timeout →
 * pause → subscribe → snapshot), driven through the Bybit module against the Bybit simulator.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import type { Stack } from '../test-support/stack.js';
import {
  bybitStack,
  capturingLogger,
  recordResyncs,
  settleExact,
  waitOpen,
  withholdOneDelta,
} from './test-support/bybit-stack.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const ETH_TOPIC = 'orderbook.200.ETHUSDT';
const BTC_TOPIC = 'orderbook.200.BTCUSDT';

describe('SubscriptionConnector topic recovery', () => {
  let sim: Simulator;
  let stack: Stack | undefined;
  before(async () => {
    sim = await Simulator.start({ seed: 43 });
  });
  after(async () => {
    await sim.stop();
  });
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('subscribes again when the unsubscribe ack never comes, and the topic ends exact', async () => {
    const { log, lines } = capturingLogger();
    stack = bybitStack(sim, SYMBOLS, { timing: { ackTimeoutMs: 100 } }, log);
    const reasons = recordResyncs(stack);
    await waitOpen(stack);
    await settleExact(sim, stack, SYMBOLS);
    const subscribes = sim.bybit.topicSubscribes.get(ETH_TOPIC) ?? 0;
    const connections = sim.bybit.stats.connectionsOpened;
    sim.bybit.dropNextAck('unsubscribe');
    withholdOneDelta(sim, 'ETHUSDT');
    await waitFor(() => reasons.get('ETHUSDT')?.includes('gap') === true, 'the gap is seen');
    await settleExact(sim, stack, SYMBOLS);
    assert.equal(sim.bybit.topicSubscribes.get(ETH_TOPIC), subscribes + 1, 'subscribed again once');
    assert.equal(sim.bybit.stats.connectionsOpened, connections, 'no reconnect was needed');
    assert.deepEqual(reasons.get('ETHUSDT'), ['gap']);
    const said = lines.filter((l) => l.msg === 'no answer to the unsubscribe; subscribing again anyway');
    assert.equal(said.length, 1);
    assert.equal(said[0].book, 'bybit:ETHUSDT');
  });

  it('restarts the topic’s connection when the subscribe goes unanswered too, and every book ends exact', async () => {
    stack = bybitStack(sim, SYMBOLS, { timing: { ackTimeoutMs: 100 } });
    const reasons = recordResyncs(stack);
    await waitOpen(stack);
    await settleExact(sim, stack, SYMBOLS);
    const connections = sim.bybit.stats.connectionsOpened;
    sim.bybit.dropNextAck('unsubscribe');
    sim.bybit.loseNextRequest('subscribe');
    withholdOneDelta(sim, 'ETHUSDT');
    await waitFor(() => sim.bybit.stats.connectionsOpened > connections, 'the connection is opened again');
    await waitOpen(stack);
    await settleExact(sim, stack, SYMBOLS);
    assert.equal(sim.bybit.stats.connectionsOpened, connections + 1, 'one restart');
    // ETHUSDT was already resyncing (gap); BTCUSDT, live until the restart, is flagged for it.
    assert.deepEqual(reasons.get('ETHUSDT'), ['gap']);
    assert.deepEqual(reasons.get('BTCUSDT'), ['disconnected']);
  });

  it('paces resubscriptions after rejected snapshots (doubling, per topic, no jitter with random 0), flags invalid_data, and ends exact', async () => {
    const { log, lines } = capturingLogger();
    // random 0: no jitter, so the pauses are exactly the doubling ceilings.
    stack = bybitStack(sim, SYMBOLS, { timing: { invalidSnapshotRetryMs: 20, random: () => 0 } }, log);
    const reasons = recordResyncs(stack);
    await waitOpen(stack);
    await settleExact(sim, stack, SYMBOLS);
    const subscribes = sim.bybit.topicSubscribes.get(ETH_TOPIC) ?? 0;
    const btcSubscribes = sim.bybit.topicSubscribes.get(BTC_TOPIC);
    const bad = 5;
    sim.bybit.corruptNextSnapshots('ETHUSDT', bad);
    withholdOneDelta(sim, 'ETHUSDT');
    const pauses = () => lines.filter((l) => l.book === 'bybit:ETHUSDT' && typeof l.delayMs === 'number');
    await waitFor(() => pauses().length === bad, `${bad} paced resubscriptions`);
    await settleExact(sim, stack, SYMBOLS);
    assert.deepEqual(
      pauses().map((l) => l.delayMs),
      [20, 40, 80, 160, 320],
    );
    assert.equal(
      sim.bybit.topicSubscribes.get(ETH_TOPIC),
      subscribes + 1 + bad,
      'one subscribe for the gap, then one per pause: no loop',
    );
    assert.equal(sim.bybit.topicSubscribes.get(BTC_TOPIC), btcSubscribes, 'other topics untouched');
    assert.deepEqual(reasons.get('ETHUSDT'), ['gap', ...Array(bad).fill('invalid_data')]);
    for (const l of pauses()) assert.equal(l.reason, 'invalid_data');
  });

  it('shortens each pause by up to a quarter at random (jitter), so topics do not retry in step', async () => {
    const { log, lines } = capturingLogger();
    // random ≈ 1: each pause is three quarters of its ceiling.
    stack = bybitStack(sim, SYMBOLS, { timing: { invalidSnapshotRetryMs: 40, random: () => 0.999_999 } }, log);
    await waitOpen(stack);
    await settleExact(sim, stack, SYMBOLS);
    sim.bybit.corruptNextSnapshots('ETHUSDT', 3);
    withholdOneDelta(sim, 'ETHUSDT');
    const pauses = () => lines.filter((l) => l.book === 'bybit:ETHUSDT' && typeof l.delayMs === 'number');
    await waitFor(() => pauses().length === 3, 'three paced resubscriptions');
    await settleExact(sim, stack, SYMBOLS);
    assert.deepEqual(
      pauses().map((l) => l.delayMs),
      [30, 60, 120],
    );
  });

  it('keeps the pause growing while the venue keeps sending bad snapshots, then recovers when they stop', async () => {
    const { log, lines } = capturingLogger();
    stack = bybitStack(sim, SYMBOLS, { timing: { invalidSnapshotRetryMs: 20, random: () => 0 } }, log);
    await waitOpen(stack);
    await settleExact(sim, stack, SYMBOLS);
    const subscribes = sim.bybit.topicSubscribes.get(ETH_TOPIC) ?? 0;
    sim.bybit.corruptNextSnapshots('ETHUSDT', Number.POSITIVE_INFINITY);
    withholdOneDelta(sim, 'ETHUSDT');
    const eth = stack.books.ensure('bybit', 'ETHUSDT');
    const pauses = () => lines.filter((l) => l.book === 'bybit:ETHUSDT' && typeof l.delayMs === 'number');
    await waitFor(() => pauses().length >= 4, 'four paced resubscriptions');
    assert.equal(eth.resyncReason(), 'invalid_data', 'the book says why it is not live');
    assert.deepEqual(
      pauses()
        .slice(0, 4)
        .map((l) => l.delayMs),
      [20, 40, 80, 160],
    );
    // Each subscribe answered with a bad snapshot schedules exactly one pause before the next.
    const seen = (sim.bybit.topicSubscribes.get(ETH_TOPIC) ?? 0) - subscribes;
    assert.ok(seen <= pauses().length + 1, `${seen} subscribes for ${pauses().length} pauses`);
    sim.bybit.corruptNextSnapshots('ETHUSDT', 0);
    await settleExact(sim, stack, SYMBOLS);
    // A good snapshot ends the episode: the next bad one starts from the first pause again.
    const before = pauses().length;
    sim.bybit.corruptNextSnapshots('ETHUSDT', 1);
    withholdOneDelta(sim, 'ETHUSDT');
    await waitFor(() => pauses().length === before + 1, 'one more paced resubscription');
    assert.equal(pauses().at(-1)?.delayMs, 20);
    await settleExact(sim, stack, SYMBOLS);
  });
});
