/**
 * How streams are spread over combined-stream connections. Binance takes the subscription in the URL
 * (`/stream?streams=a/b/c`), so a connection is bounded twice: at most 200 streams, and a URL short
 * enough for the proxies on the way (8,004 characters were measured in the wild; long symbol names
 * reach that before 200 streams).
 */

/** At most 200 streams per connection (USDⓈ-M; spot's 1024 does not apply). */
export const BINANCE_MAX_STREAMS = 200;
/** The longest URL FlowRS opens: the ~8,000 characters seen in the wild, less a margin. */
export const BINANCE_MAX_URL_LENGTH = 8_000 - 500;

/** The URL of one combined-stream connection. */
export function combinedStreamUrl(wsUrl: string, category: 'public' | 'market', streams: readonly string[]): string {
  return `${wsUrl}/${category}/stream?streams=${streams.join('/')}`;
}

/**
 * Splits `streams` (in order) into chunks of at most `maxStreams`, each giving a URL of at most
 * `maxUrlLength` characters. A single stream too long for any URL still gets its own chunk (the venue
 * will say if it refuses it).
 */
export function planStreamChunks(
  streams: readonly string[],
  url: (chunk: readonly string[]) => string,
  maxStreams = BINANCE_MAX_STREAMS,
  maxUrlLength = BINANCE_MAX_URL_LENGTH,
): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let length = url([]).length;
  for (const stream of streams) {
    const added = stream.length + (current.length > 0 ? 1 : 0); // the '/' separator
    if (current.length > 0 && (current.length >= maxStreams || length + added > maxUrlLength)) {
      chunks.push(current);
      current = [];
      length = url([]).length;
    }
    length += stream.length + (current.length > 0 ? 1 : 0);
    current.push(stream);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
