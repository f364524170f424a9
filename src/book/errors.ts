import type { PriceLevel } from '../core/types.js';

/** A level whose price or quantity is not a valid venue decimal. The book is left unchanged. */
export class InvalidLevelError extends Error {
  readonly code = 'FLOWRS_INVALID_LEVEL';
  constructor(
    readonly side: 'bid' | 'ask',
    readonly level: unknown,
    readonly reason: 'price' | 'quantity' | 'shape',
  ) {
    super(`invalid ${side} level ${safeText(level)}: bad ${reason}`);
    this.name = 'InvalidLevelError';
  }
}

/**
 * A short rendering of whatever a venue sent, for the message. Never throws: a level nested thousands of
 * arrays deep overflows the stack in `JSON.stringify` and in `String()` alike.
 */
export function safeText(value: unknown, max = 80): string {
  try {
    return JSON.stringify(value)?.slice(0, max) ?? String(value).slice(0, max);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return '(unprintable)';
    }
  }
}

export type { PriceLevel };
