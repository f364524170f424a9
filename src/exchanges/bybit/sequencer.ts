import { type BookSequencer, IdChainSequencer } from '../kit/book-sequencer.js';

/**
 * Bybit v5 `orderbook.{depth}.{symbol}`, one subscription's rule:
 * - "If you receive a new snapshot message, you will have to reset your local orderbook": any snapshot
 *   replaces the book, whatever its `u` (`u` = 1 after a venue-side restart);
 * - "after a successful subscribe you receive a snapshot": a delta before it has no base (wait);
 * - `u` rises by exactly 1 per message per topic: `u` ≤ the last one was already applied (duplicate),
 *   `u` = last + 1 applies, anything else is a gap — repaired only by a fresh subscription.
 */
export function bybitSequencer(): BookSequencer {
  return new IdChainSequencer((frame, last, applied) => {
    // Lower than the last `u`: a message already applied — or, if we never applied that `u`, an id we
    // took was not the venue's, and only a fresh subscription can tell.
    if (frame.updateId <= last.updateId) {
      return applied(frame.updateId)
        ? { type: 'duplicate' }
        : { type: 'gap', expected: `u ${last.updateId + 1}`, got: `u ${frame.updateId} (never applied)` };
    }
    if (frame.updateId === last.updateId + 1) return { type: 'apply' };
    return { type: 'gap', expected: `u ${last.updateId + 1}`, got: `u ${frame.updateId}` };
  });
}
