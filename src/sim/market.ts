import type { Side } from '../core/types.js';
import { SeededRandom } from './random.js';

/**
 * The simulated venue's true market for one symbol. Prices and quantities are integers in units of
 * 10^-decimals, so the ground truth is exact and formatting to the wire is a pure string operation.
 */
export interface InstrumentSpec {
  readonly symbol: string;
  /** Decimals written in prices ("37000.10" → 2). */
  readonly priceDecimals: number;
  /** Tick size in price units (BTCUSDT: 0.10 at 2 decimals → 10). */
  readonly tickUnits: number;
  /** Decimals written in quantities ("0.001" → 3). */
  readonly quantityDecimals: number;
  /** Starting mid price, in ticks. */
  readonly startTicks: number;
  /** Levels a side at the start. */
  readonly levels: number;
}

/**
 * Instruments with real names and realistic tick sizes and price scales: FlowRS's nine default symbols,
 * then a small-price coin with many decimals.
 */
export const NAMED_INSTRUMENTS: readonly InstrumentSpec[] = [
  { symbol: 'BTCUSDT', priceDecimals: 2, tickUnits: 10, quantityDecimals: 3, startTicks: 650_000, levels: 1_200 },
  { symbol: 'ETHUSDT', priceDecimals: 2, tickUnits: 1, quantityDecimals: 3, startTicks: 260_000, levels: 1_200 },
  { symbol: 'SOLUSDT', priceDecimals: 2, tickUnits: 1, quantityDecimals: 2, startTicks: 15_000, levels: 1_200 },
  { symbol: 'BNBUSDT', priceDecimals: 2, tickUnits: 1, quantityDecimals: 2, startTicks: 60_000, levels: 1_200 },
  { symbol: 'XRPUSDT', priceDecimals: 4, tickUnits: 1, quantityDecimals: 1, startTicks: 6_000, levels: 1_200 },
  { symbol: 'DOGEUSDT', priceDecimals: 5, tickUnits: 1, quantityDecimals: 0, startTicks: 15_000, levels: 1_200 },
  { symbol: 'ADAUSDT', priceDecimals: 4, tickUnits: 1, quantityDecimals: 0, startTicks: 4_500, levels: 1_200 },
  { symbol: 'AVAXUSDT', priceDecimals: 3, tickUnits: 1, quantityDecimals: 0, startTicks: 25_000, levels: 1_200 },
  { symbol: 'LINKUSDT', priceDecimals: 3, tickUnits: 1, quantityDecimals: 2, startTicks: 14_000, levels: 1_200 },
  { symbol: '1000PEPEUSDT', priceDecimals: 7, tickUnits: 1, quantityDecimals: 0, startTicks: 98_765, levels: 1_200 },
];

const named = (symbol: string) => NAMED_INSTRUMENTS.find((i) => i.symbol === symbol)!;

/** The simulator's default: BTCUSDT at 0.10, ETHUSDT at 0.01, and a small-price coin with many decimals. */
export const DEFAULT_INSTRUMENTS: readonly InstrumentSpec[] = [
  named('BTCUSDT'),
  named('ETHUSDT'),
  named('1000PEPEUSDT'),
];

/** `count` instruments: the named ones first, then more in their image (SIM11USDT, SIM12USDT…). */
export function makeInstruments(count: number, levels?: number): InstrumentSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const base = NAMED_INSTRUMENTS[i % NAMED_INSTRUMENTS.length];
    return {
      ...base,
      symbol: i < NAMED_INSTRUMENTS.length ? base.symbol : `SIM${i + 1}USDT`,
      levels: levels ?? base.levels,
    };
  });
}

/** Formats an integer number of 10^-decimals units as an exact decimal string. */
export function formatUnits(units: number, decimals: number): string {
  if (decimals === 0) return String(units);
  const text = String(units).padStart(decimals + 1, '0');
  return `${text.slice(0, text.length - decimals)}.${text.slice(text.length - decimals)}`;
}

/** One level's new absolute quantity (0 = gone), in ticks and quantity units. */
export interface LevelChange {
  readonly ticks: number;
  readonly quantity: number;
}

export interface SimTrade {
  readonly id: number;
  readonly ticks: number;
  readonly quantity: number;
  /** The taker's side. */
  readonly side: Side;
}

/** Everything that changed in one step of the market. */
export interface MarketStep {
  readonly bids: LevelChange[];
  readonly asks: LevelChange[];
  readonly trades: SimTrade[];
}

export interface MarketOptions {
  /** Most level changes per side per step (the realised count is skewed towards 1). */
  readonly maxChangesPerSide?: number;
  /** Chance that a step contains a sweep that takes several levels and moves the price. */
  readonly sweepChance?: number;
  /** Chance that a step prints a trade at the touch. */
  readonly tradeChance?: number;
  /**
   * Ties this market to a fair value shared by every model built with the same `fairSeed` and symbol:
   * a seeded walk indexed by each model's own step count, which takers lean towards. Venues simulating
   * the same symbol then wander together, as real venues do (arbitrage keeps them a few ticks apart),
   * while each stream still depends only on its own seed and steps.
   */
  readonly fairSeed?: number;
  /**
   * How many steps behind the shared fair value this venue's market makers quote (its latency). Venues
   * with different lags cross each other briefly right after the fair value moves, as real ones do.
   */
  readonly fairLagSteps?: number;
}

/** Chance per step that the shared fair value moves a tick. */
const FAIR_MOVE_CHANCE = 0.1;
/** How strongly takers lean towards the fair value, per tick of distance. */
const FAIR_PULL_PER_TICK = 0.1;
/** Makers step in when the touch is further than this from the fair value. */
const FAIR_MAKER_REACH_TICKS = 3;

/** A stable 32-bit hash of a symbol (FNV-1a), to give each symbol its own fair-value walk. */
function symbolHash(symbol: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < symbol.length; i++) h = Math.imul(h ^ symbol.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * A seeded, realistic-enough L2 market: the mid wanders, most changes land near the touch, about a
 * third of changes delete a level, occasional sweeps move the price and surface deep levels, and
 * trades print at the touch with the taker's side. The book never crosses.
 */
export class MarketModel {
  readonly spec: InstrumentSpec;
  private readonly rng: SeededRandom;
  /** Ticks → quantity units. */
  readonly bids = new Map<number, number>();
  readonly asks = new Map<number, number>();
  /** The same ticks, sorted ascending: best bid is the last, best ask the first. */
  private readonly bidTicks = new SortedTicks();
  private readonly askTicks = new SortedTicks();
  private tradeId = 1;
  private readonly maxChanges: number;
  private readonly sweepChance: number;
  private readonly tradeChance: number;
  /** The shared fair value's walk (undefined: a free walk). */
  private readonly fairRng: SeededRandom | undefined;
  private fairTicks: number;
  /** The last fair values, oldest first, so a venue can quote `fairLagSteps` behind them. */
  private readonly fairHistory: number[];

  constructor(spec: InstrumentSpec, seed: number, options: MarketOptions = {}) {
    this.spec = spec;
    this.rng = new SeededRandom(seed);
    this.maxChanges = options.maxChangesPerSide ?? 30;
    this.sweepChance = options.sweepChance ?? 0.01;
    this.tradeChance = options.tradeChance ?? 0.3;
    this.fairRng =
      options.fairSeed === undefined ? undefined : new SeededRandom((options.fairSeed ^ symbolHash(spec.symbol)) >>> 0);
    this.fairTicks = spec.startTicks;
    this.fairHistory = new Array<number>((options.fairLagSteps ?? 0) + 1).fill(spec.startTicks);
    for (let i = spec.levels - 1; i >= 0; i--) {
      this.bids.set(spec.startTicks - i, this.randomQuantity());
      this.bidTicks.insert(spec.startTicks - i);
    }
    for (let i = 0; i < spec.levels; i++) {
      this.asks.set(spec.startTicks + 1 + i, this.randomQuantity());
      this.askTicks.insert(spec.startTicks + 1 + i);
    }
  }

  private randomQuantity(): number {
    const scale = 10 ** Math.min(this.spec.quantityDecimals, 3);
    return 1 + Math.floor(this.rng.next() ** 3 * 50 * scale);
  }

  bestBid(): number {
    return this.bidTicks.last();
  }

  bestAsk(): number {
    return this.askTicks.first();
  }

  /** Sets a level (0 deletes), recording the change. */
  private set(side: 'bids' | 'asks', ticks: number, quantity: number, out: LevelChange[]): void {
    const book = this[side];
    const sorted = side === 'bids' ? this.bidTicks : this.askTicks;
    if (quantity === 0) {
      if (!book.delete(ticks)) return;
      sorted.remove(ticks);
      out.push({ ticks, quantity });
      if (book.size === 0) {
        // Never empty a side: a venue book always has depth; put a level back one tick out.
        const refill = side === 'bids' ? ticks - 1 : ticks + 1;
        this.set(side, refill, this.randomQuantity(), out);
      }
      return;
    }
    if (!book.has(ticks)) sorted.insert(ticks);
    book.set(ticks, quantity);
    out.push({ ticks, quantity });
  }

  /** Advances the market by one venue event's worth of changes. */
  step(): MarketStep {
    const rng = this.rng;
    const bids: LevelChange[] = [];
    const asks: LevelChange[] = [];
    const trades: SimTrade[] = [];

    this.advanceFair();
    if (rng.chance(this.sweepChance)) this.sweep(rng.chance(this.buyChance()) ? 'buy' : 'sell', bids, asks, trades);
    else if (rng.chance(this.tradeChance)) {
      this.touchTrade(rng.chance(this.buyChance()) ? 'buy' : 'sell', bids, asks, trades);
    }

    for (const side of ['bids', 'asks'] as const) {
      const out = side === 'bids' ? bids : asks;
      const changes = 1 + Math.floor(rng.next() ** 2 * this.maxChanges);
      for (let i = 0; i < changes; i++) {
        const spread = this.bestAsk() - this.bestBid();
        // distance -1 means "inside the spread", only possible when the spread is wider than a tick.
        let distance = rng.geometric(0.12);
        if (spread > 1 && rng.chance(0.1)) distance = -1;
        const ticks =
          side === 'bids'
            ? Math.min(this.bestBid() - distance, this.bestAsk() - 1)
            : Math.max(this.bestAsk() + distance, this.bestBid() + 1);
        const book = this[side];
        if (book.has(ticks) && rng.chance(0.5)) this.set(side, ticks, 0, out);
        else this.set(side, ticks, this.randomQuantity(), out);
      }
    }
    if (this.fairRng !== undefined) this.followFair(bids, asks, trades);
    return { bids: lastPerLevel(bids), asks: lastPerLevel(asks), trades };
  }

  /**
   * Arbitrage ties venues together: quotes on the wrong side of the fair value (as this venue sees it,
   * `fairLagSteps` late) are taken at once, and makers step in when the touch drifts away from it.
   * So the best bid stays at or below the fair value and the best ask above it, and two venues cross
   * only while one of them lags a move.
   */
  private followFair(bids: LevelChange[], asks: LevelChange[], trades: SimTrade[]): void {
    const fair = this.fairHistory[0];
    while (this.bids.size > 1 && this.bestBid() > fair) {
      const ticks = this.bestBid();
      trades.push({ id: this.tradeId++, ticks, quantity: this.bids.get(ticks)!, side: 'sell' });
      this.set('bids', ticks, 0, bids);
    }
    while (this.asks.size > 1 && this.bestAsk() <= fair) {
      const ticks = this.bestAsk();
      trades.push({ id: this.tradeId++, ticks, quantity: this.asks.get(ticks)!, side: 'buy' });
      this.set('asks', ticks, 0, asks);
    }
    if (this.bestBid() < fair - FAIR_MAKER_REACH_TICKS) {
      this.set('bids', Math.min(fair - this.rng.int(0, 1), this.bestAsk() - 1), this.randomQuantity(), bids);
    }
    if (this.bestAsk() > fair + 1 + FAIR_MAKER_REACH_TICKS) {
      this.set('asks', Math.max(fair + 1 + this.rng.int(0, 1), this.bestBid() + 1), this.randomQuantity(), asks);
    }
  }

  /**
   * A venue event that changes no level (an id-only update): time passes all the same, so the shared fair
   * value moves on, keeping this venue in step with the others.
   */
  idle(): void {
    this.advanceFair();
  }

  private advanceFair(): void {
    if (this.fairRng?.chance(FAIR_MOVE_CHANCE)) this.fairTicks += this.fairRng.chance(0.5) ? 1 : -1;
    this.fairHistory.shift();
    this.fairHistory.push(this.fairTicks);
  }

  /** A taker's chance of buying: 0.5 in a free walk; with a fair value, more likely towards it. */
  private buyChance(): number {
    if (this.fairRng === undefined) return 0.5;
    const mid = (this.bestBid() + this.bestAsk()) / 2;
    return Math.min(0.95, Math.max(0.05, 0.5 + (this.fairTicks - mid) * FAIR_PULL_PER_TICK));
  }

  /** A taker trade at the touch that takes part or all of the best level. */
  private touchTrade(taker: 'buy' | 'sell', bids: LevelChange[], asks: LevelChange[], trades: SimTrade[]): void {
    const side = taker === 'buy' ? 'asks' : 'bids';
    const ticks = taker === 'buy' ? this.bestAsk() : this.bestBid();
    const available = this[side].get(ticks)!;
    const quantity = Math.max(1, Math.min(available, 1 + Math.floor(this.rng.next() * available)));
    trades.push({ id: this.tradeId++, ticks, quantity, side: taker });
    this.set(side, ticks, available - quantity, side === 'asks' ? asks : bids);
  }

  /** A taker that takes several levels: the price moves and deeper levels become the touch. */
  private sweep(taker: 'buy' | 'sell', bids: LevelChange[], asks: LevelChange[], trades: SimTrade[]): void {
    const levels = this.rng.int(3, 25);
    for (let i = 0; i < levels; i++) {
      const side = taker === 'buy' ? 'asks' : 'bids';
      if (this[side].size <= 1) break;
      const ticks = taker === 'buy' ? this.bestAsk() : this.bestBid();
      const available = this[side].get(ticks)!;
      trades.push({ id: this.tradeId++, ticks, quantity: available, side: taker });
      this.set(side, ticks, 0, side === 'asks' ? asks : bids);
    }
  }

  /** The true book, best first, as [ticks, quantity] pairs: O(limit). */
  levels(side: 'bids' | 'asks', limit = Number.POSITIVE_INFINITY): [number, number][] {
    const book = this[side];
    const ticks = side === 'bids' ? this.bidTicks.bestFirstDescending(limit) : this.askTicks.bestFirstAscending(limit);
    return ticks.map((t) => [t, book.get(t)!]);
  }

  formatPrice(ticks: number): string {
    return formatUnits(ticks * this.spec.tickUnits, this.spec.priceDecimals);
  }

  formatQuantity(units: number): string {
    return formatUnits(units, this.spec.quantityDecimals);
  }
}

/** Venues send one entry per price per event: keep the final quantity of each level, in first-seen order. */
function lastPerLevel(changes: LevelChange[]): LevelChange[] {
  if (changes.length < 2) return changes;
  const last = new Map<number, LevelChange>();
  for (const c of changes) {
    last.delete(c.ticks);
    last.set(c.ticks, c);
  }
  return last.size === changes.length ? changes : [...last.values()];
}

/** Integers kept sorted ascending; inserts and removes by binary search (books are small, splices cheap). */
class SortedTicks {
  private readonly values: number[] = [];

  private lowerBound(v: number): number {
    let lo = 0;
    let hi = this.values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.values[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(v: number): void {
    this.values.splice(this.lowerBound(v), 0, v);
  }

  remove(v: number): void {
    const i = this.lowerBound(v);
    if (this.values[i] === v) this.values.splice(i, 1);
  }

  first(): number {
    return this.values[0];
  }

  last(): number {
    return this.values[this.values.length - 1];
  }

  bestFirstAscending(limit: number): number[] {
    return this.values.slice(0, Math.min(limit, this.values.length));
  }

  bestFirstDescending(limit: number): number[] {
    const n = this.values.length;
    const m = Math.min(limit, n);
    const out = new Array<number>(m);
    for (let i = 0; i < m; i++) out[i] = this.values[n - 1 - i];
    return out;
  }
}
