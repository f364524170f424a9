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
/** Applied ids a sequencer remembers to recognise a re-delivered message. */
const RECENT_IDS = 64;

export class IdChainSequencer implements BookSequencer {
  private last: BookFrame | undefined;
  /** The last applied update ids, so an id ≤ the last is called a duplicate only if it was applied. */
  private readonly recent: number[] = [];

  constructor(
    /**
     * `apply`, `duplicate` or `gap` for an update, given the last applied message; `applied(id)` says
     * whether `id` is an update this book applied (or older than every one it remembers).
     */
    private readonly follows: (frame: BookFrame, last: BookFrame, applied: (id: number) => boolean) => SequenceVerdict,
  ) {}

  check(frame: BookFrame): SequenceVerdict {
    if (frame.action === 'snapshot') return { type: 'snapshot' };
    if (this.last === undefined) return { type: 'wait' };
    return this.follows(frame, this.last, (id) => this.recent.includes(id) || id < Math.min(...this.recent));
  }

  applied(frame: BookFrame): void {
    // A snapshot starts a new history: ids from before it mean nothing now (they may even be higher).
    if (frame.action === 'snapshot') this.recent.length = 0;
    this.last = frame;
    this.recent.push(frame.updateId);
    if (this.recent.length > RECENT_IDS) this.recent.shift();
  }

  reset(): void {
    this.last = undefined;
    this.recent.length = 0;
  }

  get lastUpdateId(): number | undefined {
    return this.last?.updateId;
  }
}
