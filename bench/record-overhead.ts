/**
 * The recorder's cost on the hot path: FlowRS against the simulator at a fixed rate, every venue, with
 * and without recording (rounds alternate, same seed and traffic), reporting the metrics engine's
 * processing latency (frame received → book applied and listeners told).
 *
 *   BENCH_RECORD_RATE      venue events a second across all venues (default 4000)
 *   BENCH_RECORD_SECONDS   measured seconds per round (default 6)
 *   BENCH_RECORD_ROUNDS    rounds per mode (default 2)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/app/config.js';
import { Flowrs } from '../src/app/flowrs.js';
import { frameClock } from '../src/core/frame-clock.js';
import { silentLogger } from '../src/log.js';
import type { PipelineListener } from '../src/pipeline/pipeline.js';
import { createRecorder } from '../src/record/create-recorder.js';
import { Simulator } from '../src/sim/simulator.js';
import { table } from './stats.js';

export interface RecordOverheadRound {
  readonly recording: boolean;
  readonly samples: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** Compressed bytes written a second (0 without recording). */
  readonly bytesPerSec: number;
}

export interface RecordOverheadResult {
  readonly rate: number;
  readonly seconds: number;
  readonly rounds: RecordOverheadRound[];
  /** Median p99 with recording minus without, µs, and as a ratio. */
  readonly p99DeltaUs: number;
  readonly p99Ratio: number;
}

async function round(recording: boolean, rate: number, seconds: number, seed: number): Promise<RecordOverheadRound> {
  const sim = await Simulator.start({ seed });
  const dir = mkdtempSync(join(tmpdir(), 'flowrs-bench-record-'));
  const config = loadConfig([], {
    ...sim.env(),
    FLOWRS_LISTEN: '127.0.0.1:0',
    FLOWRS_AUDIT_INTERVAL_MS: '0',
    ...(recording ? { FLOWRS_RECORD_DIR: dir } : {}),
  });
  const recorder = createRecorder(config, silentLogger);
  // The metrics engine's own measure (frame received → book applied), over the measured window only.
  const samples: number[] = [];
  let measuring = false;
  const latency: PipelineListener = {
    onBook(_book, change) {
      if (measuring && change === 'update' && frameClock.receivedAt > 0)
        samples.push((performance.now() - frameClock.receivedAt) * 1000);
    },
  };
  const app = new Flowrs(config, { log: silentLogger, listeners: [latency] });
  try {
    await recorder?.start();
    await app.start();
    // Warm up until every book is live, then measure a clean window.
    sim.run(rate);
    const deadline = Date.now() + 20_000;
    while (app.books.list().some((b) => b.status() !== 'live') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1_000));
    const bytesBefore = bytes(recorder?.status());
    const t0 = performance.now();
    measuring = true;
    await new Promise((r) => setTimeout(r, seconds * 1000));
    measuring = false;
    const elapsed = (performance.now() - t0) / 1000;
    samples.sort((a, b) => a - b);
    const at = (p: number) => samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)] ?? 0;
    return {
      recording,
      samples: samples.length,
      p50Us: Math.round(at(50)),
      p99Us: Math.round(at(99)),
      bytesPerSec: (bytes(recorder?.status()) - bytesBefore) / elapsed,
    };
  } finally {
    sim.pause();
    await recorder?.stop();
    await app.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function bytes(status: ReturnType<NonNullable<ReturnType<typeof createRecorder>>['status']> | undefined): number {
  return status?.type === 'recording' ? status.bytes : 0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function runRecordOverhead(
  rate = Number(process.env.BENCH_RECORD_RATE ?? 4_000),
  seconds = Number(process.env.BENCH_RECORD_SECONDS ?? 6),
  roundsPerMode = Number(process.env.BENCH_RECORD_ROUNDS ?? 2),
): Promise<RecordOverheadResult> {
  const rounds: RecordOverheadRound[] = [];
  for (let i = 0; i < roundsPerMode; i++) {
    rounds.push(await round(false, rate, seconds, 11));
    rounds.push(await round(true, rate, seconds, 11));
  }
  const p99 = (recording: boolean) => median(rounds.filter((r) => r.recording === recording).map((r) => r.p99Us));
  return {
    rate,
    seconds,
    rounds,
    p99DeltaUs: p99(true) - p99(false),
    p99Ratio: p99(true) / p99(false),
  };
}

export function recordOverheadTable(result: RecordOverheadResult): string {
  return table(
    result.rounds.map((r) => ({
      recording: r.recording ? 'on' : 'off',
      samples: r.samples,
      'p50 µs': r.p50Us,
      'p99 µs': r.p99Us,
      'disk KiB/s': Math.round(r.bytesPerSec / 1024),
    })),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runRecordOverhead();
  console.log(`# Recording overhead: ${result.rate} venue events/s, every venue, ${result.seconds} s a round\n`);
  console.log(recordOverheadTable(result));
  console.log(
    `\np99 with recording − without: ${result.p99DeltaUs.toFixed(1)} µs (${((result.p99Ratio - 1) * 100).toFixed(1)}%)`,
  );
}
