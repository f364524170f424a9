/**
 * The NATS names FlowRS uses: subjects derived from each book's key, the stream and the KV buckets.
 *
 * A subject token may not hold `.`, `*`, `>` or whitespace, and venue symbols do (`BTC/USD`, `@107`,
 * `xyz:MSTR`), so every symbol is escaped into `[A-Za-z0-9_-]`: letters, digits and `-` stay, `_` becomes
 * `__`, and any other byte of its UTF-8 form becomes `_` plus two uppercase hex digits. The mapping is
 * injective and reversible (`decodeToken`), so two books never share a subject.
 */
import type { Exchange } from '../core/types.js';

/** Every subject FlowRS publishes starts with this. */
export const SUBJECT_ROOT = 'flowrs';
/** The stream that keeps every book message (deltas, snapshots, state changes) for `max_age`. */
export const BOOK_STREAM = 'FLOWRS_BOOK';
/** KV bucket of the ingest leases, one key per venue shard. */
export const LEASE_BUCKET = 'flowrs_lease';
/** KV bucket of the instruments the ingest leaders follow, one key per book. */
export const INSTRUMENT_BUCKET = 'flowrs_instruments';

/** What a book subject carries, by its last token. */
export const BookMessageKind = {
  /** A normalized delta. */
  delta: 'd',
  /** A full book (after every sync, and periodically). */
  snapshot: 's',
  /** The book stopped being trustworthy at the ingest node (resyncing, with the reason). */
  state: 'r',
} as const;
export type BookMessageKind = (typeof BookMessageKind)[keyof typeof BookMessageKind];

const PLAIN = /^[A-Za-z0-9-]$/;
const encoder = new TextEncoder();

/** `BTC/USD` → `BTC_2FUSD`; `xyz:MSTR` → `xyz_3AMSTR`; `BTC_USDT` → `BTC__USDT`. Never empty for a non-empty input. */
export function encodeToken(text: string): string {
  let out = '';
  for (const ch of text) {
    if (PLAIN.test(ch)) out += ch;
    else if (ch === '_') out += '__';
    else for (const byte of encoder.encode(ch)) out += `_${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Undoes `encodeToken`. @throws RangeError for a string `encodeToken` cannot produce */
export function decodeToken(token: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < token.length; i++) {
    const ch = token[i];
    if (ch !== '_') {
      if (!PLAIN.test(ch)) throw new RangeError(`not a FlowRS subject token: ${token}`);
      bytes.push(ch.charCodeAt(0));
    } else if (token[i + 1] === '_') {
      bytes.push(0x5f);
      i++;
    } else {
      const hex = token.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) throw new RangeError(`not a FlowRS subject token: ${token}`);
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    }
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes));
}

/** `flowrs.book.<venue>.<symbol token>.<kind>` */
export function bookSubject(exchange: Exchange, symbol: string, kind: BookMessageKind): string {
  return `${SUBJECT_ROOT}.book.${encodeToken(exchange)}.${encodeToken(symbol)}.${kind}`;
}

/** Every book message of one venue (the gateway's consumer filter: one string, as 2.9 servers need). */
export function venueBookFilter(exchange: Exchange): string {
  return `${SUBJECT_ROOT}.book.${encodeToken(exchange)}.>`;
}

/** Every book message of every venue: the book stream's subjects. */
export const ALL_BOOKS = `${SUBJECT_ROOT}.book.>`;

/** `flowrs.trade.<venue>.<symbol token>` */
export function tradeSubject(exchange: Exchange, symbol: string): string {
  return `${SUBJECT_ROOT}.trade.${encodeToken(exchange)}.${encodeToken(symbol)}`;
}

export function venueTradeFilter(exchange: Exchange): string {
  return `${SUBJECT_ROOT}.trade.${encodeToken(exchange)}.*`;
}

/** The ingest leader's heartbeat for one venue: gateways notice a silent leader by its absence. */
export function heartbeatSubject(exchange: Exchange): string {
  return `${SUBJECT_ROOT}.hb.${encodeToken(exchange)}`;
}

/** The parts of a book subject; undefined for any other subject. */
export function parseBookSubject(
  subject: string,
): { exchange: Exchange; symbol: string; kind: BookMessageKind } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 5 || parts[0] !== SUBJECT_ROOT || parts[1] !== 'book') return undefined;
  const kind = parts[4];
  if (kind !== 'd' && kind !== 's' && kind !== 'r') return undefined;
  try {
    return { exchange: decodeToken(parts[2]), symbol: decodeToken(parts[3]), kind };
  } catch {
    return undefined;
  }
}

/** The lease key of a venue shard. */
export function leaseKey(exchange: Exchange): string {
  return `ingest.${encodeToken(exchange)}`;
}

/** The instrument key of a book. */
export function instrumentKey(exchange: Exchange, symbol: string): string {
  return `${encodeToken(exchange)}.${encodeToken(symbol)}`;
}
