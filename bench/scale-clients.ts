/**
 * Benchmark helper process for the scale scenario: opens N WebSocket clients spread round robin over the
 * given servers and measures delivery latency: client receive time − the book's venue timestamp (the
 * simulator stamps each frame with its wall clock; same host, same clock), for every book view received.
 * argv: urls(comma-separated) count [books(comma-separated): client i selects books[i % n]]. Prints one JSON line a second:
 * {open, messages, bytes, p50Ms, p99Ms} (latency over that second); exits on SIGTERM.
 */
import { WebSocket } from 'ws';

const [urlsText, countText, booksText = ''] = process.argv.slice(2);
const urls = urlsText.split(',');
const books = booksText.split(',').filter(Boolean);
const count = Number(countText);
let messages = 0;
let bytes = 0;
let open = 0;
let latencies: number[] = [];
const sockets: WebSocket[] = [];
const TIMESTAMP = /"timestamp":(\d+)/g;

const connect = (i: number) =>
  new Promise<void>((resolve) => {
    const url = urls[i % urls.length];
    const selected = books.length > 0 ? `${url}?books=${books[i % books.length]}` : url;
    const ws = new WebSocket(selected, { perMessageDeflate: false });
    ws.on('open', () => {
      open++;
      resolve();
    });
    ws.on('message', (data: Buffer) => {
      const now = Date.now();
      messages++;
      bytes += data.length;
      // Sampled: every client's orderbook frames, without parsing whole messages.
      const text = data.toString();
      if (!text.startsWith('{"type":"orderbook"')) return;
      for (const m of text.matchAll(TIMESTAMP)) latencies.push(now - Number(m[1]));
    });
    ws.on('close', () => {
      open--;
      resolve();
    });
    ws.on('error', () => undefined);
    sockets.push(ws);
  });
for (let i = 0; i < count; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => connect(i + j)));
}
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? -1;
setInterval(() => {
  const sorted = latencies.sort((a, b) => a - b);
  latencies = [];
  process.stdout.write(
    `${JSON.stringify({ open, messages, bytes, p50Ms: pct(sorted, 0.5), p99Ms: pct(sorted, 0.99), samples: sorted.length })}\n`,
  );
}, 1000);
process.on('SIGTERM', () => {
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
