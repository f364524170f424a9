/**
 * Helpers for the connector base's tests, which drive the base through the Bybit module against the
 * Bybit simulator (Bybit's faults cover every path of the base: acks, refusals, bad snapshots…).
 */
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import type { ResyncReason } from '../../../core/sink.js';
import type { Simulator } from '../../../sim/simulator.js';
import { waitFor } from '../../../sim/test-support/wait.js';
import { assertExact, type KitVenueOptions, type Stack, settle, startStack } from '../../test-support/stack.js';

/** A logger whose lines are kept, parsed, for assertions on what an operator would read. */
export function capturingLogger(): { log: Logger; lines: Record<string, unknown>[]; raw: string[] } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line === '') continue;
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines, raw };
}

/** A stack with only the Bybit connector, built through its venue module. */
export function bybitStack(
  sim: Simulator,
  symbols: readonly string[],
  options: KitVenueOptions = {},
  log?: Logger,
): Stack {
  return startStack(sim, { bybit: options }, [...symbols], log === undefined ? {} : { log });
}

/** Resync reasons reported for each Bybit symbol, in order (the one path each resync is counted on). */
export function recordResyncs(stack: Stack): Map<string, ResyncReason[]> {
  const reasons = new Map<string, ResyncReason[]>();
  stack.pipeline.subscribe({
    onResync: (exchange, symbol, reason) => {
      if (exchange !== 'bybit') return;
      reasons.set(symbol, [...(reasons.get(symbol) ?? []), reason]);
    },
  });
  return reasons;
}

export const bybitStatus = (stack: Stack) => stack.manager.status()[0];

export const connectionsOpen = (stack: Stack) => bybitStatus(stack).connections.every((c) => c.status.type === 'open');

export async function waitOpen(stack: Stack): Promise<void> {
  await waitFor(() => bybitStatus(stack).connections.length > 0 && connectionsOpen(stack), 'bybit connections open');
}

/** Steps the symbols on the simulated venue until `condition` holds (the venue must move for ids to advance). */
export async function stepUntil(
  sim: Simulator,
  symbols: readonly string[],
  condition: () => boolean,
  message: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${message}`);
    for (const s of symbols) sim.bybit.step(s);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Every book caught up with the venue and equal to its window, exact strings. */
export async function settleExact(sim: Simulator, stack: Stack, symbols: readonly string[], steps = 20): Promise<void> {
  for (const s of symbols) await settle(sim, stack, 'bybit', s, steps);
  for (const s of symbols) assertExact(sim, stack, 'bybit', s);
}

/** A gap on `symbol`: one delta is never sent. */
export function withholdOneDelta(sim: Simulator, symbol: string): void {
  sim.bybit.faults.withholdNext(symbol);
  sim.bybit.step(symbol);
  sim.bybit.step(symbol);
}
