import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Logger } from '../log.js';
import type { AccessConfig } from './access/settings.js';
import type { Broadcaster } from './broadcaster.js';
import { ClientMessages } from './client-messages.js';
import { createHttpHandler, type HttpApiDeps } from './http-api.js';
import { MAX_CLIENT_MESSAGE_BYTES } from './protocol.js';

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
  private readonly clients: ClientMessages;

  constructor(
    broadcaster: Broadcaster,
    api: HttpApiDeps,
    private readonly log: Logger,
    /** Who may connect and how many (open to all when absent). */
    readonly access?: AccessConfig,
  ) {
    this.clients = new ClientMessages(broadcaster, log);
    this.http = createServer(createHttpHandler(api));
    this.wss = new WebSocketServer({
      server: this.http,
      path: '/',
      maxPayload: MAX_CLIENT_MESSAGE_BYTES,
      perMessageDeflate: false,
    });
    // ws re-emits the HTTP server's errors here; a listen failure is reported by listen() itself.
    this.wss.on('error', (err) => this.log.debug({ err }, 'server error'));
    this.wss.on('connection', (ws, req) => this.clients.accept(ws, req));
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
