/** Test helper: one WebSocket handshake, and what came of it (refused over HTTP, or opened). */
import type { IncomingHttpHeaders } from 'node:http';
import { WebSocket } from 'ws';

export type Handshake =
  | {
      readonly type: 'refused';
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly body: { code: string; message: string };
    }
  | {
      readonly type: 'open';
      readonly ws: WebSocket;
      /** Every message received, as text. */
      readonly messages: string[];
      readonly closed: Promise<{ code: number; reason: string }>;
    };

export interface HandshakeOptions {
  readonly headers?: Record<string, string>;
  /** The local address to connect from (any 127.x.y.z works on loopback): another client IP. */
  readonly localAddress?: string;
  /** A CA to trust (a self-signed test certificate). */
  readonly ca?: Buffer;
}

export function handshake(url: string, options: HandshakeOptions = {}): Promise<Handshake> {
  const ws = new WebSocket(url, { headers: options.headers, localAddress: options.localAddress, ca: options.ca });
  const messages: string[] = [];
  ws.on('message', (data) => messages.push(data.toString()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ type: 'open', ws, messages, closed }));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk));
      res.on('end', () => {
        resolve({ type: 'refused', status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) });
        ws.terminate();
      });
    });
    ws.once('error', reject);
  });
}

/** Opens, or fails the test with what happened instead. */
export async function opened(url: string, options?: HandshakeOptions): Promise<Extract<Handshake, { type: 'open' }>> {
  const result = await handshake(url, options);
  if (result.type !== 'open') throw new Error(`refused: ${result.status} ${JSON.stringify(result.body)}`);
  return result;
}

/** Refused, or fails the test (closing what opened). */
export async function refused(
  url: string,
  options?: HandshakeOptions,
): Promise<Extract<Handshake, { type: 'refused' }>> {
  const result = await handshake(url, options);
  if (result.type !== 'refused') {
    result.ws.terminate();
    throw new Error('the handshake was accepted');
  }
  return result;
}
