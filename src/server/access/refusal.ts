/** How a refused request is answered: JSON `{"code","message"}`, over HTTP or on a socket not yet upgraded. */
import { type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RefusalCode } from './codes.js';

const body = (code: RefusalCode, message: string) => JSON.stringify({ code, message });

export function refuse(
  res: ServerResponse,
  status: number,
  code: RefusalCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  const text = body(code, message);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Refuses a WebSocket upgrade before any WebSocket work: a plain HTTP answer, then the socket is closed. */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  code: RefusalCode,
  message: string,
  headers: Record<string, string> = {},
): void {
  const text = body(code, message);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(text)}`,
    'Cache-Control: no-store',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  // Closed once written: a client that never closes its side must not hold the socket.
  socket.once('finish', () => socket.destroy());
  socket.end(`${lines.join('\r\n')}\r\n\r\n${text}`);
}
