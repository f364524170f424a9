import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';
import type { Logger } from '../log.js';
import {
  hourOf,
  type MetaLine,
  RECORD_FILE_SUFFIX,
  RECORD_FORMAT_VERSION,
  RECORDED_HEADERS,
  recordFileName,
} from './format.js';
import { addTrafficTap, nowUs, type RestExchange, type TrafficTap } from './tap.js';

/** Bytes of recorded lines waiting for the disk (queued or being compressed) before lines are dropped. */
export const DEFAULT_RECORD_MAX_QUEUE_BYTES = 64 * 1024 * 1024;
/** After the disk failed, recording tries again this often. */
export const DEFAULT_RECORD_RETRY_MS = 30_000;
/** Files older than the retention are looked for this often. */
export const RETENTION_SWEEP_MS = 60 * 60 * 1000;
/** Queued lines are handed to the compressor in chunks of about this size (fewer, larger zlib jobs). */
const FLUSH_CHUNK_BYTES = 256 * 1024;
/** REST answers whose URL matches no venue's settings are recorded under this name. */
export const UNKNOWN_VENUE = 'other';

/** What the recorder is doing, as /health shows it. */
export type RecordStatus =
  | { readonly type: 'off' }
  | {
      readonly type: 'recording';
      readonly dir: string;
      /** Files written by this run. */
      readonly files: number;
      /** Compressed bytes written by this run. */
      readonly bytes: number;
      /** Lines dropped because the disk could not keep up or failed. */
      readonly dropped: number;
    }
  | {
      readonly type: 'paused';
      readonly dir: string;
      /** The cause a user can act on (`ENOSPC: no space left on device…`). */
      readonly reason: string;
      readonly since: number;
      readonly dropped: number;
    };

/** One followed venue as the recording's `meta` lines describe it. */
export interface RecordedVenue {
  readonly symbols: readonly string[];
  readonly settings: Readonly<Record<string, unknown>>;
  /** Levels a side the book engine keeps. */
  readonly depth?: number;
}

export interface RecorderOptions {
  readonly dir: string;
  readonly retentionHours: number;
  readonly maxQueueBytes?: number;
  readonly retryMs?: number;
  /** The venues followed, by id: their `meta` line, and their URLs (which venue a REST answer belongs to). */
  readonly venues: ReadonlyMap<string, RecordedVenue>;
  readonly log: Logger;
}

/** One open file: the hour it holds, lines waiting, and its compressor. */
interface HourFile {
  readonly venue: string;
  readonly hour: string;
  readonly hourEndMs: number;
  readonly path: string;
  readonly gzip: Gzip;
  readonly out: WriteStream;
  pending: string[];
  pendingBytes: number;
}

/**
 * Writes every venue frame and REST answer the connectors see to gzip files, one per venue and hour.
 * The hot path only formats a line and queues it; compression runs on libuv's thread pool and the disk
 * pushes back through the streams. Past `maxQueueBytes` waiting, lines are dropped (and counted); a disk
 * that fails (full, read-only, no permission) pauses recording with one error line, the live service
 * carries on, and recording resumes in new files once the directory is writable again.
 */
export class Recorder implements TrafficTap {
  readonly session = Date.now().toString(36);
  private part = 0;
  private readonly files = new Map<string, HourFile>();
  /** Connections seen, by id: their venue and what their `ws-open` line says. */
  private readonly connections = new Map<
    string,
    { readonly venue: string; readonly json: string; readonly open: string; opened: boolean }
  >();
  private readonly venueOfHost = new Map<string, string>();
  private readonly maxQueueBytes: number;
  private readonly retryMs: number;
  private pendingBytes = 0;
  private flushScheduled = false;
  private paused: { reason: string; since: number } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private removeTap: (() => void) | undefined;
  private filesOpened = 0;
  private bytesClosed = 0;
  private dropped = 0;
  private droppedWarned = false;
  private running = false;

  constructor(private readonly options: RecorderOptions) {
    this.maxQueueBytes = options.maxQueueBytes ?? DEFAULT_RECORD_MAX_QUEUE_BYTES;
    this.retryMs = options.retryMs ?? DEFAULT_RECORD_RETRY_MS;
    for (const [venue, { settings }] of options.venues) {
      for (const value of Object.values(settings)) {
        const host = typeof value === 'string' ? hostOf(value) : undefined;
        if (host !== undefined && !this.venueOfHost.has(host)) this.venueOfHost.set(host, venue);
      }
    }
  }

  /** Starts recording (installs the tap); a directory that cannot be written pauses at once, it does not throw. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.removeTap = addTrafficTap(this);
    try {
      mkdirSync(this.options.dir, { recursive: true });
    } catch (error) {
      this.pause(error as Error);
    }
    await this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), RETENTION_SWEEP_MS).unref();
    this.options.log.info(
      { dir: this.options.dir, retentionHours: this.options.retentionHours },
      'recording venue traffic',
    );
  }

  status(): RecordStatus {
    if (!this.running) return { type: 'off' };
    if (this.paused) return { type: 'paused', dir: this.options.dir, ...this.paused, dropped: this.dropped };
    let bytes = this.bytesClosed;
    for (const file of this.files.values()) bytes += file.out.bytesWritten;
    return { type: 'recording', dir: this.options.dir, files: this.filesOpened, bytes, dropped: this.dropped };
  }

  // ---- the tap (hot path) -------------------------------------------------------------------------

  wsConnecting(conn: string, venue: string, name: string, url: string): void {
    const json = JSON.stringify(conn);
    this.connections.set(conn, {
      venue,
      json,
      opened: false,
      open: `"conn":${json},"name":${JSON.stringify(name)},"url":${JSON.stringify(url)}}\n`,
    });
  }

  wsOpen(conn: string, atUs: number): void {
    const c = this.connections.get(conn);
    if (!c) return;
    c.opened = true;
    this.push(c.venue, atUs, `{"kind":"ws-open","t":${atUs},${c.open}`);
  }

  wsFrame(conn: string, text: string, atUs: number): void {
    const c = this.connections.get(conn);
    if (c)
      this.push(c.venue, atUs, `{"kind":"ws-frame","t":${atUs},"conn":${c.json},"data":${JSON.stringify(text)}}\n`);
  }

  wsSent(conn: string, text: string, atUs: number): void {
    const c = this.connections.get(conn);
    if (c) this.push(c.venue, atUs, `{"kind":"ws-sent","t":${atUs},"conn":${c.json},"data":${JSON.stringify(text)}}\n`);
  }

  wsClose(conn: string, code: number, reason: string, atUs: number): void {
    const c = this.connections.get(conn);
    if (!c) return;
    this.connections.delete(conn);
    // A failed attempt to connect opened nothing: nothing to close.
    if (!c.opened) return;
    this.push(
      c.venue,
      atUs,
      `{"kind":"ws-close","t":${atUs},"conn":${c.json},"code":${code},"reason":${JSON.stringify(reason)}}\n`,
    );
  }

  rest(exchange: RestExchange): void {
    const venue = this.venueOfHost.get(hostOf(exchange.url) ?? '') ?? UNKNOWN_VENUE;
    const headers: Record<string, string> = {};
    if (exchange.response)
      for (const name of RECORDED_HEADERS) {
        const value = exchange.response.headers.get(name);
        if (value !== null) headers[name] = value;
      }
    const line = {
      kind: 'rest',
      t: exchange.receivedAtUs,
      sent: exchange.sentAtUs,
      method: exchange.method,
      url: exchange.url,
      ...(exchange.requestBody !== undefined ? { body: exchange.requestBody } : {}),
      ...(exchange.response
        ? { status: exchange.response.status, headers, data: exchange.response.body }
        : { error: exchange.error ?? 'no answer' }),
    };
    this.push(venue, exchange.receivedAtUs, `${JSON.stringify(line)}\n`);
  }

  // ---- queue and files ----------------------------------------------------------------------------

  private push(venue: string, atUs: number, line: string): void {
    if (this.paused || !this.running) {
      this.dropped++;
      return;
    }
    const file = this.fileFor(venue, atUs / 1000);
    if (!file) {
      this.dropped++;
      return;
    }
    if (this.pendingBytes + this.compressing() + line.length > this.maxQueueBytes) {
      this.dropped++;
      if (!this.droppedWarned) {
        this.droppedWarned = true;
        this.options.log.warn(
          { dir: this.options.dir, maxQueueBytes: this.maxQueueBytes },
          'the disk cannot keep up with recording; dropping recorded lines (the live service is unaffected)',
        );
      }
      return;
    }
    file.pending.push(line);
    file.pendingBytes += line.length;
    this.pendingBytes += line.length;
    if (file.pendingBytes >= FLUSH_CHUNK_BYTES) this.flushFile(file);
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Bytes handed to the compressors and not yet written out. */
  private compressing(): number {
    let bytes = 0;
    for (const file of this.files.values()) bytes += file.gzip.writableLength + file.out.writableLength;
    return bytes;
  }

  private flush(): void {
    this.flushScheduled = false;
    for (const file of this.files.values()) this.flushFile(file);
  }

  private flushFile(file: HourFile): void {
    if (file.pending.length === 0) return;
    const chunk = file.pending.join('');
    this.pendingBytes -= file.pendingBytes;
    file.pending = [];
    file.pendingBytes = 0;
    file.gzip.write(chunk);
    if (this.droppedWarned && this.compressing() === 0) this.droppedWarned = false;
  }

  /** The venue's file for the hour `ms` falls in, opening it (and closing the previous hour's) as needed. */
  private fileFor(venue: string, ms: number): HourFile | undefined {
    const current = this.files.get(venue);
    if (current && ms < current.hourEndMs) return current;
    if (current) this.close(current);
    const hourStart = Math.floor(ms / 3_600_000) * 3_600_000;
    const hour = hourOf(hourStart);
    const session = this.part === 0 ? this.session : `${this.session}-${this.part}`;
    const path = join(this.options.dir, recordFileName(venue, hour, session));
    try {
      mkdirSync(join(this.options.dir, venue), { recursive: true });
    } catch (error) {
      this.pause(error as Error);
      return undefined;
    }
    const gzip = createGzip();
    const out = createWriteStream(path, { flags: 'a' });
    out.on('error', (err) => this.pause(err));
    gzip.on('error', (err) => this.pause(err));
    gzip.pipe(out);
    const file: HourFile = {
      venue,
      hour,
      hourEndMs: hourStart + 3_600_000,
      path,
      gzip,
      out,
      pending: [],
      pendingBytes: 0,
    };
    this.files.set(venue, file);
    this.filesOpened++;
    const recorded = this.options.venues.get(venue);
    const meta: MetaLine = {
      kind: 'meta',
      v: RECORD_FORMAT_VERSION,
      t: nowUs(),
      venue,
      session,
      symbols: recorded?.symbols ?? [],
      settings: recorded?.settings ?? {},
      ...(recorded?.depth !== undefined ? { depth: recorded.depth } : {}),
    };
    file.pending.push(`${JSON.stringify(meta)}\n`);
    return file;
  }

  private close(file: HourFile): Promise<void> {
    this.flushFile(file);
    this.files.delete(file.venue);
    return new Promise((resolve) => {
      file.out.once('close', () => {
        this.bytesClosed += file.out.bytesWritten;
        resolve();
      });
      file.gzip.end();
    });
  }

  /** The disk failed: drop what is queued, close the files, say why once, and try again later. */
  private pause(error: Error): void {
    if (this.paused || !this.running) return;
    this.paused = { reason: describeDiskError(error, this.options.dir), since: Date.now() };
    this.options.log.error(
      { err: error, dir: this.options.dir, retryInMs: this.retryMs },
      `recording paused: ${this.paused.reason}; the live service continues`,
    );
    for (const file of this.files.values()) {
      this.dropped += file.pending.length;
      file.gzip.unpipe(file.out);
      file.gzip.destroy();
      file.out.destroy();
      this.bytesClosed += file.out.bytesWritten;
    }
    this.files.clear();
    this.pendingBytes = 0;
    this.retryTimer = setTimeout(() => this.resume(), this.retryMs).unref();
  }

  /** Tries the directory again; new files (a new part of the session) if it can be written. */
  private resume(): void {
    this.retryTimer = undefined;
    if (!this.running || !this.paused) return;
    const since = this.paused.since;
    this.paused = undefined;
    this.part++;
    try {
      mkdirSync(this.options.dir, { recursive: true });
    } catch (error) {
      this.paused = undefined;
      this.pause(error as Error);
      return;
    }
    this.options.log.info({ dir: this.options.dir, pausedMs: Date.now() - since }, 'recording resumed');
  }

  /** Deletes recorded files older than the retention (by modification time). */
  async sweep(now = Date.now()): Promise<number> {
    const cutoff = now - this.options.retentionHours * 3_600_000;
    const open = new Set([...this.files.values()].map((f) => f.path));
    let removed = 0;
    let venues: string[];
    try {
      venues = await readdir(this.options.dir);
    } catch {
      return 0;
    }
    for (const venue of venues) {
      let names: string[];
      try {
        names = await readdir(join(this.options.dir, venue));
      } catch {
        continue;
      }
      for (const name of names) {
        if (!name.endsWith(RECORD_FILE_SUFFIX)) continue;
        const path = join(this.options.dir, venue, name);
        if (open.has(path)) continue;
        try {
          if ((await stat(path)).mtimeMs < cutoff) {
            await rm(path);
            removed++;
          }
        } catch (error) {
          this.options.log.warn({ err: error, path }, 'could not delete an expired recording file');
        }
      }
    }
    if (removed > 0) this.options.log.info({ dir: this.options.dir, removed }, 'deleted expired recording files');
    return removed;
  }

  /** Flushes and closes every file, and removes the tap. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.removeTap?.();
    clearTimeout(this.retryTimer);
    clearInterval(this.sweepTimer);
    await Promise.all([...this.files.values()].map((f) => this.close(f)));
    this.running = false;
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** What a user can act on: the disk is full, read-only, or not ours to write. */
export function describeDiskError(error: Error, dir: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOSPC':
      return `the disk holding ${dir} is full (ENOSPC)`;
    case 'EROFS':
      return `${dir} is on a read-only file system (EROFS)`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to write in ${dir} (${code})`;
    case 'EDQUOT':
      return `the disk quota for ${dir} is exhausted (EDQUOT)`;
    default:
      return `${error.message}`;
  }
}
