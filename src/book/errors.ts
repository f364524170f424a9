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

function safeText(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 80) ?? String(value);
  } catch {
    return String(value);
  }
}

export type { PriceLevel };
