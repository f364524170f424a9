import { readFileSync } from 'node:fs';
import { realFixture } from '../../sim/test-support/fixtures.js';

/** One documented frame of test/fixtures/bitget/documented_frames.jsonl, by name. */
export function documentedFrame(name: string): string {
  const lines = readFileSync(realFixture('bitget/documented_frames.jsonl'), 'utf8').split('\n');
  for (const line of lines) {
    if (line.trim() === '') continue;
    const entry = JSON.parse(line) as { name: string; frame: string };
    if (entry.name === name) return entry.frame;
  }
  throw new Error(`no documented Bitget frame named ${name}`);
}
