import { BookManager } from '../book/book-manager.js';
import { BINANCE_SNAPSHOT_LIMIT, BinanceBookSync } from '../exchanges/binance/book-sync.js';
import { parseBinanceDepthSnapshot, parseBinanceFrame } from '../exchanges/binance/parse.js';
import { newCounters } from '../exchanges/connector.js';
import { silentLogger } from '../log.js';
import { MarketPipeline } from '../pipeline/pipeline.js';
import type { SeededRandom } from '../sim/random.js';
import type { Recording } from '../sim/recording.js';
import { compareLiveBook } from './compare.js';
import { loadRecording } from './fixtures.js';
import { toTree, writeTree } from './json-text.js';
import { corruptFrame, type FrameCorruption, type FrameShape, type VenueVariation, varyFrame } from './mutate.js';
import { ReferenceBinanceSymbol, readBinanceFrame, readBinanceSnapshot } from './reference/binance.js';
import type { Pass, SinkWrapper, VenueAdapter } from './stream-driver.js';
import { BinanceVenueBook } from './venue-truth.js';

/** The recorded Binance sessions, each with the REST answers fetched alongside. */
export const BINANCE_FUZZ_RECORDINGS: readonly { readonly name: string; readonly files: readonly string[] }[] = [
  {
    name: 'binance/cryptofeed_2021-07-22 (4 symbols)',
    files: [
      'binance/cryptofeed_2021-07-22_combined_4sym.ws.txt',
      'binance/cryptofeed_2021-07-22_depth_snapshots.http.txt',
    ],
  },
  {
    name: 'binance/hftbacktest_ethusdt_2024-08-08',
    files: ['binance/hftbacktest_ethusdt_2024-08-08_part1_all_streams.txt'],
  },
  {
    name: 'binance/hftbacktest_btcusdt_2024-08-08',
    files: ['binance/hftbacktest_btcusdt_2024-08-08_snapshot_and_depth.txt'],
  },
];

/** Chance that a REST answer is an older one than requested (a slow or cached answer). */
export const STALE_SNAPSHOT_RATE = 0.05;
/** Chance that a REST answer is spelled differently (same values). */
export const SNAPSHOT_VARIATION_RATE = 0.05;
/** Chance that a REST answer is corrupted. */
export const SNAPSHOT_CORRUPTION_RATE = 0.04;

/** Variations of a REST answer that keep its values. */
export const SAME_VALUE_VARIATIONS: readonly VenueVariation[] = [
  'respell_decimals',
  'reorder_fields',
  'escaped_characters',
  'duplicate_key_last_valid',
  'unknown_fields',
  'extra_level_element',
  'whitespace',
  'exponent_id_same_value',
];

export const SNAPSHOT_CORRUPTIONS: readonly FrameCorruption[] = [
  'truncated',
  'wrong_type',
  'bad_decimal',
  'negative_quantity',
  'huge_id',
  'bad_level_shape',
  'not_an_object',
  'invalid_json_text',
];

interface DepthInfo {
  readonly symbol: string;
  readonly U: number;
  readonly u: number;
  readonly pu: number;
  readonly E: number;
  readonly b: unknown;
  readonly a: unknown;
}

interface LoadedRecording {
  readonly name: string;
  readonly recording: Recording;
  /** Per frame: its depth event when it is one. */
  readonly depth: (DepthInfo | undefined)[];
}

function isObj(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The depth event of a recorded (valid) frame, or undefined for other frames. */
function depthInfo(value: unknown): DepthInfo | undefined {
  if (!isObj(value)) return undefined;
  const data = typeof value.stream === 'string' && 'data' in value ? value.data : value;
  if (!isObj(data) || data.e !== 'depthUpdate') return undefined;
  const { s, U, u, pu, E, b, a } = data as {
    s: string;
    U: number;
    u: number;
    pu: number;
    E: number;
    b: unknown;
    a: unknown;
  };
  return { symbol: s, U, u, pu, E, b, a };
}

let loaded: LoadedRecording[] | undefined;

function recordings(): LoadedRecording[] {
  loaded ??= BINANCE_FUZZ_RECORDINGS.map(({ name, files }) => {
    const recording = loadRecording(...files);
    return {
      name,
      recording,
      depth: recording.frames.map((f) => {
        try {
          return depthInfo(JSON.parse(f));
        } catch {
          return undefined;
        }
      }),
    };
  });
  return loaded;
}

function pick<T>(rng: SeededRandom, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)];
}

const SNAPSHOT_SHAPE: FrameShape = {
  body: [],
  ids: [['lastUpdateId']],
  fields: [['E'], ['T']],
  sides: [['bids'], ['asks']],
  eventType: ['lastUpdateId'],
  route: ['E'],
  misroute: (v) => v,
};

/**
 * Binance: frames → `parseBinanceFrame` → `BinanceBookSync` (REST answers cut from the simulated venue's
 * book, handed over a few frames after it asks, as the connector does) → `MarketPipeline` → `BookManager`.
 */
export function binanceAdapter(wrapSink?: SinkWrapper): VenueAdapter {
  const all = recordings();
  return {
    venue: 'binance',
    recordings: all.length,
    createPass: (index, harness) => createBinancePass(all[index], harness, wrapSink),
  };
}

function createBinancePass(source: LoadedRecording, harness: SeededRandom, wrapSink?: SinkWrapper): Pass {
  const { recording } = source;
  const symbols = [...recording.snapshots.keys()];
  const books = new BookManager({ now: () => 0 });
  const pipeline = new MarketPipeline(books, silentLogger);
  const dirty = new Set<string>();
  const counts = { rejected: 0, resyncs: 0, snapshots: 0, referenceBreaks: 0 };
  pipeline.subscribe({
    onBook: (book) => dirty.add(book.symbol),
    onResync: () => counts.resyncs++,
    onInvalidFrame: () => counts.rejected++,
  });
  const counters = newCounters();
  const sink = wrapSink ? wrapSink(pipeline) : pipeline;
  let now = 0;
  const requests: { symbol: string; at: number }[] = [];
  const syncs = new Map<string, BinanceBookSync>();
  const references = new Map<string, ReferenceBinanceSymbol>();
  const venue = new Map<string, BinanceVenueBook>();
  const venueIds = new Map<string, Set<number>>();
  const lastAnswer = new Map<string, string>();
  let lastMutations: string[] = [];
  for (const symbol of symbols) {
    syncs.set(
      symbol,
      // The requested delay (a back-off after bad snapshots) is not modelled: answers come 0–3 frames later.
      new BinanceBookSync(symbol, sink, (s) => requests.push({ symbol: s, at: now + harness.int(0, 3) }), counters),
    );
    references.set(symbol, new ReferenceBinanceSymbol(books.displayDepth));
    const rest = recording.snapshots.get(symbol)!;
    venue.set(symbol, new BinanceVenueBook(symbol, rest, BINANCE_SNAPSHOT_LIMIT));
    venueIds.set(symbol, new Set([(JSON.parse(rest) as { lastUpdateId: number }).lastUpdateId]));
  }
  for (const d of source.depth) if (d) venueIds.get(d.symbol)?.add(d.u);

  const shape: FrameShape = {
    body: ['data'],
    ids: [
      ['data', 'U'],
      ['data', 'u'],
      ['data', 'pu'],
    ],
    fields: [['data', 'E'], ['stream']],
    sides: [
      ['data', 'b'],
      ['data', 'a'],
    ],
    eventType: ['data', 'e'],
    route: ['data', 's'],
    misroute: (value, rng) => pick(rng, [value.toLowerCase(), `${value}X`, '', ...symbols.filter((s) => s !== value)]),
  };
  const otherShape: FrameShape = {
    ...shape,
    ids: [['data', 'a']],
    fields: [
      ['data', 'T'],
      ['data', 'p'],
      ['data', 'q'],
      ['data', 'm'],
    ],
    sides: [],
  };

  /** The REST answer the venue gives now (sometimes an older one), as the connector would receive it. */
  const answer = (symbol: string): string => {
    const previous = lastAnswer.get(symbol);
    let body: string;
    lastMutations = [];
    if (previous !== undefined && harness.chance(STALE_SNAPSHOT_RATE)) {
      body = previous;
      lastMutations.push('stale_snapshot');
    } else {
      body = venue.get(symbol)!.snapshotText();
      lastAnswer.set(symbol, body);
    }
    if (harness.chance(SNAPSHOT_VARIATION_RATE)) {
      const tree = toTree(JSON.parse(body));
      const kind = pick(harness, SAME_VALUE_VARIATIONS);
      body = writeTree(tree, varyFrame(tree, SNAPSHOT_SHAPE, kind, harness));
      lastMutations.push(kind);
    }
    if (harness.chance(SNAPSHOT_CORRUPTION_RATE)) {
      const kind = pick(harness, SNAPSHOT_CORRUPTIONS);
      body = corruptFrame(toTree(JSON.parse(body)), body, SNAPSHOT_SHAPE, kind, harness);
      lastMutations.push(kind);
    }
    return body;
  };

  /** What the connector does with a REST answer: a body it cannot read is retried, a readable one handed over. */
  const handOver = (symbol: string, body: string): void => {
    counts.snapshots++;
    dirty.add(symbol);
    let parsed: ReturnType<typeof parseBinanceDepthSnapshot>;
    try {
      parsed = parseBinanceDepthSnapshot(JSON.parse(body));
    } catch {
      parsed = { error: 'not JSON' };
    }
    if ('error' in parsed) {
      requests.push({ symbol, at: now + harness.int(1, 3) }); // the snapshot queue retries
    } else {
      syncs.get(symbol)!.onSnapshot({ ...parsed, localTs: 0 });
    }
    references.get(symbol)!.onSnapshot(readBinanceSnapshot(body));
  };

  return {
    fixture: source.name,
    length: recording.frames.length,
    shape,
    otherShape,
    originalText: (i) => recording.frames[i],
    isBookFrame: (i) => source.depth[i] !== undefined,
    venueSends: (i, variedText) => {
      const original = source.depth[i];
      if (original === undefined) return;
      const book = venue.get(original.symbol);
      if (book === undefined) return;
      book.apply(variedText === undefined ? original : depthInfo(JSON.parse(variedText))!);
    },
    beforeFrame: (i) => {
      now = i;
      for (let k = 0; k < requests.length; ) {
        if (requests[k].at <= i) {
          const [{ symbol }] = requests.splice(k, 1);
          // The REST answer is produced by the venue now, and reaches FlowRS after the connector parses it.
          handOver(symbol, answer(symbol));
        } else {
          k++;
        }
      }
    },
    lastMutations: () => lastMutations,
    deliverToFlowrs: (text) => {
      const frame = parseBinanceFrame(text, 0);
      switch (frame.kind) {
        case 'depth':
          syncs.get(frame.event.symbol)?.onDelta(frame.event);
          return;
        case 'trade':
          if (syncs.has(frame.event.symbol)) pipeline.trade(frame.event);
          return;
        case 'invalid':
          pipeline.invalidFrame('binance', frame.reason, frame.detail);
          return;
        default:
          return;
      }
    },
    deliverToReference: (text) => {
      const event = readBinanceFrame(text);
      if (typeof event !== 'object') return;
      const reference = references.get(event.symbol);
      if (reference === undefined) return;
      reference.onEvent(event);
      dirty.add(event.symbol);
    },
    compare: (tally, depth) => {
      for (const symbol of dirty) {
        const book = books.get(`binance:${symbol}`);
        const reference = references.get(symbol);
        if (book === undefined || reference === undefined) continue;
        const difference = compareLiveBook(book, reference, depth, venueIds.get(symbol)!, tally);
        if (difference !== undefined) {
          dirty.clear();
          return difference;
        }
      }
      dirty.clear();
      return undefined;
    },
    finish: () => {
      for (const r of references.values()) counts.referenceBreaks += r.breaks;
      return counts;
    },
    unknownEventFrame: (rng) =>
      JSON.stringify({
        stream: 'fuzz@unknown',
        data: { e: pick(rng, ['fuzzEvent', 'depthUpdate2', 'DEPTHUPDATE']), E: 1 },
      }),
  };
}
