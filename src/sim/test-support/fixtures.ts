import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Path of a real recorded fixture under ../shared/fixtures/real/ (beside the repository). */
export function realFixture(relative: string): string {
  const path = fileURLToPath(new URL(`../../../../shared/fixtures/real/${relative}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`missing fixture ${path}: the shared/ folder must sit beside the repository`);
  return path;
}
