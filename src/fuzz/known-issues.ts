import type { FuzzFailure } from './stream-driver.js';

/**
 * Failures the fuzzer found in FlowRS that are reported but not yet fixed. Each is matched narrowly, so
 * the check that found it keeps running and any other failure still fails the run; `--strict` (and
 * FLOWRS_FUZZ_STRICT=1 in the test) counts these too. Remove an entry once its fix lands: the run then
 * reports it as unexpected if it ever comes back.
 */
export interface KnownIssue {
  readonly id: string;
  readonly summary: string;
  /** A seed and frame that reproduce it. */
  readonly reproduce: string;
  matches(failure: FuzzFailure): boolean;
}

export const KNOWN_ISSUES: readonly KnownIssue[] = [];

export function knownIssueOf(failure: FuzzFailure): KnownIssue | undefined {
  return KNOWN_ISSUES.find((issue) => issue.matches(failure));
}

/** A known issue of the client server: the crash it causes, and the unanswered message that shows it. */
export interface KnownServerIssue {
  readonly id: string;
  readonly summary: string;
  readonly reproduce: string;
  /** The exception that escaped the server is this issue. */
  crash(error: unknown): boolean;
  /** Messages went unanswered from one of this kind on, after such a crash. */
  unanswered(kind: string, crashes: readonly unknown[]): boolean;
}

export const KNOWN_SERVER_ISSUES: readonly KnownServerIssue[] = [];
