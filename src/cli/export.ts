/**
 * `flowrs export <recording> [--books venue:SYMBOL,…] [--depth N] [--interval 1s] [--format csv] [--out DIR]
 * [--from T] [--to T]`: replays a recording as fast as possible and writes the books as CSV.
 */
import { ConfigError, loadConfig } from '../app/config.js';
import { createLogger } from '../log.js';
import { booksFlag, RecordUsageError, splitArgs, timeFlag } from '../record/cli-args.js';
import {
  DEFAULT_EXPORT_DEPTH,
  DEFAULT_EXPORT_INTERVAL_MS,
  EXPORT_FORMATS,
  exportRecording,
  parseInterval,
} from '../record/export.js';
import { RecordingNotFoundError } from '../record/reader.js';

const EXPORT_FLAGS = ['books', 'depth', 'interval', 'format', 'out', 'from', 'to'];
/** Where the files go without `--out`. */
export const DEFAULT_EXPORT_DIR = 'flowrs-export';

function fail(message: string): never {
  console.error(`flowrs: ${message}`);
  process.exit(2);
}

export async function runExport(argv: readonly string[]): Promise<void> {
  let options: Parameters<typeof exportRecording>[0];
  try {
    const { positionals, flags, rest } = splitArgs(argv, EXPORT_FLAGS);
    if (positionals.length !== 1) throw new RecordUsageError('export needs one recording: flowrs export <dir> [flags]');
    const format = flags.get('format') ?? 'csv';
    if (!(EXPORT_FORMATS as readonly string[]).includes(format))
      throw new RecordUsageError(`--format: expected ${EXPORT_FORMATS.join(', ')}, got "${format}"`);
    const depth = Number(flags.get('depth') ?? DEFAULT_EXPORT_DEPTH);
    if (!Number.isInteger(depth) || depth < 1) throw new RecordUsageError(`--depth: expected an integer ≥ 1`);
    const intervalMs = flags.has('interval') ? parseInterval(flags.get('interval')!) : DEFAULT_EXPORT_INTERVAL_MS;
    if (intervalMs === undefined) throw new RecordUsageError(`--interval: expected e.g. 1s, 250ms, 1m`);
    options = {
      recording: positionals[0],
      out: flags.get('out') ?? DEFAULT_EXPORT_DIR,
      books: booksFlag(flags),
      depth,
      intervalMs,
      fromUs: timeFlag(flags, 'from'),
      toUs: timeFlag(flags, 'to'),
      base: loadConfig(rest),
      log: createLogger(),
    };
  } catch (error) {
    if (error instanceof RecordUsageError) fail(error.message);
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
    throw error;
  }
  try {
    const result = await exportRecording(options);
    for (const file of result.files) console.log(`${options.out}/${file}`);
  } catch (error) {
    if (error instanceof RecordingNotFoundError) fail(error.message);
    throw error;
  }
  process.exit(0);
}
