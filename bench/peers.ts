/**
 * The peers, driven exactly as their own Binance USDⓈ-M handlers drive them:
 * - ccxt pro `binanceusdm`: `exchange.orderBook()` + `handleDeltas(bookside, deltas)`, which parses
 *   each level with `safeFloat` and calls `bookside.store(price, amount)`;
 * - tardis-dev: the Binance mapper's `Number(price)`/`Number(amount)` book_change fed to `OrderBook.update`.
 */
import ccxt from 'ccxt';
import { OrderBook as TardisOrderBook } from 'tardis-dev';

export interface SnapshotBody {
  lastUpdateId: number;
  bids: [string, string][];
  asks: [string, string][];
}

export interface DepthData {
  b: [string, string][];
  a: [string, string][];
  u: number;
}

export interface Peer {
  applyParsed(data: DepthData): void;
  /** Best `n` levels a side as [price, amount] numbers. */
  top(n: number): { bids: number[][]; asks: number[][] };
}

interface CcxtBookSide extends Array<number[]> {
  store(price: number, amount: number): void;
}
interface CcxtOrderBook {
  bids: CcxtBookSide;
  asks: CcxtBookSide;
  nonce: number;
  reset(snapshot: object): void;
}
interface CcxtBinance {
  orderBook(snapshot?: object, depth?: number): CcxtOrderBook;
  handleDeltas(side: CcxtBookSide, deltas: unknown[]): void;
  parseOrderBook(body: object, symbol: string, timestamp?: number): object;
}

let ccxtExchange: CcxtBinance | undefined;

export function makeCcxtPeer(snapshot: SnapshotBody): Peer {
  ccxtExchange ??= new (ccxt.pro as unknown as Record<string, new () => CcxtBinance>).binanceusdm();
  const exchange = ccxtExchange;
  const book = exchange.orderBook({});
  const parsed = exchange.parseOrderBook(snapshot, 'BTC/USDT:USDT') as { nonce?: number };
  parsed.nonce = snapshot.lastUpdateId;
  book.reset(parsed);
  return {
    applyParsed(data) {
      exchange.handleDeltas(book.asks, data.a);
      exchange.handleDeltas(book.bids, data.b);
      book.nonce = data.u;
    },
    top(n) {
      return {
        bids: book.bids.slice(0, n).map((l) => [l[0], l[1]]),
        asks: book.asks.slice(0, n).map((l) => [l[0], l[1]]),
      };
    },
  };
}

const toLevel = (level: [string, string]) => ({ price: Number(level[0]), amount: Number(level[1]) });

export function makeTardisPeer(snapshot: SnapshotBody): Peer {
  const book = new TardisOrderBook();
  book.update({
    type: 'book_change',
    symbol: 'BTCUSDT',
    exchange: 'binance-futures',
    isSnapshot: true,
    bids: snapshot.bids.map(toLevel),
    asks: snapshot.asks.map(toLevel),
    timestamp: new Date(0),
    localTimestamp: new Date(0),
  });
  const take = (it: IterableIterator<{ price: number; amount: number }>, n: number) => {
    const out: number[][] = [];
    for (const level of it) {
      if (out.length === n) break;
      out.push([level.price, level.amount]);
    }
    return out;
  };
  return {
    applyParsed(data) {
      book.update({
        type: 'book_change',
        symbol: 'BTCUSDT',
        exchange: 'binance-futures',
        isSnapshot: false,
        bids: data.b.map(toLevel),
        asks: data.a.map(toLevel),
        timestamp: new Date(0),
        localTimestamp: new Date(0),
      });
    },
    top(n) {
      return { bids: take(book.bids(), n), asks: take(book.asks(), n) };
    },
  };
}
