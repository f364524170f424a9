/** Helpers for the Bybit connector's tests against the simulator. */
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import type { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import type { Stack } from '../test-support/stack.js';

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

/** Steps `symbol` on the simulated venue until `condition` holds (the venue must move for ids to advance). */
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

/** Resync reasons reported for each symbol, in order. */
export function recordResyncs(stack: Stack): Map<string, string[]> {
  const reasons = new Map<string, string[]>();
  stack.pipeline.subscribe({
    onResync: (exchange, symbol, reason) => {
      if (exchange !== 'bybit') return;
      reasons.set(symbol, [...(reasons.get(symbol) ?? []), reason]);
    },
  });
  return reasons;
}

export const connectionsOpen = (stack: Stack) =>
  stack.manager.status()[0].connections.every((c) => c.status.type === 'open');

export async function waitOpen(stack: Stack): Promise<void> {
  await waitFor(
    () => stack.manager.status()[0].connections.length > 0 && connectionsOpen(stack),
    'bybit connections open',
  );
}
