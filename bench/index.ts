/**
 * `npm run bench`: runs every benchmark the same way each time (fixed seeds and sizes), prints a
 * readable table per scenario, and writes all results as JSON to bench/results/latest.json
 * (and to stdout after the tables, on one line prefixed `BENCH_JSON `).
 *
 *   BENCH_MESSAGES=N   replay length (default 100000)
 *   BENCH_ONLY=name    run only the named scenario (book, sim)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { runReplay } from './book-replay.js';
import { runSimThroughput } from './sim-throughput.js';
import { machine, table } from './stats.js';

const messages = Number(process.env.BENCH_MESSAGES ?? 100_000);
const only = process.env.BENCH_ONLY;
const report: Record<string, unknown> = { date: new Date().toISOString(), machine: machine() };

if (!only || only === 'book') {
  const replay = runReplay({ messages, seed: 42, chunk: 2_000 });
  const byName = Object.fromEntries(replay.results.map((r) => [r.name, r]));
  const rate = (name: string) => byName[name].msgsPerSec;
  const fasterPeerApply = Math.max(rate('ccxt apply'), rate('tardis-dev apply'));
  const ratios = {
    flowrsApplyVsFasterPeer: rate('flowrs apply') / fasterPeerApply,
    flowrsFullVsFasterPeerFull: rate('flowrs full') / Math.max(rate('ccxt full'), rate('tardis-dev full')),
    flowrsFullCostVsJsonParse: rate('JSON.parse only') / rate('flowrs full'),
  };
  console.log(
    `\n# Order-book replay: ${messages.toLocaleString('en-US')} Binance USDⓈ-M depth events, BTCUSDT, seed 42`,
  );
  console.log(`# book size at the end: ${replay.levels.bids} bids, ${replay.levels.asks} asks; ${replay.agreement}\n`);
  console.log(
    table(
      replay.results.map((r) => ({
        implementation: r.name,
        'msgs/s': r.msgsPerSec,
        'p50 ns': r.p50Ns,
        'p99 ns': r.p99Ns,
        'p99.9 ns': r.p999Ns,
        'heap MiB': r.heapMiB ?? '',
      })),
    ),
  );
  console.log(
    `\nflowrs apply+top5 is ${ratios.flowrsApplyVsFasterPeer.toFixed(2)}× the faster peer (target ≥ 2×); ` +
      `full path is ${ratios.flowrsFullVsFasterPeerFull.toFixed(2)}× the faster peer's full path; ` +
      `full path costs ${ratios.flowrsFullCostVsJsonParse.toFixed(2)}× JSON.parse alone (target ≤ 1.5×)`,
  );
  report.book = { messages, seed: 42, results: replay.results, ratios };
}

if (!only || only === 'sim') {
  const seconds = Number(process.env.BENCH_SIM_SECONDS ?? 3);
  const sim = await runSimThroughput(20_000, seconds);
  console.log(`\n# Simulator throughput: both venues, 3 symbols each, every stream subscribed, ${seconds} s\n`);
  console.log(
    table([
      {
        'target events/s': sim.targetEventsPerSec,
        'emitted events/s': sim.emittedEventsPerSec,
        'frames received/s': sim.receivedFramesPerSec,
      },
    ]),
  );
  report.sim = sim;
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nBENCH_JSON ${JSON.stringify(report)}`);
