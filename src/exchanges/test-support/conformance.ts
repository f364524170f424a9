/**
 * Test harness for the conformance suite: one venue's simulator and FlowRS's connector for it, wired
 * through the real pipeline (test-support/stack.ts), with what the suite asserts on recorded.
 */
import assert from 'node:assert/strict';
import { toBaseQuantity } from '../../core/instrument.js';
import type { DisconnectReason, InvalidFrameReason, ResyncReason } from '../../core/sink.js';
import type { Exchange } from '../../core/types.js';
import { type InstrumentSpec, NAMED_INSTRUMENTS } from '../../sim/market.js';
import type { SimVenue } from '../../sim/sim-venue.js';
import { Simulator } from '../../sim/simulator.js';
import { DEFAULT_WAIT_TIMEOUT_MS } from '../../sim/test-support/wait.js';
import type { ConnectionLimits } from '../kit/subscription-protocol.js';
import type { ConnectorTiming, VenueModule } from '../kit/venue-module.js';
import { assertExact, type Stack, settleBooks, startStack } from './stack.js';

/**
 * Two instruments keep a venue's run short; `1000PEPEUSDT` exercises each venue's own naming and
 * contract scale (OKX `PEPE-USDT-SWAP`, Hyperliquid `kPEPE`, Gate `1000PEPE_USDT`).
 */
export const CONFORMANCE_INSTRUMENTS: readonly InstrumentSpec[] = ['BTCUSDT', '1000PEPEUSDT'].map(
  (s) => NAMED_INSTRUMENTS.find((i) => i.symbol === s)!,
);

/** How long a conformance scenario waits for its books to agree (they normally do within milliseconds). */
export const CONFORMANCE_SETTLE_TIMEOUT_MS = 30_000;
/** How often `whileMarketMoves` moves the market while it waits. */
const MARKET_PACE_MS = 10;

/** What a venue's module says it can prove about its books, read from its capability rows. */
export interface VenueTraits {
  /** The book channel has a sequence rule (a lost message is detected as a gap); false: whole pictures only. */
  readonly sequenced: boolean;
  /** The book channel's capability row, quoted in diagnostics. */
  readonly bookSequence: string;
}

/** The book channel is the capability row that is not about trades. */
export function venueTraits(module: VenueModule): VenueTraits {
  const book = module.capabilities.find((c) => !/trade/i.test(c.channel)) ?? module.capabilities[0];
  const sequence = book?.sequence ?? 'none';
  return { sequenced: !/^none\b/i.test(sequence.trim()), bookSequence: sequence };
}

export interface ConformanceOptions {
  readonly seed: number;
  /** Connector timings over the stack's fast ones (kit venues: ConnectorTiming; Binance: ping/pong). */
  readonly timing?: Partial<Pick<ConnectorTiming, 'pingIntervalMs' | 'pongTimeoutMs'>>;
  readonly dataTimeoutMs?: number;
  /** FlowRS is also configured with a symbol the venue does not list (`NOPE` in the venue's naming). */
  readonly withUnlisted?: boolean;
  /** Runs on the simulated venue before FlowRS starts (arm a fault for the first subscription or request). */
  readonly beforeStart?: (venue: SimVenue) => void;
  /** The simulated instruments (default CONFORMANCE_INSTRUMENTS). */
  readonly instruments?: readonly InstrumentSpec[];
  /**
   * FlowRS is configured with only the first `configured` simulated instruments (default all): the venue
   * lists the others, which FlowRS can follow on demand.
   */
  readonly configured?: number;
  /** Topics (Binance: streams) one connection carries at most, below the venue's documented limit. */
  readonly streamsPerConnection?: number;
  /** Other connection limits over the venue's documented ones (venues that subscribe by message). */
  readonly limits?: Partial<ConnectionLimits>;
}

export interface ConformanceRun {
  readonly id: Exchange;
  readonly sim: Simulator;
  readonly venue: SimVenue;
  readonly stack: Stack;
  /** The simulated instruments, by the venue's own names. */
  readonly symbols: readonly string[];
  /** The ones FlowRS is configured with (`configured`; all by default), by the venue's own names. */
  readonly configured: readonly string[];
  /** The unlisted symbol FlowRS was also given (`withUnlisted`). */
  readonly unlisted: string | undefined;
  readonly resyncs: { readonly symbol: string; readonly reason: ResyncReason }[];
  readonly disconnects: DisconnectReason[];
  readonly invalid: InvalidFrameReason[];
  stop(): Promise<void>;
}

/** Starts one simulated venue and FlowRS's connector for it. */
export async function startConformance(module: VenueModule, options: ConformanceOptions): Promise<ConformanceRun> {
  const id = module.id;
  const sim = await Simulator.start({
    seed: options.seed,
    venues: [id],
    instruments: options.instruments ?? CONFORMANCE_INSTRUMENTS,
  });
  const venue = sim.venue(id);
  let stack: Stack | undefined;
  try {
    options.beforeStart?.(venue);
    // The stack maps the simulator's names to the venue's; a name it does not simulate passes as is.
    const unlisted = options.withUnlisted ? unlistedSymbol(module, venue) : undefined;
    const configured = sim.symbols().slice(0, options.configured);
    const symbols = [...configured, ...(unlisted === undefined ? [] : [unlisted])];
    const perConnection = options.streamsPerConnection;
    const venueOptions =
      id === 'binance'
        ? {
            binance: {
              ...options.timing,
              ...(options.dataTimeoutMs ? { dataTimeoutMs: options.dataTimeoutMs } : {}),
              ...(perConnection ? { maxStreamsPerConnection: perConnection } : {}),
            },
          }
        : {
            [id]: {
              timing: options.timing,
              dataTimeoutMs: options.dataTimeoutMs,
              limits: { ...options.limits, ...(perConnection ? { topicsPerConnection: perConnection } : {}) },
            },
          };
    stack = startStack(sim, venueOptions, symbols);
    const resyncs: { symbol: string; reason: ResyncReason }[] = [];
    const disconnects: DisconnectReason[] = [];
    // Subscribed before any event can arrive: connectors start asynchronously (instrument list first).
    stack.pipeline.subscribe({
      onResync: (_exchange, symbol, reason) => resyncs.push({ symbol, reason }),
      onConnection: (_exchange, _name, status) => {
        if (status.type === 'reconnecting') disconnects.push(status.reason);
      },
    });
    const started = stack;
    return {
      id,
      sim,
      venue,
      stack: started,
      symbols: venue.symbols(),
      configured: venue.symbols().slice(0, configured.length),
      unlisted,
      resyncs,
      disconnects,
      invalid: started.invalid,
      stop: async () => {
        await started.stop();
        await sim.stop();
      },
    };
  } catch (error) {
    await stack?.stop();
    await sim.stop();
    throw error;
  }
}

/** The venue's name for an instrument it does not list (`NOPE` in its own naming and quote). */
export function unlistedSymbol(module: VenueModule, venue: SimVenue): string {
  const [, quote] = venue.canonical(venue.symbols()[0]).split('-');
  const symbol = module.symbolFor(`NOPE-${quote}`);
  assert.ok(symbol !== undefined, `${module.id} names NOPE-${quote}`);
  return symbol;
}

export function connectorStatus(run: ConformanceRun) {
  const connector = run.stack.manager.get(run.id);
  assert.ok(connector, `${run.id} has a connector`);
  return connector.status();
}

export function reconnections(run: ConformanceRun): number {
  return connectorStatus(run).connections.reduce((sum, c) => sum + c.reconnections, 0);
}

export function allOpen(run: ConformanceRun): boolean {
  const { connections } = connectorStatus(run);
  return connections.length > 0 && connections.every((c) => c.status.type === 'open');
}

/**
 * Moves the market (one event per symbol every few ms) until `condition` holds: a real market never
 * stops, and watchdogs, repairs and pictures wait for data. Fails after `timeoutMs`.
 */
export async function whileMarketMoves(
  run: ConformanceRun,
  condition: () => boolean,
  message: string | (() => string),
  timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for: ${typeof message === 'string' ? message : message()}`,
      );
    }
    for (const symbol of run.symbols) run.venue.step(symbol);
    await new Promise((resolve) => setTimeout(resolve, MARKET_PACE_MS));
  }
}

/**
 * Moves the market, waits for every simulated book to catch up with the venue, then asserts each is
 * exactly the venue's: the raw strings (the venue's whole window), and the sizes FlowRS serves, in base
 * units (contracts × the venue's contract size) once the venue's instrument list has told it.
 */
export async function assertBooksExact(
  run: ConformanceRun,
  steps = 20,
  { servedSizes = true, symbols = run.configured }: { servedSizes?: boolean; symbols?: readonly string[] } = {},
): Promise<void> {
  const refs = symbols.map((symbol) => ({ exchange: run.id, symbol }));
  await settleBooks(run.sim, run.stack, refs, { steps, timeoutMs: CONFORMANCE_SETTLE_TIMEOUT_MS });
  for (const symbol of symbols) {
    assertExact(run.sim, run.stack, run.id, symbol);
    if (servedSizes) assertServedSizes(run, symbol);
  }
}

/** What FlowRS serves for `symbol` equals the venue's raw book converted to base units exactly. */
export function assertServedSizes(run: ConformanceRun, symbol: string): void {
  const book = run.stack.books.ensure(run.id, symbol);
  const truth = run.stack.truth(run.id, symbol);
  const contractSize = run.venue.contractSize(symbol);
  const served = book.levels(1_000);
  const base = (levels: readonly (readonly [string, string])[]) =>
    levels.slice(0, served.bids.length).map(([p, q]) => [p, toBaseQuantity(q, contractSize)]);
  assert.equal(book.contractSize, contractSize, `${book.key}: the contract size FlowRS serves with`);
  assert.deepEqual(served.bids, base(truth.bids), `${book.key}: bids served in base units`);
  assert.deepEqual(
    served.asks,
    truth.asks.slice(0, served.asks.length).map(([p, q]) => [p, toBaseQuantity(q, contractSize)]),
    `${book.key}: asks served in base units`,
  );
}
