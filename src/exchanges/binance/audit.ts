import type { AuditSession, BookAuditResult } from '../../core/sink.js';
import type { BookDeltaEvent } from '../../core/types.js';
import { newCounters } from '../connector.js';
import { BinanceBookSync, type DepthSnapshot, type SnapshotRequester } from './book-sync.js';

/**
 * One audit of one Binance book: a shadow `BinanceBookSync` built exactly as a resync would build the
 * live one (buffer the stream, fresh REST snapshot, the same sequencing rules), fed the same events as
 * the live sync. Its book events go to the audit session's detached book; its status calls go nowhere
 * (the shadow is nobody's book). Once shadow and live have applied the same `u`, they are compared.
 */
export class BinanceBookAudit {
  private readonly shadow: BinanceBookSync;
  private done = false;

  constructor(
    readonly symbol: string,
    private readonly session: AuditSession,
    requestSnapshot: SnapshotRequester,
    readonly startedAt: number,
  ) {
    this.shadow = new BinanceBookSync(
      symbol,
      { book: (event) => session.book(event), bookResyncing: () => undefined },
      requestSnapshot,
      // The shadow's gaps and duplicates are the live sync's too: count them once, there.
      newCounters(),
    );
  }

  get finished(): boolean {
    return this.done;
  }

  /** Feeds the event the live sync has just processed; the result once shadow and live meet. */
  onDelta(event: BookDeltaEvent, live: BinanceBookSync): BookAuditResult | undefined {
    if (this.done) return undefined;
    this.shadow.onDelta(event);
    return this.compareIfMet(live);
  }

  onSnapshot(snapshot: DepthSnapshot, live: BinanceBookSync): BookAuditResult | undefined {
    if (this.done) return undefined;
    this.shadow.onSnapshot(snapshot);
    return this.compareIfMet(live);
  }

  private compareIfMet(live: BinanceBookSync): BookAuditResult | undefined {
    if (!this.shadow.isLive || !live.isTrusted) return undefined;
    if (this.shadow.lastUpdateId !== live.lastUpdateId) return undefined;
    this.done = true;
    return this.session.compare();
  }

  /** Gives up (the live book resynced, a connection dropped, the connector stopped, or it took too long). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.session.abort();
  }
}
