/** How often `waitFor` polls its condition. */
export const DEFAULT_POLL_MS = 5;
/**
 * The default patience of `waitFor`. Generous on purpose: a condition that holds returns at once, so
 * a long limit costs nothing when things work and keeps a loaded machine (2 cores shared with other
 * test runs) from failing a test that is only slow.
 */
export const DEFAULT_WAIT_TIMEOUT_MS = 10_000;

/**
 * Polls `condition` (which may be async) until it holds; fails with `message` after `timeoutMs`. For tests only. `message`
 * may be a function, called at the failure, to say what the state was then.
 *
 * The deadline is wall-clock time, but a poll delayed by a busy event loop still checks the condition
 * once more before failing, so a stalled loop alone cannot fail a condition that has come true.
 */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  message: string | (() => string),
  timeoutMs = DEFAULT_WAIT_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for: ${typeof message === 'string' ? message : message()}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, DEFAULT_POLL_MS));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
