import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const SRC = new URL('../', import.meta.url).pathname;
/** Folders whose code needs Node or the server: nothing `flowrs/client` reaches may live there. */
const SERVER_SIDE = ['server', 'book', 'metrics', 'exchanges', 'app', 'sim', 'cli'];

/** Every module specifier a file imports or re-exports, type-only ones included (declarations follow them). */
function specifiers(source: string): string[] {
  const found: string[] = [];
  for (const match of source.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g))
    found.push(match[1]);
  for (const match of source.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) found.push(match[1]);
  for (const match of source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(match[1]);
  return found;
}

/** The files reachable from `roots`, and every import that leaves the browser-safe set. */
function walk(roots: string[]): { files: string[]; violations: string[] } {
  const seen = new Set<string>();
  const violations: string[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const where = relative(SRC, file);
    const folder = where.split('/')[0];
    if (SERVER_SIDE.includes(folder)) violations.push(`${where} is reachable`);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) {
        violations.push(`${where} imports ${spec}`);
        continue;
      }
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      assert.ok(existsSync(target), `${where}: ${spec} resolves to a source file`);
      queue.push(target);
    }
  }
  return { files: [...seen], violations };
}

const sources = (folder: string) =>
  readdirSync(join(SRC, folder))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => join(SRC, folder, f));

describe('flowrs/client is browser-safe', () => {
  it('reaches no node:* module, no package, and nothing from the server side', () => {
    const { files, violations } = walk([...sources('client'), ...sources('protocol')]);
    assert.deepEqual(violations, []);
    // The walk did follow the graph: the client reaches the protocol and its pure core helpers.
    assert.ok(files.some((f) => f.endsWith('protocol/consolidate.ts')));
    assert.ok(files.some((f) => f.endsWith('core/decimal.ts')));
  });

  it('flags what it should: the server-side protocol module is not browser-safe', () => {
    const { violations } = walk([join(SRC, 'server/protocol.ts')]);
    assert.ok(violations.includes('server/protocol.ts is reachable'));
    assert.ok(violations.some((v) => v.startsWith('book/')));
  });
});
