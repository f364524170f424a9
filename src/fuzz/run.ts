import { binanceAdapter } from './binance-pass.js';
import { bybitAdapter } from './bybit-pass.js';
import { KNOWN_ISSUES } from './known-issues.js';
import {
  DEFAULT_SCAN_CASES,
  runScanEquivalence,
  SCAN_VENUES,
  type ScanFailure,
  type ScanStats,
  scanSummary,
} from './scan-equivalence.js';
import { DEFAULT_SERVER_MESSAGES, runServerFuzz, type ServerFuzzResult } from './server-fuzz.js';
import { type FuzzFailure, runStream, type StreamOptions, type VenueStats } from './stream-driver.js';

export const FUZZ_TARGETS = ['binance', 'bybit', 'scan', 'server'] as const;
export type FuzzTarget = (typeof FUZZ_TARGETS)[number];

export const DEFAULT_FUZZ_SEED = 1;
/** Frames per venue by default. */
export const DEFAULT_FUZZ_FRAMES = 100_000;

export interface FuzzOptions extends Omit<StreamOptions, 'frames'> {
  /** Frames per venue. */
  readonly frames: number;
  readonly targets: readonly FuzzTarget[];
  readonly serverMessages?: number;
  /** Scanner equivalence cases per venue (target `scan`). */
  readonly scanCases?: number;
}

export interface FuzzResult {
  readonly seed: number;
  readonly venues: Partial<Record<'binance' | 'bybit', VenueStats>>;
  readonly server?: ServerFuzzResult;
  /** The frame scanners against the JSON path, per venue (target `scan`). */
  readonly scan: ScanStats[];
  /** Texts on which a scanner-first parser and the JSON path disagreed: any of these fails the run. */
  readonly scanFailures: ScanFailure[];
  /** Property violations and crashes not listed as known issues: any of these fails the run. */
  readonly failures: FuzzFailure[];
  readonly serverFailures: string[];
  /** Known FlowRS issues hit (src/fuzz/known-issues.ts): reported, failing only with `strict`. */
  readonly knownIssues: FuzzFailure[];
  readonly durationMs: number;
}

/** Runs the seeded differential fuzzer over the chosen targets. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const started = Date.now();
  const venues: FuzzResult['venues'] = {};
  const failures: FuzzFailure[] = [];
  const knownIssues: FuzzFailure[] = [];
  for (const [target, adapter] of [
    ['binance', binanceAdapter],
    ['bybit', bybitAdapter],
  ] as const) {
    if (!options.targets.includes(target)) continue;
    const run = runStream(adapter(), options);
    venues[target] = run.stats;
    failures.push(...run.failures);
    knownIssues.push(...run.knownIssues);
  }
  const scan: ScanStats[] = [];
  const scanFailures: ScanFailure[] = [];
  if (options.targets.includes('scan')) {
    for (const venue of SCAN_VENUES) {
      const run = runScanEquivalence({ venue, seed: options.seed, cases: options.scanCases ?? DEFAULT_SCAN_CASES });
      scan.push(run.stats);
      scanFailures.push(...run.failures);
    }
  }
  let server: ServerFuzzResult | undefined;
  if (options.targets.includes('server')) {
    server = await runServerFuzz({
      seed: options.seed,
      messages: options.serverMessages ?? DEFAULT_SERVER_MESSAGES,
      strict: options.strict,
    });
  }
  return {
    seed: options.seed,
    venues,
    server,
    scan,
    scanFailures,
    failures,
    serverFailures: server?.failures ?? [],
    knownIssues,
    durationMs: Date.now() - started,
  };
}

/** One line a person reads. */
export function summaryLine(result: FuzzResult): string {
  const parts: string[] = [];
  for (const [venue, s] of Object.entries(result.venues)) {
    parts.push(
      `${venue}: ${s.frames} frames (${s.mutated} mutated, ${s.dropped} dropped), ${s.rejected} rejected, ` +
        `${s.resyncs} resyncs, ${s.tally.comparisons} comparisons of ${s.tally.comparedLevels} levels, ${s.crashes} crashes`,
    );
  }
  for (const s of result.scan) parts.push(scanSummary(s));
  if (result.server) {
    const s = result.server;
    parts.push(`server: ${s.messages} hostile messages on ${s.connections} connections, ${s.answered} answers checked`);
    for (const [id, n] of Object.entries(s.knownIssues)) parts.push(`server known issue ${id} ×${n}`);
  }
  const failed = result.failures.length + result.serverFailures.length + result.scanFailures.length;
  const known = result.knownIssues.length > 0 ? `, ${result.knownIssues.length} known-issue hits` : '';
  return `fuzz seed ${result.seed}: ${parts.join('; ')}; ${failed} failures${known} in ${(result.durationMs / 1000).toFixed(1)} s`;
}

/** How to run exactly this failure again. */
export function reproduceCommand(failure: FuzzFailure): string {
  return `npm run fuzz -- --seed ${failure.seed} --targets ${failure.venue} --frames ${failure.frame + 1}`;
}

export { KNOWN_ISSUES };
