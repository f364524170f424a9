/**
 * The fast path of `parseBinanceFrame`: a scanner over the frame text that recognises exactly the
 * `depthUpdate` and `aggTrade` events Binance USDⓈ-M sends — bare (`/ws`) or in a combined-stream
 * envelope (`{"stream":…,"data":…}`), with the venue's keys in the venue's order, no whitespace, no
 * escapes — and reads their fields without building the generic object tree.
 *
 * It never decides anything the JSON path would decide differently: on any other text (another event,
 * another key order, an unknown or repeated key, whitespace, escapes, a number that is not a plain
 * non-negative integer, a level that is not two strings, `U > u`, text after the frame) it answers
 * `BINANCE_SCAN_FALLBACK` and the caller parses the frame with `JSON.parse`.
 */
import type { PriceLevel } from '../../core/types.js';
import { CHAR, JsonScanner, NO_INT } from '../json-scan.js';

/** What the scanner recognised. */
export const BINANCE_SCAN_FALLBACK = 0;
export const BINANCE_SCAN_DEPTH = 1;
export const BINANCE_SCAN_TRADE = 2;
export type BinanceScanKind = typeof BINANCE_SCAN_FALLBACK | typeof BINANCE_SCAN_DEPTH | typeof BINANCE_SCAN_TRADE;

/**
 * A reusable scanner: `scan(text)` says what it recognised and leaves the event's fields in its public
 * fields (depth: `s E U u pu b a`; trade: `s a p q T m`) until the next call.
 */
export class BinanceScanner {
  s = '';
  E = 0;
  U = 0;
  u = 0;
  pu = 0;
  b: PriceLevel[] = [];
  a: PriceLevel[] = [];
  /** aggTrade: aggregate trade id, price, quantity, trade time, buyer-is-maker. */
  aggId = 0;
  p = '';
  q = '';
  T = 0;
  m = false;

  /** `cursor`: the readers to use (the equivalence tests pass deliberately broken ones). */
  constructor(private readonly cursor = new JsonScanner()) {}

  scan(text: string): BinanceScanKind {
    const c = this.cursor;
    c.reset(text);
    let kind: BinanceScanKind;
    if (c.literal('{"stream":')) {
      // The envelope: `data` is the event only when `stream` is a string, which it is here.
      if (!c.skipString() || !c.literal(',"data":')) return BINANCE_SCAN_FALLBACK;
      kind = this.event();
      if (kind === BINANCE_SCAN_FALLBACK || !c.char(CHAR.CLOSE_BRACE)) return BINANCE_SCAN_FALLBACK;
    } else {
      kind = this.event();
    }
    return c.atEnd() ? kind : BINANCE_SCAN_FALLBACK;
  }

  /** One event object, from its `{` to its `}`. */
  private event(): BinanceScanKind {
    const c = this.cursor;
    if (c.literal('{"e":"depthUpdate","E":')) return this.depth();
    if (c.literal('{"e":"aggTrade","E":')) return this.aggTrade();
    return BINANCE_SCAN_FALLBACK;
  }

  /** `…"E":E,"T":T,"s":s,"U":U,"u":u,"pu":pu,"b":[…],"a":[…]}` (`T` is optional and ignored). */
  private depth(): BinanceScanKind {
    const c = this.cursor;
    const E = c.uint();
    if (E === NO_INT) return BINANCE_SCAN_FALLBACK;
    if (c.literal(',"T":') && !c.skipScalar()) return BINANCE_SCAN_FALLBACK;
    if (!c.literal(',"s":')) return BINANCE_SCAN_FALLBACK;
    const s = c.string();
    if (s === undefined || !c.literal(',"U":')) return BINANCE_SCAN_FALLBACK;
    const U = c.uint();
    if (U === NO_INT || !c.literal(',"u":')) return BINANCE_SCAN_FALLBACK;
    const u = c.uint();
    if (u === NO_INT || !c.literal(',"pu":')) return BINANCE_SCAN_FALLBACK;
    const pu = c.uint();
    if (pu === NO_INT || !c.literal(',"b":')) return BINANCE_SCAN_FALLBACK;
    const b = c.levels();
    if (b === undefined || !c.literal(',"a":')) return BINANCE_SCAN_FALLBACK;
    const a = c.levels();
    if (a === undefined || !c.char(CHAR.CLOSE_BRACE)) return BINANCE_SCAN_FALLBACK;
    // The JSON path rejects this; let it say so in its own words.
    if (U > u) return BINANCE_SCAN_FALLBACK;
    this.s = s;
    this.E = E;
    this.U = U;
    this.u = u;
    this.pu = pu;
    this.b = b;
    this.a = a;
    return BINANCE_SCAN_DEPTH;
  }

  /** `…"E":E,"a":a,"s":s,"p":p,"q":q,"f":f,"l":l,"T":T,"m":m}` (`E`, `f`, `l` are ignored). */
  private aggTrade(): BinanceScanKind {
    const c = this.cursor;
    if (!c.skipScalar() || !c.literal(',"a":')) return BINANCE_SCAN_FALLBACK;
    const aggId = c.uint();
    if (aggId === NO_INT || !c.literal(',"s":')) return BINANCE_SCAN_FALLBACK;
    const s = c.string();
    if (s === undefined || !c.literal(',"p":')) return BINANCE_SCAN_FALLBACK;
    const p = c.string();
    if (p === undefined || !c.literal(',"q":')) return BINANCE_SCAN_FALLBACK;
    const q = c.string();
    if (q === undefined || !c.literal(',"f":') || !c.skipScalar()) return BINANCE_SCAN_FALLBACK;
    if (!c.literal(',"l":') || !c.skipScalar() || !c.literal(',"T":')) return BINANCE_SCAN_FALLBACK;
    const T = c.uint();
    if (T === NO_INT || !c.literal(',"m":')) return BINANCE_SCAN_FALLBACK;
    const m = c.boolean();
    if (m === undefined || !c.char(CHAR.CLOSE_BRACE)) return BINANCE_SCAN_FALLBACK;
    this.s = s;
    this.aggId = aggId;
    this.p = p;
    this.q = q;
    this.T = T;
    this.m = m;
    return BINANCE_SCAN_TRADE;
  }
}
