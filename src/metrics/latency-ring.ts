/** Samples kept for percentiles (the original's 4,096-sample ring). */
export const LATENCY_SAMPLES = 4_096;

export interface LatencySummary {
  readonly count: number;
  readonly avg: number;
  readonly min: number;
  readonly max: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

/**
 * The last N latency samples in a preallocated ring: recording is one store and one increment,
 * with no allocation; percentiles are computed on demand (once a second) from a sorted copy.
 */
export class LatencyRing {
  private readonly samples: Float64Array;
  private readonly scratch: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(size = LATENCY_SAMPLES) {
    this.samples = new Float64Array(size);
    this.scratch = new Float64Array(size);
  }

  record(value: number): void {
    this.samples[this.next] = value;
    this.next = (this.next + 1) % this.samples.length;
    if (this.filled < this.samples.length) this.filled++;
  }

  summary(): LatencySummary {
    const n = this.filled;
    if (n === 0) return { count: 0, avg: 0, min: 0, max: 0, p50: 0, p95: 0, p99: 0 };
    const sorted = this.scratch.subarray(0, n);
    sorted.set(this.samples.subarray(0, n));
    sorted.sort();
    let sum = 0;
    for (let i = 0; i < n; i++) sum += sorted[i];
    const at = (p: number) => sorted[Math.min(n - 1, Math.ceil((p / 100) * n) - 1)];
    return { count: n, avg: sum / n, min: sorted[0], max: sorted[n - 1], p50: at(50), p95: at(95), p99: at(99) };
  }
}

/**
 * Cumulative bucket counts for a Prometheus histogram, kept by hand: recording is a short scan of the
 * bounds and one increment (prom-client's observe() does label handling on every call, which showed up
 * in the hot path). Written out in the text exposition format at scrape time.
 */
export class BucketHistogram {
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds, ascending, in the unit of recorded values. */
    readonly bounds: readonly number[],
    /** Multiplier from recorded values to the exposed unit (e.g. 1e-6 for µs → seconds). */
    private readonly scale = 1,
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  record(value: number): void {
    this.sum += value;
    this.count++;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        this.counts[i]++;
        return;
      }
    }
  }

  /** Prometheus text exposition (cumulative buckets). */
  exposition(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    let cumulative = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cumulative += this.counts[i];
      lines.push(`${this.name}_bucket{le="${this.bounds[i] * this.scale}"} ${cumulative}`);
    }
    lines.push(
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum * this.scale}`,
      `${this.name}_count ${this.count}`,
    );
    return `${lines.join('\n')}\n`;
  }
}
