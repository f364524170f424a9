/**
 * Bitget v2 public frames and REST answers, field for field as the venue writes them (key order as in
 * the probe-quoted frames of test/fixtures/bitget/documented_frames.jsonl). Prices and sizes are
 * decimal strings written with the instrument's fixed decimals, trailing zeros included (`"65000.10"`):
 * the checksum is computed over these exact strings.
 */
import { BITGET_INST_TYPE } from '../topics.js';

export type WireLevel = readonly [price: string, size: string];

function levelsJson(levels: readonly WireLevel[]): string {
  let out = '[';
  for (let i = 0; i < levels.length; i++) {
    if (i > 0) out += ',';
    out += `["${levels[i][0]}","${levels[i][1]}"]`;
  }
  return `${out}]`;
}

function argJson(channel: string, instId: string, instType = BITGET_INST_TYPE): string {
  return `{"instType":${JSON.stringify(instType)},"channel":${JSON.stringify(channel)},"instId":${JSON.stringify(instId)}}`;
}

export interface BooksMessage {
  readonly instId: string;
  readonly action: 'snapshot' | 'update';
  readonly bids: readonly WireLevel[];
  readonly asks: readonly WireLevel[];
  /** undefined: no `checksum` key at all (what the live v2 wire sends in 2026). */
  readonly checksum: number | undefined;
  readonly seq: number;
  /** undefined: no `pseq` key (the classic table); 0 on a snapshot. */
  readonly pseq: number | undefined;
  readonly ts: number;
}

/** `{"action":…,"arg":{…},"data":[{"asks","bids","checksum"?,"ts","seq","pseq"?}],"ts":…}`. */
export function booksJson(m: BooksMessage): string {
  const checksum = m.checksum === undefined ? '' : `"checksum":${m.checksum},`;
  const pseq = m.pseq === undefined ? '' : `,"pseq":${m.pseq}`;
  return (
    `{"action":"${m.action}","arg":${argJson('books', m.instId)},"data":[{"asks":${levelsJson(m.asks)},` +
    `"bids":${levelsJson(m.bids)},${checksum}"ts":"${m.ts}","seq":${m.seq}${pseq}}],"ts":${m.ts + 1}}`
  );
}

export interface WireTrade {
  readonly tradeId: string;
  readonly price: string;
  readonly size: string;
  /** The taker's side. */
  readonly side: 'buy' | 'sell';
  readonly ts: number;
}

export function tradeJson(t: WireTrade): string {
  return `{"ts":"${t.ts}","price":"${t.price}","size":"${t.size}","side":"${t.side}","tradeId":"${t.tradeId}"}`;
}

/** `trade` push: `snapshot` (recent past trades, right after subscribing) or `update` (new ones), newest first. */
export function tradesJson(
  instId: string,
  action: 'snapshot' | 'update',
  trades: readonly string[],
  ts: number,
): string {
  return `{"action":"${action}","arg":${argJson('trade', instId)},"data":[${trades.join(',')}],"ts":${ts}}`;
}

/** One acknowledgement per argument: `{"event":"subscribe","arg":{…}}`. */
export function ackJson(op: 'subscribe' | 'unsubscribe', channel: string, instId: string, instType: string): string {
  return `{"event":"${op}","arg":${argJson(channel, instId, instType)}}`;
}

/** `{"event":"error","arg":{…},"code":30001,"msg":"…","op":"subscribe"}` (arg omitted when there is none). */
export function errorJson(
  code: number,
  msg: string,
  arg?: { channel: string; instId: string; instType: string },
  op?: string,
): string {
  const argPart = arg === undefined ? '' : `"arg":${argJson(arg.channel, arg.instId, arg.instType)},`;
  const opPart = op === undefined ? '' : `,"op":${JSON.stringify(op)}`;
  return `{"event":"error",${argPart}"code":${code},"msg":${JSON.stringify(msg)}${opPart}}`;
}

/** 30001, as the live v2 socket words it for an instrument it does not list. */
export function doesNotExistMessage(instType: string, channel: string, instId: string): string {
  return `instType:${instType},channel:${channel},instId:${instId},precision:null doesn't exist`;
}

export interface WireContract {
  readonly symbol: string;
  readonly baseCoin: string;
  readonly pricePlace: number;
  readonly priceEndStep: number;
  readonly volumePlace: number;
  readonly sizeMultiplier: string;
}

/** One entry of `GET /api/v2/mix/market/contracts?productType=USDT-FUTURES`, with the documented fields. */
export function contractJson(c: WireContract): string {
  return (
    `{"symbol":"${c.symbol}","baseCoin":"${c.baseCoin}","quoteCoin":"USDT","buyLimitPriceRatio":"0.05",` +
    `"sellLimitPriceRatio":"0.05","feeRateUpRatio":"0.005","makerFeeRate":"0.0002","takerFeeRate":"0.0006",` +
    `"openCostUpRatio":"0.01","supportMarginCoins":["USDT"],"minTradeNum":"${c.sizeMultiplier}",` +
    `"priceEndStep":"${c.priceEndStep}","volumePlace":"${c.volumePlace}","pricePlace":"${c.pricePlace}",` +
    `"sizeMultiplier":"${c.sizeMultiplier}","symbolType":"perpetual","minTradeUSDT":"5","maxSymbolOrderNum":"200",` +
    `"maxProductOrderNum":"1000","maxPositionNum":"200","symbolStatus":"normal","offTime":"-1","limitOpenTime":"-1",` +
    `"deliveryTime":"","deliveryStartTime":"","deliveryPeriod":"","launchTime":"","fundInterval":"8","minLever":"1",` +
    `"maxLever":"125","posLimit":"0.05","maintainTime":"","maxMarketOrderQty":"220","maxOrderQty":"1200"}`
  );
}

export function restJson(data: string, requestTime: number): string {
  return `{"code":"00000","msg":"success","requestTime":${requestTime},"data":${data}}`;
}

export function restErrorJson(code: string, msg: string, requestTime: number): string {
  return `{"code":"${code}","msg":${JSON.stringify(msg)},"requestTime":${requestTime},"data":null}`;
}
