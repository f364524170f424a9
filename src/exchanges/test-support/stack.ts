/** Test harness: FlowRS's connectors and pipeline wired to a running Simulator, with fast timings. */
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { BookManager, type ManagedBook } from '../../book/book-manager.js';
import type { InvalidFrameReason } from '../../core/sink.js';
import type { Exchange, PriceLevel, TradeEvent } from '../../core/types.js';
import { type Logger, silentLogger } from '../../log.js';
import { MarketPipeline } from '../../pipeline/pipeline.js';
import type { Simulator } from '../../sim/simulator.js';
import { Backoff } from '../backoff.js';
import { BinanceConnector, type BinanceConnectorOptions } from '../binance/connector.js';
import type { VenueConnector } from '../connector.js';
import type { ConnectionLimits } from '../kit/subscription-protocol.js';
import type { ConnectorContext, ConnectorTiming, VenueSettingsSpec } from '../kit/venue-module.js';
import { ExchangeManager } from '../manager.js';
import { venueById } from '../venues.js';

export const FAST = {
  pingIntervalMs: 100,
  pongTimeoutMs: 300,
  dataTimeoutMs: 10_000,
  backoff: () => new Backoff(5, 50),
} as const;

/**
 * How long `settle` keeps trying. Generous: it returns as soon as the books agree, and a loaded
 * machine (snapshot budget, backoffs, a slow event loop) must not fail a run that is only slow.
 */
export const DEFAULT_SETTLE_TIMEOUT_MS = 90_000;
/**
 * FlowRS has taken in what the venue sent when no frame has arrived for this long. If a book is still
 * behind then, it is waiting for the market to move (a snapshot needs a later event to bridge to, a
 * resumed connection needs its next event): `settle` moves it by one event.
 */
export const SETTLE_QUIET_MS = 50;

/** A venue's true book, as the simulator holds it, with the id FlowRS's book must reach. */
export interface VenueTruth {
  readonly updateId: number;
  readonly bids: PriceLevel[];
  readonly asks: PriceLevel[];
  /** The venue sends a fixed window (Bybit): FlowRS must hold exactly that many levels. */
  readonly wholeWindow: boolean;
}

/** How the stack builds a venue that subscribes by message (every venue but Binance). */
export interface KitVenueOptions {
  /** Overrides of the venue's own settings (endpoints come from the simulator). */
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly timing?: Partial<ConnectorTiming>;
  readonly dataTimeoutMs?: number;
  readonly auditIntervalMs?: number;
  /** Overrides of the venue's documented connection limits (small ones make connections open and close). */
  readonly limits?: Partial<ConnectionLimits>;
}

/** Timings for kit venues: fast, like FAST. */
export const FAST_TIMING: Partial<ConnectorTiming> = {
  pingIntervalMs: 1_000,
  pongTimeoutMs: 3_000,
  ackTimeoutMs: 1_000,
  subscriptionRetryMs: 50,
  invalidSnapshotRetryMs: 20,
  instrumentsTimeoutMs: 2_000,
  instrumentRetryMs: 100,
  backoff: () => new Backoff(5, 50),
};

export interface StackOptions {
  /** Defaults to silent; pass a logger to see what the connectors say. */
  readonly log?: Logger;
}

export interface Stack {
  readonly books: BookManager;
  readonly pipeline: MarketPipeline;
  readonly manager: ExchangeManager;
  readonly trades: TradeEvent[];
  /** Reasons of the invalid frames the pipeline was told of, in order. */
  readonly invalid: InvalidFrameReason[];
  /** The same, with the venue each came from. */
  readonly invalidFrames: { readonly exchange: Exchange; readonly reason: InvalidFrameReason }[];
  /** The venue's true book for `symbol`, at the depth this stack subscribed. */
  truth(exchange: Exchange, symbol: string): VenueTruth;
  /** Moves the venue's market for `symbol` by one event. */
  step(exchange: Exchange, symbol: string): void;
  /** Every connection of every venue is open. */
  connected(): boolean;
  stop(): Promise<void>;
}

export function startStack(
  sim: Simulator,
  venues: { readonly binance?: Partial<BinanceConnectorOptions> } & { readonly [venue: string]: object | undefined },
  symbols = sim.symbols(),
  options: StackOptions = {},
): Stack {
  const log = options.log ?? silentLogger;
  const books = new BookManager({ depth: 100, displayDepth: 5, staleAfterMs: 60_000 });
  const pipeline = new MarketPipeline(books, log);
  const trades: TradeEvent[] = [];
  const invalidFrames: { exchange: Exchange; reason: InvalidFrameReason }[] = [];
  const invalid: InvalidFrameReason[] = [];
  pipeline.subscribe({
    onTrade: (t) => trades.push(t),
    onInvalidFrame: (exchange, reason) => {
      invalid.push(reason);
      invalidFrames.push({ exchange, reason });
    },
  });
  const connectors: VenueConnector[] = [];
  if (venues.binance) {
    connectors.push(
      new BinanceConnector({
        symbols,
        wsUrl: sim.binance.wsBaseUrl,
        restUrl: sim.binance.restBaseUrl,
        snapshotJitterMs: 5,
        ...FAST,
        log: log.child({ exchange: 'binance' }),
        ...venues.binance,
      }),
    );
  }
  for (const [id, raw] of Object.entries(venues)) {
    if (id === 'binance' || raw === undefined) continue;
    const options = raw as KitVenueOptions;
    const module = venueById(id);
    if (module === undefined) throw new Error(`no venue ${id}`);
    const simVenue = sim.venue(id);
    // The venue's own names for the instruments asked for (venues list them in instrument order).
    const names = symbols.map((s) => simVenue.symbols()[sim.symbols().indexOf(s)] ?? s);
    const settings: Record<string, unknown> = {};
    for (const [name, setting] of Object.entries(module.settings)) {
      const fromSim = simVenue.env()[`FLOWRS_${id.toUpperCase()}_${setting.env}`];
      settings[name] = setting.schema.parse(fromSim ?? setting.fallback);
    }
    // The context reaches the venue's SubscriptionConnector as is, limit overrides included.
    const context: ConnectorContext<VenueSettingsSpec> = {
      symbols: names,
      settings: { ...settings, ...options.settings },
      common: {
        dataTimeoutMs: options.dataTimeoutMs ?? FAST.dataTimeoutMs,
        auditIntervalMs: options.auditIntervalMs ?? 0,
      },
      log: log.child({ exchange: id }),
      timing: { ...FAST_TIMING, ...options.timing },
      limits: options.limits,
    };
    connectors.push(module.createConnector(context));
  }
  const manager = new ExchangeManager(connectors);
  manager.start(pipeline);
  const truth = (exchange: Exchange, symbol: string): VenueTruth => {
    const t = sim.venue(exchange).truth(symbol);
    // Venues that subscribe by message send a fixed window, which FlowRS must hold exactly.
    return {
      updateId: t.updateId,
      bids: [...t.bids] as PriceLevel[],
      asks: [...t.asks] as PriceLevel[],
      wholeWindow: exchange !== 'binance',
    };
  };
  const step = (exchange: Exchange, symbol: string) => sim.venue(exchange).step(symbol);
  return {
    books,
    pipeline,
    manager,
    trades,
    invalid,
    invalidFrames,
    truth,
    step,
    connected: () => manager.status().every((s) => s.connections.every((c) => c.status.type === 'open')),
    stop: () => manager.stop(),
  };
}

export interface BookRef {
  readonly exchange: Exchange;
  readonly symbol: string;
}

/**
 * Steps each venue `steps` events for each book, then waits until every one of FlowRS's books has
 * caught up with the venue's truth and is live, at the same moment. While a book is behind and the
 * venue has gone quiet, the market moves on by one event for it (see `SETTLE_QUIET_MS`): a real
 * market never stops, and a book waiting for its next event must get one. Fails, saying where each
 * book stands, only after `timeoutMs`.
 */
export async function settleBooks(
  _sim: Simulator,
  stack: Stack,
  refs: readonly BookRef[],
  { steps = 20, timeoutMs = DEFAULT_SETTLE_TIMEOUT_MS }: { steps?: number; timeoutMs?: number } = {},
): Promise<ManagedBook[]> {
  const books = refs.map((r) => ({ ...r, book: stack.books.ensure(r.exchange, r.symbol) }));
  for (const { exchange, symbol } of books) {
    for (let i = 0; i < steps; i++) {
      stack.step(exchange, symbol);
      await nextTurn();
    }
  }
  const behind = () =>
    books.filter(
      ({ exchange, symbol, book }) =>
        book.updateId !== stack.truth(exchange, symbol).updateId || book.status() !== 'live',
    );
  const frames = () => stack.manager.status().reduce((sum, s) => sum + s.counters.frames, 0);
  const deadline = Date.now() + timeoutMs;
  let seen = frames();
  let quietSince = Date.now();
  let extraSteps = 0;
  for (;;) {
    const late = behind();
    if (late.length === 0) return books.map((b) => b.book);
    const now = Date.now();
    if (now > deadline) {
      const where = late.map(
        ({ exchange, symbol, book }) =>
          `${book.key} at ${book.updateId} (${book.status()}${book.resyncReason() ? ` ${book.resyncReason()}` : ''}), venue at ${stack.truth(exchange, symbol).updateId}`,
      );
      throw new Error(
        `timed out after ${timeoutMs} ms (${extraSteps} extra events) waiting for books to catch up: ${where.join('; ')}; connections ${JSON.stringify(stack.manager.status().map((s) => s.connections))}`,
      );
    }
    const count = frames();
    if (count !== seen) {
      seen = count;
      quietSince = now;
    } else if (now - quietSince >= SETTLE_QUIET_MS) {
      for (const { exchange, symbol } of late) stack.step(exchange, symbol);
      extraSteps++;
      quietSince = now;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Steps the venue and waits until FlowRS's book for `symbol` has caught up with the truth and is live. */
export async function settle(
  sim: Simulator,
  stack: Stack,
  exchange: Exchange,
  symbol: string,
  steps = 20,
): Promise<ManagedBook> {
  const [book] = await settleBooks(sim, stack, [{ exchange, symbol }], { steps });
  return book;
}

/** Every level FlowRS serves equals the venue's true book, exact strings, from the touch down. */
export function assertExact(_sim: Simulator, stack: Stack, exchange: Exchange, symbol: string): void {
  const book = stack.books.ensure(exchange, symbol);
  assert.equal(book.status(), 'live', `${book.key} is live`);
  const truth = stack.truth(exchange, symbol);
  const top = book.book.top(1_000);
  assert.ok(top.bids.length >= 5 && top.asks.length >= 5, `${book.key} serves at least the display depth`);
  assert.deepEqual(top.bids, truth.bids.slice(0, top.bids.length), `${book.key} bids`);
  assert.deepEqual(top.asks, truth.asks.slice(0, top.asks.length), `${book.key} asks`);
  if (truth.wholeWindow) {
    assert.equal(top.bids.length, truth.bids.length, `${book.key}: the venue's whole window`);
    assert.equal(top.asks.length, truth.asks.length, `${book.key}: the venue's whole window`);
  }
}
