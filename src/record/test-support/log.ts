import { type Logger, pino } from 'pino';

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A logger writing parsed lines into an array. */
export function capturedLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log: Logger = pino({ level: 'debug' }, { write: (raw: string) => lines.push(JSON.parse(raw)) });
  return { log, lines };
}
