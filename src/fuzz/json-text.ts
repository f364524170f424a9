/**
 * A JSON text as an editable tree, for the fuzzer's mutations: unlike a parsed value it can hold what
 * `JSON.parse` would erase (duplicate keys, key order, escaped spellings, number spellings such as
 * `1e5`) and what is not JSON at all (raw invalid tokens), and it writes itself back as text.
 */
export type JsonNode = JsonObject | JsonArray | JsonString | JsonRaw;

export interface JsonEntry {
  key: string;
  /** The key's exact text, quotes included, when it is spelled differently (e.g. `"\u0075"`). */
  rawKey?: string;
  value: JsonNode;
}

export interface JsonObject {
  readonly kind: 'object';
  entries: JsonEntry[];
}

export interface JsonArray {
  readonly kind: 'array';
  items: JsonNode[];
}

export interface JsonString {
  readonly kind: 'string';
  value: string;
  /** The exact text, quotes included, when it is spelled differently from `JSON.stringify(value)`. */
  raw?: string;
}

/** Any token written as is: a number, `true`, `null`, or deliberately invalid text. */
export interface JsonRaw {
  readonly kind: 'raw';
  text: string;
}

/** The tree of an already-parsed value (numbers keep JavaScript's spelling of them). */
export function toTree(value: unknown): JsonNode {
  if (typeof value === 'string') return { kind: 'string', value };
  if (Array.isArray(value)) return { kind: 'array', items: value.map(toTree) };
  if (typeof value === 'object' && value !== null) {
    return {
      kind: 'object',
      entries: Object.entries(value).map(([key, v]) => ({ key, value: toTree(v) })),
    };
  }
  return { kind: 'raw', text: JSON.stringify(value) ?? 'null' };
}

/** Writes the tree as text; `space` is inserted around every token (whitespace JSON allows). */
export function writeTree(node: JsonNode, space = ''): string {
  switch (node.kind) {
    case 'string':
      return node.raw ?? JSON.stringify(node.value);
    case 'raw':
      return node.text;
    case 'array':
      return `[${space}${node.items.map((n) => writeTree(n, space)).join(`${space},${space}`)}${space}]`;
    case 'object':
      return `{${space}${node.entries
        .map((e) => `${e.rawKey ?? JSON.stringify(e.key)}${space}:${space}${writeTree(e.value, space)}`)
        .join(`${space},${space}`)}${space}}`;
  }
}

/** The entry at `key` of an object node (the last one, as `JSON.parse` keeps the last duplicate). */
export function entryOf(node: JsonNode | undefined, key: string): JsonEntry | undefined {
  if (node?.kind !== 'object') return undefined;
  for (let i = node.entries.length - 1; i >= 0; i--) if (node.entries[i].key === key) return node.entries[i];
  return undefined;
}

/** Follows object keys from `root`; undefined when a step is missing. */
export function nodeAt(root: JsonNode, path: readonly string[]): JsonNode | undefined {
  let node: JsonNode | undefined = root;
  for (const key of path) node = entryOf(node, key)?.value;
  return node;
}
