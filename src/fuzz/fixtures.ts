import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mergeRecordings, type Recording, readRecording } from '../sim/recording.js';

/** Path of a recorded fixture under test/fixtures/ (provenance in test/fixtures/README.md). */
export function fixturePath(relative: string): string {
  const path = fileURLToPath(new URL(`../../test/fixtures/${relative}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`missing fixture ${path} (see test/fixtures/README.md)`);
  return path;
}

/** Reads one or more recordings of the same session (e.g. a WebSocket file and its REST answers). */
export function loadRecording(...relative: string[]): Recording {
  return mergeRecordings(...relative.map((r) => readRecording(fixturePath(r))));
}
