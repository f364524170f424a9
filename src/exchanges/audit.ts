/**
 * Book audits, venue-agnostic parts: how often, and which book next. A connector builds the shadow
 * copy its own way (exactly as its resync would) and hands it to `MarketSink.openAudit`.
 */

/** Each live book is audited about this often (0 disables audits). */
export const DEFAULT_AUDIT_INTERVAL_MS = 10 * 60 * 1000;
/** An audit whose shadow has not met the live book by then is given up (the next one will try again). */
export const DEFAULT_AUDIT_TIMEOUT_MS = 2 * 60 * 1000;

export interface AuditSchedulerOptions {
  /** Each key is audited about once per interval; 0 (or less) disables the scheduler. */
  readonly intervalMs: number;
  /** Every key that may be audited, in a stable order (round-robin follows it). */
  readonly keys: () => readonly string[];
  /** Whether `key` can be audited now (e.g. its book is live). */
  readonly eligible: (key: string) => boolean;
  /** Whether an audit is still running (one at a time). */
  readonly busy: () => boolean;
  /** Starts an audit of `key`. */
  readonly start: (key: string) => void;
}

/**
 * Picks the next book to audit, round-robin, one at a time, spreading the audits evenly over the
 * interval: with n books, one starts every interval / n, so the venue's request weight is spent
 * evenly rather than in a burst.
 */
export class AuditScheduler {
  private cursor = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly options: AuditSchedulerOptions) {}

  get enabled(): boolean {
    return this.options.intervalMs > 0;
  }

  start(): void {
    if (!this.enabled || this.running) return;
    this.running = true;
    this.schedule();
  }

  /** The key the next audit would take (advancing the round-robin), or undefined if none is eligible. */
  next(): string | undefined {
    const keys = this.options.keys();
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(this.cursor + i) % keys.length];
      if (this.options.eligible(key)) {
        this.cursor = (this.cursor + i + 1) % keys.length;
        return key;
      }
    }
    return undefined;
  }

  /** How long between two audit starts with `count` books. */
  spacingMs(count: number): number {
    return this.options.intervalMs / Math.max(1, count);
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.tick(), this.spacingMs(this.options.keys().length));
    this.timer.unref();
  }

  private tick(): void {
    if (!this.running) return;
    if (!this.options.busy()) {
      const key = this.next();
      if (key !== undefined) this.options.start(key);
    }
    this.schedule();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }
}
