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
