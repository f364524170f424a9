import type { MarketModel } from './market.js';

export type BookSide = 'bids' | 'asks';
/** One level in model units: [ticks, quantity]; quantity 0 means the level left the window. */
export type TickLevel = [number, number];

/**
 * The top `depth` levels a side that a venue's subscribers hold for one book (a venue's depth-limited
 * topic), following a MarketModel: each `advance` says which levels a subscriber must change so that its
 * window equals the model's top levels again. The window is always a copy of `model.levels`, so its
 * levels are best first.
 */
export class DepthWindow {
  private readonly model: MarketModel;
  readonly depth: number;
  private readonly window: Record<BookSide, Map<number, number>> = { bids: new Map(), asks: new Map() };

  constructor(model: MarketModel, depth: number) {
    this.model = model;
    this.depth = depth;
    this.reset();
  }

  /** Takes the model's top levels as they are now, reporting nothing: what a fresh snapshot carries. */
  reset(): void {
    this.window.bids = new Map(this.model.levels('bids', this.depth));
    this.window.asks = new Map(this.model.levels('asks', this.depth));
  }

  /**
   * Moves one side to the model's top levels; returns the levels whose quantity changed or that entered
   * (best first), then those that left the window (quantity 0).
   */
  advance(side: BookSide): TickLevel[] {
    const next = new Map(this.model.levels(side, this.depth));
    const previous = this.window[side];
    const changes: TickLevel[] = [];
    for (const [ticks, quantity] of next) if (previous.get(ticks) !== quantity) changes.push([ticks, quantity]);
    for (const ticks of previous.keys()) if (!next.has(ticks)) changes.push([ticks, 0]);
    this.window[side] = next;
    return changes;
  }

  /** The window's levels, best first, at most `limit`. */
  levels(side: BookSide, limit = this.depth): TickLevel[] {
    return [...this.window[side]].slice(0, limit);
  }
}
