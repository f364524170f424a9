import { readLevels } from './binance.js';
import { ReferenceBook, type ReferenceLevel } from './book.js';

/**
 * The reference for Bybit v5 `orderbook.{depth}.{symbol}`: a plain reading of Bybit's documented rules,
 * written without looking at FlowRS's sequencer. Strict on every field it uses.
 */

export interface ReferenceOrderbookMessage {
  readonly topic: string;
  /** The book it belongs to (`data.s`). */
  readonly symbol: string;
  readonly type: 'snapshot' | 'delta';
  readonly u: number;
  readonly bids: readonly ReferenceLevel[];
  readonly asks: readonly ReferenceLevel[];
  /** False when the message is well formed but a level is not (the message is then unusable). */
  readonly levelsValid: boolean;
}

function isObj(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSafeId(value: unknown): value is number {
  // Any exact integer: the sequence rules, not a sign check, decide what an odd id means.
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** An orderbook message, or why not (`other`: a valid message of no interest here). */
export function readBybitFrame(text: string): ReferenceOrderbookMessage | 'other' | 'invalid' {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return 'invalid';
  }
  if (!isObj(message)) return 'invalid';
  if (typeof message.success === 'boolean') return 'other'; // an operation's answer
  const { topic, type, ts, data } = message;
  if (typeof topic !== 'string') return 'invalid';
  if (!topic.startsWith('orderbook.')) return 'other';
  if ((type !== 'snapshot' && type !== 'delta') || !isSafeId(ts) || !isObj(data)) return 'invalid';
  const { s, u, b, a } = data;
  if (typeof s !== 'string' || !isSafeId(u) || !Array.isArray(b) || !Array.isArray(a)) return 'invalid';
  const bids = readLevels(b);
  const asks = readLevels(a);
  const levelsValid = bids !== undefined && asks !== undefined;
  return { topic, symbol: s, type, u, bids: bids ?? [], asks: asks ?? [], levelsValid };
}

/** One topic's book; `book` is defined exactly when the reference vouches for it. */
export class ReferenceBybitTopic {
  book: ReferenceBook | undefined;
  lastU: number | undefined;
  breaks = 0;
  brokenBecause = 'no snapshot yet';

  constructor(private readonly minTrusted: number) {}

  onMessage(m: ReferenceOrderbookMessage): void {
    if (m.type === 'snapshot') {
      // "If you receive a new snapshot message, you will have to reset your local orderbook" (also when
      // "u"=1 after a restart of the service).
      if (!m.levelsValid) {
        this.broken(`invalid snapshot u ${m.u}`);
        return;
      }
      const book = new ReferenceBook();
      // orderbook.{depth} snapshots are the whole depth window: nothing past it is implied.
      book.bids.reset(m.bids, false);
      book.asks.reset(m.asks, false);
      this.book = book;
      this.lastU = m.u;
      this.checkHealth();
      return;
    }
    if (this.book === undefined) return; // a delta has no base until the next snapshot
    if (!m.levelsValid) return; // unusable: dropped (the next delta then shows the gap)
    const lastU = this.lastU!;
    if (m.u <= lastU) return; // already applied
    // "u": update id, "a sequential number": anything but last + 1 means messages were lost.
    if (m.u !== lastU + 1) {
      this.broken(`gap: u ${m.u} after ${lastU}`);
      return;
    }
    this.book.apply(m.bids, m.asks);
    this.lastU = m.u;
    this.checkHealth();
  }

  private checkHealth(): void {
    const unhealthy = this.book!.unhealthy(this.minTrusted);
    if (unhealthy !== undefined) this.broken(`${unhealthy} at u ${this.lastU}`);
  }

  private broken(reason: string): void {
    this.book = undefined;
    this.lastU = undefined;
    this.breaks++;
    this.brokenBecause = reason;
  }
}
