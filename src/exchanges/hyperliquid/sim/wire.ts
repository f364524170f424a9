import type { MarketModel, SimTrade } from '../../../sim/market.js';

/**
 * Hyperliquid public frames, field for field as the docs and the documented examples write them
 * (test/fixtures/hyperliquid/documented_frames.jsonl). Book sizes drop trailing fractional zeros as the
 * venue writes them (`"0.9716"`, `"5"`), so a client must keep strings as sent.
 */

/** `"1.2500"` → `"1.25"`, `"5.000"` → `"5"`. */
export function trimZeros(decimal: string): string {
  if (!decimal.includes('.')) return decimal;
  const trimmed = decimal.replace(/0+$/, '');
  return trimmed.endsWith('.') ? trimmed.slice(0, -1) : trimmed;
}

/** One side of a picture as `{px, sz, n}` objects, best first; `n` (orders at the level) is derived from the size. */
function levelsJson(model: MarketModel, levels: readonly [number, number][]): string {
  let out = '[';
  for (let i = 0; i < levels.length; i++) {
    const [ticks, quantity] = levels[i];
    if (i > 0) out += ',';
    out += `{"px":"${trimZeros(model.formatPrice(ticks))}","sz":"${trimZeros(model.formatQuantity(quantity))}","n":${1 + (quantity % 7)}}`;
  }
  return `${out}]`;
}

/** The raw strings a picture carries, best first (what a correct subscriber holds). */
export function pictureLevels(model: MarketModel, levels: readonly [number, number][]): [string, string][] {
  return levels.map(([t, q]) => [trimZeros(model.formatPrice(t)), trimZeros(model.formatQuantity(q))]);
}

export function l2BookJson(
  model: MarketModel,
  coin: string,
  time: number,
  bids: readonly [number, number][],
  asks: readonly [number, number][],
): string {
  return `{"channel":"l2Book","data":{"coin":${JSON.stringify(coin)},"time":${time},"levels":[${levelsJson(model, bids)},${levelsJson(model, asks)}]}}`;
}

/** A deterministic 32-byte hex transaction hash for a trade id. */
function txHash(tid: number): string {
  let h = 0x811c9dc5 ^ tid;
  let out = '0x';
  for (let i = 0; i < 8; i++) {
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) ^ (tid * (i + 1));
    out += (h >>> 0).toString(16).padStart(8, '0');
  }
  return out;
}

const BUYER = '0xb08ed6f6ad7b22138d4db6d0549efcf1f5e51767';
const SELLER = '0x13558be785661958932ceac35ba20de187275a42';

/** One trade object: `side` is the taker's (`B` bought, `A` sold); `users` is `[buyer, seller]`. */
export function tradeJson(model: MarketModel, coin: string, trade: SimTrade, tid: number, time: number): string {
  return (
    `{"coin":${JSON.stringify(coin)},"side":"${trade.side === 'buy' ? 'B' : 'A'}","px":"${model.formatPrice(trade.ticks)}",` +
    `"sz":"${trimZeros(model.formatQuantity(trade.quantity))}","hash":"${txHash(tid)}","time":${time},"tid":${tid},` +
    `"users":["${BUYER}","${SELLER}"]}`
  );
}

export function tradesJson(trades: readonly string[]): string {
  return `{"channel":"trades","data":[${trades.join(',')}]}`;
}

export function subscriptionResponseJson(method: 'subscribe' | 'unsubscribe', subscription: string): string {
  return `{"channel":"subscriptionResponse","data":{"method":"${method}","subscription":${subscription}}}`;
}

export function errorJson(text: string): string {
  return `{"channel":"error","data":${JSON.stringify(text)}}`;
}

export const PONG_JSON = '{"channel":"pong"}';

/** One `meta` universe entry, with the fields the live answer carries. */
export function metaEntryJson(coin: string, szDecimals: number): string {
  return `{"szDecimals":${szDecimals},"name":${JSON.stringify(coin)},"maxLeverage":20,"marginTableId":20}`;
}

export function metaJson(entries: readonly string[]): string {
  return (
    `{"universe":[${entries.join(',')}],"marginTables":[[20,{"description":"","marginTiers":` +
    `[{"lowerBound":"0.0","maxLeverage":20}]}]]}`
  );
}
