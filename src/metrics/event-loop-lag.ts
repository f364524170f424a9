/** How often the lag sampler wakes. */
export const LAG_SAMPLE_MS = 20;

/**
 * Event-loop lag, measured directly: a timer asks to run every LAG_SAMPLE_MS and records how late it
 * actually ran. Anything that blocks the loop (a long parse, a GC pause, a burst of sends) shows up
 * here, because every venue frame and client message waits behind it.
 */
export class EventLoopLag {
  private readonly samples: number[] = [];
  private last = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      const now = performance.now();
      this.samples.push(Math.max(0, now - this.last - LAG_SAMPLE_MS));
      this.last = now;
    }, LAG_SAMPLE_MS);
    this.timer.unref();
  }

  /** p50/p99/max lag (ms) since the previous call. */
  take(): { p50: number; p99: number; max: number } {
    const s = this.samples.splice(0).sort((a, b) => a - b);
    if (s.length === 0) return { p50: 0, p99: 0, max: 0 };
    const at = (p: number) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
    return { p50: at(50), p99: at(99), max: s[s.length - 1] };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
