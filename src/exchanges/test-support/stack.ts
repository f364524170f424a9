/** Test harness: FlowRS's connectors and pipeline wired to a running Simulator, with fast timings. */
import assert from 'node:assert/strict';
import { MarketPipeline } from '../../app/pipeline.js';
import { BookManager, type ManagedBook } from '../../book/book-manager.js';
import type { Exchange, TradeEvent } from '../../core/types.js';
import { silentLogger } from '../../log.js';
import type { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { Backoff } from '../backoff.js';
import { BinanceConnector, type BinanceConnectorOptions } from '../binance/connector.js';
import { BybitConnector, type BybitConnectorOptions } from '../bybit/connector.js';
import type { VenueConnector } from '../connector.js';
import { ExchangeManager } from '../manager.js';

export const FAST = {
  pingIntervalMs: 100,
  pongTimeoutMs: 300,
  dataTimeoutMs: 10_000,
  backoff: () => new Backoff(5, 50),
} as const;

export interface Stack {
  readonly books: BookManager;
  readonly pipeline: MarketPipeline;
  readonly manager: ExchangeManager;
  readonly trades: TradeEvent[];
  readonly invalid: string[];
  stop(): Promise<void>;
}

export function startStack(
  sim: Simulator,
  venues: { binance?: Partial<BinanceConnectorOptions>; bybit?: Partial<BybitConnectorOptions> },
  symbols = sim.symbols(),
): Stack {
  const books = new BookManager({ depth: 100, displayDepth: 5, staleAfterMs: 60_000 });
  const pipeline = new MarketPipeline(books, silentLogger);
  const trades: TradeEvent[] = [];
  const invalid: string[] = [];
  pipeline.subscribe({ onTrade: (t) => trades.push(t), onInvalidFrame: (_e, reason) => invalid.push(reason) });
  const connectors: VenueConnector[] = [];
  if (venues.binance) {
    connectors.push(
      new BinanceConnector({
        symbols,
        wsUrl: sim.binance.wsBaseUrl,
        restUrl: sim.binance.restBaseUrl,
        snapshotJitterMs: 5,
        ...FAST,
        log: silentLogger,
        ...venues.binance,
      }),
    );
  }
  if (venues.bybit) {
    connectors.push(
      new BybitConnector({ symbols, wsUrl: sim.bybit.wsUrl, ...FAST, log: silentLogger, ...venues.bybit }),
    );
  }
  const manager = new ExchangeManager(connectors);
  manager.start(pipeline);
  return { books, pipeline, manager, trades, invalid, stop: () => manager.stop() };
}

/** Steps the venue and waits until FlowRS's book for `symbol` has caught up with the truth and is live. */
export async function settle(
  sim: Simulator,
  stack: Stack,
  exchange: Exchange,
  symbol: string,
  steps = 20,
): Promise<ManagedBook> {
  const book = stack.books.ensure(exchange, symbol);
  const target = () =>
    exchange === 'binance' ? sim.binance.truth(symbol).lastUpdateId : sim.bybit.truth(symbol, 200).u;
  for (let i = 0; i < steps; i++) {
    if (exchange === 'binance') sim.binance.step(symbol);
    else sim.bybit.step(symbol);
    await new Promise((r) => setImmediate(r));
  }
  await waitFor(
    () => book.updateId === target() && book.status() === 'live',
    `${book.key} catches up (at ${book.updateId}, status ${book.status()}, venue at ${target()})`,
    10_000,
  );
  return book;
}

/** Every level FlowRS serves equals the venue's true book, exact strings, from the touch down. */
export function assertExact(sim: Simulator, stack: Stack, exchange: Exchange, symbol: string): void {
  const book = stack.books.ensure(exchange, symbol);
  assert.equal(book.status(), 'live', `${book.key} is live`);
  const truth = exchange === 'binance' ? sim.binance.truth(symbol) : sim.bybit.truth(symbol, 200);
  const top = book.book.top(1_000);
  assert.ok(top.bids.length >= 5 && top.asks.length >= 5, `${book.key} serves at least the display depth`);
  assert.deepEqual(top.bids, truth.bids.slice(0, top.bids.length), `${book.key} bids`);
  assert.deepEqual(top.asks, truth.asks.slice(0, top.asks.length), `${book.key} asks`);
  if (exchange === 'bybit') {
    assert.equal(top.bids.length, truth.bids.length, 'the whole Bybit window');
    assert.equal(top.asks.length, truth.asks.length, 'the whole Bybit window');
  }
}
