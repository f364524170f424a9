/** Refused WebSocket handshakes: counted by reason, and logged without letting a flood flood the log. */
import type { Logger } from '../../log.js';

export const REJECTION_REASONS = ['unauthorized', 'origin', 'per_ip', 'full', 'rate'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** At most one log line per reason this often; the lines in between are counted in the next one. */
export const DEFAULT_REJECTION_LOG_INTERVAL_MS = 10_000;

export class Rejections {
  private readonly counts: Record<RejectionReason, number> = {
    unauthorized: 0,
    origin: 0,
    per_ip: 0,
    full: 0,
    rate: 0,
  };
  private readonly lastLogged = new Map<RejectionReason, number>();
  private readonly unlogged = new Map<RejectionReason, number>();

  constructor(
    private readonly log: Logger,
    private readonly logIntervalMs = DEFAULT_REJECTION_LOG_INTERVAL_MS,
  ) {}

  /** Handshakes refused since start, by reason. */
  get byReason(): Readonly<Record<RejectionReason, number>> {
    return this.counts;
  }

  /** Counts a refusal, and logs it at info unless one of the same reason was logged lately. */
  record(reason: RejectionReason, address: string, message: string, now = Date.now()): void {
    this.counts[reason]++;
    const last = this.lastLogged.get(reason);
    if (last !== undefined && now - last < this.logIntervalMs) {
      this.unlogged.set(reason, (this.unlogged.get(reason) ?? 0) + 1);
      return;
    }
    const suppressed = this.unlogged.get(reason) ?? 0;
    this.lastLogged.set(reason, now);
    this.unlogged.delete(reason);
    this.log.info({ reason, remote: address, ...(suppressed > 0 ? { suppressed } : {}) }, `client refused: ${message}`);
  }
}
