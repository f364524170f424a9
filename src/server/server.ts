import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { BookKey } from '../core/types.js';
import type { Logger } from '../log.js';
import type { Broadcaster, ClientSession } from './broadcaster.js';
import { createHttpHandler, type HttpApiDeps } from './http-api.js';
import { type ErrorCode, MAX_CLIENT_MESSAGE_BYTES, parseBookSelection } from './protocol.js';

/** The server could not take its address (in use, not permitted, not on this host). */
export class ListenError extends Error {
  readonly code = 'FLOWRS_LISTEN';
  constructor(
    /** `host:port` as asked for. */
    readonly address: string,
    /** The system's code: EADDRINUSE, EACCES, EADDRNOTAVAIL... */
    readonly systemCode: string | undefined,
    options: { cause: unknown },
  ) {
    super(
      `cannot listen on ${address}: ${LISTEN_FAILURES[systemCode ?? ''] ?? (options.cause as Error).message}`,
      options,
    );
    this.name = 'ListenError';
  }
}

const LISTEN_FAILURES: Record<string, string> = {
  EADDRINUSE: 'the address is already in use (EADDRINUSE)',
  EACCES: 'permission denied (EACCES)',
  EADDRNOTAVAIL: 'no such address on this host (EADDRNOTAVAIL)',
};

/**
 * One port for everything clients touch: WebSocket at `/` and the HTTP API. Limits are explicit:
 * client frames over MAX_CLIENT_MESSAGE_BYTES close the connection with 1009 (ws enforces `maxPayload`),
 * more than MAX_CLIENT_MESSAGES_PER_SECOND close it with 1008, and permessage-deflate is off.
 */
export class FlowrsServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;

  constructor(
    private readonly broadcaster: Broadcaster,
    api: HttpApiDeps,
    private readonly log: Logger,
  ) {
    this.http = createServer(createHttpHandler(api));
    this.wss = new WebSocketServer({
      server: this.http,
      path: '/',
      maxPayload: MAX_CLIENT_MESSAGE_BYTES,
      perMessageDeflate: false,
    });
    // ws re-emits the HTTP server's errors here; a listen failure is reported by listen() itself.
    this.wss.on('error', (err) => this.log.debug({ err }, 'server error'));
    this.wss.on('connection', (ws, req) => {
      const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
      // `/?books=binance:BTCUSDT,bybit:BTCUSDT` selects books from the first snapshot on.
      const query = new URL(req.url ?? '/', 'http://flowrs').searchParams.get('books');
      const selection =
        query === null ? { books: undefined } : this.resolveSelection(query === '*' ? '*' : query.split(','));
      const session = this.broadcaster.add(ws, req.socket, remote, 'books' in selection ? selection.books : undefined);
      if ('error' in selection) this.broadcaster.sendError(session, selection.error.code, selection.error.message);
      this.log.debug({ client: session.id, remote }, 'client connected');
      ws.on('message', (data, isBinary) => {
        // One client's message must never take the server down: whatever escapes is answered, not thrown.
        try {
          this.onMessage(ws, session, data, isBinary);
        } catch (err) {
          this.log.warn({ client: session.id, err }, 'a client message could not be handled');
          this.broadcaster.sendError(session, 'FLOWRS_BAD_MESSAGE', 'the message could not be handled');
        }
      });
      ws.on('error', (err) => this.log.debug({ client: session.id, err }, 'client socket error'));
      ws.on('close', (code) => this.log.debug({ client: session.id, code }, 'client disconnected'));
    });
  }

  private onMessage(ws: WebSocket, session: ClientSession, data: RawData, isBinary: boolean): void {
    {
      if (!session.allowIncoming(Date.now())) {
        this.broadcaster.rateLimited(session);
        return;
      }
      if (isBinary) {
        this.broadcaster.sendError(session, 'FLOWRS_BAD_MESSAGE', 'binary frames are not accepted; send JSON text');
        return;
      }
      let message: unknown;
      try {
        message = JSON.parse(data.toString());
      } catch {
        this.broadcaster.sendError(session, 'FLOWRS_BAD_JSON', 'message is not valid JSON');
        return;
      }
      const type = typeof message === 'object' && message !== null ? (message as { type?: unknown }).type : undefined;
      if (type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong', timestamp: Date.now() }));
        return;
      }
      if (type === 'subscribe') {
        this.subscribe(session, (message as { books?: unknown }).books);
        return;
      }
      if (typeof type !== 'string') {
        this.broadcaster.sendError(session, 'FLOWRS_BAD_MESSAGE', 'message must be a JSON object with a string "type"');
        return;
      }
      this.broadcaster.sendError(
        session,
        'FLOWRS_UNKNOWN_TYPE',
        `unknown message type ${JSON.stringify(type.slice(0, 40))}`,
      );
    }
  }

  private subscribe(session: ClientSession, books: unknown): void {
    const selection = this.resolveSelection(books);
    if ('error' in selection) this.broadcaster.sendError(session, selection.error.code, selection.error.message);
    else this.broadcaster.subscribe(session, selection.books);
  }

  /** A selection's books (undefined: all), or the error to answer with. */
  private resolveSelection(
    value: unknown,
  ): { books: readonly BookKey[] | undefined } | { error: { code: ErrorCode; message: string } } {
    const parsed = parseBookSelection(value);
    if (parsed === '*') return { books: undefined };
    if ('invalid' in parsed) return { error: { code: 'FLOWRS_BAD_MESSAGE', message: parsed.invalid } };
    const resolved = this.broadcaster.resolveBooks(parsed);
    if ('unknown' in resolved) {
      const names = resolved.unknown.slice(0, 5).map((n) => JSON.stringify(n));
      const more = resolved.unknown.length > 5 ? ` and ${resolved.unknown.length - 5} more` : '';
      return { error: { code: 'FLOWRS_UNKNOWN_BOOK', message: `no such book: ${names.join(', ')}${more}` } };
    }
    return { books: resolved.keys };
  }

  /** @throws ListenError when the address cannot be taken */
  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      const fail = (error: NodeJS.ErrnoException) => {
        const shown = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
        reject(new ListenError(shown, error.code, { cause: error }));
      };
      this.http.once('error', fail);
      this.http.listen(port, host, () => {
        this.http.off('error', fail);
        resolve();
      });
    });
    const address = this.http.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
