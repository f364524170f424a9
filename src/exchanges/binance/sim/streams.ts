/**
 * Binance USDⓈ-M stream names and the 2026 URL split by category:
 * depth and bookTicker streams are served under `/public`, aggTrade, kline, markPrice, ticker… under
 * `/market`; a connection without a routed path receives public-category data only.
 */
export type StreamCategory = 'public' | 'market';
export type Route = StreamCategory | 'unrouted';

export const DEPTH_SPEEDS = ['', '@100ms', '@250ms', '@500ms', '@0ms'] as const;

export interface ParsedStream {
  readonly symbol: string;
  readonly kind: 'depth' | 'aggTrade' | 'other';
  readonly category: StreamCategory;
}

const STREAM = /^([a-z0-9]+)@([A-Za-z0-9_@!]+)$/;
const MARKET_PREFIXES = [
  'aggTrade',
  'markPrice',
  'kline_',
  'continuousKline',
  'ticker',
  'miniTicker',
  'forceOrder',
  'compositeIndex',
  'assetIndex',
];

/** Parses `btcusdt@depth@100ms`; undefined for names that are not streams at all. */
export function parseStreamName(name: string): ParsedStream | undefined {
  const m = STREAM.exec(name);
  if (!m) return undefined;
  const symbol = m[1].toUpperCase();
  const rest = m[2];
  if (rest === 'depth' || DEPTH_SPEEDS.some((speed) => speed !== '' && rest === `depth${speed}`)) {
    return { symbol, kind: 'depth', category: 'public' };
  }
  if (rest === 'aggTrade') return { symbol, kind: 'aggTrade', category: 'market' };
  const category: StreamCategory = MARKET_PREFIXES.some((p) => rest.startsWith(p)) ? 'market' : 'public';
  return { symbol, kind: 'other', category };
}

/** Whether a connection on `route` receives data of `category`. */
export function routeDelivers(route: Route, category: StreamCategory): boolean {
  return route === 'unrouted' ? category === 'public' : route === category;
}
