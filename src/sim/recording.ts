import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Recorded venue traffic, as published by third parties (test/fixtures/README.md):
 * the frames a client received, in order, byte-exact, plus any REST depth snapshots fetched alongside.
 */
export interface Recording {
  readonly venue: 'binance' | 'bybit';
  /** Received WebSocket frames, exactly as the venue sent them. */
  readonly frames: string[];
  /** REST snapshot bodies by symbol (Binance `GET /fapi/v1/depth`). */
  readonly snapshots: Map<string, string>;
}

/** Reads any of the three recorder formats: cryptofeed v1 text, cryptofeed v2 JSONL, hftbacktest text. */
export function readRecording(path: string): Recording {
  const text = readFileSync(path, 'utf8');
  const name = basename(path);
  if (name.endsWith('.jsonl')) return parseCryptofeedJsonl(text);
  if (name.startsWith('hftbacktest_')) return parseHftbacktest(text);
  if (name.endsWith('.http.txt')) return { venue: 'binance', frames: [], snapshots: parseCryptofeedHttp(text) };
  return parseCryptofeedText(text);
}

/** Merges recordings of one venue (e.g. a WebSocket file and its REST snapshot file). */
export function mergeRecordings(...recordings: Recording[]): Recording {
  const snapshots = new Map<string, string>();
  for (const r of recordings) for (const [k, v] of r.snapshots) if (!snapshots.has(k)) snapshots.set(k, v);
  return { venue: recordings[0].venue, frames: recordings.flatMap((r) => r.frames), snapshots };
}

/** `<url> <-> <ts>` header, `<url> <- <ts>: <sent>` lines (skipped), `<ts>: <received frame>` lines. */
function parseCryptofeedText(text: string): Recording {
  const frames: string[] = [];
  let venue: Recording['venue'] = 'binance';
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.includes(' <-> ')) {
      venue = line.includes('bybit') ? 'bybit' : 'binance';
      continue;
    }
    if (/^\S+ <- /.test(line)) continue;
    const at = line.indexOf(': ');
    if (at > 0) frames.push(line.slice(at + 2));
  }
  return { venue, frames, snapshots: new Map() };
}

/** `<url> -> <ts>: <body>`; the symbol comes from the URL. */
function parseCryptofeedHttp(text: string): Map<string, string> {
  const snapshots = new Map<string, string>();
  for (const line of text.split('\n')) {
    const arrow = line.indexOf(' -> ');
    if (arrow < 0) continue;
    const url = new URL(line.slice(0, arrow));
    const symbol = url.searchParams.get('symbol');
    const body = line.slice(line.indexOf(': ', arrow) + 2);
    if (symbol && url.pathname === '/fapi/v1/depth') snapshots.set(symbol, body);
  }
  return snapshots;
}

/** `<ns> <frame>`; the REST snapshot is inline as a line starting `{"lastUpdateId":`. */
function parseHftbacktest(text: string): Recording {
  const frames: string[] = [];
  const snapshotBodies: string[] = [];
  let symbol: string | undefined;
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space < 0) continue;
    const frame = line.slice(space + 1);
    if (frame.startsWith('{"lastUpdateId":')) {
      snapshotBodies.push(frame);
      continue;
    }
    symbol ??= /"s":"([A-Z0-9]+)"/.exec(frame)?.[1];
    frames.push(frame);
  }
  const snapshots = new Map<string, string>();
  if (symbol && snapshotBodies.length > 0) snapshots.set(symbol, snapshotBodies[0]);
  return { venue: 'binance', frames, snapshots };
}

/** One JSON object a line; `t: "recv"` lines carry received frames in `data`. */
function parseCryptofeedJsonl(text: string): Recording {
  const frames: string[] = [];
  let venue: Recording['venue'] = 'bybit';
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const entry = JSON.parse(line) as { t: string; exchange?: string; data?: string };
    if (entry.t === 'header' && entry.exchange)
      venue = entry.exchange.toLowerCase().startsWith('binance') ? 'binance' : 'bybit';
    if (entry.t === 'recv' && typeof entry.data === 'string') frames.push(entry.data);
  }
  return { venue, frames, snapshots: new Map() };
}
