import { BinanceVenue, type BinanceVenueOptions } from './binance/venue.js';
import { BybitVenue, type BybitVenueOptions } from './bybit/venue.js';
import type { InstrumentSpec, MarketOptions } from './market.js';

/** Events a second across both venues when `run()` is called without a rate: a calm demo market. */
export const DEFAULT_SIM_RATE = 20;
/** The clock ticks this often; each tick emits the events due since the last one. */
export const SIM_TICK_MS = 10;

export interface SimulatorOptions {
  readonly seed?: number;
  readonly instruments?: readonly InstrumentSpec[];
  readonly market?: MarketOptions;
  readonly binance?: Omit<BinanceVenueOptions, 'seed' | 'instruments' | 'market'>;
  readonly bybit?: Omit<BybitVenueOptions, 'seed' | 'instruments' | 'market'>;
  /** Fixed ports (0 = ephemeral). */
  readonly binancePort?: number;
  readonly bybitPort?: number;
}

/**
 * Both simulated venues on loopback: the test harness FlowRS's connectors run against, and the offline
 * demo's data source. Drive it by hand (`step`) for deterministic tests, or let it run at a rate.
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
    readonly binance: BinanceVenue,
    readonly bybit: BybitVenue,
  ) {}

  static async start(options: SimulatorOptions = {}): Promise<Simulator> {
    const seed = options.seed ?? 1;
    // Both venues' markets for a symbol follow one fair value, so they stay a few ticks apart as real ones do.
    const market = { fairSeed: seed, ...options.market };
    const binance = new BinanceVenue({
      ...options.binance,
      seed,
      instruments: options.instruments,
      market: { fairLagSteps: 0, ...market },
    });
    const bybit = new BybitVenue({
      ...options.bybit,
      seed: seed + 1,
      instruments: options.instruments,
      // One step behind the fair value: the two venues cross briefly, now and then, right after it moves.
      market: { fairLagSteps: 1, ...market },
    });
    try {
      await binance.listen(options.binancePort ?? 0);
      await bybit.listen(options.bybitPort ?? 0);
    } catch (error) {
      await Promise.allSettled([binance.stop(), bybit.stop()]);
      throw error;
    }
    return new Simulator(binance, bybit);
  }

  symbols(): string[] {
    return this.binance.symbols();
  }

  /** The environment that points FlowRS at this simulator. */
  env(): Record<string, string> {
    return {
      FLOWRS_BINANCE_WS_URL: this.binance.wsBaseUrl,
      FLOWRS_BINANCE_REST_URL: this.binance.restBaseUrl,
      FLOWRS_BYBIT_WS_URL: this.bybit.wsUrl,
      FLOWRS_BYBIT_REST_URL: this.bybit.restBaseUrl,
      FLOWRS_SYMBOLS: this.symbols().join(','),
      FLOWRS_SIMULATED: '1',
    };
  }

  /** Advances every symbol of both venues by `count` events each, synchronously. */
  step(count = 1): void {
    for (let i = 0; i < count; i++) {
      this.binance.step();
      this.bybit.step();
    }
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
    const symbols = this.symbols();
    const slots = symbols.length * 2;
    // Never try to catch up more than a second's worth after a stall of the event loop.
    this.due = Math.min(this.due, this.rate);
    while (this.due >= 1) {
      const slot = this.cursor++ % slots;
      const symbol = symbols[slot >> 1];
      if (slot & 1) this.bybit.step(symbol);
      else this.binance.step(symbol);
      this.due -= 1;
      this.emitted++;
    }
  }

  async stop(): Promise<void> {
    this.pause();
    await Promise.allSettled([this.binance.stop(), this.bybit.stop()]);
  }
}
