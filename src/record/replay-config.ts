import type { FlowrsConfig } from '../app/config.js';
import type { Exchange } from '../core/types.js';
import type { ReplayServer } from './replay-server.js';

/** A book named on the command line: `binance:BTCUSDT`. */
export interface BookSelection {
  readonly exchange: Exchange;
  readonly symbol: string;
}

/** `--books` that does not name books as `venue:SYMBOL`. */
export class BookSelectionError extends Error {
  readonly code = 'FLOWRS_BOOK_SELECTION';
  constructor(text: string) {
    super(`--books: expected a comma-separated list like binance:BTCUSDT,okx:BTC-USDT-SWAP, got "${text}"`);
    this.name = 'BookSelectionError';
  }
}

/** Parses `binance:BTCUSDT,okx:BTC-USDT-SWAP`. */
export function parseBookSelection(text: string): BookSelection[] {
  const books = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^([a-z][a-z0-9]*):([A-Za-z0-9._\-/]{1,40})$/.exec(entry);
      if (!m) throw new BookSelectionError(text);
      return { exchange: m[1], symbol: m[2] };
    });
  if (books.length === 0) throw new BookSelectionError(text);
  return books;
}

/**
 * The configuration that replays a recording: the recorded venues and symbols, every venue URL pointed
 * at the replay server, audits off (they would ask for answers the recording does not hold). With
 * `books`, only their venues are replayed; each such venue replays every book it recorded, because a
 * venue's books share its connections.
 */
export function replayConfig(
  base: FlowrsConfig,
  replay: ReplayServer,
  books: readonly BookSelection[] = [],
): FlowrsConfig {
  const wanted = new Set(books.map((b) => b.exchange));
  const venues = [...replay.venues.values()].filter((v) => wanted.size === 0 || wanted.has(v.venue));
  const venueSettings: Record<Exchange, Readonly<Record<string, unknown>>> = { ...base.venueSettings };
  for (const v of venues) venueSettings[v.venue] = replay.venueSettings(v.venue);
  const depths = venues.flatMap((v) => (v.depth === undefined ? [] : [v.depth]));
  const depth = depths.length > 0 ? Math.max(...depths) : base.depth;
  return {
    ...base,
    // The recording FlowRS's depth, so the replayed books keep (and trust) exactly as many levels.
    depth,
    displayDepth: Math.min(base.displayDepth, depth),
    exchanges: venues.map((v) => v.venue),
    symbols: venues.flatMap((v) => v.symbols.map((symbol) => ({ kind: 'venue' as const, exchange: v.venue, symbol }))),
    venueSettings,
    auditIntervalMs: 0,
  };
}
