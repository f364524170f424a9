import type { MarketModel } from '../../../sim/market.js';

/** Binance USDⓈ-M futures wire frames, field for field and in the venue's field order. */

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

/**
 * The body of `GET /fapi/v1/exchangeInfo`, in the venue's shape (field order and the filters FlowRS
 * could use), one USDⓈ-M perpetual per instrument.
 */
export function exchangeInfoJson(
  instruments: readonly { readonly model: MarketModel; readonly status: string }[],
  serverTime: number,
  weightLimitPerMinute: number,
): string {
  const symbols = instruments.map(({ model, status }) => {
    const { symbol, priceDecimals, quantityDecimals } = model.spec;
    const base = symbol.replace(/USDT$/, '');
    const step = formatStep(quantityDecimals);
    return {
      symbol,
      pair: symbol,
      contractType: 'PERPETUAL',
      deliveryDate: 4133404800000,
      onboardDate: 1569398400000,
      status,
      maintMarginPercent: '2.5000',
      requiredMarginPercent: '5.0000',
      baseAsset: base,
      quoteAsset: 'USDT',
      marginAsset: 'USDT',
      pricePrecision: priceDecimals,
      quantityPrecision: quantityDecimals,
      baseAssetPrecision: 8,
      quotePrecision: 8,
      underlyingType: 'COIN',
      underlyingSubType: [],
      triggerProtect: '0.0500',
      liquidationFee: '0.012500',
      marketTakeBound: '0.05',
      maxMoveOrderLimit: 10000,
      filters: [
        {
          filterType: 'PRICE_FILTER',
          minPrice: model.formatPrice(1),
          maxPrice: '4529764',
          tickSize: model.formatPrice(1),
        },
        { filterType: 'LOT_SIZE', minQty: step, maxQty: '1000', stepSize: step },
        { filterType: 'MARKET_LOT_SIZE', minQty: step, maxQty: '120', stepSize: step },
        { filterType: 'MAX_NUM_ORDERS', limit: 200 },
        { filterType: 'MIN_NOTIONAL', notional: '5' },
        { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
      ],
      orderTypes: [
        'LIMIT',
        'MARKET',
        'STOP',
        'STOP_MARKET',
        'TAKE_PROFIT',
        'TAKE_PROFIT_MARKET',
        'TRAILING_STOP_MARKET',
      ],
      timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'],
    };
  });
  return JSON.stringify({
    timezone: 'UTC',
    serverTime,
    futuresType: 'U_MARGINED',
    rateLimits: [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: weightLimitPerMinute },
      { rateLimitType: 'ORDERS', interval: 'MINUTE', intervalNum: 1, limit: 1200 },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 300 },
    ],
    exchangeFilters: [],
    assets: [],
    symbols,
  });
}

/** The smallest step at `decimals` decimals: 3 → "0.001", 0 → "1". */
function formatStep(decimals: number): string {
  return decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`;
}
