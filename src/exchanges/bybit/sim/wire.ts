import type { MarketModel, SimTrade } from '../../../sim/market.js';

/** Bybit v5 public linear frames, field for field. Zero sizes are written "0". */

export function levelsJson(model: MarketModel, levels: readonly [number, number][]): string {
  let out = '[';
  for (let i = 0; i < levels.length; i++) {
    if (i > 0) out += ',';
    const [ticks, quantity] = levels[i];
    out += `["${model.formatPrice(ticks)}","${quantity === 0 ? '0' : model.formatQuantity(quantity)}"]`;
  }
  return `${out}]`;
}

export function orderbookJson(
  model: MarketModel,
  topic: string,
  type: 'snapshot' | 'delta',
  ts: number,
  bids: readonly [number, number][],
  asks: readonly [number, number][],
  u: number,
  seq: number,
): string {
  return (
    `{"topic":"${topic}","type":"${type}","ts":${ts},"data":{"s":"${model.spec.symbol}",` +
    `"b":${levelsJson(model, bids)},"a":${levelsJson(model, asks)},"u":${u},"seq":${seq}},"cts":${ts - 2}}`
  );
}

const TICK_DIRECTION = { up: 'PlusTick', down: 'MinusTick', zeroUp: 'ZeroPlusTick', zeroDown: 'ZeroMinusTick' };

/** A deterministic UUID-shaped trade id (linear trade ids are UUIDs). */
function tradeUuid(symbol: string, id: number): string {
  let h = 0x811c9dc5;
  for (const ch of symbol) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  const hex = (n: number, width: number) => (n >>> 0).toString(16).padStart(width, '0').slice(-width);
  return `${hex(h, 8)}-${hex(id >>> 16, 4)}-5${hex(id, 3)}-b${hex(h >>> 8, 3)}-${hex(id * 2654435761, 8)}${hex(h ^ id, 4)}`;
}

export function publicTradeJson(
  model: MarketModel,
  ts: number,
  trades: readonly SimTrade[],
  lastTicks: { value: number },
  seq: number,
): string {
  let data = '';
  for (const trade of trades) {
    const direction =
      trade.ticks > lastTicks.value
        ? TICK_DIRECTION.up
        : trade.ticks < lastTicks.value
          ? TICK_DIRECTION.down
          : trade.side === 'buy'
            ? TICK_DIRECTION.zeroUp
            : TICK_DIRECTION.zeroDown;
    lastTicks.value = trade.ticks;
    if (data !== '') data += ',';
    data +=
      `{"T":${ts - 1},"s":"${model.spec.symbol}","S":"${trade.side === 'buy' ? 'Buy' : 'Sell'}","v":"${model.formatQuantity(trade.quantity)}",` +
      `"p":"${model.formatPrice(trade.ticks)}","L":"${direction}","i":"${tradeUuid(model.spec.symbol, trade.id)}","BT":false,"RPI":false,"seq":${seq}}`;
  }
  return `{"topic":"publicTrade.${model.spec.symbol}","type":"snapshot","ts":${ts},"data":[${data}]}`;
}

/** Acknowledgement of subscribe / unsubscribe / ping, as the linear endpoint writes it. */
export function ackJson(
  success: boolean,
  retMsg: string,
  connId: string,
  reqId: string | undefined,
  op: string,
): string {
  const req = reqId === undefined ? '' : `,"req_id":${JSON.stringify(reqId)}`;
  return `{"success":${success},"ret_msg":${JSON.stringify(retMsg)},"conn_id":"${connId}"${req},"op":${JSON.stringify(op)}}`;
}

/** Instrument status values of `GET /v5/market/instruments-info` (only `Trading` streams a live book). */
export type BybitInstrumentStatus = 'PreLaunch' | 'Trading' | 'Delivering' | 'Closed';

/** One entry of `GET /v5/market/instruments-info?category=linear`, with every field the real answer carries. */
export function instrumentJson(model: MarketModel, status: BybitInstrumentStatus, symbolId: number): string {
  const { symbol } = model.spec;
  const base = symbol.endsWith('USDT') ? symbol.slice(0, -4) : symbol;
  const minQty = model.formatQuantity(1);
  return (
    `{"symbol":"${symbol}","contractType":"LinearPerpetual","status":"${status}","baseCoin":"${base}","quoteCoin":"USDT",` +
    `"launchTime":"1584230400000","deliveryTime":"0","deliveryFeeRate":"","priceScale":"${model.spec.priceDecimals}",` +
    `"leverageFilter":{"minLeverage":"1","maxLeverage":"100.00","leverageStep":"0.01"},` +
    `"priceFilter":{"minPrice":"${model.formatPrice(1)}","maxPrice":"${model.formatPrice(19_999_998)}","tickSize":"${model.formatPrice(1)}"},` +
    `"lotSizeFilter":{"maxOrderQty":"1500","minOrderQty":"${minQty}","qtyStep":"${minQty}","postOnlyMaxOrderQty":"1500","maxMktOrderQty":"150","minNotionalValue":"5"},` +
    `"unifiedMarginTrade":true,"fundingInterval":480,"settleCoin":"USDT","copyTrading":"both","upperFundingRate":"0.005",` +
    `"lowerFundingRate":"-0.005","isPreListing":false,"preListingInfo":null,"riskParameters":{"priceLimitRatioX":"0.01",` +
    `"priceLimitRatioY":"0.02"},"displayName":"","symbolType":"","forbidUplWithdrawal":false,"symbolId":${symbolId}}`
  );
}

/** The instruments-info envelope: `nextPageCursor` is "" on the last page. */
export function instrumentsPageJson(entries: readonly string[], nextPageCursor: string, time: number): string {
  return (
    `{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[${entries.join(',')}],` +
    `"nextPageCursor":${JSON.stringify(nextPageCursor)}},"retExtInfo":{},"time":${time}}`
  );
}
