import type { SeededRandom } from '../sim/random.js';
import {
  entryOf,
  type JsonEntry,
  type JsonNode,
  type JsonRaw,
  type JsonString,
  nodeAt,
  toTree,
  writeTree,
} from './json-text.js';

/**
 * Where a venue keeps the fields the fuzzer aims at, in a book frame's tree. Paths are object keys from
 * the frame's root.
 */
export interface FrameShape {
  /** The object holding the event's fields. */
  readonly body: readonly string[];
  /** Sequence ids (Binance `U`, `u`, `pu`; Bybit `u`). */
  readonly ids: readonly (readonly string[])[];
  /** Other fields the parser reads (event time, trade price…). */
  readonly fields: readonly (readonly string[])[];
  /** The bid and ask level arrays. */
  readonly sides: readonly (readonly string[])[];
  /** The field naming the message type, and an unknown value for it. */
  readonly eventType: readonly string[];
  /** The field routing the frame to a book, and how to aim it elsewhere. */
  readonly route: readonly string[];
  readonly misroute: (value: string, rng: SeededRandom) => string;
}

/**
 * Valid variations a venue could send: the frame means the same to a correct parser, or means a
 * different but valid book change (the simulated venue's book follows it).
 */
export const VENUE_VARIATIONS = [
  'respell_decimals',
  'reorder_fields',
  'escaped_characters',
  'duplicate_key_last_valid',
  'unknown_fields',
  'huge_quantity',
  'extra_level_element',
  'whitespace',
  'far_price',
  'exponent_id_same_value',
] as const;
export type VenueVariation = (typeof VENUE_VARIATIONS)[number];

/** Corruptions of one frame's text: each makes it invalid or breaks its sequence. */
export const FRAME_CORRUPTIONS = [
  'truncated',
  'wrong_type',
  'bad_decimal',
  'negative_quantity',
  'huge_id',
  'id_shift',
  'unknown_event_type',
  'misrouted',
  'duplicate_key_last_invalid',
  'invalid_json_text',
  'bad_level_shape',
  'deep_nesting',
  'not_an_object',
] as const;
export type FrameCorruption = (typeof FRAME_CORRUPTIONS)[number];

/** Decimal spellings FlowRS documents as invalid, for any level field. */
export const INVALID_DECIMALS = [
  'NaN',
  'Infinity',
  '-Infinity',
  'nan',
  '1e5',
  '1E-8',
  '2.5e+3',
  '-1',
  '-0.5',
  '.5',
  '5.',
  '+1',
  ' 1',
  '1 ',
  '0x1A',
  '1_000',
  '1,5',
  '',
  '١٢٣',
  '1.2.3',
  '9'.repeat(65),
  `0.${'0'.repeat(63)}1`,
] as const;

/** Valid decimals that are not valid prices (zero, or more than 15 significant digits). */
export const INVALID_PRICES = ['0', '0.000', '1234567890.123456', '12345678901234567'] as const;

function pick<T>(rng: SeededRandom, items: readonly T[]): T {
  return items[Math.floor(rng.next() * items.length)];
}

function shuffle<T>(rng: SeededRandom, items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

/** Shuffles an object's entries; a repeated key keeps its values in their order, so the last one still wins. */
function shuffleKeepingLast(rng: SeededRandom, entries: JsonEntry[]): void {
  const values = new Map<string, JsonEntry[]>();
  for (const e of entries) values.set(e.key, [...(values.get(e.key) ?? []), e]);
  shuffle(rng, entries);
  const next = new Map<string, number>();
  for (let i = 0; i < entries.length; i++) {
    const key = entries[i].key;
    const k = next.get(key) ?? 0;
    entries[i] = values.get(key)![k];
    next.set(key, k + 1);
  }
}

/** The level arrays of the frame and, in them, the levels that are `[string, string]` pairs. */
function levelsOf(tree: JsonNode, shape: FrameShape): { side: JsonNode & { kind: 'array' }; index: number }[] {
  const out: { side: JsonNode & { kind: 'array' }; index: number }[] = [];
  for (const path of shape.sides) {
    const side = nodeAt(tree, path);
    if (side?.kind !== 'array') continue;
    for (let i = 0; i < side.items.length; i++) {
      const level = side.items[i];
      if (level.kind === 'array' && level.items.length >= 2) out.push({ side, index: i });
    }
  }
  return out;
}

function randomLevelField(
  tree: JsonNode,
  shape: FrameShape,
  rng: SeededRandom,
): { level: JsonNode & { kind: 'array' }; field: 0 | 1 } | undefined {
  const levels = levelsOf(tree, shape);
  if (levels.length === 0) return undefined;
  const { side, index } = pick(rng, levels);
  return { level: side.items[index] as JsonNode & { kind: 'array' }, field: rng.chance(0.5) ? 0 : 1 };
}

function stringAt(node: JsonNode | undefined): string | undefined {
  return node?.kind === 'string' ? node.value : undefined;
}

/** A value of another JSON type than `node`'s. */
function wrongTypeFor(node: JsonNode | undefined, rng: SeededRandom): JsonNode {
  const candidates: (JsonString | JsonRaw)[] = [
    { kind: 'raw', text: 'null' },
    { kind: 'raw', text: 'true' },
    { kind: 'raw', text: '1.5' },
    { kind: 'raw', text: '[]' },
    { kind: 'raw', text: '{}' },
    { kind: 'string', value: 'x' },
  ];
  if (node?.kind === 'raw' && /^-?\d+$/.test(node.text)) candidates.push({ kind: 'string', value: node.text });
  if (node?.kind === 'string' && /^\d+(\.\d+)?$/.test(node.value)) candidates.push({ kind: 'raw', text: node.value });
  const kind = node?.kind === 'raw' ? node.text.charAt(0) : node?.kind;
  const differs = candidates.filter((c) => {
    if (c.kind === 'string') return node?.kind !== 'string';
    const first = c.text.charAt(0);
    if (node?.kind === 'array') return first !== '[';
    if (node?.kind === 'object') return first !== '{';
    if (node?.kind === 'string') return true;
    return first !== kind && !(/[-\d]/.test(first) && /[-\d]/.test(kind ?? ''));
  });
  return pick(rng, differs.length > 0 ? differs : candidates);
}

function setAt(tree: JsonNode, path: readonly string[], value: JsonNode): boolean {
  const entry = entryOf(nodeAt(tree, path.slice(0, -1)), path[path.length - 1]);
  if (entry === undefined) return false;
  entry.value = value;
  return true;
}

function integerAt(tree: JsonNode, path: readonly string[]): number | undefined {
  const node = nodeAt(tree, path);
  if (node?.kind !== 'raw' || !/^-?\d+$/.test(node.text)) return undefined;
  return Number(node.text);
}

/** A respelling with the same value: trailing fraction zeros, or leading zeros. */
function respell(text: string, rng: SeededRandom): string {
  const zeros = '0'.repeat(rng.int(1, 4));
  const out = rng.chance(0.6) ? (text.includes('.') ? text + zeros : `${text}.${zeros}`) : zeros + text;
  return out.length <= 64 ? out : text;
}

/** One `\u00XX` escape for an ASCII letter or digit inside a JSON string's text. */
function escapeOne(raw: string, rng: SeededRandom): string {
  const positions: number[] = [];
  for (let i = 1; i < raw.length - 1; i++) {
    if (raw[i] === '\\')
      i += raw[i + 1] === 'u' ? 5 : 1; // skip an existing escape
    else if (/[A-Za-z0-9]/.test(raw[i])) positions.push(i);
  }
  if (positions.length === 0) return raw;
  const at = pick(rng, positions);
  return `${raw.slice(0, at)}\\u${raw.charCodeAt(at).toString(16).padStart(4, '0')}${raw.slice(at + 1)}`;
}

/** Applies one valid variation to a book frame's tree; returns the whitespace to write it with. */
export function varyFrame(tree: JsonNode, shape: FrameShape, kind: VenueVariation, rng: SeededRandom): string {
  const body = nodeAt(tree, shape.body);
  switch (kind) {
    case 'respell_decimals': {
      for (let n = rng.int(1, 4); n > 0; n--) {
        const target = randomLevelField(tree, shape, rng);
        const node = target?.level.items[target.field];
        if (node?.kind === 'string') node.value = respell(node.value, rng);
      }
      return '';
    }
    case 'reorder_fields':
      if (tree.kind === 'object') shuffleKeepingLast(rng, tree.entries);
      if (body?.kind === 'object') shuffleKeepingLast(rng, body.entries);
      return '';
    case 'escaped_characters': {
      const strings: { raw?: string; value: string; entry?: JsonEntry }[] = [];
      for (const obj of [tree, body]) {
        if (obj?.kind !== 'object') continue;
        for (const e of obj.entries) {
          strings.push({ value: e.key, entry: e });
          if (e.value.kind === 'string') strings.push(e.value);
        }
      }
      const target = randomLevelField(tree, shape, rng);
      const node = target?.level.items[target.field];
      if (node?.kind === 'string') strings.push(node);
      for (let n = rng.int(1, 3); n > 0 && strings.length > 0; n--) {
        const s = pick(rng, strings);
        if (s.entry) s.entry.rawKey = escapeOne(s.entry.rawKey ?? JSON.stringify(s.value), rng);
        else s.raw = escapeOne(s.raw ?? JSON.stringify(s.value), rng);
      }
      return '';
    }
    case 'duplicate_key_last_valid': {
      if (body?.kind !== 'object' || body.entries.length === 0) return '';
      const i = rng.int(0, body.entries.length - 1);
      const original = body.entries[i];
      body.entries.splice(i, 0, { key: original.key, value: wrongTypeFor(original.value, rng) });
      return '';
    }
    case 'unknown_fields': {
      const extra: JsonNode = toTree({ fz: [1, 'two', { three: null }], n: rng.int(0, 1e6) });
      for (const obj of [tree, body]) {
        if (obj?.kind === 'object')
          obj.entries.splice(rng.int(0, obj.entries.length), 0, { key: 'fuzz', value: extra });
      }
      return '';
    }
    case 'huge_quantity': {
      const target = randomLevelField(tree, shape, rng);
      if (target) {
        target.level.items[1] = {
          kind: 'string',
          value: rng.chance(0.5) ? '9'.repeat(rng.int(20, 64)) : `0.${'0'.repeat(rng.int(10, 60))}1`,
        };
      }
      return '';
    }
    case 'extra_level_element': {
      const target = randomLevelField(tree, shape, rng);
      target?.level.items.push(pick(rng, [toTree('0'), toTree(7), toTree(null), toTree({ x: 1 })]));
      return '';
    }
    case 'whitespace':
      return pick(rng, [' ', '\n', '\t', ' \r\n ']);
    case 'far_price': {
      // Far from the touch on its own side, so the book stays uncrossed: a tiny bid or a huge ask.
      const path = pick(rng, shape.sides);
      const side = nodeAt(tree, path);
      if (side?.kind === 'array') {
        const bid = path === shape.sides[0];
        const price = bid
          ? `0.${'0'.repeat(rng.int(3, 12))}${rng.int(1, 9)}`
          : `${rng.int(1, 9)}${'0'.repeat(rng.int(6, 13))}.5`;
        side.items.push(toTree([price, rng.chance(0.3) ? '0' : `${rng.int(1, 999)}.${rng.int(0, 99)}`]));
      }
      return '';
    }
    case 'exponent_id_same_value': {
      const path = pick(rng, shape.ids);
      const value = integerAt(tree, path);
      if (value !== undefined && value > 0) {
        const digits = String(value);
        const spelled = rng.chance(0.5) ? `${digits[0]}.${digits.slice(1) || '0'}e${digits.length - 1}` : `${digits}.0`;
        setAt(tree, path, { kind: 'raw', text: spelled });
      }
      return '';
    }
  }
}

/** Corrupts one frame: returns the text to deliver. */
export function corruptFrame(
  tree: JsonNode,
  text: string,
  shape: FrameShape,
  kind: FrameCorruption,
  rng: SeededRandom,
): string {
  switch (kind) {
    case 'truncated':
      return text.slice(0, rng.int(0, Math.max(0, text.length - 1)));
    case 'wrong_type': {
      const paths = [...shape.ids, ...shape.fields, ...shape.sides, shape.eventType, shape.route, shape.body];
      const target = rng.chance(0.7) ? pick(rng, paths) : undefined;
      if (target !== undefined) {
        setAt(tree, target, wrongTypeFor(nodeAt(tree, target), rng));
      } else {
        const field = randomLevelField(tree, shape, rng);
        if (field) field.level.items[field.field] = wrongTypeFor(field.level.items[field.field], rng);
      }
      return writeTree(tree);
    }
    case 'bad_decimal': {
      const field = randomLevelField(tree, shape, rng);
      if (field) {
        const bad = field.field === 0 && rng.chance(0.3) ? pick(rng, INVALID_PRICES) : pick(rng, INVALID_DECIMALS);
        field.level.items[field.field] = { kind: 'string', value: bad };
      }
      return writeTree(tree);
    }
    case 'negative_quantity': {
      const field = randomLevelField(tree, shape, rng);
      const node = field?.level.items[1];
      if (node?.kind === 'string') node.value = `-${node.value}`;
      return writeTree(tree);
    }
    case 'huge_id': {
      const huge = ['9007199254740993', '18446744073709551616', '1e400', '-1e400', '1.5', '-7', '1e5', '123456789e9'];
      setAt(tree, pick(rng, shape.ids), { kind: 'raw', text: pick(rng, huge) });
      return writeTree(tree);
    }
    case 'id_shift': {
      const path = pick(rng, shape.ids);
      const value = integerAt(tree, path);
      if (value !== undefined) {
        const delta = pick(rng, [1, -1, 2, 1000, -1000, 1e9]);
        setAt(tree, path, { kind: 'raw', text: String(value + delta) });
      }
      return writeTree(tree);
    }
    case 'unknown_event_type':
      setAt(tree, shape.eventType, {
        kind: 'string',
        value: pick(rng, ['depthUpdateV2', 'DELTA', '', 'snapshot ', 'orderbook', 'fuzz_event']),
      });
      return writeTree(tree);
    case 'misrouted': {
      const current = stringAt(nodeAt(tree, shape.route));
      if (current !== undefined) setAt(tree, shape.route, { kind: 'string', value: shape.misroute(current, rng) });
      return writeTree(tree);
    }
    case 'duplicate_key_last_invalid': {
      const path = pick(rng, [...shape.ids, ...shape.sides]);
      const holder = nodeAt(tree, path.slice(0, -1));
      const key = path[path.length - 1];
      const entry = entryOf(holder, key);
      if (holder?.kind === 'object' && entry) {
        const at = holder.entries.indexOf(entry);
        const value = integerAt(tree, path);
        const replacement: JsonNode =
          value !== undefined && rng.chance(0.5)
            ? { kind: 'raw', text: String(value + 1) }
            : wrongTypeFor(entry.value, rng);
        holder.entries.splice(at + 1, 0, { key, value: replacement });
      }
      return writeTree(tree);
    }
    case 'invalid_json_text': {
      const out = writeTree(tree);
      const at = rng.int(1, Math.max(1, out.length - 1));
      return pick(rng, [
        () => `${out.slice(0, at)}\\x31${out.slice(at)}`,
        () => `\uFEFF${out}`,
        () => `${out}}`,
        () => `${out} x`,
        () => out.replace('"', '"\u0001'),
        () => out.replace(/"(\d)/, '"\\uD800$1'),
        () => out.replace(':', ':NaN,"z":'),
        () => out.replace(/,/, ',,'),
        () => out.replaceAll('"', "'"),
      ])();
    }
    case 'bad_level_shape': {
      const levels = levelsOf(tree, shape);
      if (levels.length > 0) {
        const { side, index } = pick(rng, levels);
        const level = side.items[index] as JsonNode & { kind: 'array' };
        const price = level.items[0];
        side.items[index] = pick(rng, [
          { kind: 'array', items: [price] } as JsonNode,
          { kind: 'array', items: [] } as JsonNode,
          { kind: 'raw', text: 'null' } as JsonNode,
          { kind: 'string', value: '1.0,2' } as JsonNode,
          { kind: 'object', entries: level.items.map((v, i) => ({ key: String(i), value: v })) } as JsonNode,
          { kind: 'array', items: [level] } as JsonNode,
        ]);
      }
      return writeTree(tree);
    }
    case 'deep_nesting': {
      if (shape.sides.length === 0) return text;
      const depth = rng.int(100, 5000);
      const nested = `${'['.repeat(depth)}"1.0"${']'.repeat(depth)}`;
      setAt(tree, pick(rng, shape.sides), { kind: 'raw', text: nested });
      return writeTree(tree);
    }
    case 'not_an_object':
      return pick(rng, [
        () => '[]',
        () => 'null',
        () => '42',
        () => '"depthUpdate"',
        () => '',
        () => 'true',
        () => `[${text}]`,
        () => randomText(rng, rng.int(1, 300)),
      ])();
  }
}

/** Random characters, lone surrogates and control characters included. */
export function randomText(rng: SeededRandom, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out += String.fromCharCode(rng.chance(0.7) ? rng.int(32, 126) : rng.int(0, 0xffff));
  }
  return out;
}
