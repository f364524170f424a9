import type { BinanceVenue, BinanceVenueOptions } from '../exchanges/binance/sim/venue.js';
import type { BybitVenue, BybitVenueOptions } from '../exchanges/bybit/sim/venue.js';
import { VENUE_IDS, venueById } from '../exchanges/venues.js';
import { DEFAULT_INSTRUMENTS, type InstrumentSpec, type MarketOptions } from './market.js';
import type { SimVenue, SimVenueOptions } from './sim-venue.js';

/** Events a second across every venue when `run()` is called without a rate: a calm demo market. */
export const DEFAULT_SIM_RATE = 20;
/** The clock ticks this often; each tick emits the events due since the last one. */
export const SIM_TICK_MS = 10;
/**
 * Venues that quote one step behind the shared fair value (their latency): right after the fair value
 * moves, they and a prompt venue can cross for a moment, as real venues do now and then.
 */
export const LAGGING_VENUES: readonly string[] = ['bybit', 'gate'];

export interface SimulatorOptions {
  readonly seed?: number;
  /** The instruments every venue simulates (by Binance-style name; each venue uses its own names for them). */
  readonly instruments?: readonly InstrumentSpec[];
  readonly market?: MarketOptions;
  /** Which venues to simulate (default: every venue FlowRS has). */
  readonly venues?: readonly string[];
  /** A venue's own simulator options, by venue id (e.g. `{ binance: { pongTimeoutMs: 500 } }`). */
  readonly venueOptions?: Readonly<Record<string, object>>;
  readonly binance?: Omit<BinanceVenueOptions, 'seed' | 'instruments' | 'market'>;
  readonly bybit?: Omit<BybitVenueOptions, 'seed' | 'instruments' | 'market'>;
  /** Fixed ports by venue id (0 or absent = ephemeral). */
  readonly ports?: Readonly<Record<string, number>>;
  readonly binancePort?: number;
  readonly bybitPort?: number;
}

/**
 * Every simulated venue on loopback, each speaking its real venue's wire protocol over one shared fair
 * value per instrument: the harness FlowRS's connectors run against, and the offline demo's data
 * source. Drive it by hand (`step`) for deterministic tests, or let it run at a rate.
 */
export class Simulator {
  private timer: NodeJS.Timeout | undefined;
  private due = 0;
  private cursor = 0;
  private lastTick = 0;
  private rate = 0;
  /** Events emitted by the clock so far. */
  emitted = 0;

  private constructor(
    /** Simulated venues by id, in VENUES order. */
    readonly venues: ReadonlyMap<string, SimVenue>,
    private readonly instruments: readonly InstrumentSpec[],
  ) {}

  static async start(options: SimulatorOptions = {}): Promise<Simulator> {
    const seed = options.seed ?? 1;
    const instruments = options.instruments ?? DEFAULT_INSTRUMENTS;
    const ids = options.venues ?? VENUE_IDS;
    const venueOptions: Record<string, object | undefined> = {
      binance: options.binance,
      bybit: options.bybit,
      ...options.venueOptions,
    };
    const ports: Record<string, number | undefined> = {
      binance: options.binancePort,
      bybit: options.bybitPort,
      ...options.ports,
    };
    const venues = new Map<string, SimVenue>();
    try {
      for (const [i, id] of ids.entries()) {
        const module = venueById(id);
        if (module === undefined) throw new RangeError(`no venue ${id} (venues: ${VENUE_IDS.join(', ')})`);
        const factory = await module.sim();
        const simOptions: SimVenueOptions = {
          ...venueOptions[id],
          seed: seed + i,
          instruments,
          // Every venue's market for an instrument follows one fair value, so they stay a tick or two apart.
          market: { fairSeed: seed, fairLagSteps: LAGGING_VENUES.includes(id) ? 1 : 0, ...options.market },
        };
        const venue = factory(simOptions);
        venues.set(id, venue);
        await venue.listen(ports[id] ?? 0);
      }
    } catch (error) {
      await Promise.allSettled([...venues.values()].map((v) => v.stop()));
      throw error;
    }
    return new Simulator(venues, instruments);
  }

  /** One simulated venue; throws if it is not simulated. */
  venue(id: string): SimVenue {
    const venue = this.venues.get(id);
    if (venue === undefined)
      throw new RangeError(`venue ${id} is not simulated (${[...this.venues.keys()].join(', ')})`);
    return venue;
  }

  /** The simulated Binance venue, with its own faults and controls (for Binance's own tests). */
  get binance(): BinanceVenue {
    return this.venue('binance') as BinanceVenue;
  }

  get bybit(): BybitVenue {
    return this.venue('bybit') as BybitVenue;
  }

  /** The instruments' Binance-style names (`BTCUSDT`): Binance's and Bybit's own symbols. */
  symbols(): string[] {
    return this.instruments.map((i) => i.symbol);
  }

  /**
   * The environment that points FlowRS at this simulator: every venue's endpoints, the simulated venues
   * as `FLOWRS_EXCHANGES`, and each venue's own symbols as `FLOWRS_SYMBOLS` (`okx:BTC-USDT-SWAP`…), so
   * FlowRS follows exactly what is simulated, whatever each venue calls it.
   */
  env(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const venue of this.venues.values()) Object.assign(env, venue.env());
    env.FLOWRS_EXCHANGES = [...this.venues.keys()].join(',');
    env.FLOWRS_SYMBOLS = [...this.venues.values()].flatMap((v) => v.symbols().map((s) => `${v.id}:${s}`)).join(',');
    env.FLOWRS_SIMULATED = '1';
    return env;
  }

  /** Advances every symbol of every venue by `count` events each, synchronously. */
  step(count = 1): void {
    for (let i = 0; i < count; i++) for (const venue of this.venues.values()) venue.step();
  }

  /** Runs the market at `eventsPerSecond` in total, spread round-robin over every venue and symbol. */
  run(eventsPerSecond = DEFAULT_SIM_RATE): void {
    this.rate = eventsPerSecond;
    if (this.timer) return;
    this.lastTick = performance.now();
    this.timer = setInterval(() => this.tick(), SIM_TICK_MS);
  }

  setRate(eventsPerSecond: number): void {
    this.rate = eventsPerSecond;
  }

  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = performance.now();
    this.due += ((now - this.lastTick) / 1000) * this.rate;
    this.lastTick = now;
    const venues = [...this.venues.values()];
    const count = this.instruments.length;
    const slots = count * venues.length;
    // Never try to catch up more than a second's worth after a stall of the event loop.
    this.due = Math.min(this.due, this.rate);
    while (this.due >= 1) {
      const slot = this.cursor++ % slots;
      const venue = venues[slot % venues.length];
      // Venues list their symbols in instrument order: the same instrument, by the venue's own name.
      venue.step(venue.symbols()[Math.floor(slot / venues.length)]);
      this.due -= 1;
      this.emitted++;
    }
  }

  async stop(): Promise<void> {
    this.pause();
    await Promise.allSettled([...this.venues.values()].map((v) => v.stop()));
  }
}
