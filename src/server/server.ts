import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Logger } from '../log.js';
import { CLOSE_GOING_AWAY } from '../protocol/limits.js';
import { AccessGate, DEFAULT_REFUSED_CLOSE_GRACE_MS, DEFAULT_RETRY_AFTER_SECONDS } from './access/access-gate.js';
import { refuseUpgrade } from './access/refusal.js';
import type { RejectionReason } from './access/rejections.js';
import type { AccessConfig } from './access/settings.js';
import { loadTls } from './access/tls.js';
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

/** How long shutdown waits for clients to answer their close frame before cutting them off. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 2_000;
/** The close reason every client gets when FlowRS stops. */
export const SHUTDOWN_REASON = 'server shutting down';

/**
 * One port for everything clients touch: WebSocket at `/` and the HTTP API, over TLS when a certificate
 * is configured. Limits are explicit: client frames over MAX_CLIENT_MESSAGE_BYTES close the connection
 * with 1009 (ws enforces `maxPayload`), more than MAX_CLIENT_MESSAGES_PER_SECOND close it with 1008, and
 * permessage-deflate is off. Who may connect, and how many, is the AccessGate's business.
 */
export class FlowrsServer {
  private readonly http: Server | HttpsServer;
  private readonly wss: WebSocketServer;
  private readonly clients: ClientMessages;
  private readonly gate: AccessGate;
  private closing = false;
  /** Whether the server speaks HTTPS and WSS. */
  readonly secure: boolean;

  /** @throws AccessSetupError when a token file or the TLS files cannot be used (named in the message) */
  constructor(
    broadcaster: Broadcaster,
    api: HttpApiDeps,
    private readonly log: Logger,
    /** Who may connect and how many (open to all when absent). */
    readonly access?: AccessConfig,
  ) {
    this.clients = new ClientMessages(broadcaster, api.directory, log);
    this.gate = new AccessGate(access, log);
    const tls = loadTls(access?.tlsCert, access?.tlsKey);
    this.secure = tls !== undefined;
    const handler = this.gate.guardHttp(createHttpHandler(api));
    this.http = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createServer(handler);
    // The server does the upgrade itself, so a refused one costs no WebSocket work.
    this.wss = new WebSocketServer({
      noServer: true,
      path: '/',
      maxPayload: MAX_CLIENT_MESSAGE_BYTES,
      perMessageDeflate: false,
    });
    this.http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    // A listen failure is reported by listen() itself; later server errors are not a client's to see.
    this.http.on('error', (err) => this.log.debug({ err }, 'server error'));
  }

  /** WebSocket handshakes refused since start, by reason. */
  get rejectedHandshakes(): Readonly<Record<RejectionReason, number>> {
    return this.gate.rejections.byReason;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closing) {
      refuseUpgrade(socket, 503, 'FLOWRS_SHUTTING_DOWN', SHUTDOWN_REASON, {
        'Retry-After': String(DEFAULT_RETRY_AFTER_SECONDS),
      });
      return;
    }
    if (!this.gate.admitUpgrade(req, socket)) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const denial = this.gate.denyConnection(req);
      if (denial === undefined) {
        this.clients.accept(ws, req);
        return;
      }
      ws.close(denial.closeCode, denial.reason);
      setTimeout(() => ws.terminate(), DEFAULT_REFUSED_CLOSE_GRACE_MS).unref();
    });
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

  /**
   * Stops accepting first (the port is released, upgrades still in flight are refused), then closes every
   * client with 1001 and SHUTDOWN_REASON, cuts off those that do not answer within the grace, and ends.
   */
  async close(graceMs = DEFAULT_SHUTDOWN_GRACE_MS): Promise<void> {
    this.closing = true;
    const stopped = new Promise<void>((resolve) => this.http.close(() => resolve()));
    const clientsGone = new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const ws of this.wss.clients) ws.close(CLOSE_GOING_AWAY, SHUTDOWN_REASON);
    const grace = setTimeout(() => {
      for (const ws of this.wss.clients) ws.terminate();
    }, graceMs);
    await clientsGone;
    clearTimeout(grace);
    this.http.closeAllConnections();
    await stopped;
  }
}
