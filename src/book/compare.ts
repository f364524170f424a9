import type { AuditDifference } from '../core/sink.js';
import type { BookSide } from './book-side.js';
import type { OrderBook } from './order-book.js';

/** Differing levels kept for the log line; the count covers all of them. */
export const AUDIT_SAMPLE_LEVELS = 10;

export interface BookComparison {
  /** Levels compared a side: the trusted depth both books share, capped at `maxLevels`. */
  readonly comparedLevels: number;
  readonly driftLevels: number;
  readonly sample: AuditDifference[];
}

/**
 * Compares two books level by level over the depth both trust, best first. Prices are compared by
 * their exact key and quantities as exact decimals, so `"0.10"` and `"0.1"` agree.
 */
export function compareBooks(live: OrderBook, shadow: OrderBook, maxLevels: number): BookComparison {
  const sample: AuditDifference[] = [];
  const bids = compareSide(live.bids, shadow.bids, maxLevels, 'bid', sample);
  const asks = compareSide(live.asks, shadow.asks, maxLevels, 'ask', sample);
  return { comparedLevels: Math.min(bids.compared, asks.compared), driftLevels: bids.drift + asks.drift, sample };
}

function compareSide(
  live: BookSide,
  shadow: BookSide,
  maxLevels: number,
  side: 'bid' | 'ask',
  sample: AuditDifference[],
): { compared: number; drift: number } {
  const n = Math.min(maxLevels, live.trustedDepth(), shadow.trustedDepth());
  // Walk both sides best first, merging by price, over the price range both trust.
  const liveLevels = live.top(n);
  const shadowLevels = shadow.top(n);
  const note = (price: string, l: string | null, s: string | null) => {
    if (sample.length < AUDIT_SAMPLE_LEVELS) sample.push({ side, price, live: l, shadow: s });
  };
  let drift = 0;
  let i = 0;
  let j = 0;
  const sign = side === 'bid' ? 1 : -1;
  while (i < liveLevels.length || j < shadowLevels.length) {
    const l = liveLevels[i];
    const s = shadowLevels[j];
    if (l !== undefined && s !== undefined) {
      const lk = sign * Number(l[0]);
      const sk = sign * Number(s[0]);
      if (lk === sk) {
        if (!sameDecimal(l[1], s[1])) {
          drift++;
          note(l[0], l[1], s[1]);
        }
        i++;
        j++;
      } else if (lk > sk) {
        drift++;
        note(l[0], l[1], null);
        i++;
      } else {
        drift++;
        note(s[0], null, s[1]);
        j++;
      }
    } else if (l !== undefined) {
      drift++;
      note(l[0], l[1], null);
      i++;
    } else if (s !== undefined) {
      drift++;
      note(s[0], null, s[1]);
      j++;
    }
  }
  return { compared: n, drift };
}

/** Exact equality of two decimal strings regardless of trailing zeros (`"1.50"` = `"1.5"`). */
export function sameDecimal(a: string, b: string): boolean {
  return normalize(a) === normalize(b);
}

function normalize(s: string): string {
  let t = s.startsWith('+') ? s.slice(1) : s;
  if (t.includes('.')) t = t.replace(/0+$/, '').replace(/\.$/, '');
  t = t.replace(/^0+(?=\d)/, '');
  return t === '' || t === '-0' ? '0' : t;
}
