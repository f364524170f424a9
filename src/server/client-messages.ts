import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import type { BookKey } from '../core/types.js';
import type { Logger } from '../log.js';
import type { BookDirectory, BookRequestError } from './book-directory.js';
import type { Broadcaster, ClientSession, Selection } from './broadcaster.js';
import { MAX_CLIENT_MESSAGES_PER_SECOND, type ParsedSubscription, parseSubscription } from './protocol.js';

/** Counts a client's messages per second (a fixed one-second window). */
class IncomingRate {
  private windowStart = 0;
  private inWindow = 0;

  allow(now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.inWindow = 0;
    }
    return ++this.inWindow <= MAX_CLIENT_MESSAGES_PER_SECOND;
  }
}

/**
 * What happens on an accepted client connection: its session, the selection in its URL, and every message
 * it sends. A client's messages are handled one after another, in order, even when resolving a book must
 * wait for a venue's instrument list. (Whether a connection is accepted at all is the server's business.)
 */
export class ClientMessages {
  constructor(
    private readonly broadcaster: Broadcaster,
    private readonly directory: BookDirectory,
    private readonly log: Logger,
  ) {}

  /** Takes over an accepted WebSocket: registers the client and answers its messages. */
  accept(ws: WebSocket, req: IncomingMessage): void {
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    const rate = new IncomingRate();
    let session: ClientSession | undefined;
    let closed = false;
    // `/?books=binance:BTCUSDT,ETH-USDT&consolidated=BTC-USDT&mode=delta&depth=100` selects from the first snapshot on.
    // What this connection holds of the books followed on demand.
    const holder = {};
    let queue: Promise<void> = this.open(ws, req, remote, holder).then((s) => {
      session = s;
      if (closed) this.directory.release(holder);
    });
    ws.on('message', (data, isBinary) => {
      if (!rate.allow(Date.now())) {
        this.broadcaster.rateLimited(ws);
        return;
      }
      queue = queue.then(async () => {
        if (session === undefined || closed) return;
        // One client's message must never take the server down: whatever escapes is answered, not thrown.
        try {
          await this.onMessage(ws, session, holder, data, isBinary);
        } catch (err) {
          this.log.warn({ client: session.id, err }, 'a client message could not be handled');
          this.broadcaster.sendError(session, 'FLOWRS_BAD_MESSAGE', 'the message could not be handled');
        }
      });
    });
    ws.on('error', (err) => this.log.debug({ remote, err }, 'client socket error'));
    ws.on('close', (code) => {
      closed = true;
      this.directory.release(holder);
      this.log.debug({ client: session?.id, remote, code }, 'client disconnected');
    });
  }

  private async open(ws: WebSocket, req: IncomingMessage, remote: string, holder: object): Promise<ClientSession> {
    const query = new URL(req.url ?? '/', 'http://flowrs').searchParams;
    const asked: Record<string, unknown> = {};
    const books = query.get('books');
    const consolidated = query.get('consolidated');
    if (books !== null) asked.books = books === '*' ? '*' : books.split(',').filter(Boolean);
    if (consolidated !== null) asked.consolidated = consolidated.split(',').filter(Boolean);
    if (query.get('mode') !== null) asked.mode = query.get('mode');
    if (query.get('depth') !== null) asked.depth = Number(query.get('depth'));
    let selection = this.broadcaster.defaultSelection();
    let error: BookRequestError | undefined;
    if (Object.keys(asked).length > 0) {
      const parsed = parseSubscription(asked);
      const next = 'invalid' in parsed ? undefined : await this.selectionFor(ws, parsed, selection);
      if ('invalid' in parsed) error = { code: 'FLOWRS_BAD_MESSAGE', message: parsed.invalid };
      else if (next !== undefined && 'error' in next) error = next.error;
      else if (next !== undefined) {
        error = this.hold(holder, next.selection);
        if (error === undefined) selection = next.selection;
      }
    }
    // Nothing asked for could be had: the client starts with the default selection and is told why.
    const session = this.broadcaster.add(ws, req.socket, remote, selection);
    if (error !== undefined) this.broadcaster.sendError(session, error.code, error.message, error.books);
    this.log.debug({ client: session.id, remote }, 'client connected');
    return session;
  }

  private async onMessage(
    ws: WebSocket,
    session: ClientSession,
    holder: object,
    data: RawData,
    isBinary: boolean,
  ): Promise<void> {
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
    const fields = typeof message === 'object' && message !== null ? (message as Record<string, unknown>) : undefined;
    const type = fields?.type;
    if (type === 'ping') {
      ws.send(JSON.stringify({ type: 'pong', timestamp: Date.now() }));
      return;
    }
    if (type === 'subscribe') {
      await this.subscribe(ws, session, holder, fields!);
      return;
    }
    if (type === 'resync') {
      await this.resync(session, fields!.books);
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

  private async subscribe(
    ws: WebSocket,
    session: ClientSession,
    holder: object,
    fields: Record<string, unknown>,
  ): Promise<void> {
    const parsed = parseSubscription(fields);
    if ('invalid' in parsed) {
      this.broadcaster.sendError(session, 'FLOWRS_BAD_MESSAGE', parsed.invalid);
      return;
    }
    const next = await this.selectionFor(ws, parsed, session.selection);
    if (next === undefined) return;
    if ('error' in next) {
      this.broadcaster.sendError(session, next.error.code, next.error.message, next.error.books);
      return;
    }
    const error = this.hold(holder, next.selection);
    if (error !== undefined) {
      this.broadcaster.sendError(session, error.code, error.message, error.books);
      return;
    }
    this.broadcaster.subscribe(session, next.selection);
  }

  /** Takes hold of the books a selection needs (its books, and the venue books behind its instruments). */
  private hold(holder: object, selection: Selection): BookRequestError | undefined {
    const keys = new Set<BookKey>(selection.books);
    for (const key of this.consolidatedKeys.get(selection) ?? []) keys.add(key);
    return this.directory.hold(holder, [...keys]);
  }

  /** The venue books each resolved selection's consolidated instruments stand for (held with the selection). */
  private readonly consolidatedKeys = new WeakMap<Selection, readonly BookKey[]>();

  /** The selection a subscription asks for, from `current`; undefined when the client left meanwhile. */
  private async selectionFor(
    ws: WebSocket,
    asked: ParsedSubscription,
    current: Selection,
  ): Promise<{ selection: Selection } | { error: BookRequestError } | undefined> {
    const mode = asked.mode ?? current.mode;
    const depth =
      asked.depth ??
      (asked.mode === 'delta' && current.mode !== 'delta' ? this.broadcaster.limits.displayDepth : current.depth);
    if (depth > this.broadcaster.limits.maxDepth) {
      return {
        error: { code: 'FLOWRS_BAD_MESSAGE', message: `"depth" must be at most ${this.broadcaster.limits.maxDepth}` },
      };
    }
    let allBooks = current.allBooks;
    let books = current.books;
    if (asked.books === '*') {
      allBooks = true;
      books = new Set();
    } else if (asked.books !== undefined) {
      const resolved = await this.directory.resolve(asked.books);
      if ('error' in resolved) return { error: resolved.error };
      allBooks = false;
      books = new Set(resolved.keys);
    }
    const consolidated =
      asked.consolidated === undefined ? current.consolidated : new Set(asked.consolidated.map((i) => i.toUpperCase()));
    const behind: BookKey[] = [];
    if (asked.consolidated !== undefined && asked.consolidated.length > 0) {
      const resolved = await this.directory.resolve([...consolidated]);
      if ('error' in resolved) return { error: resolved.error };
      behind.push(...resolved.keys);
    } else {
      behind.push(...(this.consolidatedKeys.get(current) ?? []));
    }
    if (ws.readyState !== ws.OPEN) return undefined;
    const selection: Selection = { allBooks, books, consolidated, mode, depth };
    this.consolidatedKeys.set(selection, behind);
    return { selection };
  }

  private async resync(session: ClientSession, names: unknown): Promise<void> {
    const parsed = parseSubscription({ books: names });
    if ('invalid' in parsed || parsed.books === '*' || parsed.books === undefined) {
      this.broadcaster.sendError(
        session,
        'FLOWRS_BAD_MESSAGE',
        '"resync" needs "books": an array of "exchange:SYMBOL" names',
      );
      return;
    }
    const resolved = await this.directory.resolve(parsed.books);
    if ('error' in resolved)
      this.broadcaster.sendError(session, resolved.error.code, resolved.error.message, resolved.error.books);
    else this.broadcaster.resend(session, resolved.keys);
  }
}
