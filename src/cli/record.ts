/**
 * `flowrs record <dir> [flags]`: the service (as `flowrs start`) recording every raw venue frame and
 * REST answer into <dir> (same as FLOWRS_RECORD_DIR=<dir> flowrs start).
 */
import { runStart } from './start.js';

export async function runRecord(argv: readonly string[]): Promise<void> {
  const [dir, ...rest] = argv;
  if (dir === undefined || dir.startsWith('-')) {
    console.error('flowrs: record needs a directory: flowrs record <dir> [flags]');
    process.exit(2);
  }
  return runStart(['--record-dir', dir, ...rest]);
}
