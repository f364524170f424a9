/**
 * `npm run bench`: runs every benchmark the same way each time (fixed seeds and sizes), prints a
 * readable table per scenario, and writes all results as JSON to bench/results/latest.json
 * (and to stdout after the tables, on one line prefixed `BENCH_JSON `).
 *
 *   BENCH_MESSAGES=N   replay length of each order-book scenario (default 100000)
 *   BENCH_ONLY=name    run only the named scenario (book: the Binance, OKX and Bybit replays; sim; e2e; scale; bandwidth; record)
 *   BENCH_E2E_SECONDS  measured seconds per end-to-end scenario (default 8)
 *   BENCH_BANDWIDTH_SECONDS  measured seconds per throttle in the bandwidth scenario (default 8)
 *   BENCH_SCALE_*      the scale scenario's knobs (see bench/scale.ts)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { type ReplayResult, runReplay } from './book-replay.js';
import { runBybitReplay } from './bybit-replay.js';
import { runDeltaBandwidth } from './delta-bandwidth.js';
import { runOkxReplay } from './okx-replay.js';
import { recordOverheadTable, runRecordOverhead } from './record-overhead.js';
import { runScale, scaleOptionsFromEnv } from './scale.js';
import { runE2e } from './server-e2e.js';
import { runSimThroughput } from './sim-throughput.js';
import { machine, table } from './stats.js';

const messages = Number(process.env.BENCH_MESSAGES ?? 100_000);
const only = process.env.BENCH_ONLY;
const report: Record<string, unknown> = { date: new Date().toISOString(), machine: machine() };

function replayTable(results: readonly ReplayResult[]): string {
  return table(
    results.map((r) => ({
      implementation: r.name,
      'msgs/s': r.msgsPerSec,
      'p50 ns': r.p50Ns,
      'p99 ns': r.p99Ns,
      'p99.9 ns': r.p999Ns,
      'heap MiB': r.heapMiB ?? '',
    })),
  );
}

if (!only || only === 'book') {
  const replay = runReplay({ messages, seed: 42, chunk: 2_000 });
  const byName = Object.fromEntries(replay.results.map((r) => [r.name, r]));
  const rate = (name: string) => byName[name].msgsPerSec;
  const fasterPeerApply = Math.max(rate('ccxt apply'), rate('tardis-dev apply'));
  const ratios = {
    flowrsApplyVsFasterPeer: rate('flowrs apply') / fasterPeerApply,
    flowrsFullVsFasterPeerFull: rate('flowrs full') / Math.max(rate('ccxt full'), rate('tardis-dev full')),
    flowrsFullCostVsJsonParse: rate('JSON.parse only') / rate('flowrs full'),
    scannerSpeedup: rate('flowrs full') / rate('flowrs full via JSON'),
    metricsOverhead: rate('flowrs full') / rate('flowrs full + metrics') - 1,
  };
  console.log(
    `\n# Order-book replay: ${messages.toLocaleString('en-US')} Binance USDⓈ-M depth events, BTCUSDT, seed 42`,
  );
  console.log(`# book size at the end: ${replay.levels.bids} bids, ${replay.levels.asks} asks; ${replay.agreement}\n`);
  console.log(replayTable(replay.results));
  console.log(
    `\nflowrs apply+top5 is ${ratios.flowrsApplyVsFasterPeer.toFixed(2)}× the faster peer (target ≥ 2×); ` +
      `full path is ${ratios.flowrsFullVsFasterPeerFull.toFixed(2)}× the faster peer's full path (target ≥ 2.4×); ` +
      `full path costs ${ratios.flowrsFullCostVsJsonParse.toFixed(2)}× JSON.parse alone (target < 1×); ` +
      `the frame scanner makes the full path ${ratios.scannerSpeedup.toFixed(2)}× as fast as the JSON path; ` +
      `the pipeline with metrics costs ${(ratios.metricsOverhead * 100).toFixed(1)}% more`,
  );
  report.book = { messages, seed: 42, results: replay.results, ratios };

  const okx = await runOkxReplay({ messages, seed: 42, chunk: 2_000 });
  const okxRate = (name: string) => {
    const row = okx.results.find((r) => r.name === name);
    if (row === undefined) throw new Error(`no OKX row ${name}`);
    return row.msgsPerSec;
  };
  const okxRatios = {
    flowrsFullVsFasterPeerFull: okxRate('flowrs full') / Math.max(okxRate('ccxt full'), okxRate('tardis-dev full')),
    flowrsFullCostVsJsonParse: okxRate('JSON.parse only') / okxRate('flowrs full'),
    metricsOverhead: okxRate('flowrs full') / okxRate('flowrs full + metrics') - 1,
  };
  console.log(
    `\n# Order-book replay: ${messages.toLocaleString('en-US')} OKX v5 books updates, ${okx.instId} ` +
      `(sizes in contracts of ${okx.ctVal}), seed 42`,
  );
  console.log(`# book size at the end: ${okx.levels.bids} bids, ${okx.levels.asks} asks; ${okx.agreement}\n`);
  console.log(replayTable(okx.results));
  console.log(
    `\nflowrs full path is ${okxRatios.flowrsFullVsFasterPeerFull.toFixed(2)}× the faster peer's full path; ` +
      `full path costs ${okxRatios.flowrsFullCostVsJsonParse.toFixed(2)}× JSON.parse alone; ` +
      `the pipeline with metrics costs ${(okxRatios.metricsOverhead * 100).toFixed(1)}% more ` +
      `(no apply rows: FlowRS's OKX parser starts from frame text)`,
  );
  report.bookOkx = { messages, seed: 42, instId: okx.instId, results: okx.results, ratios: okxRatios };

  const bybit = await runBybitReplay({ messages, seed: 42, chunk: 2_000 });
  const bybitRate = (name: string) => {
    const row = bybit.results.find((r) => r.name === name);
    if (row === undefined) throw new Error(`no Bybit row ${name}`);
    return row.msgsPerSec;
  };
  const bybitRatios = {
    flowrsFullVsFasterPeerFull:
      bybitRate('flowrs full') / Math.max(bybitRate('ccxt full'), bybitRate('tardis-dev full')),
    flowrsFullCostVsJsonParse: bybitRate('JSON.parse only') / bybitRate('flowrs full'),
    scannerSpeedup: bybitRate('flowrs full') / bybitRate('flowrs full via JSON'),
    metricsOverhead: bybitRate('flowrs full') / bybitRate('flowrs full + metrics') - 1,
  };
  console.log(`\n# Order-book replay: ${messages.toLocaleString('en-US')} Bybit v5 ${bybit.topic} deltas, seed 42`);
  console.log(`# book size at the end: ${bybit.levels.bids} bids, ${bybit.levels.asks} asks; ${bybit.agreement}\n`);
  console.log(replayTable(bybit.results));
  console.log(
    `\nflowrs full path is ${bybitRatios.flowrsFullVsFasterPeerFull.toFixed(2)}× the faster peer's full path (target ≥ 2.4×); ` +
      `full path costs ${bybitRatios.flowrsFullCostVsJsonParse.toFixed(2)}× JSON.parse alone (target < 1×); ` +
      `the frame scanner makes the full path ${bybitRatios.scannerSpeedup.toFixed(2)}× as fast as the JSON path; ` +
      `the pipeline with metrics costs ${(bybitRatios.metricsOverhead * 100).toFixed(1)}% more ` +
      `(no apply rows: FlowRS's Bybit parser starts from frame text)`,
  );
  report.bookBybit = { messages, seed: 42, topic: bybit.topic, results: bybit.results, ratios: bybitRatios };
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

if (!only || only === 'e2e') {
  const seconds = Number(process.env.BENCH_E2E_SECONDS ?? 8);
  const scenarios = [
    { name: '20k/s, 2×10 symbols, 500 clients', rate: 20_000, symbols: 10, clients: 500, seconds },
    { name: '5k/s, 2×10 symbols, 500 clients', rate: 5_000, symbols: 10, clients: 500, seconds },
    { name: '5k/s, 2×20 symbols, 500 clients', rate: 5_000, symbols: 20, clients: 500, seconds },
    { name: '5k/s, 2×20 symbols, 10 clients', rate: 5_000, symbols: 20, clients: 10, seconds },
    {
      name: '5k/s, 6×10 symbols, 500 clients',
      rate: 5_000,
      symbols: 10,
      clients: 500,
      venues: ['binance', 'bybit', 'okx', 'gate', 'bitget', 'hyperliquid'],
      seconds,
    },
    {
      name: '5k/s, 6×20 symbols, 500 clients',
      rate: 5_000,
      symbols: 20,
      clients: 500,
      venues: ['binance', 'bybit', 'okx', 'gate', 'bitget', 'hyperliquid'],
      seconds,
    },
    {
      name: '20k/s, 2×10 symbols, 500 clients × 1 book',
      rate: 20_000,
      symbols: 10,
      clients: 500,
      oneBookPerClient: true,
      seconds,
    },
  ];
  const results = [];
  for (const scenario of scenarios) results.push(await runE2e(scenario));
  console.log(
    `\n# End to end: simulator → FlowRS (as npm start runs it) → WebSocket clients, three processes on this host, ${seconds} s each\n`,
  );
  console.log(
    table(
      results.map((r) => ({
        scenario: r.scenario,
        clients: r.clients,
        'venue msgs/s': r.venueMsgsPerSec,
        'proc p50 µs': r.processingP50Us,
        'proc p99 µs': r.processingP99Us,
        'loop lag p99 ms': r.eventLoopDelayP99Ms,
        'RSS MiB': r.rssMiB,
        'CPU %': r.cpuPercent,
        'client msgs/s': r.clientMsgsPerSec,
        'client MiB/s': r.clientMiBPerSec,
      })),
    ),
  );
  report.e2e = results;
}

if (!only || only === 'scale') {
  const options = scaleOptionsFromEnv();
  const scale = await runScale(options);
  console.log(
    `\n# Scale-out: single process vs ingest + gateways on NATS JetStream (nats-server on this host), ` +
      `${options.rate} venue msgs/s, each client ${options.selection === 'one' ? 'selecting one book' : 'taking every book and trade'}, ` +
      `clients added until p99 delivery > ${options.lagMs} ms\n`,
  );
  console.log(
    table(
      scale.setups.flatMap((s) =>
        s.steps.map((step) => ({
          setup: s.setup,
          clients: step.clients,
          'client p50 ms': step.clientP50Ms,
          'client p99 ms': step.clientP99Ms,
          'client msgs/s': step.clientMsgsPerSec,
          'ingest proc p99 µs': step.ingestProcessingP99Us,
          'CPU % per process': Object.entries(step.cpu)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
          lagging: step.lagging ? 'yes' : '',
        })),
      ),
    ),
  );
  console.log(`\n${scale.setups.map((s) => `${s.setup}: ${s.clientsServed} clients served`).join('; ')}`);
  report.scale = scale;
}

if (!only || only === 'bandwidth') {
  const seconds = Number(process.env.BENCH_BANDWIDTH_SECONDS ?? 8);
  const bandwidth = await runDeltaBandwidth(seconds);
  console.log(
    `\n# Bandwidth per client: ${bandwidth[0].books} depth-${bandwidth[0].depth} books, top mode vs delta mode, ` +
      `same server and venue traffic (book messages only), ${seconds} s each\n`,
  );
  console.log(
    table(
      bandwidth.map((b) => ({
        'throttle ms': b.throttleMs,
        'venue book events/s': b.venueEventsPerSec,
        'top KiB/s': b.topBytesPerSec / 1024,
        'delta KiB/s': b.deltaBytesPerSec / 1024,
        'top msgs/s': b.topMsgsPerSec,
        'delta msgs/s': b.deltaMsgsPerSec,
        'delta / top': b.deltaShare,
      })),
    ),
  );
  report.bandwidth = bandwidth;
}

if (!only || only === 'record') {
  const record = await runRecordOverhead();
  console.log(`\n# Recording overhead: ${record.rate} venue events/s, every venue, ${record.seconds} s a round\n`);
  console.log(recordOverheadTable(record));
  console.log(`\np99 with recording − without: ${record.p99DeltaUs.toFixed(1)} µs`);
  report.record = record;
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\nBENCH_JSON ${JSON.stringify(report)}`);
