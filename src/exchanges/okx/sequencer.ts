import type { BookSequencer, SequenceVerdict } from '../kit/book-sequencer.js';
import type { BookFrame } from '../kit/venue-frame.js';

/**
 * Recent applied steps (`prevSeqId → seqId`) remembered to recognise a re-sent message as a duplicate.
 * A connection overlap (rollover) or a replay repeats the last few messages; older ones cannot come back.
 */
export const DEFAULT_OKX_DUPLICATE_MEMORY = 64;

/** The `prevSeqId` of a snapshot: "for snapshots, prevSeqId = -1" (kept distinct from 0, a valid id). */
export const OKX_SNAPSHOT_PREV_SEQ_ID = -1;

/** The last applied message, as the sequencer needs it. */
interface Applied {
  readonly seqId: number;
  readonly snapshot: boolean;
  /** False for a stream without `seqId`/`prevSeqId` (recorded before OKX added them). */
  readonly sequenced: boolean;
}

/**
 * One OKX `books` subscription's sequencing, pure. The rules, from OKX's "Sequence ID" section:
 *
 * - "for snapshots, prevSeqId = -1": a snapshot (in-band, or the REST one) replaces the book.
 * - "prevSeqId matches with the previous message's seqId": an update applies iff its `prevSeqId`
 *   equals the last applied `seqId`. Steps are not +1. This one rule also accepts the two documented
 *   exceptions: "message with empty asks and bids ... seqId same as last message, prevSeqId equals
 *   seqId" (the ~60 s heartbeat), and "Sequence may reset after maintenance ... incremental message with
 *   smaller seqId than prevSeqId" (`prevSeqId=15, seqId=3`).
 * - Right after a snapshot, the documented alignment rule for a REST snapshot also holds: "The first
 *   buffered event should satisfy the condition: stream prevSeqId <= snapshot seqId < stream seqId",
 *   and "discard any event where stream seqId is <= snapshot seqId" (already contained in it).
 * - Duplicates: OKX documents none, so FlowRS's rule is narrow on purpose. A message is a duplicate
 *   only when it is exactly a step already applied (same `prevSeqId` and `seqId`, among the last
 *   DEFAULT_OKX_DUPLICATE_MEMORY), or older than the snapshot just applied. A merely smaller `seqId`
 *   proves nothing: after a missed maintenance reset every following `seqId` is smaller than the last
 *   one, and dropping those as duplicates would freeze the book silently. So everything else is a gap.
 * - Unsequenced (legacy) streams: frames without `seqId`/`prevSeqId` (OKX before 2022-2023) cannot be
 *   chained: after an unsequenced snapshot every unsequenced update applies, and the book is verified
 *   by the venue's checksum alone (the connector checks it when non-zero). A sequenced stream that
 *   loses its sequence fields, or the reverse, is a gap.
 */
export class OkxBookSequencer implements BookSequencer {
  private last: Applied | undefined;
  /** `prevSeqId:seqId` of recent applied updates, oldest first. */
  private readonly recent: string[] = [];

  constructor(private readonly duplicateMemory = DEFAULT_OKX_DUPLICATE_MEMORY) {}

  check(frame: BookFrame): SequenceVerdict {
    if (frame.action === 'snapshot') return { type: 'snapshot' };
    const last = this.last;
    // "After subscribing to incremental order book data, first receive initial full snapshot."
    if (last === undefined) return { type: 'wait' };
    const prev = frame.prevUpdateId;
    if (prev === undefined) {
      // An unsequenced update follows only an unsequenced stream; its checksum is the only proof.
      return last.sequenced ? gap(last, frame) : { type: 'apply' };
    }
    if (!last.sequenced) return gap(last, frame);
    // "prevSeqId matches with the previous message's seqId" (also the heartbeat and the reset message).
    if (prev === last.seqId) return { type: 'apply' };
    if (last.snapshot) {
      // "stream prevSeqId <= snapshot seqId < stream seqId" (the REST snapshot may fall inside a message).
      if (prev >= 0 && prev <= last.seqId && last.seqId < frame.updateId) return { type: 'apply' };
      // "discard any event where stream seqId is <= snapshot seqId".
      if (frame.updateId <= last.seqId) return { type: 'duplicate' };
      return gap(last, frame);
    }
    if (this.recent.includes(stepKey(prev, frame.updateId))) return { type: 'duplicate' };
    return gap(last, frame);
  }

  applied(frame: BookFrame): void {
    const snapshot = frame.action === 'snapshot';
    // In-band and REST snapshots carry prevSeqId -1; only a legacy frame has no prevSeqId at all.
    const sequenced = frame.prevUpdateId !== undefined;
    this.last = { seqId: frame.updateId, snapshot, sequenced };
    if (snapshot) {
      this.recent.length = 0;
      return;
    }
    if (!sequenced) return;
    this.recent.push(stepKey(frame.prevUpdateId!, frame.updateId));
    if (this.recent.length > this.duplicateMemory) this.recent.shift();
  }

  reset(): void {
    this.last = undefined;
    this.recent.length = 0;
  }

  get lastUpdateId(): number | undefined {
    return this.last?.seqId;
  }
}

function stepKey(prevSeqId: number, seqId: number): string {
  return `${prevSeqId}:${seqId}`;
}

function gap(last: Applied, frame: BookFrame): SequenceVerdict {
  const got =
    frame.prevUpdateId === undefined
      ? `an unsequenced update (ts ${frame.updateId})`
      : `prevSeqId ${frame.prevUpdateId}, seqId ${frame.updateId}`;
  const expected = last.sequenced ? `prevSeqId ${last.seqId}` : 'an unsequenced update';
  return { type: 'gap', expected, got };
}
