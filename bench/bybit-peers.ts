/**
 * The peers on Bybit v5 `orderbook.200`, driven as their own Bybit code drives them:
 * - ccxt pro `bybit`: its `orderbook` handler, `handleOrderBook(client, message)`, on an exchange whose
 *   linear markets were loaded by ccxt's own `fetchFutureMarkets` from the venue's instruments-info answer
 *   (its REST call answered locally). On `snapshot` it resets the book from `parseOrderBook`; on `delta`
 *   it parses each level with `safeFloat` and stores it. ccxt 4.5 does not check Bybit's `u` at all. The
 *   client stands in for its WebSocket client (a linear URL; `resolve` is a no-op, as for the other peers).
 * - tardis-dev: its Bybit v5 book-change mapper (the mapper `normalizeBookChanges('bybit', now)` builds
 *   in real time: `Number(price)`/`Number(amount)` per level, no sequence check) feeding its
 *   `OrderBook.update`. That factory filters for `orderbook.50` topics; its `map` does not depend on the
 *   depth, so it is called on the `orderbook.200` messages FlowRS subscribes to.
 */
import ccxt from 'ccxt';
import { type BookChange, normalizeBookChanges, OrderBook as TardisOrderBook } from 'tardis-dev';

/** A parsed `orderbook.{depth}.{symbol}` push. */
export interface BybitOrderbookMessage {
  topic: string;
  type: 'snapshot' | 'delta';
  ts: number;
  data: { s: string; b: string[][]; a: string[][]; u: number; seq: number };
  cts: number;
}

export interface BybitPeer {
  applyParsed(message: BybitOrderbookMessage): void;
  /** Best `n` levels a side as [price, amount] numbers. */
  top(n: number): { bids: number[][]; asks: number[][] };
}

interface CcxtOrderBook {
  bids: number[][];
  asks: number[][];
}
interface CcxtClient {
  url: string;
  subscriptions: Record<string, unknown>;
  resolve(result: unknown, messageHash: string): void;
  reject(error: unknown, messageHash: string): void;
}
export interface CcxtBybit {
  orderbooks: Record<string, CcxtOrderBook>;
  markets: Record<string, unknown>;
  publicGetV5MarketInstrumentsInfo(params: Record<string, unknown>): Promise<unknown>;
  fetchFutureMarkets(params: Record<string, unknown>): Promise<object[]>;
  setMarkets(markets: object[]): void;
  safeMarket(marketId: string, market?: unknown, delimiter?: string, marketType?: string): { symbol: string };
  handleOrderBook(client: CcxtClient, message: object): void;
}

/**
 * A ccxt pro `bybit` exchange with the venue's linear markets loaded through ccxt's own market parser.
 * ccxt keeps one order book per symbol per exchange, so every ccxt peer needs its own.
 */
export async function makeCcxtBybit(instrumentsAnswer: string): Promise<CcxtBybit> {
  const exchange = new (ccxt.pro as unknown as Record<string, new () => CcxtBybit>).bybit();
  // ccxt asks for the listed and the pre-launch instruments; the venue answers the first, none are pre-launch.
  exchange.publicGetV5MarketInstrumentsInfo = async (params) =>
    params.status === 'PreLaunch'
      ? { retCode: 0, result: { category: 'linear', list: [] } }
      : JSON.parse(instrumentsAnswer);
  exchange.setMarkets(await exchange.fetchFutureMarkets({ category: 'linear' }));
  return exchange;
}

export function makeCcxtBybitPeer(exchange: CcxtBybit, wsUrl: string, snapshot: BybitOrderbookMessage): BybitPeer {
  // ccxt keys the book by the unified symbol of the contract market it receives (`BTC/USDT:USDT`).
  const { symbol } = exchange.safeMarket(snapshot.data.s, undefined, undefined, 'contract');
  const client: CcxtClient = {
    url: wsUrl,
    subscriptions: { [`orderbook:${symbol}`]: true },
    resolve() {},
    reject(error) {
      throw error;
    },
  };
  exchange.handleOrderBook(client, snapshot);
  if (exchange.orderbooks[symbol] === undefined) throw new Error(`ccxt bybit built no book for ${symbol}`);
  return {
    applyParsed(message) {
      exchange.handleOrderBook(client, message);
    },
    top(n) {
      const current = exchange.orderbooks[symbol];
      return {
        bids: current.bids.slice(0, n).map((l) => [l[0], l[1]]),
        asks: current.asks.slice(0, n).map((l) => [l[0], l[1]]),
      };
    },
  };
}

export function makeTardisBybitPeer(snapshot: BybitOrderbookMessage): BybitPeer {
  const mapper = normalizeBookChanges('bybit', new Date());
  const book = new TardisOrderBook();
  const localTimestamp = new Date(0);
  const apply = (message: BybitOrderbookMessage) => {
    for (const change of mapper.map(message, localTimestamp) as IterableIterator<BookChange>) book.update(change);
  };
  apply(snapshot);
  const take = (it: IterableIterator<{ price: number; amount: number }>, n: number) => {
    const out: number[][] = [];
    for (const level of it) {
      if (out.length === n) break;
      out.push([level.price, level.amount]);
    }
    return out;
  };
  return {
    applyParsed: apply,
    top(n) {
      return { bids: take(book.bids(), n), asks: take(book.asks(), n) };
    },
  };
}
