import type { BookSequencer, SequenceVerdict } from '../kit/book-sequencer.js';
import type { BookFrame } from '../kit/venue-frame.js';

/**
 * One Hyperliquid `l2Book` subscription. The venue's rule (docs, websocket/subscriptions: `WsBook`
 * `{coin, levels: [Array<WsLevel>, Array<WsLevel>], time}`) is that every message is the whole top of
 * the book: "Every message is a full picture: replace both sides; no sequence number, no deltas, no
 * checksum". So:
 * - every message replaces the book (`snapshot`): there is nothing to chain, and a missed message
 *   costs nothing because the next one is complete;
 * - no gap can be detected and none is ever reported; staleness (no message for
 *   `HYPERLIQUID_STALE_AFTER_MS`) is the only failure, and the book engine's age check reports it;
 * - a message whose `time` is older than the last applied one is a late or repeated picture (two
 *   connections during a rollover, a replay): applying it would move the book back in time, so it is
 *   dropped as a duplicate. An equal `time` is the same block's picture again: also a duplicate.
 * After `reset()` (a resubscription or reconnect) any picture is accepted, whatever its time.
 */
export class HyperliquidBookSequencer implements BookSequencer {
  private lastTime: number | undefined;

  check(frame: BookFrame): SequenceVerdict {
    if (this.lastTime !== undefined && frame.updateId <= this.lastTime) return { type: 'duplicate' };
    return { type: 'snapshot' };
  }

  applied(frame: BookFrame): void {
    this.lastTime = frame.updateId;
  }

  reset(): void {
    this.lastTime = undefined;
  }

  get lastUpdateId(): number | undefined {
    return this.lastTime;
  }
}
