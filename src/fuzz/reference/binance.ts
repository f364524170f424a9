import { ReferenceBook, type ReferenceLevel } from './book.js';
import { readDecimal, readPrice } from './decimal.js';

/**
 * The reference for Binance USDⓈ-M diff depth: a deliberately plain reading of Binance's documented
 * procedure ("How to manage a local order book correctly"), written without looking at FlowRS's
 * connector. Strict: every field it uses is checked, every level is checked as an exact decimal.
 */

/** Binance REST `GET /fapi/v1/depth?limit=1000` answers at most this many levels a side. */
export const REFERENCE_BINANCE_SNAPSHOT_LIMIT = 1000;
/** Events kept for a resync (and, while live, for re-basing on a newer snapshot). */
export const REFERENCE_KEPT_EVENTS = 10_000;

export interface ReferenceDepthEvent {
  readonly symbol: string;
  readonly U: number;
  readonly u: number;
  readonly pu: number;
  readonly bids: readonly ReferenceLevel[];
  readonly asks: readonly ReferenceLevel[];
  /**
   * False when the ids are valid but a level is not: the event cannot be applied (a book never takes half
   * an update), yet its ids still place it in the stream, so it still counts for the sequence checks.
   */
  readonly levelsValid: boolean;
}

export interface ReferenceDepthSnapshot {
  readonly lastUpdateId: number;
  readonly bids: readonly ReferenceLevel[];
  readonly asks: readonly ReferenceLevel[];
  readonly bidsTruncated: boolean;
  readonly asksTruncated: boolean;
}

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is number {
  // Any exact integer: the sequence rules, not a sign check, decide what an odd id means.
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** Levels `[price, quantity, …]` with both strings exact decimals (a price positive); undefined if any is not. */
export function readLevels(value: unknown): ReferenceLevel[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: ReferenceLevel[] = [];
  for (const level of value) {
    // Extra trailing elements are tolerated like unknown fields; the first two must be the pair.
    if (!Array.isArray(level) || level.length < 2) return undefined;
    const price = readPrice(level[0]);
    const quantity = readDecimal(level[1]);
    if (price === undefined || quantity === undefined) return undefined;
    out.push({ price, quantity });
  }
  return out;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A stream frame: a valid depth event, or why not (`other`: a valid message of no interest here). */
export function readBinanceFrame(text: string): ReferenceDepthEvent | 'other' | 'invalid' {
  const message = parse(text);
  if (!isObj(message)) return 'invalid';
  // Combined streams wrap the event as {"stream": "<name>", "data": <event>}.
  const event = typeof message.stream === 'string' && 'data' in message ? message.data : message;
  if (!isObj(event)) return 'invalid';
  if (event.e !== 'depthUpdate') return 'other';
  const { E, s, U, u, pu, b, a } = event;
  if (!isId(E) || typeof s !== 'string' || !isId(U) || !isId(u) || !isId(pu) || U > u) return 'invalid';
  if (!Array.isArray(b) || !Array.isArray(a)) return 'invalid';
  const bids = readLevels(b);
  const asks = readLevels(a);
  const levelsValid = bids !== undefined && asks !== undefined;
  return { symbol: s, U, u, pu, bids: bids ?? [], asks: asks ?? [], levelsValid };
}

/** A REST depth answer, or undefined when it is not a valid one. */
export function readBinanceSnapshot(text: string): ReferenceDepthSnapshot | undefined {
  const body = parse(text);
  if (!isObj(body) || !isId(body.lastUpdateId) || !Array.isArray(body.bids) || !Array.isArray(body.asks)) return;
  const bids = readLevels(body.bids);
  const asks = readLevels(body.asks);
  if (bids === undefined || asks === undefined) return undefined;
  return {
    lastUpdateId: body.lastUpdateId,
    bids,
    asks,
    // A side that fills the answer's limit was cut there: deeper levels exist and are unknown.
    bidsTruncated: body.bids.length >= REFERENCE_BINANCE_SNAPSHOT_LIMIT,
    asksTruncated: body.asks.length >= REFERENCE_BINANCE_SNAPSHOT_LIMIT,
  };
}

/** One symbol's book per Binance's procedure; `book` is defined exactly when the reference vouches for it. */
export class ReferenceBinanceSymbol {
  book: ReferenceBook | undefined;
  lastU: number | undefined;
  /** Valid events since the book's snapshot (live) or since the break (waiting), oldest first. */
  private events: ReferenceDepthEvent[] = [];
  private pending: ReferenceDepthSnapshot | undefined;
  breaks = 0;
  /** Why the book is not vouched for, for failure reports. */
  brokenBecause = 'no snapshot yet';

  constructor(private readonly minTrusted: number) {}

  onEvent(event: ReferenceDepthEvent): void {
    if (this.book !== undefined) {
      const lastU = this.lastU!;
      // Already applied (a duplicate, or an overlapping connection): ignored. An id at or below the last
      // that was never applied means an id taken earlier was not the venue's: start over from a snapshot.
      if (event.u <= lastU) {
        if (this.applied.includes(event.u) || event.u < Math.min(...this.applied)) return;
        this.broken(`u ${event.u} at or below ${lastU} but never applied`, [event]);
        return;
      }
      // "each new event's pu should be equal to the previous event's u, otherwise initialize the process
      // from step 3" (a new snapshot).
      if (event.pu !== lastU) {
        this.broken(`gap: pu ${event.pu} after u ${lastU}`, [event]);
        return;
      }
      if (!event.levelsValid) return; // unusable: the book and its u stay; the next event shows the gap
      this.book.apply(event.bids, event.asks);
      this.lastU = event.u;
      this.remember(event.u);
      this.keep(event);
      const unhealthy = this.book.unhealthy(this.minTrusted);
      if (unhealthy !== undefined) {
        this.broken(`${unhealthy} at u ${event.u}`, []);
        return;
      }
      if (this.pending) this.sync();
      return;
    }
    this.keep(event);
    if (this.pending) this.sync();
  }

  /** A REST answer arrived (undefined: it was not a valid one). */
  onSnapshot(snapshot: ReferenceDepthSnapshot | undefined): void {
    this.pending = snapshot;
    if (snapshot) this.sync();
  }

  /** The last applied ids (the snapshot's included). */
  private applied: number[] = [];

  private remember(u: number): void {
    this.applied.push(u);
    if (this.applied.length > 64) this.applied.shift();
  }

  private keep(event: ReferenceDepthEvent): void {
    this.events.push(event);
    // Trimmed in bulk so that keeping costs O(1) per event; at least the last REFERENCE_KEPT_EVENTS stay.
    if (this.events.length > 2 * REFERENCE_KEPT_EVENTS) this.events = this.events.slice(-REFERENCE_KEPT_EVENTS);
  }

  private broken(reason: string, keep: ReferenceDepthEvent[]): void {
    this.book = undefined;
    this.lastU = undefined;
    this.pending = undefined;
    this.events = keep;
    this.breaks++;
    this.brokenBecause = reason;
  }

  /**
   * Builds the book from the pending snapshot and the kept events. While live this re-bases the book on a
   * newer snapshot (its trust then reaches as deep as the new snapshot's), keeping the old book if the
   * rebuilt one would not be healthy at every step.
   */
  private sync(): void {
    const snapshot = this.pending!;
    const lid = snapshot.lastUpdateId;
    // "Drop any event where u is < lastUpdateId in the snapshot."
    const start = this.events.findIndex((e) => e.u >= lid);
    if (start < 0) return; // nothing reaches the snapshot yet: wait
    const first = this.events[start];
    // "The first processed event should have U <= lastUpdateId AND u >= lastUpdateId" (pu = lastUpdateId
    // proves the same continuity).
    if (!((first.U <= lid && lid <= first.u) || first.pu === lid)) {
      this.pending = undefined; // older than the stream: useless
      return;
    }
    this.pending = undefined;
    const live = this.book !== undefined;
    const book = new ReferenceBook();
    book.bids.reset(snapshot.bids, snapshot.bidsTruncated);
    book.asks.reset(snapshot.asks, snapshot.asksTruncated);
    const snapshotUnhealthy = book.unhealthy(this.minTrusted);
    let u = lid;
    const applied = [lid];
    const events = this.events.slice(start);
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      if (i > 0 && e.u <= u) continue; // already covered (a duplicate or a late copy), as on the live path
      if (i > 0 && e.pu !== u) {
        if (!live) this.broken(`gap: pu ${e.pu} after u ${u} while syncing`, events.slice(i));
        return;
      }
      if (!e.levelsValid) continue; // the book stays as it was, at its u
      book.apply(e.bids, e.asks);
      u = e.u;
      applied.push(u);
      const unhealthy = book.unhealthy(this.minTrusted);
      if (unhealthy !== undefined) {
        if (!live) this.broken(`${unhealthy} at u ${u} while syncing from snapshot ${lid}`, []);
        return;
      }
    }
    if (snapshotUnhealthy !== undefined) {
      if (!live) this.broken(`${snapshotUnhealthy} snapshot ${lid}`, []);
      return;
    }
    this.book = book;
    this.lastU = u;
    this.applied = applied.slice(-64);
    this.events = events;
  }
}
