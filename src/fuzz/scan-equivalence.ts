/**
 * The frame scanners' equivalence property: for any text, the production parser (scanner first, JSON
 * path for whatever the scanner does not recognise) returns exactly what the JSON path alone returns —
 * the same frame, or the same rejection with the same reason and detail.
 *
 * Cases: every recorded frame of the venue (test/fixtures/), frames generated in the venue's shapes
 * with random symbols, prices, sizes, ids and level counts (both actions, both sides, optional keys
 * present or not, ids around 2^53, strings long enough to be copied piecewise), and both of those
 * mutated — by the stream fuzzer's venue variations and corruptions (reordered, duplicate and unknown
 * keys, escapes, whitespace, respelled numbers, wrong types, truncation…) and by character edits aimed
 * at the scanner's edges (a quote, a backslash, a control character, a digit, whitespace, a lone
 * surrogate inserted, deleted or replaced anywhere; text after the frame).
 */
import { type BinanceFrame, parseBinanceFrameViaJson, parseBinanceFrameWith } from '../exchanges/binance/parse.js';
import { BINANCE_SCAN_FALLBACK, BinanceScanner } from '../exchanges/binance/scan.js';
import { parseBybitFrameViaJson, parseBybitFrameWith } from '../exchanges/bybit/parse.js';
import { BYBIT_SCAN_FALLBACK, BybitScanner } from '../exchanges/bybit/scan.js';
import { JsonScanner } from '../exchanges/json-scan.js';
import type { VenueFrame } from '../exchanges/kit/venue-frame.js';
import { SeededRandom } from '../sim/random.js';
import { BINANCE_FUZZ_RECORDINGS } from './binance-pass.js';
import { BYBIT_FUZZ_RECORDING } from './bybit-pass.js';
import { loadRecording } from './fixtures.js';
import { toTree, writeTree } from './json-text.js';
import { corruptFrame, FRAME_CORRUPTIONS, type FrameShape, randomText, VENUE_VARIATIONS, varyFrame } from './mutate.js';

export const SCAN_VENUES = ['binance', 'bybit'] as const;
export type ScanVenue = (typeof SCAN_VENUES)[number];

/** Cases per venue in `npm run fuzz` by default. */
export const DEFAULT_SCAN_CASES = 1_000_000;
/** Chance that a case is a recorded frame (else a generated one). */
export const RECORDED_CASE_RATE = 0.3;
/** Chance that a case is mutated (1–3 mutations). */
export const MUTATED_CASE_RATE = 0.6;
/** Failures kept in the result (the run goes on counting). */
export const MAX_KEPT_SCAN_FAILURES = 5;

/** Character edits aimed at the scanner's edges. */
export const CHARACTER_EDITS = [
  'char_inserted',
  'char_deleted',
  'char_replaced',
  'whitespace_inserted',
  'escape_inserted',
  'trailing_text',
  'truncated_anywhere',
] as const;

/** Every mutation a case may carry. */
export const SCAN_MUTATIONS: readonly string[] = [...CHARACTER_EDITS, ...VENUE_VARIATIONS, ...FRAME_CORRUPTIONS];

/** Characters that matter to a JSON scanner, plus some that must never be taken for them. */
const HOSTILE_CHARACTERS = [
  '"',
  '\\',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '0',
  '1',
  '9',
  '-',
  '+',
  '.',
  'e',
  'E',
  't',
  'n',
  'u',
  ' ',
  '\t',
  '\n',
  '\r',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  '\u2028',
  '\ud800',
  'x',
];

export interface ScanFailure {
  readonly venue: ScanVenue;
  readonly seed: number;
  readonly case: number;
  readonly mutations: readonly string[];
  readonly text: string;
  readonly production: string;
  readonly reference: string;
}

export interface ScanStats {
  readonly venue: ScanVenue;
  cases: number;
  /** Cases the scanner recognised itself (the rest went through the JSON path). */
  scanned: number;
  recorded: number;
  generated: number;
  mutated: number;
  /** Mutated cases the scanner still recognised (a valid variation it reads, or a value edit). */
  mutatedScanned: number;
  /** Cases by what the JSON path made of them (`depth`, `trades`, `invalid:not_json`…). */
  byResult: Record<string, number>;
  byMutation: Record<string, number>;
  failures: number;
  durationMs: number;
}

export interface ScanRun {
  readonly stats: ScanStats;
  readonly failures: ScanFailure[];
}

/** The parser under test: `parseXFrame` with the given readers (production: `JsonScanner`). */
interface VenueParsers {
  production(text: string): BinanceFrame | VenueFrame;
  reference(text: string): BinanceFrame | VenueFrame;
  scanned(text: string): boolean;
}

function parsers(venue: ScanVenue, cursor: () => JsonScanner): VenueParsers {
  if (venue === 'binance') {
    const scanner = new BinanceScanner(cursor());
    const probe = new BinanceScanner(cursor());
    return {
      production: (text) => parseBinanceFrameWith(scanner, text, 0),
      reference: (text) => parseBinanceFrameViaJson(text, 0),
      scanned: (text) => probe.scan(text) !== BINANCE_SCAN_FALLBACK,
    };
  }
  const scanner = new BybitScanner(cursor());
  const probe = new BybitScanner(cursor());
  return {
    production: (text) => parseBybitFrameWith(scanner, text, 0),
    reference: (text) => parseBybitFrameViaJson(text, 0),
    scanned: (text) => probe.scan(text) !== BYBIT_SCAN_FALLBACK,
  };
}

let recordedFrames: Partial<Record<ScanVenue, string[]>> = {};

/** Every recorded frame of the venue, in order. */
export function recordedScanFrames(venue: ScanVenue): string[] {
  recordedFrames[venue] ??=
    venue === 'binance'
      ? BINANCE_FUZZ_RECORDINGS.flatMap((r) => loadRecording(...r.files).frames)
      : loadRecording(BYBIT_FUZZ_RECORDING.file).frames;
  return recordedFrames[venue];
}

/** Forgets the loaded recordings (tests that measure memory). */
export function releaseRecordedScanFrames(): void {
  recordedFrames = {};
}

function pick<T>(rng: SeededRandom, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)];
}

// ---- Generated frames ------------------------------------------------------------------------------

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', '1000PEPEUSDT', 'DOGEUSDT', 'SOLUSDT'];

function symbol(rng: SeededRandom): string {
  if (rng.chance(0.8)) return pick(rng, SYMBOLS);
  return pick(rng, [
    () => '',
    () => 'A'.repeat(rng.int(1, 30)),
    () => 'ÄÖÜUSDT',
    () => 'BTC/USDT',
    () => `X${rng.int(0, 1e6)}USDT`,
  ])();
}

/** An id or timestamp: usually the venue's size, sometimes at the edges of exact integers. */
function integer(rng: SeededRandom): string {
  if (rng.chance(0.85)) return String(rng.int(1e12, 9e12));
  return pick(rng, [
    '0',
    '1',
    '999999999999999',
    '1000000000000000',
    '9007199254740991',
    '9007199254740992',
    '9007199254740993',
    '12345678901234567',
    '99999999999999999999',
    String(rng.int(0, 1e6)),
  ]);
}

/** A decimal string as venues write it, sometimes long (copied piecewise) or not a decimal at all. */
function decimal(rng: SeededRandom): string {
  const r = rng.next();
  if (r < 0.1) return pick(rng, ['0', '0.000', '0.0', '00.10']);
  if (r < 0.8) {
    const whole = String(rng.int(0, 10 ** rng.int(0, 6)));
    const decimals = rng.int(0, 8);
    return decimals === 0 ? whole : `${whole}.${String(rng.int(0, 10 ** decimals - 1)).padStart(decimals, '0')}`;
  }
  if (r < 0.93) return `${rng.int(1, 9)}${'0'.repeat(rng.int(10, 30))}.${rng.int(0, 99999)}`;
  return pick(rng, ['1e5', '-1', '', 'NaN', ' 1', '١٢٣', 'x'.repeat(rng.int(1, 40))]);
}

function levels(rng: SeededRandom, max: number): string {
  const n = rng.chance(0.1) ? 0 : rng.int(1, max);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`[${JSON.stringify(decimal(rng))},${JSON.stringify(decimal(rng))}]`);
  return `[${out.join(',')}]`;
}

function generateBinance(rng: SeededRandom): string {
  const s = symbol(rng);
  let data: string;
  let stream: string;
  if (rng.chance(0.75)) {
    const u = integer(rng);
    const U = rng.chance(0.8) ? String(Math.max(0, Number(u) - rng.int(0, 50))) : integer(rng);
    const T = rng.chance(0.9) ? `"T":${integer(rng)},` : '';
    data =
      `{"e":"depthUpdate","E":${integer(rng)},${T}"s":${JSON.stringify(s)},"U":${U},"u":${u},"pu":${integer(rng)},` +
      `"b":${levels(rng, 40)},"a":${levels(rng, 40)}}`;
    stream = `${s.toLowerCase()}@depth@100ms`;
  } else {
    data =
      `{"e":"aggTrade","E":${integer(rng)},"a":${integer(rng)},"s":${JSON.stringify(s)},` +
      `"p":${JSON.stringify(decimal(rng))},"q":${JSON.stringify(decimal(rng))},"f":${integer(rng)},` +
      `"l":${integer(rng)},"T":${integer(rng)},"m":${rng.chance(0.5)}}`;
    stream = `${s.toLowerCase()}@aggTrade`;
  }
  return rng.chance(0.8) ? `{"stream":${JSON.stringify(stream)},"data":${data}}` : data;
}

function uuid(rng: SeededRandom): string {
  const hex = (n: number) => {
    let out = '';
    for (let i = 0; i < n; i++) out += '0123456789abcdef'[rng.int(0, 15)];
    return out;
  };
  return `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
}

function generateBybit(rng: SeededRandom): string {
  const s = symbol(rng);
  if (rng.chance(0.75)) {
    const type = rng.chance(0.97) ? pick(rng, ['snapshot', 'delta']) : pick(rng, ['Delta', 'update', '']);
    const ts = integer(rng);
    const seq = rng.chance(0.9) ? `,"seq":${integer(rng)}` : '';
    const cts = rng.chance(0.9) ? `,"cts":${integer(rng)}` : '';
    return (
      `{"topic":"orderbook.${pick(rng, ['1', '50', '200', '500'])}.${s}","type":"${type}","ts":${ts},` +
      `"data":{"s":${JSON.stringify(s)},"b":${levels(rng, 60)},"a":${levels(rng, 60)},"u":${integer(rng)}${seq}}${cts}}`
    );
  }
  const trades: string[] = [];
  for (let n = rng.chance(0.05) ? 0 : rng.int(1, 6); n > 0; n--) {
    const side = rng.chance(0.97) ? pick(rng, ['Buy', 'Sell']) : pick(rng, ['buy', 'SELL', '']);
    const L = rng.chance(0.9) ? `,"L":"${pick(rng, ['PlusTick', 'MinusTick', 'ZeroPlusTick'])}"` : '';
    const tail = rng.chance(0.9) ? `,"BT":false,"RPI":${rng.chance(0.1)},"seq":${integer(rng)}` : '';
    const id = rng.chance(0.8) ? uuid(rng) : String(rng.int(0, 1e9));
    trades.push(
      `{"T":${integer(rng)},"s":${JSON.stringify(rng.chance(0.05) ? '' : s)},"S":"${side}",` +
        `"v":${JSON.stringify(decimal(rng))},"p":${JSON.stringify(decimal(rng))}${L},"i":"${id}"${tail}}`,
    );
  }
  return `{"topic":"publicTrade.${s}","type":"snapshot","ts":${integer(rng)},"data":[${trades.join(',')}]}`;
}

// ---- Mutations -------------------------------------------------------------------------------------

/** The fields the stream fuzzer's mutations aim at, for a parsed frame of the venue (or undefined). */
function shapeOf(venue: ScanVenue, value: unknown): FrameShape | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const misroute = (current: string, rng: SeededRandom) =>
    pick(rng, [current.toLowerCase(), `${current}X`, '', 'orderbook.200.BTCUSDT', 'publicTrade.ETHUSDT', 'tickers']);
  if (venue === 'binance') {
    const body = typeof v.stream === 'string' && 'data' in v ? ['data'] : [];
    const data = (body.length > 0 ? v.data : v) as Record<string, unknown> | undefined;
    const at = (key: string) => [...body, key];
    if (data?.e === 'aggTrade') {
      return {
        body,
        ids: [at('a')],
        fields: [at('T'), at('p'), at('q'), at('m'), at('E')],
        sides: [],
        eventType: at('e'),
        route: at('s'),
        misroute,
      };
    }
    return {
      body,
      ids: [at('U'), at('u'), at('pu')],
      fields: [at('E'), at('T'), ['stream']],
      sides: [at('b'), at('a')],
      eventType: at('e'),
      route: at('s'),
      misroute,
    };
  }
  const trades = typeof v.topic === 'string' && v.topic.startsWith('publicTrade.');
  return {
    body: trades ? [] : ['data'],
    ids: trades ? [['ts']] : [['data', 'u']],
    fields: trades ? [['type'], ['data']] : [['ts'], ['type'], ['data', 's'], ['data', 'seq'], ['cts']],
    sides: trades
      ? []
      : [
          ['data', 'b'],
          ['data', 'a'],
        ],
    eventType: ['type'],
    route: ['topic'],
    misroute,
  };
}

function insertAt(text: string, at: number, piece: string): string {
  return text.slice(0, at) + piece + text.slice(at);
}

/** One character edit. */
function editCharacters(text: string, kind: (typeof CHARACTER_EDITS)[number], rng: SeededRandom): string {
  const at = rng.int(0, text.length);
  switch (kind) {
    case 'char_inserted':
      return insertAt(text, at, pick(rng, HOSTILE_CHARACTERS));
    case 'char_deleted':
      return text.slice(0, at) + text.slice(at + 1);
    case 'char_replaced':
      return text.slice(0, at) + pick(rng, HOSTILE_CHARACTERS) + text.slice(at + 1);
    case 'whitespace_inserted':
      return insertAt(text, at, pick(rng, [' ', '\n', '\t', '\r\n', '  ']));
    case 'escape_inserted': {
      // An escape for the next letter or digit: inside a string the value stays the same.
      let i = at;
      while (i < text.length && !/[A-Za-z0-9]/.test(text[i])) i++;
      if (i >= text.length) return text;
      const escaped = pick(rng, [`\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`, '\\/', '\\"', '\\\\']);
      return escaped.startsWith('\\u') ? text.slice(0, i) + escaped + text.slice(i + 1) : insertAt(text, i, escaped);
    }
    case 'trailing_text':
      return text + pick(rng, [' ', '\n', '}', ']', ',', 'x', '{}', '\u0000', randomText(rng, rng.int(1, 5))]);
    case 'truncated_anywhere':
      return text.slice(0, at);
  }
}

/** Applies one mutation (a stream-fuzzer variation or corruption, or a character edit). */
function mutate(venue: ScanVenue, text: string, rng: SeededRandom): { text: string; label: string } {
  if (rng.chance(0.55)) {
    const kind = pick(rng, CHARACTER_EDITS);
    return { text: editCharacters(text, kind, rng), label: kind };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    const kind = pick(rng, CHARACTER_EDITS);
    return { text: editCharacters(text, kind, rng), label: kind };
  }
  const shape = shapeOf(venue, parsed);
  if (shape === undefined) return { text: editCharacters(text, 'char_replaced', rng), label: 'char_replaced' };
  const tree = toTree(parsed);
  if (rng.chance(0.5)) {
    const kind = pick(rng, VENUE_VARIATIONS);
    // A far price is added to a level array: frames without one (trades) get a character edit instead.
    if (kind === 'far_price' && shape.sides.length === 0) {
      return { text: editCharacters(text, 'char_inserted', rng), label: 'char_inserted' };
    }
    return { text: writeTree(tree, varyFrame(tree, shape, kind, rng)), label: kind };
  }
  const kind = pick(rng, FRAME_CORRUPTIONS);
  return { text: corruptFrame(tree, text, shape, kind, rng), label: kind };
}

// ---- The run ---------------------------------------------------------------------------------------

export interface ScanRunOptions {
  readonly venue: ScanVenue;
  readonly seed: number;
  readonly cases: number;
  /** The readers the scanner under test uses (default: the production `JsonScanner`). */
  readonly cursor?: () => JsonScanner;
  /** Stop after this many failures (default: MAX_KEPT_SCAN_FAILURES). */
  readonly maxFailures?: number;
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => (Object.is(v, -0) ? '-0' : v)) ?? String(value);
  } catch {
    return String(value); // nested too deep to write out
  }
}

/** The two descriptions from a little before the first character where they differ. */
function aroundFirstDifference(production: string, reference: string): { production: string; reference: string } {
  let i = 0;
  while (i < production.length && production[i] === reference[i]) i++;
  const from = Math.max(0, i - 150);
  const cut = (s: string) => `${from > 0 ? '…' : ''}${s.slice(from, from + 600)}${s.length > from + 600 ? '…' : ''}`;
  return { production: cut(production), reference: cut(reference) };
}

/**
 * Deep strict equality of two parse results (plain objects, arrays and primitives; `Object.is` on
 * primitives, same prototypes, same own keys), without recursion: a deeply nested level array must not
 * overflow the comparison.
 */
export function sameResult(a: unknown, b: unknown): boolean {
  const stack: unknown[] = [a, b];
  while (stack.length > 0) {
    const y = stack.pop();
    const x = stack.pop();
    if (Object.is(x, y)) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Object.getPrototypeOf(x) !== Object.getPrototypeOf(y)) return false;
    const xKeys = Object.keys(x);
    const yKeys = Object.keys(y);
    if (xKeys.length !== yKeys.length) return false;
    for (const key of xKeys) {
      if (!Object.hasOwn(y, key)) return false;
      stack.push((x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key]);
    }
  }
  return true;
}

/** Runs `cases` cases through both paths; every difference (or exception) is a failure. */
export function runScanEquivalence(options: ScanRunOptions): ScanRun {
  const started = performance.now();
  const { venue, seed, cases } = options;
  const maxFailures = options.maxFailures ?? MAX_KEPT_SCAN_FAILURES;
  const rng = new SeededRandom(seed ^ (venue === 'binance' ? 0x2545f491 : 0x9e3779b1));
  const recorded = recordedScanFrames(venue);
  const { production, reference, scanned } = parsers(venue, options.cursor ?? (() => new JsonScanner()));
  const generate = venue === 'binance' ? generateBinance : generateBybit;
  const stats: ScanStats = {
    venue,
    cases: 0,
    scanned: 0,
    recorded: 0,
    generated: 0,
    mutated: 0,
    mutatedScanned: 0,
    byResult: {},
    byMutation: {},
    failures: 0,
    durationMs: 0,
  };
  const failures: ScanFailure[] = [];
  const check = (text: string, mutations: readonly string[]) => {
    const index = stats.cases++;
    let expected: unknown;
    let actual: unknown;
    try {
      expected = reference(text);
    } catch (error) {
      expected = { threw: String(error) };
    }
    try {
      actual = production(text);
    } catch (error) {
      actual = { threw: String(error) };
    }
    const taken = scanned(text);
    if (taken) stats.scanned++;
    if (taken && mutations.length > 0) stats.mutatedScanned++;
    const result = expected as { kind?: string; reason?: string };
    const label = result.kind === 'invalid' ? `invalid:${result.reason}` : String(result.kind ?? 'threw');
    stats.byResult[label] = (stats.byResult[label] ?? 0) + 1;
    if (!sameResult(actual, expected)) {
      stats.failures++;
      if (failures.length < maxFailures) {
        failures.push({
          venue,
          seed,
          case: index,
          mutations,
          text: text.length > 600 ? `${text.slice(0, 600)}…` : text,
          ...aroundFirstDifference(describe(actual), describe(expected)),
        });
      }
    }
  };
  // Every recorded frame once, as recorded.
  for (let i = 0; i < recorded.length && stats.cases < cases; i++) {
    stats.recorded++;
    check(recorded[i], []);
  }
  while (stats.cases < cases && stats.failures < maxFailures) {
    let text: string;
    if (rng.chance(RECORDED_CASE_RATE)) {
      stats.recorded++;
      text = recorded[rng.int(0, recorded.length - 1)];
    } else {
      stats.generated++;
      text = generate(rng);
    }
    const mutations: string[] = [];
    if (rng.chance(MUTATED_CASE_RATE)) {
      stats.mutated++;
      for (let n = rng.int(1, 3); n > 0; n--) {
        // A deeply nested frame is too deep for the mutators' recursive tree: it stays as it is.
        if (mutations.includes('deep_nesting')) break;
        const m = mutate(venue, text, rng);
        text = m.text;
        mutations.push(m.label);
        stats.byMutation[m.label] = (stats.byMutation[m.label] ?? 0) + 1;
      }
    }
    check(text, mutations);
  }
  stats.durationMs = Math.round(performance.now() - started);
  return { stats, failures };
}

/** One line a person reads. */
export function scanSummary(stats: ScanStats): string {
  const pct = (n: number) => `${((100 * n) / Math.max(1, stats.cases)).toFixed(1)}%`;
  return (
    `${stats.venue} scanner: ${stats.cases} cases (${stats.recorded} recorded, ${stats.generated} generated, ` +
    `${stats.mutated} mutated), ${stats.scanned} taken by the scanner (${pct(stats.scanned)}; ` +
    `${stats.mutatedScanned} of them mutated), ${stats.failures} differences from the JSON path in ` +
    `${(stats.durationMs / 1000).toFixed(1)} s`
  );
}
