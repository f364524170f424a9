/**
 * What every order-book replay scenario shares: contenders run interleaved over the same frames, their
 * per-message timings summarised, and the memory one replayed book retains.
 */
import { gc, summarize } from './stats.js';

export interface ReplayOptions {
  readonly messages: number;
  readonly seed: number;
  readonly chunk: number;
}

export interface ReplayResult {
  name: string;
  msgsPerSec: number;
  p50Ns: number;
  p99Ns: number;
  p999Ns: number;
  heapMiB?: number;
}

/** One implementation under test: handles one frame, including reading its top 5. */
export interface ContenderPlan<F> {
  readonly name: string;
  readonly run: (frame: F) => void;
}

/**
 * Interleaves: each chunk of the stream goes through every contender, in a rotating order, so that all
 * of them see the same machine state (GC pressure, CPU frequency, other processes).
 */
export function runInterleaved<F>(
  plan: readonly ContenderPlan<F>[],
  frames: readonly F[],
  chunk: number,
): ReplayResult[] {
  const contenders = plan.map((c) => ({ ...c, samples: new Float64Array(frames.length), elapsedMs: 0 }));
  for (let start = 0, round = 0; start < frames.length; start += chunk, round++) {
    const end = Math.min(frames.length, start + chunk);
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(k + round) % contenders.length];
      const t0 = performance.now();
      for (let i = start; i < end; i++) {
        const s = performance.now();
        c.run(frames[i]);
        c.samples[i] = (performance.now() - s) * 1e6;
      }
      c.elapsedMs += performance.now() - t0;
    }
  }
  return contenders.map((c) => {
    const s = summarize(c.samples);
    return {
      name: c.name,
      msgsPerSec: frames.length / (c.elapsedMs / 1000),
      p50Ns: s.p50,
      p99Ns: s.p99,
      p999Ns: s.p999,
    };
  });
}

/**
 * Memory `build` retains, in MiB: JS heap plus ArrayBuffer backing stores (typed arrays live there).
 * Replay from freshly parsed frames inside `build`, so that the book owns its strings. A book of a few
 * hundred levels retains about as much as a stray collection frees, so `times` > 1 builds it that many
 * times and gives the median.
 */
export function retainedMiB(build: () => unknown, times = 1): number {
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const once = () => {
    gc();
    const before = used();
    const held = build();
    gc();
    const after = used();
    return held === undefined ? 0 : Math.max(0, (after - before) / 2 ** 20);
  };
  const runs = Array.from({ length: times }, once).sort((a, b) => a - b);
  return runs[Math.floor(runs.length / 2)];
}

/** Sets each row's `heapMiB` from its implementation (the row name's first word). */
export function attachHeap(results: ReplayResult[], heapOf: Record<string, number>): void {
  for (const r of results) {
    const impl = r.name.split(' ')[0];
    if (impl in heapOf) r.heapMiB = heapOf[impl];
  }
}

/** Levels a side every implementation must agree on with the simulator's true book after a replay. */
export const AGREEMENT_DEPTH = 20;

/** What a FlowRS book in a replay must show at the end. */
interface FlowrsBookState {
  readonly book: { top(n: number): { bids: [string, string][]; asks: [string, string][] } };
  readonly updateId: number;
  status(): string;
}

/**
 * Why the implementations do not hold the true book after a replay (empty: they all do): FlowRS's books
 * must equal the venue's strings, be live and at the last update id (`idName` says what the venue calls
 * it); the float peers must equal the true book's values.
 */
export function agreementProblems(
  truth: {
    readonly bids: readonly (readonly [string, string])[];
    readonly asks: readonly (readonly [string, string])[];
    readonly updateId: number;
  },
  flowrs: readonly (readonly [string, FlowrsBookState])[],
  peers: readonly (readonly [string, { top(n: number): unknown }])[],
  idName: string,
): string[] {
  const expected = {
    bids: truth.bids.slice(0, AGREEMENT_DEPTH).map(([p, q]) => [p, q]),
    asks: truth.asks.slice(0, AGREEMENT_DEPTH).map(([p, q]) => [p, q]),
  };
  const problems: string[] = [];
  for (const [name, book] of flowrs) {
    if (JSON.stringify(book.book.top(AGREEMENT_DEPTH)) !== JSON.stringify(expected)) {
      problems.push(`${name} differs from the true book`);
    }
    if (book.status() !== 'live') problems.push(`${name} is ${book.status()}`);
    if (book.updateId !== truth.updateId)
      problems.push(`${name} is at ${idName} ${book.updateId}, not ${truth.updateId}`);
  }
  const numeric = (levels: string[][]) => levels.map(([p, q]) => [Number(p), Number(q)]);
  const expectedNumbers = JSON.stringify({ bids: numeric(expected.bids), asks: numeric(expected.asks) });
  for (const [name, peer] of peers) {
    if (JSON.stringify(peer.top(AGREEMENT_DEPTH)) !== expectedNumbers)
      problems.push(`${name} differs from the true book`);
  }
  return problems;
}
