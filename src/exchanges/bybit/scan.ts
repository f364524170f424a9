/**
 * The fast path of `parseBybitFrame`: a scanner over the frame text that recognises exactly the v5
 * public `orderbook.*` and `publicTrade.*` pushes Bybit sends — its keys in its order, no whitespace, no
 * escapes — and reads their fields without building the generic object tree.
 *
 * It never decides anything the JSON path would decide differently: on any other text (another topic,
 * an answer to a request, another key order, an unknown or repeated key, whitespace, escapes, a number
 * that is not a plain non-negative integer, a level that is not two strings, text after the frame) it
 * answers `BYBIT_SCAN_FALLBACK` and the caller parses the frame with `JSON.parse`.
 */
import type { PriceLevel } from '../../core/types.js';
import { CHAR, detachedSlice, JsonScanner, NO_INT } from '../json-scan.js';
import type { TradeFrame } from '../kit/venue-frame.js';

export const BYBIT_SCAN_FALLBACK = 0;
export const BYBIT_SCAN_BOOK = 1;
export const BYBIT_SCAN_TRADES = 2;
export type BybitScanKind = typeof BYBIT_SCAN_FALLBACK | typeof BYBIT_SCAN_BOOK | typeof BYBIT_SCAN_TRADES;

/**
 * A reusable scanner: `scan(text)` says what it recognised and leaves the frame's fields in its public
 * fields until the next call (book: `snapshot ts s b a u`; trades: `topic trades symbol`).
 */
export class BybitScanner {
  /** Book: `type` was `snapshot` (else `delta`). */
  snapshot = false;
  ts = 0;
  s = '';
  b: PriceLevel[] = [];
  a: PriceLevel[] = [];
  u = 0;
  /** Trades: the topic, the trades, and the last trade's `s`. */
  topic = '';
  trades: TradeFrame[] = [];
  symbol = '';

  /** `cursor`: the readers to use (the equivalence tests pass deliberately broken ones). */
  constructor(private readonly cursor = new JsonScanner()) {}

  scan(text: string): BybitScanKind {
    const c = this.cursor;
    c.reset(text);
    if (!c.literal('{"topic":')) return BYBIT_SCAN_FALLBACK;
    // The topic is routed in place; only a trades frame needs it as a string (its symbol's fallback).
    const topicStart = c.pos + 1;
    if (!c.skipString()) return BYBIT_SCAN_FALLBACK;
    let kind: BybitScanKind = BYBIT_SCAN_FALLBACK;
    if (text.startsWith('orderbook.', topicStart)) kind = this.book();
    else if (text.startsWith('publicTrade.', topicStart)) {
      kind = this.publicTrade(detachedSlice(text, topicStart, c.pos - 1));
    }
    return kind !== BYBIT_SCAN_FALLBACK && c.atEnd() ? kind : BYBIT_SCAN_FALLBACK;
  }

  /** `…,"type":"snapshot"|"delta","ts":ts,"data":{"s":s,"b":[…],"a":[…],"u":u,"seq":seq},"cts":cts}` (`seq`, `cts` optional, ignored). */
  private book(): BybitScanKind {
    const c = this.cursor;
    let snapshot: boolean;
    if (c.literal(',"type":"delta","ts":')) snapshot = false;
    else if (c.literal(',"type":"snapshot","ts":')) snapshot = true;
    else return BYBIT_SCAN_FALLBACK;
    const ts = c.uint();
    if (ts === NO_INT || !c.literal(',"data":{"s":')) return BYBIT_SCAN_FALLBACK;
    const s = c.string();
    if (s === undefined || !c.literal(',"b":')) return BYBIT_SCAN_FALLBACK;
    const b = c.levels();
    if (b === undefined || !c.literal(',"a":')) return BYBIT_SCAN_FALLBACK;
    const a = c.levels();
    if (a === undefined || !c.literal(',"u":')) return BYBIT_SCAN_FALLBACK;
    const u = c.uint();
    if (u === NO_INT) return BYBIT_SCAN_FALLBACK;
    if (c.literal(',"seq":') && !c.skipScalar()) return BYBIT_SCAN_FALLBACK;
    if (!c.char(CHAR.CLOSE_BRACE)) return BYBIT_SCAN_FALLBACK;
    if (c.literal(',"cts":') && !c.skipScalar()) return BYBIT_SCAN_FALLBACK;
    if (!c.char(CHAR.CLOSE_BRACE)) return BYBIT_SCAN_FALLBACK;
    this.snapshot = snapshot;
    this.ts = ts;
    this.s = s;
    this.b = b;
    this.a = a;
    this.u = u;
    return BYBIT_SCAN_BOOK;
  }

  /**
   * `…,"type":type,"ts":ts,"data":[{"T":T,"s":s,"S":"Buy"|"Sell","v":v,"p":p,"L":L,"i":i,"BT":BT,"RPI":RPI,"seq":seq},…]}`
   * (`type`, `ts`, `L`, `BT`, `RPI`, `seq` ignored; `L` onwards optional in that order).
   */
  private publicTrade(topic: string): BybitScanKind {
    const c = this.cursor;
    if (!c.literal(',"type":') || !c.skipScalar() || !c.literal(',"ts":') || !c.skipScalar()) {
      return BYBIT_SCAN_FALLBACK;
    }
    if (!c.literal(',"data":[')) return BYBIT_SCAN_FALLBACK;
    const trades: TradeFrame[] = [];
    let symbol = '';
    if (!c.char(CHAR.CLOSE_BRACKET)) {
      for (;;) {
        if (!c.literal('{"T":')) return BYBIT_SCAN_FALLBACK;
        const T = c.uint();
        if (T === NO_INT || !c.literal(',"s":')) return BYBIT_SCAN_FALLBACK;
        const s = c.string();
        if (s === undefined) return BYBIT_SCAN_FALLBACK;
        let side: 'buy' | 'sell';
        // `S` is the taker's side.
        if (c.literal(',"S":"Buy","v":')) side = 'buy';
        else if (c.literal(',"S":"Sell","v":')) side = 'sell';
        else return BYBIT_SCAN_FALLBACK;
        const v = c.string();
        if (v === undefined || !c.literal(',"p":')) return BYBIT_SCAN_FALLBACK;
        const p = c.string();
        if (p === undefined) return BYBIT_SCAN_FALLBACK;
        if (c.literal(',"L":') && !c.skipScalar()) return BYBIT_SCAN_FALLBACK;
        if (!c.literal(',"i":')) return BYBIT_SCAN_FALLBACK;
        const i = c.string();
        if (i === undefined) return BYBIT_SCAN_FALLBACK;
        if (c.literal(',"BT":') && !c.skipScalar()) return BYBIT_SCAN_FALLBACK;
        if (c.literal(',"RPI":') && !c.skipScalar()) return BYBIT_SCAN_FALLBACK;
        if (c.literal(',"seq":') && !c.skipScalar()) return BYBIT_SCAN_FALLBACK;
        if (!c.char(CHAR.CLOSE_BRACE)) return BYBIT_SCAN_FALLBACK;
        symbol = s;
        trades.push({ tradeId: i, price: p, size: v, side, venueTs: T });
        if (c.char(CHAR.CLOSE_BRACKET)) break;
        if (!c.char(CHAR.COMMA)) return BYBIT_SCAN_FALLBACK;
      }
    }
    if (!c.char(CHAR.CLOSE_BRACE)) return BYBIT_SCAN_FALLBACK;
    this.topic = topic;
    this.trades = trades;
    this.symbol = symbol;
    return BYBIT_SCAN_TRADES;
  }
}
