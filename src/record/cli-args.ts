/** Command-line arguments of `flowrs replay` and `flowrs export`: their own flags, the rest for the configuration. */
import { parseTimeArgument } from './format.js';
import { type BookSelection, BookSelectionError, parseBookSelection } from './replay-config.js';
import { REPLAY_SPEEDS, type ReplaySpeed } from './replay-server.js';

/** A command line `flowrs replay`/`flowrs export` cannot run. */
export class RecordUsageError extends Error {
  readonly code = 'FLOWRS_RECORD_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'RecordUsageError';
  }
}

/** Splits `argv` into positionals, the named flags (`--name value` or `--name=value`), and everything else. */
export function splitArgs(
  argv: readonly string[],
  names: readonly string[],
): { positionals: string[]; flags: Map<string, string>; rest: string[] } {
  const positionals: string[] = [];
  const flags = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const value = eq < 0 ? argv[i + 1] : arg.slice(eq + 1);
    const takesNext = eq < 0;
    if (names.includes(name)) {
      if (value === undefined) throw new RecordUsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      rest.push(arg);
      if (takesNext && argv[i + 1] !== undefined) rest.push(argv[i + 1]);
    }
    if (takesNext) i++;
  }
  return { positionals, flags, rest };
}

export function timeFlag(flags: Map<string, string>, name: string): number | undefined {
  const text = flags.get(name);
  if (text === undefined) return undefined;
  const us = parseTimeArgument(text);
  if (us === undefined)
    throw new RecordUsageError(`--${name}: expected a time like 2024-05-01T13:00:00Z, got "${text}"`);
  return us;
}

export function speedFlag(flags: Map<string, string>): ReplaySpeed | undefined {
  const text = flags.get('speed');
  if (text === undefined) return undefined;
  if (text === 'max') return 'max';
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new RecordUsageError(`--speed: expected ${REPLAY_SPEEDS.join(', ')} (or any positive number), got "${text}"`);
  return n;
}

export function booksFlag(flags: Map<string, string>): BookSelection[] {
  const text = flags.get('books');
  if (text === undefined) return [];
  try {
    return parseBookSelection(text);
  } catch (error) {
    if (error instanceof BookSelectionError) throw new RecordUsageError(error.message);
    throw error;
  }
}
