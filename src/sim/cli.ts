#!/usr/bin/env node
/**
 * `npm run sim`: the venue simulator, standalone on loopback. Prints the environment that points FlowRS
 * at it, then runs until Ctrl-C.
 *
 *   --seed N            market seed (default 1)
 *   --rate N            venue events a second across both venues (default 20)
 *   --instruments N     symbols per venue (default 3: BTCUSDT, ETHUSDT, 1000PEPEUSDT; otherwise FlowRS's nine
 *                       default symbols, 1000PEPEUSDT, then SIM11USDT…)
 *   --binance-port N    fixed Binance port (default: ephemeral)
 *   --bybit-port N      fixed Bybit port (default: ephemeral)
 *   --fault S:VENUE:KIND[:SYMBOL]   schedule a fault S seconds after start (repeatable)
 *   --replay FILE       play a recorded file of real venue frames instead of the synthetic market
 *                       (repeatable: e.g. a Binance WebSocket capture and its REST snapshot file);
 *                       --rate is then frames a second
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { VENUE_IDS } from '../exchanges/venues.js';
import { FAULT_KINDS, parseFaultSpec, scheduleFaults } from './faults.js';
import { DEFAULT_INSTRUMENTS, makeInstruments } from './market.js';
import { mergeRecordings, readRecording } from './recording.js';
import { Replay } from './replay.js';
import { DEFAULT_SIM_RATE, Simulator } from './simulator.js';

/** The simulator's flags, printed by --help and after a flag it does not know. */
export const SIM_USAGE = `usage: flowrs sim [--seed N] [--rate N] [--instruments N] [--venues ID,ID…] [--binance-port N] [--bybit-port N] [--fault S:VENUE:KIND[:SYMBOL]]… [--replay FILE]…
       (npm run sim -- …, the same flags)
fault kinds: ${FAULT_KINDS.join(', ')}`;

function parseOptions(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      seed: { type: 'string' },
      rate: { type: 'string' },
      instruments: { type: 'string' },
      venues: { type: 'string' },
      'binance-port': { type: 'string' },
      'bybit-port': { type: 'string' },
      fault: { type: 'string', multiple: true },
      replay: { type: 'string', multiple: true },
      help: { type: 'boolean' },
    },
  });
}

/** Runs the simulator with these command-line arguments until Ctrl-C (`flowrs sim`, `npm run sim`). */
export async function runSimulatorCli(argv: readonly string[]): Promise<void> {
  let values: ReturnType<typeof parseOptions>['values'];
  try {
    ({ values } = parseOptions(argv));
  } catch (error) {
    // An unknown or malformed flag: one line saying which, then the usage (exit 2, as for bad values).
    console.error(`flowrs sim: ${(error as Error).message}`);
    console.error(SIM_USAGE);
    process.exit(2);
  }

  if (values.help) {
    console.log(SIM_USAGE);
    process.exit(0);
  }

  function intOption(name: string, value: string | undefined, fallback: number): number {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) {
      console.error(`--${name} must be a non-negative integer, got "${value}"`);
      process.exit(2);
    }
    return n;
  }

  let faults: ReturnType<typeof parseFaultSpec>[];
  try {
    faults = (values.fault ?? []).map(parseFaultSpec);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }

  const instrumentCount = intOption('instruments', values.instruments, 3);
  const venues = values.venues
    ?.split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  const unknownVenue = venues?.find((v) => !VENUE_IDS.includes(v));
  if (unknownVenue !== undefined) {
    console.error(`--venues: no venue ${unknownVenue} (venues: ${VENUE_IDS.join(', ')})`);
    process.exit(2);
  }
  const sim = await Simulator.start({
    venues,
    seed: intOption('seed', values.seed, 1),
    instruments: instrumentCount === 3 ? DEFAULT_INSTRUMENTS : makeInstruments(Math.max(1, instrumentCount)),
    binancePort: intOption('binance-port', values['binance-port'], 0),
    bybitPort: intOption('bybit-port', values['bybit-port'], 0),
  });
  const rate = intOption('rate', values.rate, DEFAULT_SIM_RATE);
  const env = sim.env();
  if (values.replay && values.replay.length > 0) {
    const recording = mergeRecordings(...values.replay.map((file) => readRecording(file)));
    const replay = new Replay(sim, recording);
    env.FLOWRS_EXCHANGES = recording.venue;
    env.FLOWRS_SYMBOLS = replay.symbols().join(',');
    // Give FlowRS time to connect and subscribe before the recording starts.
    setTimeout(() => replay.run(rate, () => console.error('[sim] replay finished')), 5_000).unref();
    console.error(`[sim] replaying ${recording.frames.length} ${recording.venue} frames at ${rate}/s in 5 s`);
  } else {
    sim.run(rate);
  }
  const cancel = scheduleFaults(sim, faults, (f) =>
    console.error(`[sim] injecting ${f.kind} on ${f.venue}${f.symbol ? ` ${f.symbol}` : ''}`),
  );

  console.log('# FlowRS venue simulator running. Point FlowRS at it with:');
  for (const [key, value] of Object.entries(env)) console.log(`export ${key}=${value}`);
  console.log('# Ctrl-C stops it.');

  const shutdown = async () => {
    cancel();
    await sim.stop();
    console.log('# simulator stopped');
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

// Run directly (`node --import tsx src/sim/cli.ts`, as the benchmarks do).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runSimulatorCli(process.argv.slice(2));
}
