import type { MarketModel } from '../market.js';

/**
 * Binance USDⓈ-M futures wire frames, field for field and in the venue's field order
 * (../shared/research/protocols.md §1.3, §1.4, §1.6).
 */

function levelsJson(model: MarketModel, changes: readonly { ticks: number; quantity: number }[]): string {
  let out = '[';
  for (let i = 0; i < changes.length; i++) {
    if (i > 0) out += ',';
    out += `["${model.formatPrice(changes[i].ticks)}","${model.formatQuantity(changes[i].quantity)}"]`;
  }
  return `${out}]`;
}

export interface DepthIds {
  readonly U: number;
  readonly u: number;
  readonly pu: number;
}

/** A raw `depthUpdate` event (the `data` of a combined-stream frame). */
export function depthUpdateJson(
  model: MarketModel,
  eventTime: number,
  ids: DepthIds,
  bids: readonly { ticks: number; quantity: number }[],
  asks: readonly { ticks: number; quantity: number }[],
): string {
  return (
    `{"e":"depthUpdate","E":${eventTime},"T":${eventTime - 2},"s":"${model.spec.symbol}",` +
    `"U":${ids.U},"u":${ids.u},"pu":${ids.pu},"b":${levelsJson(model, bids)},"a":${levelsJson(model, asks)}}`
  );
}

/** The body of `GET /fapi/v1/depth`: best first, at most `limit` levels a side. */
export function depthSnapshotJson(model: MarketModel, lastUpdateId: number, eventTime: number, limit: number): string {
  const side = (name: 'bids' | 'asks') =>
    levelsJson(
      model,
      model.levels(name, limit).map(([ticks, quantity]) => ({ ticks, quantity })),
    );
  return `{"lastUpdateId":${lastUpdateId},"E":${eventTime},"T":${eventTime - 2},"bids":${side('bids')},"asks":${side('asks')}}`;
}

/** A raw `aggTrade` event. `m` is true when the buyer was the maker, i.e. the taker sold. */
export function aggTradeJson(
  model: MarketModel,
  eventTime: number,
  aggId: number,
  firstTradeId: number,
  lastTradeId: number,
  ticks: number,
  quantity: number,
  takerSide: 'buy' | 'sell',
): string {
  return (
    `{"e":"aggTrade","E":${eventTime},"a":${aggId},"s":"${model.spec.symbol}","p":"${model.formatPrice(ticks)}",` +
    `"q":"${model.formatQuantity(quantity)}","f":${firstTradeId},"l":${lastTradeId},"T":${eventTime - 1},"m":${takerSide === 'sell'}}`
  );
}

/** Wraps a raw event the way `/stream?streams=` connections deliver it. */
export function combinedFrame(stream: string, dataJson: string): string {
  return `{"stream":"${stream}","data":${dataJson}}`;
}
