/**
 * `flowrs replay <recording> [--from T] [--to T] [--speed 1|10|max] [--books venue:SYMBOL,…] [flags]`:
 * serves a recording through the same venue code, book engine and client API as live. Also plays the
 * simulator's recorder formats (cryptofeed, hftbacktest files) through the simulator.
 */
import { ConfigError, loadConfig } from '../app/config.js';
import { Flowrs } from '../app/flowrs.js';
import { createLogger, type Logger } from '../log.js';
import { booksFlag, RecordUsageError, speedFlag, splitArgs, timeFlag } from '../record/cli-args.js';
import { isFlowrsRecording, RecordingNotFoundError, readRecordingDir } from '../record/reader.js';
import { replayConfig } from '../record/replay-config.js';
import { DEFAULT_REPLAY_SPEED, ReplayServer, type ReplaySpeed } from '../record/replay-server.js';
import { DEFAULT_INSTRUMENTS } from '../sim/market.js';
import { mergeRecordings, readRecording } from '../sim/recording.js';
import { Replay } from '../sim/replay.js';
import { Simulator } from '../sim/simulator.js';

const REPLAY_FLAGS = ['from', 'to', 'speed', 'books'];
/** The simulator's formats carry no times: `--speed N` plays this many frames a second per unit of speed. */
export const SIM_FORMAT_FRAMES_PER_SECOND = 100;
/** How long the replay may stand still before it counts as finished (for the log line). */
const FINISHED_IDLE_MS = 2_000;

function fail(message: string, code = 2): never {
  console.error(`flowrs: ${message}`);
  process.exit(code);
}

export async function runReplay(argv: readonly string[]): Promise<void> {
  let parsed: ReturnType<typeof splitArgs>;
  let speed: ReplaySpeed;
  let fromUs: number | undefined;
  let toUs: number | undefined;
  let books: ReturnType<typeof booksFlag>;
  try {
    parsed = splitArgs(argv, REPLAY_FLAGS);
    speed = speedFlag(parsed.flags) ?? DEFAULT_REPLAY_SPEED;
    fromUs = timeFlag(parsed.flags, 'from');
    toUs = timeFlag(parsed.flags, 'to');
    books = booksFlag(parsed.flags);
  } catch (error) {
    if (error instanceof RecordUsageError) fail(error.message);
    throw error;
  }
  if (parsed.positionals.length === 0) fail('replay needs a recording: flowrs replay <dir> [flags]');
  const log = createLogger();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(parsed.rest);
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
    throw error;
  }
  const [path] = parsed.positionals;
  const stop =
    parsed.positionals.length === 1 && isFlowrsRecording(path)
      ? await replayRecording(path, config, log, { speed, fromUs, toUs, books })
      : await replaySimulatorFormat(parsed.positionals, parsed.rest, log, speed);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

async function replayRecording(
  path: string,
  config: ReturnType<typeof loadConfig>,
  log: Logger,
  options: { speed: ReplaySpeed; fromUs?: number; toUs?: number; books: ReturnType<typeof booksFlag> },
): Promise<() => Promise<void>> {
  let venues: ReturnType<typeof readRecordingDir>;
  try {
    venues = readRecordingDir(path, { fromUs: options.fromUs, toUs: options.toUs });
  } catch (error) {
    if (error instanceof RecordingNotFoundError) fail(error.message);
    throw error;
  }
  const server = await ReplayServer.start(venues, { speed: options.speed, fromUs: options.fromUs, log });
  const app = new Flowrs(replayConfig(config, server, options.books), { log });
  await app.start();
  const { host, port } = app.address!;
  console.log(`replaying ${path} at speed ${options.speed}: dashboard http://${host}:${port}/ (Ctrl-C stops)`);
  const timer = setInterval(() => {
    if (!server.finished(FINISHED_IDLE_MS)) return;
    clearInterval(timer);
    log.info({ frames: server.framesTaken }, 'replay finished: serving the books as the recording left them');
  }, 500);
  return async () => {
    clearInterval(timer);
    await app.stop();
    await server.stop();
  };
}

/** Cryptofeed or hftbacktest files: played through the simulator's own replay, as `flowrs sim --replay` does. */
async function replaySimulatorFormat(
  files: readonly string[],
  flags: readonly string[],
  log: Logger,
  speed: ReplaySpeed,
): Promise<() => Promise<void>> {
  const recording = mergeRecordings(...files.map((f) => readRecording(f)));
  // The simulated venue lists exactly the recorded symbols (its instrument list is what FlowRS checks).
  const probe = await Simulator.start({ venues: [recording.venue] });
  const symbols = new Replay(probe, recording).symbols();
  await probe.stop();
  const instruments = symbols.map((symbol, i) => ({ ...DEFAULT_INSTRUMENTS[i % DEFAULT_INSTRUMENTS.length], symbol }));
  const sim = await Simulator.start({ venues: [recording.venue], instruments });
  const replay = new Replay(sim, recording);
  const config = loadConfig(flags, {
    ...process.env,
    ...sim.env(),
    FLOWRS_SYMBOLS: symbols.map((s) => `${recording.venue}:${s}`).join(','),
    FLOWRS_SIMULATED: '0',
  });
  const app = new Flowrs(config, { log });
  await app.start();
  const venue = sim.venue(recording.venue);
  const subscribed = () => symbols.every((s) => venue.subscribers(s) > 0);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (!subscribed()) return;
      clearInterval(timer);
      resolve();
    }, 20);
  });
  const { host, port } = app.address!;
  console.log(`replaying ${files.join(', ')} (${recording.frames.length} frames): dashboard http://${host}:${port}/`);
  const done = () => log.info({ delivered: replay.delivered }, 'replay finished');
  if (speed === 'max') {
    replay.step(recording.frames.length);
    done();
  } else replay.run(speed * SIM_FORMAT_FRAMES_PER_SECOND, done);
  return async () => {
    replay.stop();
    await app.stop();
    await sim.stop();
  };
}
