/**
 * The high-resolution time at which the venue frame now being processed arrived. Frames are handled
 * synchronously, one at a time, on one event loop, so a single shared stamp is exact and costs no
 * allocation: the socket sets it before parsing, and the pipeline reads it once the book is applied.
 */
export const frameClock = { receivedAt: 0 };
/* 0 outside a frame: work triggered by a REST response or a timer records no frame latency. */

export function markFrameReceived(): void {
  frameClock.receivedAt = performance.now();
}

export function clearFrameReceived(): void {
  frameClock.receivedAt = 0;
}
