import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * Structured JSON logs on stdout; level from LOG_LEVEL (default info). Quiet in steady state, so a
 * synchronous destination costs nothing and guarantees the last lines before an exit are written.
 */
export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino(
    { level, base: { service: 'flowrs' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.destination({ dest: 1, sync: true }),
  );
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
