/**
 * The checksum a delta-mode client verifies its copy of a book with, after every message: CRC-32 (IEEE
 * 802.3, the zlib/PNG polynomial), unsigned, of the book's top levels written as one string. The levels
 * are interleaved best first — bid 1, ask 1, bid 2, ask 2, … — each as `price:quantity` with the exact
 * strings served, joined by `:`; when one side has fewer levels, the other's continue alone. A
 * 2-level book `bids [["100.5","1"],["100","2.25"]]`, `asks [["101","3"]]` is checksummed over
 * `100.5:1:101:3:100:2.25`. An empty book is the empty string (checksum 0).
 *
 * Written here rather than taken from a package: it is a dozen lines, and this module must run in browsers
 * with no dependencies.
 */

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of a string's UTF-8 bytes (book strings are ASCII), unsigned. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      crc = TABLE[(crc ^ code) & 0xff] ^ (crc >>> 8);
      continue;
    }
    // Not expected in a book, but a checksum must never depend on how a client stores strings.
    const bytes: number[] = [];
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      code = 0x10000 + ((code - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00);
    }
    if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    else bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    for (const b of bytes) crc = TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** The checksummed string of a book's levels (best first on each side); see the module comment. */
export function checksumText(
  bids: readonly (readonly [string, string])[],
  asks: readonly (readonly [string, string])[],
): string {
  const parts: string[] = [];
  const n = Math.max(bids.length, asks.length);
  for (let i = 0; i < n; i++) {
    const bid = bids[i];
    const ask = asks[i];
    if (bid !== undefined) parts.push(bid[0], bid[1]);
    if (ask !== undefined) parts.push(ask[0], ask[1]);
  }
  return parts.join(':');
}

/** The checksum of a book's top levels (best first on each side), as delta-mode messages carry it. */
export function bookChecksum(
  bids: readonly (readonly [string, string])[],
  asks: readonly (readonly [string, string])[],
): number {
  return crc32(checksumText(bids, asks));
}
