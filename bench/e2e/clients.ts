/**
 * Benchmark helper process: opens N WebSocket clients to FlowRS and counts what they receive.
 * argv: url count [books]. With books (comma-separated `exchange:SYMBOL`), client i selects book i mod n.
 * Prints one JSON line per second: {clients, open, messages, bytes}; exits on SIGTERM.
 */
import { WebSocket } from 'ws';

const [url, countText, booksText = ''] = process.argv.slice(2);
const books = booksText.split(',').filter((b) => b.length > 0);
const count = Number(countText);
let messages = 0;
let bytes = 0;
let open = 0;
const sockets: WebSocket[] = [];
const connect = (i: number) =>
  new Promise<void>((resolve) => {
    const target = books.length > 0 ? `${url}?books=${books[i % books.length]}` : url;
    const ws = new WebSocket(target, { perMessageDeflate: false });
    ws.on('open', () => {
      open++;
      resolve();
    });
    ws.on('message', (data: Buffer) => {
      messages++;
      bytes += data.length;
    });
    ws.on('close', () => {
      open--;
      resolve();
    });
    ws.on('error', () => undefined);
    sockets.push(ws);
  });
// Connect in batches, as a fleet of real clients would arrive, rather than 500 handshakes at once.
for (let i = 0; i < count; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => connect(i + j)));
}
setInterval(() => {
  process.stdout.write(`${JSON.stringify({ clients: count, open, messages, bytes })}\n`);
}, 1000);
process.on('SIGTERM', () => {
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
