import type { BookSequencer, SequenceVerdict } from '../kit/book-sequencer.js';
import type { BookFrame } from '../kit/venue-frame.js';

/**
 * Recent applied `pseq → seq` steps remembered to recognise a re-sent update as a duplicate (a
 * connection overlap or a replay repeats the last few; older ones cannot come back).
 */
export const DEFAULT_BITGET_DUPLICATE_MEMORY = 64;

interface Applied {
  readonly seq: number;
  readonly snapshot: boolean;
}

/**
 * One Bitget `books` subscription's sequencing, pure. The venue's words, and FlowRS's rule (an
 * inference where the docs are silent, marked so):
 *
 * - "The first push is a full snapshot (action: snapshot), subsequent pushes are incremental
 *   (action: update)": a snapshot always replaces the book, whatever its `seq` (after "symbol
 *   maintenance" a fresh snapshot may start a lower sequence); an update before any snapshot waits.
 * - `pseq`, where the update carries it: "The serial number of the previous push". Inference: an update
 *   applies iff `pseq === last seq`. An update that is exactly a step already applied (same `pseq` and
 *   `seq`, among the last DEFAULT_BITGET_DUPLICATE_MEMORY) or older than the snapshot just applied is a
 *   duplicate; anything else, including `pseq` 0 (the UTA docs' post-restart reset), is a gap.
 * - Without `pseq` (the classic table): "The seq of update incremental messages is incrementing except
 *   during symbol maintenance". Steps are not +1 (live steps of hundreds), so a lost update cannot be
 *   seen from `seq` alone. Inference: an update applies iff `seq > last seq`; `seq <= last seq` is a
 *   duplicate. A missed update is then detectable only by a non-zero checksum (verified by the
 *   connector), and a maintenance reset only by the fresh snapshot the venue sends after it.
 * Every gap is repaired by resubscribing the book (a new snapshot); nothing else can rebuild it.
 */
export class BitgetBookSequencer implements BookSequencer {
  private last: Applied | undefined;
  /** `pseq:seq` of recent applied updates, oldest first; cleared by a snapshot. */
  private readonly recent: string[] = [];

  constructor(private readonly duplicateMemory = DEFAULT_BITGET_DUPLICATE_MEMORY) {}

  check(frame: BookFrame): SequenceVerdict {
    if (frame.action === 'snapshot') return { type: 'snapshot' };
    const last = this.last;
    if (last === undefined) return { type: 'wait' };
    const pseq = frame.prevUpdateId;
    if (pseq === undefined) {
      // "incrementing except during symbol maintenance": a larger seq follows, anything else was seen.
      return frame.updateId > last.seq ? { type: 'apply' } : { type: 'duplicate' };
    }
    // "pseq: The serial number of the previous push".
    if (pseq === last.seq) return { type: 'apply' };
    if (this.recent.includes(stepKey(pseq, frame.updateId))) return { type: 'duplicate' };
    // Sent before the snapshot just applied (its content is already in it).
    if (last.snapshot && pseq !== 0 && frame.updateId <= last.seq) return { type: 'duplicate' };
    return { type: 'gap', expected: `pseq ${last.seq}`, got: `pseq ${pseq}, seq ${frame.updateId}` };
  }

  applied(frame: BookFrame): void {
    const snapshot = frame.action === 'snapshot';
    this.last = { seq: frame.updateId, snapshot };
    const pseq = frame.prevUpdateId;
    if (snapshot) {
      this.recent.length = 0;
      return;
    }
    if (pseq === undefined) return;
    this.recent.push(stepKey(pseq, frame.updateId));
    if (this.recent.length > this.duplicateMemory) this.recent.shift();
  }

  reset(): void {
    this.last = undefined;
    this.recent.length = 0;
  }

  get lastUpdateId(): number | undefined {
    return this.last?.seq;
  }
}

function stepKey(pseq: number, seq: number): string {
  return `${pseq}:${seq}`;
}
