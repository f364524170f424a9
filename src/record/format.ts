/**
 * The record format: one JSON object a line, gzip-compressed, one file per venue and hour.
 *
 *   <dir>/<venue>/<YYYY-MM-DD>T<HH>Z.<session>.jsonl.gz
 *
 * Every file starts with a `meta` line (what FlowRS was following, and the venue's settings) and is
 * readable alone. Times are µs since the epoch, taken when the bytes reached FlowRS.
 */

/** Version of the line format; readers refuse newer ones. */
export const RECORD_FORMAT_VERSION = 1;
/** Recorded files end with this. */
export const RECORD_FILE_SUFFIX = '.jsonl.gz';

/** The first line of every file. */
export interface MetaLine {
  readonly kind: 'meta';
  readonly v: number;
  readonly t: number;
  readonly venue: string;
  /** The process's recording session (base-36 start time): files of one run share it. */
  readonly session: string;
  /** The venue's own symbols FlowRS followed. */
  readonly symbols: readonly string[];
  /** The venue's settings (`FLOWRS_<VENUE>_*`), by setting name: URLs, depths, intervals. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Levels a side the book engine kept (`FLOWRS_DEPTH`): a replay keeps as many, so its books are the same. */
  readonly depth?: number;
}

/** A WebSocket connection opened (the handshake succeeded). */
export interface WsOpenLine {
  readonly kind: 'ws-open';
  readonly t: number;
  /** Connection id, unique in the session: `<name>@<n>`. */
  readonly conn: string;
  /** The connection's name within its venue (`public#0`, `ws#1`): reconnections keep it. */
  readonly name: string;
  readonly url: string;
}

/** A frame received from the venue, exactly as it came. */
export interface WsFrameLine {
  readonly kind: 'ws-frame';
  readonly t: number;
  readonly conn: string;
  readonly data: string;
}

/** A message FlowRS sent (subscriptions, pings): for reading, replay does not need it. */
export interface WsSentLine {
  readonly kind: 'ws-sent';
  readonly t: number;
  readonly conn: string;
  readonly data: string;
}

/** The connection ended (code 1006: cut without a close frame). */
export interface WsCloseLine {
  readonly kind: 'ws-close';
  readonly t: number;
  readonly conn: string;
  readonly code: number;
  readonly reason: string;
}

/** A REST request and its answer (`status`, `headers`, `data`) or its failure (`error`). */
export interface RestLine {
  readonly kind: 'rest';
  /** When the answer came. */
  readonly t: number;
  /** When the request left. */
  readonly sent: number;
  readonly method: string;
  readonly url: string;
  readonly body?: string;
  readonly status?: number;
  /** The answer's headers that matter to connectors (rate limits, weights). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly data?: string;
  readonly error?: string;
}

export type RecordLine = MetaLine | WsOpenLine | WsFrameLine | WsSentLine | WsCloseLine | RestLine;

/** Answer headers kept in recordings: the ones connectors read. */
export const RECORDED_HEADERS: readonly string[] = [
  'content-type',
  'retry-after',
  'x-mbx-used-weight',
  'x-mbx-used-weight-1m',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
];

/** A line that is not a record of this format. */
export class RecordFormatError extends Error {
  readonly code = 'FLOWRS_RECORD_FORMAT';
  constructor(message: string) {
    super(message);
    this.name = 'RecordFormatError';
  }
}

const KINDS = new Set(['meta', 'ws-open', 'ws-frame', 'ws-sent', 'ws-close', 'rest']);

/** Parses one line; throws RecordFormatError when it is not one. */
export function parseRecordLine(text: string): RecordLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RecordFormatError(`not JSON: ${text.slice(0, 80)}`);
  }
  if (typeof value !== 'object' || value === null) throw new RecordFormatError(`not an object: ${text.slice(0, 80)}`);
  const line = value as { kind?: unknown; t?: unknown; v?: unknown };
  if (typeof line.kind !== 'string' || !KINDS.has(line.kind) || typeof line.t !== 'number')
    throw new RecordFormatError(`not a record line: ${text.slice(0, 80)}`);
  if (line.kind === 'meta' && typeof line.v === 'number' && line.v > RECORD_FORMAT_VERSION)
    throw new RecordFormatError(`record format v${line.v} is newer than this FlowRS reads (v${RECORD_FORMAT_VERSION})`);
  return value as RecordLine;
}

/** `2024-05-01T13Z`: the hour a time (ms) falls in, as file names carry it. */
export function hourOf(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 13)}Z`;
}

/** The file for one venue, hour and session, relative to the recording directory. */
export function recordFileName(venue: string, hour: string, session: string): string {
  return `${venue}/${hour}.${session}${RECORD_FILE_SUFFIX}`;
}

/** Parses `--from`/`--to`: an ISO 8601 time (`2024-05-01T13:00:00Z`) or ms since the epoch; µs. */
export function parseTimeArgument(text: string): number | undefined {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  return Number.isFinite(ms) ? ms * 1000 : undefined;
}
