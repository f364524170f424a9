import type { BookFrame } from './venue-frame.js';

/**
 * The verdict on a book message, given the last applied one (barter-data's sequencer pattern):
 * - `snapshot`: replace the book with it;
 * - `apply`: it follows the last applied message;
 * - `duplicate`: already applied (connection overlap, a replay): drop it;
 * - `wait`: no base yet on this subscription (the snapshot has not arrived): drop it;
 * - `gap`: something was missed: the book must be repaired.
 */
export type SequenceVerdict =
  | { readonly type: 'snapshot' }
  | { readonly type: 'apply' }
  | { readonly type: 'duplicate' }
  | { readonly type: 'wait' }
  | { readonly type: 'gap'; readonly expected: string; readonly got: string };

/**
 * One book's sequencing rule, with no sockets and no book: each venue writes one, quoting its
 * documented rule beside each step, and unit-tests it with frames alone. `check` never changes state;
 * the connector calls `applied` once the sink has taken the message, and `reset` after a resubscription
 * or a reconnect, when the next message must be a snapshot again.
 */
export interface BookSequencer {
  check(frame: BookFrame): SequenceVerdict;
  applied(frame: BookFrame): void;
  reset(): void;
  /** The last applied message's update id, or undefined before the first snapshot. */
  readonly lastUpdateId: number | undefined;
}

/**
 * Helper for the common case: a venue whose snapshots replace the book and whose updates are judged
 * against the last applied id by `follows`. Snapshots are always accepted (venues re-send them, and
 * after a venue restart their ids may go backwards); everything else waits for the first snapshot.
 */
export class IdChainSequencer implements BookSequencer {
  private last: BookFrame | undefined;

  constructor(
    /** `apply`, `duplicate` or `gap` for an update, given the last applied message. */
    private readonly follows: (frame: BookFrame, last: BookFrame) => SequenceVerdict,
  ) {}

  check(frame: BookFrame): SequenceVerdict {
    if (frame.action === 'snapshot') return { type: 'snapshot' };
    if (this.last === undefined) return { type: 'wait' };
    return this.follows(frame, this.last);
  }

  applied(frame: BookFrame): void {
    this.last = frame;
  }

  reset(): void {
    this.last = undefined;
  }

  get lastUpdateId(): number | undefined {
    return this.last?.updateId;
  }
}
