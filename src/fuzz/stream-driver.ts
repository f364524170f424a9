import type { MarketSink } from '../core/sink.js';
import type { MarketPipeline } from '../pipeline/pipeline.js';
import { SeededRandom } from '../sim/random.js';
import { type ComparisonTally, newTally } from './compare.js';
import { toTree, writeTree } from './json-text.js';
import { knownIssueOf } from './known-issues.js';
import {
  corruptFrame,
  FRAME_CORRUPTIONS,
  type FrameCorruption,
  type FrameShape,
  randomText,
  VENUE_VARIATIONS,
  type VenueVariation,
  varyFrame,
} from './mutate.js';

/** Chance that the venue sends a book frame in a valid variation. */
export const DEFAULT_VARIATION_RATE = 0.1;
/** Chance that a frame is corrupted, lost, duplicated or delayed on its way. */
export const DEFAULT_FAULT_RATE = 0.05;
/** Chance that a junk frame (unknown event, random text) is slipped in before a frame. */
export const DEFAULT_JUNK_RATE = 0.004;
/** Levels compared a side on each comparison (at most FlowRS's trusted depth). */
export const DEFAULT_COMPARE_DEPTH = 50;
/** Every this many comparisons, the whole trusted depth is compared. */
export const DEFAULT_FULL_COMPARE_EVERY = 50;

export const DELIVERY_FAULTS = ['dropped', 'duplicated', 'reordered'] as const;
export type DeliveryFault = (typeof DELIVERY_FAULTS)[number];

export interface StreamOptions {
  readonly seed: number;
  /** Frames to deliver (the run ends there, mid-pass if need be). */
  readonly frames: number;
  readonly variationRate?: number;
  readonly faultRate?: number;
  readonly junkRate?: number;
  readonly compareDepth?: number;
  readonly fullCompareEvery?: number;
  /** Stop after this many failures. */
  readonly maxFailures?: number;
  /** Count known FlowRS issues (src/fuzz/known-issues.ts) as failures too. */
  readonly strict?: boolean;
}

export interface FuzzFailure {
  readonly venue: string;
  readonly seed: number;
  /** Index of the delivered frame after which the property failed (0-based, over the whole run). */
  readonly frame: number;
  readonly pass: number;
  readonly fixture: string;
  /** Index of the frame in its recording. */
  readonly recordedFrame: number;
  readonly kind: 'crash' | 'mismatch';
  readonly message: string;
  /** What the fuzzer did to the frame last delivered. */
  readonly mutations: readonly string[];
  /** The frame last delivered (cut to 300 characters). */
  readonly text: string;
  /** The id of the known issue this is (not counted as a failure unless strict). */
  readonly knownIssue?: string;
}

export interface VenueStats {
  frames: number;
  mutated: number;
  dropped: number;
  rejected: number;
  resyncs: number;
  snapshots: number;
  referenceBreaks: number;
  passes: number;
  crashes: number;
  tally: ComparisonTally;
  byMutation: Record<string, number>;
  /** The first frame after which a book was live at an update id the venue never sent (see ComparisonTally). */
  firstForeignIdFrame?: number;
  durationMs: number;
}

/** One pass over one recording, with fresh FlowRS and reference state. */
export interface Pass {
  readonly fixture: string;
  readonly length: number;
  readonly shape: FrameShape;
  /** The shape of non-book frames the parser still reads (trades), for corruptions. */
  readonly otherShape: FrameShape;
  originalText(i: number): string;
  isBookFrame(i: number): boolean;
  /** The venue sends frame `i` (its text if it varied from the recording); its own book follows it. */
  venueSends(i: number, variedText: string | undefined): void;
  /** Frames the harness itself must send before recorded frame `i` (recovery snapshots, REST answers). */
  beforeFrame(i: number, deliver: (text: string, labels: readonly string[]) => void): void;
  /** What the harness did to the last snapshot it sent (for failure reports). */
  lastMutations(): readonly string[];
  /** Runs the frame through FlowRS (may throw: a crash) and through the reference (must not throw). */
  deliverToFlowrs(text: string): void;
  deliverToReference(text: string): void;
  /** Compares every book changed since the last call; the first difference, or undefined. */
  compare(tally: ComparisonTally, depth: number): string | undefined;
  /** Counters to add to the venue's stats at the end of the pass. */
  finish(): { rejected: number; resyncs: number; snapshots: number; referenceBreaks: number };
  /** A junk frame of this venue: an unknown event type. */
  unknownEventFrame(rng: SeededRandom): string;
}

/**
 * Puts something between the sequencer and the pipeline: for the fuzzer's own tests, which break FlowRS
 * on purpose to prove that the comparisons catch it.
 */
export type SinkWrapper = (pipeline: MarketPipeline) => Pick<MarketSink, 'book' | 'bookResyncing'>;

export interface VenueAdapter {
  readonly venue: string;
  readonly recordings: number;
  createPass(recording: number, snapshotRng: SeededRandom): Pass;
}

/** Seeds one venue's two random streams: frame mutations, and the harness's own timing (snapshots). */
function rngs(seed: number, venue: string): { frames: SeededRandom; harness: SeededRandom } {
  let h = seed >>> 0;
  for (const c of venue) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return { frames: new SeededRandom(h ^ 0x5bd1e995), harness: new SeededRandom(h ^ 0x27d4eb2f) };
}

function pick<T>(rng: SeededRandom, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)];
}

interface Scheduled {
  readonly at: number;
  readonly text: string;
  readonly labels: readonly string[];
}

/**
 * Feeds mutated recorded frames through FlowRS and the reference, pass after pass, and checks the
 * property after every delivered frame. Never throws for a FlowRS exception: that is a failure.
 */
export function runStream(
  adapter: VenueAdapter,
  options: StreamOptions,
): { stats: VenueStats; failures: FuzzFailure[]; knownIssues: FuzzFailure[] } {
  const started = performance.now();
  const { frames: rng, harness } = rngs(options.seed, adapter.venue);
  const variationRate = options.variationRate ?? DEFAULT_VARIATION_RATE;
  const faultRate = options.faultRate ?? DEFAULT_FAULT_RATE;
  const junkRate = options.junkRate ?? DEFAULT_JUNK_RATE;
  const compareDepth = options.compareDepth ?? DEFAULT_COMPARE_DEPTH;
  const fullEvery = options.fullCompareEvery ?? DEFAULT_FULL_COMPARE_EVERY;
  const maxFailures = options.maxFailures ?? 1;
  const stats: VenueStats = {
    frames: 0,
    mutated: 0,
    dropped: 0,
    rejected: 0,
    resyncs: 0,
    snapshots: 0,
    referenceBreaks: 0,
    passes: 0,
    crashes: 0,
    tally: newTally(),
    byMutation: {},
    durationMs: 0,
  };
  const failures: FuzzFailure[] = [];
  const knownIssues: FuzzFailure[] = [];
  /** Records a failure; a known issue ends only its pass, anything else counts towards stopping the run. */
  const record = (failure: FuzzFailure): void => {
    const known = options.strict ? undefined : knownIssueOf(failure);
    if (known) knownIssues.push({ ...failure, knownIssue: known.id });
    else failures.push(failure);
  };
  const count = (label: string) => {
    stats.byMutation[label] = (stats.byMutation[label] ?? 0) + 1;
  };

  while (stats.frames < options.frames && failures.length < maxFailures) {
    const pass = adapter.createPass(stats.passes % adapter.recordings, harness);
    const passIndex = stats.passes++;
    let recorded = 0;
    let broken = false;
    const later: Scheduled[] = [];

    const deliver = (text: string, labels: readonly string[]): void => {
      if (broken || stats.frames >= options.frames) return;
      const frame = stats.frames++;
      if (labels.length > 0) stats.mutated++;
      for (const l of labels) count(l);
      const fail = (kind: FuzzFailure['kind'], message: string) => {
        record({
          venue: adapter.venue,
          seed: options.seed,
          frame,
          pass: passIndex,
          fixture: pass.fixture,
          recordedFrame: recorded,
          kind,
          message,
          mutations: labels,
          text: text.slice(0, 300),
        });
        broken = true;
      };
      try {
        pass.deliverToFlowrs(text);
      } catch (error) {
        stats.crashes++;
        fail('crash', `an exception escaped FlowRS: ${(error as Error)?.stack ?? String(error)}`);
        return;
      }
      pass.deliverToReference(text);
      check(fail);
    };

    const check = (fail: (kind: FuzzFailure['kind'], message: string) => void): void => {
      const full = fullEvery > 0 && (stats.tally.comparisons + 1) % fullEvery === 0;
      const foreign = stats.tally.liveAtForeignId;
      const difference = pass.compare(stats.tally, full ? Number.POSITIVE_INFINITY : compareDepth);
      if (stats.tally.liveAtForeignId > foreign) stats.firstForeignIdFrame ??= stats.frames - 1;
      if (difference !== undefined) fail('mismatch', difference);
    };

    for (recorded = 0; recorded < pass.length && !broken && stats.frames < options.frames; recorded++) {
      const i = recorded;
      // Answers the harness owes FlowRS first (REST snapshots, fresh subscriptions), compared as they land.
      try {
        pass.beforeFrame(i, deliver);
      } catch (error) {
        stats.crashes++;
        record({
          venue: adapter.venue,
          seed: options.seed,
          frame: stats.frames,
          pass: passIndex,
          fixture: pass.fixture,
          recordedFrame: i,
          kind: 'crash',
          message: `an exception escaped FlowRS while it took a snapshot: ${(error as Error)?.stack ?? String(error)}`,
          mutations: ['snapshot', ...pass.lastMutations()],
          text: '',
        });
        broken = true; // this pass's state is unknown now: nothing more goes through it
        break;
      }
      check((kind, message) => {
        record({
          venue: adapter.venue,
          seed: options.seed,
          frame: stats.frames,
          pass: passIndex,
          fixture: pass.fixture,
          recordedFrame: i,
          kind,
          message: `after a snapshot: ${message}`,
          mutations: ['snapshot'],
          text: '',
        });
        broken = true;
      });
      if (broken) break;

      const original = pass.originalText(i);
      const book = pass.isBookFrame(i);
      let text = original;
      const labels: string[] = [];
      if (book && rng.chance(variationRate)) {
        const tree = toTree(JSON.parse(original));
        let space = '';
        for (let n = rng.int(1, 2); n > 0; n--) {
          const kind: VenueVariation = pick(rng, VENUE_VARIATIONS);
          space = varyFrame(tree, pass.shape, kind, rng) || space;
          labels.push(kind);
        }
        text = writeTree(tree, space);
      }
      pass.venueSends(i, text === original ? undefined : text);

      if (rng.chance(junkRate)) {
        deliver(rng.chance(0.5) ? pass.unknownEventFrame(rng) : randomText(rng, rng.int(0, 200)), ['junk_frame']);
      }

      let fate: FrameCorruption | (typeof DELIVERY_FAULTS)[number] | undefined;
      if (rng.chance(faultRate)) fate = rng.chance(0.35) ? pick(rng, DELIVERY_FAULTS) : pick(rng, FRAME_CORRUPTIONS);
      if (fate === 'dropped') {
        stats.dropped++;
        count('dropped');
      } else if (fate === 'duplicated') {
        deliver(text, labels);
        later.push({ at: i + rng.int(0, 5), text, labels: [...labels, 'duplicated'] });
      } else if (fate === 'reordered') {
        later.push({ at: i + rng.int(1, 3), text, labels: [...labels, 'reordered'] });
      } else if (fate !== undefined) {
        let tree: ReturnType<typeof toTree>;
        try {
          tree = toTree(JSON.parse(text));
        } catch {
          tree = { kind: 'string', value: text };
        }
        const corrupted = corruptFrame(tree, text, book ? pass.shape : pass.otherShape, fate, rng);
        deliver(corrupted, corrupted === text ? labels : [...labels, fate]);
      } else {
        deliver(text, labels);
      }
      // Delayed and repeated frames whose turn has come, in the order they were held back.
      for (let k = 0; k < later.length; ) {
        if (later[k].at <= i) {
          const [item] = later.splice(k, 1);
          deliver(item.text, item.labels);
        } else {
          k++;
        }
      }
    }
    for (const item of later) deliver(item.text, item.labels);
    const counts = pass.finish();
    stats.rejected += counts.rejected;
    stats.resyncs += counts.resyncs;
    stats.snapshots += counts.snapshots;
    stats.referenceBreaks += counts.referenceBreaks;
  }
  stats.durationMs = Math.round(performance.now() - started);
  return { stats, failures, knownIssues };
}
