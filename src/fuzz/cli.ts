import { parseArgs } from 'node:util';
import { KNOWN_SERVER_ISSUES, knownIssueOf } from './known-issues.js';
import {
  DEFAULT_FUZZ_FRAMES,
  DEFAULT_FUZZ_SEED,
  FUZZ_TARGETS,
  type FuzzTarget,
  reproduceCommand,
  runFuzz,
  summaryLine,
} from './run.js';
import { DEFAULT_SCAN_CASES } from './scan-equivalence.js';
import { DEFAULT_SERVER_MESSAGES } from './server-fuzz.js';
import {
  DEFAULT_COMPARE_DEPTH,
  DEFAULT_FAULT_RATE,
  DEFAULT_FULL_COMPARE_EVERY,
  DEFAULT_JUNK_RATE,
  DEFAULT_VARIATION_RATE,
} from './stream-driver.js';

const HELP = `npm run fuzz -- [options]

Seeded differential fuzzer: recorded venue frames (test/fixtures/), mutated, through FlowRS's real
parse → sequence → pipeline → book path and through an independent reference; whenever FlowRS serves a
book as live, it must equal the reference's book at the same update id. Then the frame scanners: recorded,
generated and mutated frames through the scanner-first parsers and the JSON path alone, which must give
identical results. Then hostile clients against a real FlowRS server on loopback. Exits 1 on any failure, printing the seed and frame to reproduce it.

  --seed N              PRNG seed (default ${DEFAULT_FUZZ_SEED})
  --frames N            frames per venue (default ${DEFAULT_FUZZ_FRAMES})
  --targets LIST        comma-separated: ${FUZZ_TARGETS.join(', ')} (default all)
  --scan-cases N        scanner equivalence cases per venue (default ${DEFAULT_SCAN_CASES})
  --server-messages N   hostile client messages (default ${DEFAULT_SERVER_MESSAGES})
  --compare-depth N     levels a side compared each time, at most FlowRS's trusted depth (default ${DEFAULT_COMPARE_DEPTH});
                        the whole trusted depth is compared every ${DEFAULT_FULL_COMPARE_EVERY}th comparison
  --fault-rate P        chance a frame is corrupted, lost, duplicated or delayed (default ${DEFAULT_FAULT_RATE})
  --variation-rate P    chance a book frame is sent in a valid variation (default ${DEFAULT_VARIATION_RATE})
  --junk-rate P         chance a junk frame is slipped in (default ${DEFAULT_JUNK_RATE})
  --max-failures N      stop a venue after N failures (default 1)
  --strict              count known FlowRS issues (src/fuzz/known-issues.ts) as failures
  --help

Output: a one-line summary, then one JSON line with every count.`;

function numberOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name}: expected a non-negative number, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      frames: { type: 'string' },
      targets: { type: 'string' },
      'server-messages': { type: 'string' },
      'scan-cases': { type: 'string' },
      'compare-depth': { type: 'string' },
      'fault-rate': { type: 'string' },
      'variation-rate': { type: 'string' },
      'junk-rate': { type: 'string' },
      'max-failures': { type: 'string' },
      strict: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const targets = (values.targets ?? FUZZ_TARGETS.join(',')).split(',').map((t) => t.trim());
  for (const t of targets) {
    if (!(FUZZ_TARGETS as readonly string[]).includes(t)) {
      console.error(`--targets: expected some of ${FUZZ_TARGETS.join(', ')}, got ${JSON.stringify(t)}`);
      process.exit(2);
    }
  }
  const result = await runFuzz({
    seed: numberOption(values.seed, 'seed', DEFAULT_FUZZ_SEED),
    frames: numberOption(values.frames, 'frames', DEFAULT_FUZZ_FRAMES),
    targets: targets as FuzzTarget[],
    serverMessages: numberOption(values['server-messages'], 'server-messages', DEFAULT_SERVER_MESSAGES),
    scanCases: numberOption(values['scan-cases'], 'scan-cases', DEFAULT_SCAN_CASES),
    compareDepth: numberOption(values['compare-depth'], 'compare-depth', DEFAULT_COMPARE_DEPTH),
    faultRate: numberOption(values['fault-rate'], 'fault-rate', DEFAULT_FAULT_RATE),
    variationRate: numberOption(values['variation-rate'], 'variation-rate', DEFAULT_VARIATION_RATE),
    junkRate: numberOption(values['junk-rate'], 'junk-rate', DEFAULT_JUNK_RATE),
    maxFailures: numberOption(values['max-failures'], 'max-failures', 1),
    strict: values.strict ?? false,
  });
  console.log(summaryLine(result));
  const seen = new Set<string>();
  for (const hit of result.knownIssues) {
    const issue = knownIssueOf(hit);
    if (issue === undefined || seen.has(issue.id)) continue;
    seen.add(issue.id);
    const count = result.knownIssues.filter((k) => k.knownIssue === issue.id).length;
    console.log(
      `known issue ${issue.id} (${count}×, first at ${hit.venue} frame ${hit.frame}): ${issue.summary} Reproduce: ${issue.reproduce}`,
    );
  }
  for (const f of result.failures) {
    console.log(
      `FAILURE ${f.venue} seed ${f.seed} frame ${f.frame} (${f.fixture}, recorded frame ${f.recordedFrame}, ` +
        `mutations: ${f.mutations.join(', ') || 'none'}): ${f.message}\n  frame: ${f.text}\n  reproduce: ${reproduceCommand(f)}`,
    );
  }
  for (const issue of KNOWN_SERVER_ISSUES) {
    const hits = result.server?.knownIssues[issue.id];
    if (hits) console.log(`known issue ${issue.id} (${hits}×): ${issue.summary} Reproduce: ${issue.reproduce}`);
  }
  for (const f of result.serverFailures) console.log(`FAILURE server seed ${result.seed}: ${f}`);
  for (const f of result.scanFailures) {
    console.log(
      `FAILURE ${f.venue} scanner seed ${f.seed} case ${f.case} (mutations: ${f.mutations.join(', ') || 'none'}): ` +
        `the scanner-first parser and the JSON path disagree\n  frame: ${JSON.stringify(f.text)}\n` +
        `  scanner first: ${f.production}\n  JSON path:     ${f.reference}\n` +
        `  reproduce: npm run fuzz -- --seed ${f.seed} --targets scan --scan-cases ${f.case + 1}`,
    );
  }
  console.log(JSON.stringify(result));
  if (result.failures.length > 0 || result.serverFailures.length > 0 || result.scanFailures.length > 0) {
    process.exitCode = 1;
  }
}

await main();
// Nothing is left to wait for; do not let a stray handle keep the process alive.
process.exit(process.exitCode ?? 0);
