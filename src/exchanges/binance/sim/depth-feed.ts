import { type InstrumentSpec, MarketModel, type MarketOptions, type MarketStep } from '../../../sim/market.js';
import { SeededRandom } from '../../../sim/random.js';
import { depthSnapshotJson, depthUpdateJson } from './wire.js';

/**
 * Binance's update-id counter is shared by every symbol, so one symbol's consecutive events have
 * `U` far above the previous `u`; only `pu` links them. One counter per simulated venue.
 */
export class UpdateIdCounter {
  private rng: SeededRandom;
  constructor(
    private value: number,
    seed: number,
  ) {
    this.rng = new SeededRandom(seed ^ 0x5bd1e995);
  }

  /** Reserves ids for one event: skips ids used by other symbols, then takes `count`. */
  take(count: number): { first: number; last: number } {
    this.value += this.rng.int(0, 40);
    const first = this.value + 1;
    this.value += count;
    return { first, last: this.value };
  }

  current(): number {
    return this.value;
  }
}

/** One symbol's Binance diff-depth stream over a MarketModel: events with correct U/u/pu chaining. */
export class BinanceDepthFeed {
  readonly model: MarketModel;
  /** `u` of the last event produced (the next event's `pu`). */
  lastUpdateId: number;

  constructor(
    spec: InstrumentSpec,
    seed: number,
    private readonly ids: UpdateIdCounter,
    options?: MarketOptions,
  ) {
    this.model = new MarketModel(spec, seed, options);
    this.lastUpdateId = ids.take(1).last;
  }

  /** Advances the market; returns the step and its `depthUpdate` JSON (undefined if nothing changed). */
  next(eventTime: number): { step: MarketStep; json: string | undefined; U: number; u: number; pu: number } {
    const step = this.model.step();
    const changes = step.bids.length + step.asks.length;
    const { first, last } = this.ids.take(Math.max(1, changes));
    const pu = this.lastUpdateId;
    this.lastUpdateId = last;
    const json =
      changes === 0
        ? undefined
        : depthUpdateJson(this.model, eventTime, { U: first, u: last, pu }, step.bids, step.asks);
    return { step, json, U: first, u: last, pu };
  }

  /** REST snapshot body as of the last event. */
  snapshotJson(eventTime: number, limit: number): string {
    return depthSnapshotJson(this.model, this.lastUpdateId, eventTime, limit);
  }
}
