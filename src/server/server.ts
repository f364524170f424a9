import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Logger } from '../log.js';
import type { Broadcaster } from './broadcaster.js';
import { createHttpHandler, type HttpApiDeps } from './http-api.js';
import { MAX_CLIENT_MESSAGE_BYTES } from './protocol.js';

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
    this.wss.on('connection', (ws, req) => {
      const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
      const session = this.broadcaster.add(ws, req.socket, remote);
      this.log.debug({ client: session.id, remote }, 'client connected');
      ws.on('message', (data, isBinary) => {
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
        if (typeof type !== 'string') {
          this.broadcaster.sendError(
            session,
            'FLOWRS_BAD_MESSAGE',
            'message must be a JSON object with a string "type"',
          );
          return;
        }
        this.broadcaster.sendError(
          session,
          'FLOWRS_UNKNOWN_TYPE',
          `unknown message type ${JSON.stringify(type.slice(0, 40))}`,
        );
      });
      ws.on('error', (error) => this.log.debug({ client: session.id, err: error.message }, 'client socket error'));
      ws.on('close', (code) => this.log.debug({ client: session.id, code }, 'client disconnected'));
    });
  }

  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
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
