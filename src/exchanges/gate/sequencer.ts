import { type BookSequencer, IdChainSequencer, type SequenceVerdict } from '../kit/book-sequencer.js';
import type { BookFrame } from '../kit/venue-frame.js';

/**
 * One `futures.obu` stream's rule. Gate (order book V2):
 * - "When subscribing to this channel, the first push is the full depth" and "the server may push the
 *   full depth again": a `full: true` message replaces the book whenever it comes, whatever its `u`
 *   (IdChainSequencer accepts every snapshot; an increment before the first one waits).
 * - "If `U` = local depth ID + 1, the depth is continuous: replace the local depth ID with `u`" and
 *   apply `b`/`a` (a size of "0" removes the level; an increment without `b`/`a` only moves the id).
 * - "If `U` ≠ local depth ID + 1, the depth data is not continuous: unsubscribe from the market and
 *   resubscribe to retrieve the initial depth": a gap, repaired by the connector base.
 * One refinement (FlowRS's): an increment whose `u` is at or below the last applied id carries nothing
 * the book lacks (a re-delivered message), so it is dropped as a duplicate instead of costing a resubscription.
 */
export function gateFollows(
  frame: BookFrame,
  last: BookFrame,
  applied: (id: number) => boolean = () => true,
): SequenceVerdict {
  if (frame.firstUpdateId === last.updateId + 1) return { type: 'apply' };
  // …but only if it is a message we applied: otherwise an id we took was not the venue's.
  if (frame.updateId <= last.updateId && applied(frame.updateId)) return { type: 'duplicate' };
  return { type: 'gap', expected: String(last.updateId + 1), got: String(frame.firstUpdateId) };
}

export function createGateSequencer(): BookSequencer {
  return new IdChainSequencer(gateFollows);
}
