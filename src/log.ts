import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

/** The levels LOG_LEVEL accepts, most severe first. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const DEFAULT_LOG_LEVEL: LogLevel = 'info';
/** `json`: one JSON object a line (for collectors); `pretty`: coloured, human-readable lines (for a terminal). */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** LOG_LEVEL or LOG_FORMAT holds a value FlowRS does not know; the message lists the allowed ones. */
export class LogConfigError extends Error {
  readonly code = 'FLOWRS_LOG_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'LogConfigError';
  }
}

export interface LoggerOptions {
  /** Default: LOG_LEVEL, else `info`. */
  readonly level?: string;
  /** Default: LOG_FORMAT, else `pretty` when stdout is a terminal and `json` otherwise. */
  readonly format?: string;
  /** Where lines go (default stdout, written synchronously). */
  readonly destination?: DestinationStream;
}

function oneOf<T extends string>(variable: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new LogConfigError(`${variable}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}

/**
 * Structured logs on stdout: JSON lines, or pretty lines on a terminal. Quiet in steady state, so a
 * synchronous destination costs nothing and guarantees the last lines before an exit are written.
 * Errors go under `err` as Error objects: pino's serializer keeps their type, message, stack and `code`.
 * @throws LogConfigError for an unknown level or format
 */
export function createLogger(options: LoggerOptions | string = {}): Logger {
  const {
    level: levelOption,
    format: formatOption,
    destination,
  } = typeof options === 'string' ? { level: options, format: undefined, destination: undefined } : options;
  const level = oneOf('LOG_LEVEL', levelOption ?? process.env.LOG_LEVEL ?? DEFAULT_LOG_LEVEL, LOG_LEVELS);
  const format = oneOf(
    'LOG_FORMAT',
    formatOption ?? process.env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
    LOG_FORMATS,
  );
  const stream = destination ?? (format === 'pretty' ? prettyStream() : pino.destination({ dest: 1, sync: true }));
  return pino({ level, base: { service: 'flowrs' }, timestamp: pino.stdTimeFunctions.isoTime }, stream);
}

/** pino-pretty, loaded only when asked for: JSON output never pays for it. */
function prettyStream(): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pretty({
    destination: 1,
    sync: true,
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
  });
}

/** A logger that writes nothing, for library users and tests that do not want logs. */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * Logs at most once per `intervalMs` per key, then reports how many were suppressed: a malformed-frame
 * storm produces a handful of lines, not millions.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  warn(key: string, fields: Record<string, unknown>, message: string): void {
    const now = Date.now();
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    this.log.warn({ ...fields, suppressed: entry?.suppressed ?? 0 }, message);
    this.last.set(key, { at: now, suppressed: 0 });
  }
}
