import { BookManager } from '../book/book-manager.js';
import { type ApplyOutcome, isUnhealthy, type ResyncReason } from '../core/sink.js';
import type { BookEvent } from '../core/types.js';
import { parseBybitFrame } from '../exchanges/bybit/parse.js';
import { bybitSequencer } from '../exchanges/bybit/sequencer.js';
import type { BookSequencer } from '../exchanges/kit/book-sequencer.js';
import { type BookFrame, bookEventOf } from '../exchanges/kit/venue-frame.js';
import { silentLogger } from '../log.js';
import { MarketPipeline } from '../pipeline/pipeline.js';
import type { SeededRandom } from '../sim/random.js';
import type { Recording } from '../sim/recording.js';
import { SAME_VALUE_VARIATIONS } from './binance-pass.js';
import { compareLiveBook } from './compare.js';
import { loadRecording } from './fixtures.js';
import { toTree, writeTree } from './json-text.js';
import { corruptFrame, type FrameCorruption, type FrameShape, varyFrame } from './mutate.js';
import { ReferenceBybitTopic, readBybitFrame } from './reference/bybit.js';
import type { Pass, SinkWrapper, VenueAdapter } from './stream-driver.js';
import { BybitVenueBook } from './venue-truth.js';

export const BYBIT_FUZZ_RECORDING = {
  name: 'bybit/cryptofeed_2026-08-09 (orderbook.200, 4 symbols)',
  file: 'bybit/cryptofeed_2026-08-09_v5_linear_orderbook200_trades.jsonl',
} as const;

/** Chance that a fresh subscription's snapshot is spelled differently (same values). */
export const RESUBSCRIBE_VARIATION_RATE = 0.05;
/** Chance that it carries an invalid level (the book must refuse it and ask again). */
export const RESUBSCRIBE_CORRUPTION_RATE = 0.04;
/** A fresh subscription's snapshot arrives this many recorded frames after the request, at most. */
export const MAX_RESUBSCRIBE_DELAY_FRAMES = 4;

/** Corruptions a fresh subscription's snapshot may carry: its content, never its arrival. */
const RESUBSCRIBE_CORRUPTIONS: readonly FrameCorruption[] = ['bad_decimal', 'negative_quantity', 'bad_level_shape'];

interface OrderbookInfo {
  readonly topic: string;
  readonly type: string;
  readonly ts: number;
  readonly data: { readonly s: string; readonly u: number; readonly b: unknown; readonly a: unknown };
}

function isObj(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function orderbookInfo(value: unknown): OrderbookInfo | undefined {
  if (!isObj(value) || typeof value.topic !== 'string' || !value.topic.startsWith('orderbook.')) return undefined;
  return value as unknown as OrderbookInfo;
}

let loaded: { recording: Recording; books: (OrderbookInfo | undefined)[]; topics: string[] } | undefined;

function recording() {
  if (loaded === undefined) {
    const rec = loadRecording(BYBIT_FUZZ_RECORDING.file);
    const books = rec.frames.map((f) => {
      try {
        return orderbookInfo(JSON.parse(f));
      } catch {
        return undefined;
      }
    });
    const topics = [...new Set(books.filter((b) => b !== undefined).map((b) => b.topic))];
    loaded = { recording: rec, books, topics };
  }
  return loaded;
}

function pick<T>(rng: SeededRandom, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)];
}

/**
 * Bybit: frames → `parseBybitFrame` → Bybit's sequencing rule (`bybitSequencer`, driven as the
 * subscription connector drives it: a snapshot replaces, `apply` applies, a gap or an unusable snapshot
 * repairs by subscribing afresh) → `MarketPipeline` → `BookManager`. A repair is answered, a few frames
 * later, by the snapshot a fresh subscription would start with, cut from the simulated venue's book.
 */
export function bybitAdapter(wrapSink?: SinkWrapper): VenueAdapter {
  const source = recording();
  return { venue: 'bybit', recordings: 1, createPass: (_index, harness) => createBybitPass(source, harness, wrapSink) };
}

function createBybitPass(source: ReturnType<typeof recording>, harness: SeededRandom, wrapSink?: SinkWrapper): Pass {
  const { recording: rec, books: recorded, topics } = source;
  const books = new BookManager({ now: () => 0 });
  const pipeline = new MarketPipeline(books, silentLogger);
  const dirty = new Set<string>();
  const counts = { rejected: 0, resyncs: 0, snapshots: 0, referenceBreaks: 0 };
  pipeline.subscribe({
    onBook: (book) => dirty.add(book.symbol),
    onResync: () => counts.resyncs++,
    onInvalidFrame: () => counts.rejected++,
  });
  const sink = wrapSink ? wrapSink(pipeline) : pipeline;
  let now = 0;
  const recoveries: { topic: string; at: number }[] = [];
  const sequencers = new Map<string, BookSequencer>();
  const topicOf = new Map<string, string>();
  const references = new Map<string, ReferenceBybitTopic>();
  const venue = new Map<string, BybitVenueBook>();
  const venueIds = new Map<string, Set<number>>();
  const symbolOf = new Map<string, string>();
  let lastMutations: string[] = [];
  for (const topic of topics) {
    const symbol = topic.split('.')[2];
    symbolOf.set(topic, symbol);
    topicOf.set(symbol, topic);
    sequencers.set(symbol, bybitSequencer());
    references.set(topic, new ReferenceBybitTopic(books.displayDepth));
    venue.set(topic, new BybitVenueBook(topic, symbol));
    venueIds.set(symbol, new Set());
  }
  for (const b of recorded) if (b) venueIds.get(symbolOf.get(b.topic) ?? '')?.add(b.data.u);
  const symbols = [...symbolOf.values()];

  const shape: FrameShape = {
    body: ['data'],
    ids: [['data', 'u']],
    fields: [['ts'], ['data', 's'], ['data', 'seq']],
    sides: [
      ['data', 'b'],
      ['data', 'a'],
    ],
    eventType: ['type'],
    // Books are routed by the message's symbol (`data.s`), as the connector does.
    route: ['data', 's'],
    misroute: (value, rng) => pick(rng, [value.toLowerCase(), `${value} `, '', ...symbols.filter((s) => s !== value)]),
  };
  const otherShape: FrameShape = {
    body: [],
    ids: [['ts']],
    fields: [['data'], ['type']],
    sides: [],
    eventType: ['type'],
    route: ['topic'],
    misroute: (value) => `${value}.x`,
  };

  /** Starts a fresh subscription (the connector unsubscribes, waits for the ack, subscribes again). */
  const repair = (symbol: string, reason: ResyncReason): void => {
    sink.bookResyncing('bybit', symbol, reason);
    sequencers.get(symbol)!.reset();
    const topic = topicOf.get(symbol)!;
    const pending = recoveries.findIndex((r) => r.topic === topic);
    if (pending >= 0) recoveries.splice(pending, 1); // a new repair replaces the one under way
    recoveries.push({ topic, at: now + harness.int(1, MAX_RESUBSCRIBE_DELAY_FRAMES) });
  };

  const event = (frame: BookFrame): BookEvent => bookEventOf('bybit', frame.symbol, frame, 0);

  /** The subscription connector's handling of a book message, step for step. */
  const onBook = (frame: BookFrame): void => {
    const sequencer = sequencers.get(frame.symbol);
    if (sequencer === undefined) return;
    const verdict = sequencer.check(frame);
    if (verdict.type === 'gap') {
      repair(frame.symbol, 'gap');
      return;
    }
    if (verdict.type !== 'snapshot' && verdict.type !== 'apply') return; // duplicate, or no base yet
    const outcome: ApplyOutcome = sink.book(event(frame));
    if (outcome === 'rejected') {
      // A snapshot the engine refused leaves no base; a refused update changes nothing (the next shows the gap).
      if (verdict.type === 'snapshot') {
        sequencer.reset();
        repair(frame.symbol, 'invalid_data');
      }
      return;
    }
    sequencer.applied(frame);
    if (isUnhealthy(outcome)) repair(frame.symbol, outcome);
  };

  const deliverToFlowrs = (text: string): void => {
    const frame = parseBybitFrame(text, 0);
    switch (frame.kind) {
      case 'book':
        onBook(frame);
        return;
      case 'trades':
        for (const t of frame.trades) {
          pipeline.trade({
            type: 'trade',
            exchange: 'bybit',
            symbol: frame.symbol,
            tradeId: t.tradeId,
            price: t.price,
            quantity: t.size,
            side: t.side,
            venueTs: t.venueTs,
            localTs: 0,
          });
        }
        return;
      case 'invalid':
        pipeline.invalidFrame('bybit', frame.reason, frame.detail);
        return;
      default:
        return;
    }
  };

  return {
    fixture: BYBIT_FUZZ_RECORDING.name,
    length: rec.frames.length,
    shape,
    otherShape,
    originalText: (i) => rec.frames[i],
    isBookFrame: (i) => recorded[i] !== undefined && venue.has(recorded[i]!.topic),
    venueSends: (i, variedText) => {
      const original = recorded[i];
      if (original === undefined) return;
      venue.get(original.topic)?.apply(variedText === undefined ? original : orderbookInfo(JSON.parse(variedText))!);
    },
    beforeFrame: (i, deliver) => {
      now = i;
      for (let k = 0; k < recoveries.length; ) {
        if (recoveries[k].at > i) {
          k++;
          continue;
        }
        const [{ topic }] = recoveries.splice(k, 1);
        const snapshot = venue.get(topic)!.snapshotText();
        if (snapshot === undefined) {
          recoveries.push({ topic, at: i + 1 });
          continue;
        }
        // Unsubscribe → ack → subscribe: the new subscription starts with the venue's book as it is now.
        let text = snapshot;
        const labels = ['resubscribe_snapshot'];
        if (harness.chance(RESUBSCRIBE_VARIATION_RATE)) {
          const tree = toTree(JSON.parse(text));
          const kind = pick(harness, SAME_VALUE_VARIATIONS);
          text = writeTree(tree, varyFrame(tree, shape, kind, harness));
          labels.push(kind);
        }
        if (harness.chance(RESUBSCRIBE_CORRUPTION_RATE)) {
          const kind = pick(harness, RESUBSCRIBE_CORRUPTIONS);
          text = corruptFrame(toTree(JSON.parse(text)), text, shape, kind, harness);
          labels.push(kind);
        }
        counts.snapshots++;
        lastMutations = labels;
        deliver(text, labels);
      }
    },
    lastMutations: () => lastMutations,
    deliverToFlowrs,
    deliverToReference: (text) => {
      const message = readBybitFrame(text);
      if (typeof message !== 'object') return;
      const reference = references.get(topicOf.get(message.symbol) ?? '');
      if (reference === undefined) return;
      reference.onMessage(message);
      dirty.add(message.symbol);
    },
    compare: (tally, depth) => {
      let difference: string | undefined;
      for (const symbol of dirty) {
        const book = books.get(`bybit:${symbol}`);
        const reference = references.get(topicOf.get(symbol) ?? '');
        if (book === undefined || reference === undefined) continue;
        difference = compareLiveBook(book, reference, depth, venueIds.get(symbol)!, tally);
        if (difference !== undefined) break;
      }
      dirty.clear();
      return difference;
    },
    finish: () => {
      for (const r of references.values()) counts.referenceBreaks += r.breaks;
      return counts;
    },
    unknownEventFrame: (rng) =>
      JSON.stringify({ topic: pick(rng, ['fuzz.topic', 'orderbookX.200.BTCUSDT']), type: 'delta', ts: 1, data: {} }),
  };
}
