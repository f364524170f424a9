import { crc32 } from 'node:zlib';
import type { PriceLevel } from '../../core/types.js';

/** Levels a side the OKX/Bitget checksum covers. */
export const CHECKSUM_LEVELS = 25;

/**
 * The OKX v5 (and Bitget) order-book checksum: after applying an update, take up to 25 bids and 25
 * asks, best first, and join `bid1px:bid1sz:ask1px:ask1sz:bid2px:…` (once one side runs out, the other
 * continues alone), using the exact strings the venue sent; CRC32 (IEEE) read as a signed 32-bit
 * integer. Sizes are the venue's raw sizes (contracts on OKX), never converted.
 */
export function top25Checksum(bids: readonly PriceLevel[], asks: readonly PriceLevel[]): number {
  const parts: string[] = [];
  const n = Math.max(Math.min(bids.length, CHECKSUM_LEVELS), Math.min(asks.length, CHECKSUM_LEVELS));
  for (let i = 0; i < n; i++) {
    const bid = i < CHECKSUM_LEVELS ? bids[i] : undefined;
    const ask = i < CHECKSUM_LEVELS ? asks[i] : undefined;
    if (bid !== undefined) parts.push(bid[0], bid[1]);
    if (ask !== undefined) parts.push(ask[0], ask[1]);
  }
  return crc32(parts.join(':')) | 0;
}

/**
 * Venues are retiring this checksum: OKX has sent `checksum: 0` on its book channels since 2026-06-23 and
 * Bitget is removing it. 0 (or no field) means "no checksum", never a mismatch.
 */
export function hasChecksum(value: number | undefined): value is number {
  return value !== undefined && value !== 0;
}
