import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Path of a real recorded fixture under test/fixtures/ (provenance in test/fixtures/README.md). */
export function realFixture(relative: string): string {
  const path = fileURLToPath(new URL(`../../../test/fixtures/${relative}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`missing fixture ${path} (see test/fixtures/README.md)`);
  return path;
}
