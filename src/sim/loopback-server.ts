import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

/**
 * One HTTP + WebSocket server on a loopback port: the transport every simulated venue shares.
 * Tracks every socket so `stop()` leaves nothing behind, and turns off ws's automatic pong so a
 * venue can simulate a connection that stops answering pings.
 */
export class LoopbackServer {
  private readonly http: Server;
  readonly wss: WebSocketServer;
  private readonly rawSockets = new Set<Duplex>();
  private port = 0;

  constructor(
    onRequest: (req: IncomingMessage, res: ServerResponse, url: URL) => void,
    onUpgrade: (
      req: IncomingMessage,
      url: URL,
    ) => { accept: true; context: unknown } | { accept: false; status: number; body: string },
    onConnection: (ws: WebSocket, context: unknown) => void,
  ) {
    this.wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false });
    this.http = createServer((req, res) => onRequest(req, res, new URL(req.url ?? '/', 'http://localhost')));
    this.http.on('connection', (socket) => {
      this.rawSockets.add(socket);
      socket.once('close', () => this.rawSockets.delete(socket));
    });
    this.http.on('upgrade', (req, socket, head) => {
      const decision = onUpgrade(req, new URL(req.url ?? '/', 'http://localhost'));
      if (!decision.accept) {
        socket.end(
          `HTTP/1.1 ${decision.status} Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(decision.body)}\r\n\r\n${decision.body}`,
        );
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        // Answer pings ourselves (autoPong is off) unless the venue decides otherwise.
        onConnection(ws, decision.context);
      });
    });
  }

  async listen(host = '127.0.0.1', port = 0): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    this.port = (this.http.address() as AddressInfo).port;
    return this.port;
  }

  get listeningPort(): number {
    return this.port;
  }

  /** Closes every WebSocket and HTTP socket, then the server. */
  async stop(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    for (const socket of this.rawSockets) socket.destroy();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Sends if the socket is open; a closed peer is not an error for a venue. */
export function sendText(ws: WebSocket, text: string): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(text);
}
