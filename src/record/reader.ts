import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { parseRecordLine, RECORD_FILE_SUFFIX, RecordFormatError, type RecordLine } from './format.js';

/** One recorded WebSocket connection: what the venue sent on it, in order. */
export interface RecordedConnection {
  readonly conn: string;
  readonly name: string;
  readonly url: string;
  /** Path and query of `url`: what a replayed connection must ask for. */
  readonly path: string;
  readonly openedAt: number;
  readonly frames: { readonly t: number; readonly data: string }[];
  close: { readonly t: number; readonly code: number; readonly reason: string } | undefined;
}

/** One recorded REST answer (or failure). */
export interface RecordedRest {
  readonly t: number;
  readonly sent: number;
  /** `GET /fapi/v1/depth?symbol=BTCUSDT&limit=1000` (+ the request body for POSTs): what a replayed request must ask. */
  readonly key: string;
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly data?: string;
  readonly error?: string;
}

/** What a recording holds for one venue. */
export interface VenueRecording {
  readonly venue: string;
  /** The venue's own symbols followed (every session's, in first-seen order). */
  readonly symbols: string[];
  /** The venue's settings as the first `meta` line gives them. */
  settings: Readonly<Record<string, unknown>>;
  /** Levels a side the recording FlowRS kept, if it said. */
  depth: number | undefined;
  /** Connections in the order they opened. */
  readonly connections: RecordedConnection[];
  /** REST answers in the order their requests left. */
  readonly rest: RecordedRest[];
}

/** The part of a recording to replay: receive times in µs, both ends included. */
export interface RecordWindow {
  readonly fromUs?: number;
  readonly toUs?: number;
}

/** A directory or file that holds no FlowRS recording. */
export class RecordingNotFoundError extends Error {
  readonly code = 'FLOWRS_RECORDING_NOT_FOUND';
  constructor(readonly path: string) {
    super(`${path} holds no FlowRS recording (*${RECORD_FILE_SUFFIX} files under <venue>/ directories)`);
    this.name = 'RecordingNotFoundError';
  }
}

/** Recorded files under `path` (a recording directory, a venue directory, or one file), in time order per venue. */
export function recordingFiles(path: string): string[] {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (stats === undefined) throw new RecordingNotFoundError(path);
  if (stats.isFile()) return [path];
  const files: string[] = [];
  const walk = (dir: string, depth: number) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory() && depth < 2) walk(full, depth + 1);
      else if (entry.isFile() && entry.name.endsWith(RECORD_FILE_SUFFIX)) files.push(full);
    }
  };
  walk(path, 0);
  if (files.length === 0) throw new RecordingNotFoundError(path);
  return files;
}

/** The lines of one file; a file cut short (a crash, a full disk) yields what was complete. */
export function* readRecordFile(path: string): Generator<RecordLine> {
  const text = gunzipSync(readFileSync(path), { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    if (end < 0) return; // the last line was cut short
    const line = text.slice(start, end);
    start = end + 1;
    if (line.length === 0) continue;
    yield parseRecordLine(line);
  }
}

/**
 * Reads a recording into per-venue connections and REST answers, keeping what a replay of `window`
 * needs: connections still open at its start are kept whole (a book needs its connection's history),
 * connections that ended before it are left out, and nothing after its end is kept.
 */
export function readRecordingDir(path: string, window: RecordWindow = {}): Map<string, VenueRecording> {
  const venues = new Map<string, VenueRecording>();
  const connections = new Map<string, { venue: VenueRecording; connection: RecordedConnection }>();
  const toUs = window.toUs ?? Number.POSITIVE_INFINITY;
  for (const file of recordingFiles(path)) {
    let venue: VenueRecording | undefined;
    for (const line of readRecordFile(file)) {
      if (line.kind === 'meta') {
        venue = venues.get(line.venue);
        if (!venue) {
          venue = {
            venue: line.venue,
            symbols: [],
            settings: line.settings,
            depth: line.depth,
            connections: [],
            rest: [],
          };
          venues.set(line.venue, venue);
        }
        for (const s of line.symbols) if (!venue.symbols.includes(s)) venue.symbols.push(s);
        continue;
      }
      if (!venue) throw new RecordFormatError(`${file} does not start with a meta line`);
      if (line.t > toUs) continue;
      switch (line.kind) {
        case 'ws-open': {
          const connection: RecordedConnection = {
            conn: line.conn,
            name: line.name,
            url: line.url,
            path: pathOf(line.url),
            openedAt: line.t,
            frames: [],
            close: undefined,
          };
          venue.connections.push(connection);
          connections.set(`${venue.venue} ${line.conn}`, { venue, connection });
          break;
        }
        case 'ws-frame':
          // A frame of a connection whose opening is missing (recording paused meanwhile) cannot be replayed.
          connections.get(`${venue.venue} ${line.conn}`)?.connection.frames.push({ t: line.t, data: line.data });
          break;
        case 'ws-close': {
          const found = connections.get(`${venue.venue} ${line.conn}`);
          if (found) found.connection.close = { t: line.t, code: line.code, reason: line.reason };
          break;
        }
        case 'rest':
          venue.rest.push({
            t: line.t,
            sent: line.sent,
            key: restKey(line.method, line.url, line.body),
            status: line.status,
            headers: line.headers,
            data: line.data,
            error: line.error,
          });
          break;
        case 'ws-sent':
          break;
      }
    }
  }
  if (venues.size === 0) throw new RecordingNotFoundError(path);
  for (const venue of venues.values()) {
    venue.connections.sort((a, b) => a.openedAt - b.openedAt);
    venue.rest.sort((a, b) => a.sent - b.sent);
    if (window.fromUs !== undefined) trimBefore(venue, window.fromUs);
  }
  return venues;
}

/**
 * Drops connections that ended before `fromUs`, and REST answers older than the oldest connection kept
 * (for each request, the last older answer stays when no newer one exists: instrument lists are asked once).
 */
function trimBefore(venue: VenueRecording, fromUs: number): void {
  const kept = venue.connections.filter((c) => c.close === undefined || c.close.t >= fromUs);
  venue.connections.splice(0, venue.connections.length, ...kept);
  const cut = Math.min(fromUs, ...kept.map((c) => c.openedAt));
  const byKey = new Map<string, RecordedRest[]>();
  for (const r of venue.rest) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  const rest: RecordedRest[] = [];
  for (const answers of byKey.values()) {
    const newer = answers.filter((r) => r.sent >= cut);
    rest.push(...(newer.length > 0 ? newer : answers.slice(-1)));
  }
  venue.rest.splice(0, venue.rest.length, ...rest.sort((a, b) => a.sent - b.sent));
}

/** Path and query of a URL (`/stream?streams=…`). */
export function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

/** What identifies a REST request in a replay: method, path and query, and the body of a POST. */
export function restKey(method: string, url: string, body?: string): string {
  return body === undefined || body === '' ? `${method} ${pathOf(url)}` : `${method} ${pathOf(url)} ${body}`;
}

/** Whether `path` is a FlowRS recording (a directory of them, or one `.jsonl.gz` file) rather than another format. */
export function isFlowrsRecording(path: string): boolean {
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory() !== false) return true;
  return basename(path).endsWith(RECORD_FILE_SUFFIX) && basename(dirname(path)) !== '';
}
