/**
 * Gate futures v4 frames, field for field as the venue writes them (Gate futures WebSocket v4 docs,
 * "Order book V2"; envelope field order as captured live). Sizes are contract counts as strings on
 * `futures.obu` and signed JSON numbers on `futures.trades`.
 */

export type WireLevel = readonly [price: string, size: string];

export interface Envelope {
  readonly nowMs: number;
  readonly connId: string;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

function levelsJson(levels: readonly WireLevel[]): string {
  let out = '[';
  for (let i = 0; i < levels.length; i++) out += `${i > 0 ? ',' : ''}["${levels[i][0]}","${levels[i][1]}"]`;
  return `${out}]`;
}

/** `{"time","time_ms",["id"],"conn_id","trace_id","channel","event","payload",["error"],"result"}`. */
export function ackJson(
  env: Envelope,
  traceId: string,
  channel: string,
  event: string,
  payload: readonly string[],
  id: number | undefined,
  error?: { readonly code: number; readonly message: string },
): string {
  const idField = id === undefined ? '' : `"id":${id},`;
  const tail =
    error === undefined
      ? '"result":{"status":"success"}'
      : `"error":{"code":${error.code},"message":${JSON.stringify(error.message)}},"result":{"status":"fail"}`;
  return (
    `{"time":${seconds(env.nowMs)},"time_ms":${env.nowMs},${idField}"conn_id":"${env.connId}","trace_id":"${traceId}",` +
    `"channel":${JSON.stringify(channel)},"event":${JSON.stringify(event)},"payload":${JSON.stringify(payload)},${tail}}`
  );
}

/** An error answer to a request that could not be read as one (no channel or event known). */
export function requestErrorJson(env: Envelope, code: number, message: string): string {
  return (
    `{"time":${seconds(env.nowMs)},"time_ms":${env.nowMs},"conn_id":"${env.connId}","channel":"","event":"",` +
    `"error":{"code":${code},"message":${JSON.stringify(message)}},"result":{"status":"fail"}}`
  );
}

export function pongJson(env: Envelope): string {
  return `{"time":${seconds(env.nowMs)},"time_ms":${env.nowMs},"conn_id":"${env.connId}","channel":"futures.pong","event":"","result":null}`;
}

/** A full push: `full: true`, the stream's whole window, best first. */
export function obuFullJson(
  nowMs: number,
  t: number,
  stream: string,
  u: number,
  bids: readonly WireLevel[],
  asks: readonly WireLevel[],
): string {
  return (
    `{"time":${seconds(nowMs)},"time_ms":${nowMs},"channel":"futures.obu","event":"update","result":{"t":${t},"full":true,` +
    `"s":"${stream}","u":${u},"b":${levelsJson(bids)},"a":${levelsJson(asks)}}}`
  );
}

/** An increment: `U`, `u`, and only the sides that changed (none: an id-only increment). */
export function obuIncrementJson(
  nowMs: number,
  t: number,
  stream: string,
  U: number,
  u: number,
  bids: readonly WireLevel[],
  asks: readonly WireLevel[],
): string {
  const b = bids.length > 0 ? `,"b":${levelsJson(bids)}` : '';
  const a = asks.length > 0 ? `,"a":${levelsJson(asks)}` : '';
  return `{"time":${seconds(nowMs)},"time_ms":${nowMs},"channel":"futures.obu","event":"update","result":{"t":${t},"s":"${stream}","U":${U},"u":${u}${b}${a}}}`;
}

export interface WireTrade {
  readonly id: number;
  readonly price: string;
  /** Contracts, already signed: negative when the taker sold. */
  readonly size: string;
}

export function tradesJson(nowMs: number, contract: string, trades: readonly WireTrade[]): string {
  const items = trades.map(
    (t) =>
      `{"size":${t.size},"id":${t.id},"create_time":${seconds(nowMs)},"create_time_ms":${nowMs},"price":"${t.price}","contract":"${contract}"}`,
  );
  return `{"channel":"futures.trades","event":"update","time":${seconds(nowMs)},"time_ms":${nowMs},"result":[${items.join(',')}]}`;
}

export interface ContractEntry {
  readonly name: string;
  readonly quantoMultiplier: string;
  readonly orderPriceRound: string;
  readonly lastPrice: string;
  readonly orderbookId: number;
  readonly tradeId: number;
}

/** One entry of `GET /api/v4/futures/usdt/contracts`, with the fields the real answer carries. */
export function contractJson(c: ContractEntry, nowMs: number): string {
  const now = seconds(nowMs);
  return (
    `{"name":"${c.name}","type":"direct","quanto_multiplier":"${c.quantoMultiplier}","ref_discount_rate":"0",` +
    `"order_price_deviate":"0.5","maintenance_rate":"0.005","mark_type":"index","last_price":"${c.lastPrice}",` +
    `"mark_price":"${c.lastPrice}","index_price":"${c.lastPrice}","funding_rate_indicative":"0.0001","mark_price_round":"${c.orderPriceRound}",` +
    `"funding_offset":0,"in_delisting":false,"risk_limit_base":"1000000","interest_rate":"0.0003",` +
    `"order_price_round":"${c.orderPriceRound}","order_size_min":1,"ref_rebate_rate":"0.2","funding_interval":28800,` +
    `"risk_limit_step":"1000000","leverage_min":"1","leverage_max":"100","risk_limit_max":"8000000","maker_fee_rate":"-0.00025",` +
    `"taker_fee_rate":"0.00075","funding_rate":"0.0001","order_size_max":1000000,"funding_next_apply":${now - (now % 28800) + 28800},` +
    `"short_users":977,"config_change_time":1609899548,"trade_size":28530850594,"position_size":5223816,"long_users":455,` +
    `"funding_impact_value":"60000","orders_limit":50,"trade_id":${c.tradeId},"orderbook_id":${c.orderbookId},"enable_bonus":true,` +
    `"enable_credit":true,"create_time":1669688556,"funding_cap_ratio":"0.75","status":"trading","launch_time":1609899548,` +
    `"delisting_time":0,"delisted_time":0}`
  );
}

/** Gate's answer to a request over the rate limit (HTTP 429). */
export const RATE_LIMIT_BODY = '{"label":"TOO_MANY_REQUESTS","message":"Request Rate limit Exceeded"}';
