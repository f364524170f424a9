import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import type { BookKey } from '../core/types.js';
import type { Logger } from '../log.js';
import type { Broadcaster, ClientSession } from './broadcaster.js';
import { type ErrorCode, parseBookSelection } from './protocol.js';

/**
 * What happens on an accepted client connection: its session, the selection in its URL, and every message
 * it sends. (Whether a connection is accepted at all is the server's business.)
 */
export class ClientMessages {
  constructor(
    private readonly broadcaster: Broadcaster,
    private readonly log: Logger,
  ) {}

  /** Takes over an accepted WebSocket: registers the client and answers its messages. */
  accept(ws: WebSocket, req: IncomingMessage): ClientSession {
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
    return session;
  }

  private onMessage(ws: WebSocket, session: ClientSession, data: RawData, isBinary: boolean): void {
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
}
