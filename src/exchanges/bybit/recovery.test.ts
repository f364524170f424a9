import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { assertExact, type Stack, settle, startStack } from '../test-support/stack.js';
import { capturingLogger, recordResyncs, waitOpen } from './test-support.js';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT'];
const ETH_TOPIC = 'orderbook.200.ETHUSDT';
/**
 * The harness pings every 100 ms, which alone fills the 10 messages a second a socket may send; a
 * recovery's requests would then delay a ping past its pong timeout. Ping at a realistic pace.
 */
const PACE = { pingIntervalMs: 1_000, pongTimeoutMs: 1_000 } as const;

async function settleAll(sim: Simulator, stack: Stack): Promise<void> {
  for (const s of SYMBOLS) await settle(sim, stack, 'bybit', s);
  for (const s of SYMBOLS) assertExact(sim, stack, 'bybit', s);
}

/** A gap on ETHUSDT: one delta is never sent. */
function gap(sim: Simulator): void {
  sim.bybit.faults.withholdNext('ETHUSDT');
  sim.bybit.step('ETHUSDT');
  sim.bybit.step('ETHUSDT');
}

describe('Bybit topic recovery', () => {
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
    stack = startStack(sim, { bybit: { ...PACE, restUrl: sim.bybit.restBaseUrl, ackTimeoutMs: 100 } }, SYMBOLS);
    const reasons = recordResyncs(stack);
    await waitOpen(stack);
    await settleAll(sim, stack);
    const subscribes = sim.bybit.topicSubscribes.get(ETH_TOPIC) ?? 0;
    const connections = sim.bybit.stats.connectionsOpened;
    sim.bybit.dropNextAck('unsubscribe');
    gap(sim);
    await waitFor(() => reasons.get('ETHUSDT')?.includes('gap') === true, 'the gap is seen');
    await settleAll(sim, stack);
    assert.equal(sim.bybit.topicSubscribes.get(ETH_TOPIC), subscribes + 1, 'subscribed again once');
    assert.equal(sim.bybit.stats.connectionsOpened, connections, 'no reconnect was needed');
    assert.deepEqual(reasons.get('ETHUSDT'), ['gap']);
  });

  it('reconnects the topic’s connection when the subscribe goes unanswered too', async () => {
    stack = startStack(sim, { bybit: { ...PACE, restUrl: sim.bybit.restBaseUrl, ackTimeoutMs: 100 } }, SYMBOLS);
    await waitOpen(stack);
    await settleAll(sim, stack);
    const connections = sim.bybit.stats.connectionsOpened;
    sim.bybit.dropNextAck('unsubscribe');
    sim.bybit.loseNextRequest('subscribe');
    gap(sim);
    await waitFor(() => sim.bybit.stats.connectionsOpened > connections, 'the connection is opened again');
    await waitOpen(stack);
    await settleAll(sim, stack);
  });

  it('paces resubscriptions after rejected snapshots (doubling, per topic), flags invalid_data, and ends exact', async () => {
    const { log, lines } = capturingLogger();
    stack = startStack(
      sim,
      // random 0: no jitter, so the pauses are exactly the doubling ceilings.
      { bybit: { ...PACE, restUrl: sim.bybit.restBaseUrl, invalidSnapshotRetryMs: 20, random: () => 0, log } },
      SYMBOLS,
    );
    const reasons = recordResyncs(stack);
    await waitOpen(stack);
    await settleAll(sim, stack);
    const subscribes = sim.bybit.topicSubscribes.get(ETH_TOPIC) ?? 0;
    const btcSubscribes = sim.bybit.topicSubscribes.get('orderbook.200.BTCUSDT');
    const bad = 5;
    sim.bybit.corruptNextSnapshots('ETHUSDT', bad);
    gap(sim);
    const pauses = () => lines.filter((l) => l.topic === ETH_TOPIC && typeof l.delayMs === 'number');
    await waitFor(() => pauses().length === bad, `${bad} paced resubscriptions`);
    await settleAll(sim, stack);
    assert.deepEqual(
      pauses().map((l) => l.delayMs),
      [20, 40, 80, 160, 320],
    );
    assert.equal(
      sim.bybit.topicSubscribes.get(ETH_TOPIC),
      subscribes + 1 + bad,
      'one subscribe for the gap, then one per pause: no loop',
    );
    assert.equal(sim.bybit.topicSubscribes.get('orderbook.200.BTCUSDT'), btcSubscribes, 'other topics untouched');
    assert.deepEqual(reasons.get('ETHUSDT'), ['gap', ...Array(bad).fill('invalid_data')]);
    for (const l of pauses()) {
      assert.equal(l.book, 'bybit:ETHUSDT');
      assert.equal(l.reason, 'invalid_data');
    }
  });

  it('keeps the pause growing while the venue keeps sending bad snapshots, flagging the book invalid_data', async () => {
    const { log, lines } = capturingLogger();
    stack = startStack(
      sim,
      { bybit: { ...PACE, restUrl: sim.bybit.restBaseUrl, invalidSnapshotRetryMs: 20, random: () => 0, log } },
      SYMBOLS,
    );
    await waitOpen(stack);
    await settleAll(sim, stack);
    const subscribes = sim.bybit.topicSubscribes.get(ETH_TOPIC) ?? 0;
    sim.bybit.corruptNextSnapshots('ETHUSDT', Number.POSITIVE_INFINITY);
    gap(sim);
    const eth = stack.books.ensure('bybit', 'ETHUSDT');
    const pauses = () => lines.filter((l) => l.topic === ETH_TOPIC && typeof l.delayMs === 'number');
    await waitFor(() => pauses().length >= 4, 'four paced resubscriptions');
    assert.equal(eth.resyncReason(), 'invalid_data', 'the book says why it is not live');
    // Each subscribe answered with a bad snapshot schedules exactly one pause before the next.
    const seen = (sim.bybit.topicSubscribes.get(ETH_TOPIC) ?? 0) - subscribes;
    assert.ok(seen <= pauses().length + 1, `${seen} subscribes for ${pauses().length} pauses`);
    sim.bybit.corruptNextSnapshots('ETHUSDT', 0);
    await settleAll(sim, stack);
  });
});
