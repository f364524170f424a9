/**
 * The peers on OKX v5 `books`, driven exactly as their own OKX code drives them:
 * - ccxt pro `okx`: its `books` handler, `handleOrderBook(client, message)`, on an exchange whose markets
 *   were loaded from the venue's instrument list (ccxt's `parseMarket`, as `loadMarkets` does). It builds
 *   the book on `action: snapshot`, and on `update` parses each level with `safeFloat`, stores it, and
 *   rejects the subscription when `prevSeqId` is not the book's nonce (here: throws). ccxt 4.5 does not
 *   verify OKX's checksum at all. The client stands in for its WebSocket client: `resolve` (waking a
 *   `watchOrderBook` caller) is a no-op, as the Binance peer skips it too.
 * - tardis-dev: its OKX v5 book-change mapper (`normalizeBookChanges('okex-swap', now)`, which maps the
 *   public `books` channel in real time: `Number(price)`/`Number(amount)` per level, no sequence check)
 *   feeding its `OrderBook.update`.
 * Sizes stay in contracts everywhere, as on the wire.
 */
import ccxt from 'ccxt';
import { type BookChange, normalizeBookChanges, OrderBook as TardisOrderBook } from 'tardis-dev';

/** A parsed `books` push: `{"arg":{"channel":"books","instId":…},"action":…,"data":[{…}]}`. */
export interface OkxBooksMessage {
  arg: { channel: string; instId: string };
  action: 'snapshot' | 'update';
  data: { asks: string[][]; bids: string[][]; ts: string; checksum: number; prevSeqId: number; seqId: number }[];
}

export interface OkxPeer {
  applyParsed(message: OkxBooksMessage): void;
  /** Best `n` levels a side as [price, amount] numbers (amount in contracts). */
  top(n: number): { bids: number[][]; asks: number[][] };
}

interface CcxtOrderBook {
  bids: number[][];
  asks: number[][];
}
interface CcxtClient {
  subscriptions: Record<string, unknown>;
  resolve(result: unknown, messageHash: string): void;
  reject(error: unknown, messageHash: string): void;
}
export interface CcxtOkx {
  orderbooks: Record<string, CcxtOrderBook>;
  parseMarket(market: object): { symbol: string };
  safeMarket(marketId: string): { symbol: string };
  setMarkets(markets: object[]): void;
  handleOrderBook(client: CcxtClient, message: object): void;
}

/**
 * A ccxt pro `okx` exchange with the venue's markets loaded. ccxt keeps one order book per symbol per
 * exchange, so every ccxt peer needs its own.
 */
export function makeCcxtOkx(instrumentsAnswer: string): CcxtOkx {
  const exchange = new (ccxt.pro as unknown as Record<string, new () => CcxtOkx>).okx();
  const listed = (JSON.parse(instrumentsAnswer) as { data: object[] }).data;
  exchange.setMarkets(listed.map((m) => exchange.parseMarket(m)));
  return exchange;
}

export function makeCcxtOkxPeer(exchange: CcxtOkx, snapshot: OkxBooksMessage): OkxPeer {
  // ccxt keys the book by the unified symbol of the `instId` it receives (`BTC/USDT:USDT`).
  const { symbol } = exchange.safeMarket(snapshot.arg.instId);
  const messageHash = `${snapshot.arg.channel}:${symbol}`;
  const client: CcxtClient = {
    subscriptions: { [messageHash]: true },
    resolve() {},
    reject(error) {
      throw error;
    },
  };
  exchange.handleOrderBook(client, snapshot);
  const book = exchange.orderbooks[symbol];
  if (book === undefined) throw new Error(`ccxt okx built no book for ${symbol}`);
  return {
    applyParsed(message) {
      exchange.handleOrderBook(client, message);
    },
    top(n) {
      // The handler replaces the book object on a snapshot; read the current one.
      const current = exchange.orderbooks[symbol];
      return {
        bids: current.bids.slice(0, n).map((l) => [l[0], l[1]]),
        asks: current.asks.slice(0, n).map((l) => [l[0], l[1]]),
      };
    },
  };
}

export function makeTardisOkxPeer(snapshot: OkxBooksMessage): OkxPeer {
  // Created "now", the factory picks the V5 mapper on the public `books` channel (its real-time choice).
  const mapper = normalizeBookChanges('okex-swap', new Date());
  const book = new TardisOrderBook();
  const localTimestamp = new Date(0);
  const apply = (message: OkxBooksMessage) => {
    if (!mapper.canHandle(message)) throw new Error(`tardis-dev's OKX mapper does not handle ${message.arg.channel}`);
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
