/**
 * OKX v5 frames and REST answers, field for field as the venue writes them (key order included).
 * Numbers are OKX-style decimal strings: no trailing zeros (`"8477"`, `"0.1"`).
 */

/** A level on the wire: `[price, size, "0" (deprecated), orderCount]`; a deleted level is `[price, "0", "0", "0"]`. */
export type WireLevel = readonly [price: string, size: string, orders: number];

function levelsJson(levels: readonly WireLevel[]): string {
  let out = '[';
  for (let i = 0; i < levels.length; i++) {
    const [price, size, orders] = levels[i];
    if (i > 0) out += ',';
    out += `["${price}","${size}","0","${orders}"]`;
  }
  return `${out}]`;
}

export interface BooksMessage {
  readonly instId: string;
  readonly action: 'snapshot' | 'update';
  readonly bids: readonly WireLevel[];
  readonly asks: readonly WireLevel[];
  readonly ts: number;
  readonly checksum: number;
  readonly prevSeqId: number;
  readonly seqId: number;
}

/** A `books` push: `{"arg":…,"action":…,"data":[{"asks":…,"bids":…,"ts":…,"checksum":…,"prevSeqId":…,"seqId":…}]}`. */
export function booksJson(m: BooksMessage): string {
  return (
    `{"arg":{"channel":"books","instId":"${m.instId}"},"action":"${m.action}","data":[{"asks":${levelsJson(m.asks)},` +
    `"bids":${levelsJson(m.bids)},"ts":"${m.ts}","checksum":${m.checksum},"prevSeqId":${m.prevSeqId},"seqId":${m.seqId}}]}`
  );
}

export interface WireTrade {
  readonly tradeId: number;
  readonly price: string;
  readonly size: string;
  readonly side: 'buy' | 'sell';
  readonly ts: number;
}

/** A `trades` push: one entry per taker order per price, `side` the taker's, `sz` in contracts. */
export function tradesJson(instId: string, trades: readonly WireTrade[]): string {
  const data = trades
    .map(
      (t) =>
        `{"instId":"${instId}","tradeId":"${t.tradeId}","px":"${t.price}","sz":"${t.size}","side":"${t.side}","ts":"${t.ts}","count":"1"}`,
    )
    .join(',');
  return `{"arg":{"channel":"trades","instId":"${instId}"},"data":[${data}]}`;
}

const idField = (id: string | undefined) => (id === undefined ? '' : `"id":${JSON.stringify(id)},`);

/** One answer per argument: `{"id":"1512","event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"}`. */
export function argAckJson(
  id: string | undefined,
  op: 'subscribe' | 'unsubscribe',
  channel: string,
  instId: string,
  connId: string,
): string {
  return `{${idField(id)}"event":"${op}","arg":{"channel":"${channel}","instId":${JSON.stringify(instId)}},"connId":"${connId}"}`;
}

/** `{"id":"1512","event":"error","code":"60012","msg":"Invalid request: …","connId":"a4d3ae55"}`. */
export function errorJson(id: string | undefined, code: string, msg: string, connId: string): string {
  return `{${idField(id)}"event":"error","code":"${code}","msg":${JSON.stringify(msg)},"connId":"${connId}"}`;
}

/** 60018 for an instrument the venue does not list, naming the argument (as the live venue does). */
export function doesNotExistMessage(channel: string, instId: string): string {
  return `Wrong URL or channel:${channel},instId:${instId} doesn't exist. Please use the correct URL, channel and parameters referring to API document.`;
}

export const INTERNAL_ERROR_CODE = '64007';
export function internalErrorMessage(op: string): string {
  return `Operation ${op} failed due to WebSocket internal error. Please try again later.`;
}

export interface WireInstrument {
  readonly instId: string;
  readonly base: string;
  readonly quote: string;
  readonly ctVal: string;
  readonly tickSz: string;
  readonly lotSz: string;
}

/** One entry of `GET /api/v5/public/instruments?instType=SWAP`, with every documented field. */
export function instrumentJson(i: WireInstrument): string {
  const family = `${i.base}-${i.quote}`;
  return (
    `{"alias":"","auctionEndTime":"","baseCcy":"","category":"1","contTdSwTime":"","ctMult":"1","ctType":"linear",` +
    `"ctVal":"${i.ctVal}","ctValCcy":"${i.base}","expTime":"","futureSettlement":false,"instFamily":"${family}",` +
    `"instId":"${i.instId}","instType":"SWAP","lever":"50","listTime":"1611916828000","lotSz":"${i.lotSz}",` +
    `"maxIcebergSz":"100000000.0000000000000000","maxLmtAmt":"20000000","maxLmtSz":"100000000","maxMktAmt":"",` +
    `"maxMktSz":"12000","maxStopSz":"12000","maxTriggerSz":"100000000.0000000000000000",` +
    `"maxTwapSz":"100000000.0000000000000000","minSz":"${i.lotSz}","openType":"","optType":"","quoteCcy":"",` +
    `"settleCcy":"${i.quote}","state":"live","stk":"","tickSz":"${i.tickSz}","uly":"${family}"}`
  );
}

export function restJson(data: readonly string[]): string {
  return `{"code":"0","msg":"","data":[${data.join(',')}]}`;
}

export function restErrorJson(code: string, msg: string): string {
  return `{"code":"${code}","msg":${JSON.stringify(msg)},"data":[]}`;
}

/** `GET /api/v5/market/books`: the book at `seqId` (the field OKX's 2026 procedure relies on). */
export function restBooksJson(
  bids: readonly WireLevel[],
  asks: readonly WireLevel[],
  ts: number,
  seqId: number,
): string {
  return restJson([`{"asks":${levelsJson(asks)},"bids":${levelsJson(bids)},"ts":"${ts}","seqId":${seqId}}`]);
}
