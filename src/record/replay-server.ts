import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../log.js';
import type { RecordedConnection, RecordedRest, VenueRecording } from './reader.js';
import { restKey } from './reader.js';
import {
  addTrafficTap,
  REPLAY_ID_HEADER,
  REPLAY_NAME_HEADER,
  REPLAY_RECORDED_AT_HEADER,
  type RestExchange,
  setReplayMode,
} from './tap.js';

/** Replay speeds: a multiple of recorded time, or as fast as the connectors take frames. */
export type ReplaySpeed = number | 'max';
export const REPLAY_SPEEDS: readonly string[] = ['1', '10', 'max'];
export const DEFAULT_REPLAY_SPEED: ReplaySpeed = 1;
/** A replayed connection the recording ended is followed by the next one after this long. */
export const REPLAY_RECONNECT_DELAY_MS = 10;
/** At most this many frames are sent in one turn of the event loop (the connectors share the process). */
const FRAMES_PER_TURN = 500;
/** Sending pauses while a connection has this many bytes unsent (the connector is behind). */
const HIGH_WATER_BYTES = 1024 * 1024;
/**
 * A recorded REST answer that no replayed request asks for (an audit's, say) holds the frames recorded
 * after it this long without progress, then is passed over.
 */
export const REST_BARRIER_TIMEOUT_MS = 1_000;

export interface ReplayServerOptions {
  readonly speed?: ReplaySpeed;
  /** Frames before this time (µs) are sent at once; pacing starts here. */
  readonly fromUs?: number;
  readonly log: Logger;
}

/** One replayed connection: the recorded one it plays and how far it has got. */
interface Session {
  readonly endpoint: VenueEndpoint;
  readonly recorded: RecordedConnection;
  readonly ws: WebSocket;
  /** The connector side's connection id (handshake header), to follow which frame it is processing. */
  readonly clientId: string | undefined;
  next: number;
  /** Recorded times of frames sent and not yet seen by the connector, in order. */
  readonly inFlight: number[];
  timer: NodeJS.Timeout | undefined;
  /** Every frame is sent; the connection ends once the connector has taken them all. */
  closing: boolean;
  done: boolean;
}

/** One venue's loopback endpoint. */
interface VenueEndpoint {
  readonly recording: VenueRecording;
  readonly server: Server;
  readonly wss: WebSocketServer;
  readonly port: number;
  /** Recorded connections not yet handed out. */
  readonly unclaimed: RecordedConnection[];
  /** REST answers by request, next first; the last one is repeated once all are used. */
  readonly answers: Map<string, { list: RecordedRest[]; next: number }>;
  /** Recorded answers by answer time, not yet taken by a connector (or passed over): the frame barrier. */
  readonly untaken: RecordedRest[];
  /** Since when the first untaken answer has held frames back (0: it does not). */
  barrierSince: number;
}

/**
 * A loopback stand-in for the recorded venues. The connectors, unchanged, connect to it: each new
 * WebSocket gets the frames of the next recorded connection with the same name and path, paced by the
 * recorded receive times (× speed, or as fast as the connector reads), and ended as the recorded one
 * ended; each REST request gets the next recorded answer to the same request. What connectors send is
 * ignored: the recording already holds the venue's answers. The books rebuilt are therefore the
 * recorded venue's, whatever the timing.
 */
export class ReplayServer {
  private readonly endpoints = new Map<string, VenueEndpoint>();
  private readonly sessions = new Set<Session>();
  private readonly byClient = new Map<string, Session>();
  private readonly speed: ReplaySpeed;
  private readonly startedAt = performance.now();
  private readonly originUs: number;
  private removeTap: (() => void) | undefined;
  /** Recorded receive time of the frame (or REST answer) the connectors are processing now, µs. */
  clockUs = 0;
  /** Frames sent, and frames the connectors have taken. */
  framesSent = 0;
  framesTaken = 0;
  readonly totalFrames: number;
  private lastProgressAt = performance.now();

  private constructor(
    readonly venues: ReadonlyMap<string, VenueRecording>,
    private readonly options: ReplayServerOptions,
  ) {
    this.speed = options.speed ?? DEFAULT_REPLAY_SPEED;
    const first = Math.min(
      ...[...venues.values()].flatMap((v) => [...v.connections.map((c) => c.openedAt), ...v.rest.map((r) => r.sent)]),
    );
    this.originUs = Math.max(Number.isFinite(first) ? first : 0, options.fromUs ?? 0);
    this.totalFrames = [...venues.values()].reduce(
      (n, v) => n + v.connections.reduce((m, c) => m + c.frames.length, 0),
      0,
    );
  }

  /** Listens on loopback, one port per venue, and puts this process's sockets in replay mode. */
  static async start(venues: ReadonlyMap<string, VenueRecording>, options: ReplayServerOptions): Promise<ReplayServer> {
    const replay = new ReplayServer(venues, options);
    for (const recording of venues.values()) await replay.listen(recording);
    setReplayMode({ reconnectDelayMs: REPLAY_RECONNECT_DELAY_MS });
    replay.removeTap = addTrafficTap({
      wsFrame: (conn) => replay.taken(conn),
      rest: (exchange) => replay.restTaken(exchange),
    });
    return replay;
  }

  private async listen(recording: VenueRecording): Promise<void> {
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    const server = createServer((req, res) => this.answer(recording.venue, req, res));
    server.on('upgrade', (req, socket, head) => this.upgrade(recording.venue, req, socket, head));
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
    const answers = new Map<string, { list: RecordedRest[]; next: number }>();
    for (const r of recording.rest) {
      const entry = answers.get(r.key) ?? { list: [], next: 0 };
      entry.list.push(r);
      answers.set(r.key, entry);
    }
    this.endpoints.set(recording.venue, {
      recording,
      server,
      wss,
      port,
      unclaimed: [...recording.connections],
      answers,
      untaken: [...recording.rest].sort((a, b) => a.t - b.t),
      barrierSince: 0,
    });
  }

  /**
   * The venue's settings with every URL pointed at this server (same path): what the connectors get.
   * Settings that are not URLs stay as recorded.
   */
  venueSettings(venue: string): Record<string, unknown> {
    const endpoint = this.endpoints.get(venue);
    if (!endpoint) throw new RangeError(`venue ${venue} is not in the recording`);
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(endpoint.recording.settings)) {
      out[name] = typeof value === 'string' ? loopbackUrl(value, endpoint.port) : value;
    }
    return out;
  }

  // ---- WebSocket --------------------------------------------------------------------------------

  /**
   * Whether `frame` must wait: it was recorded after a REST answer the connector has not taken yet, and
   * the connector saw that answer first live. Keeps the live order of REST answers and frames.
   */
  private heldBack(endpoint: VenueEndpoint, tUs: number): boolean {
    const barrier = endpoint.untaken[0];
    if (barrier === undefined || tUs <= barrier.t) return false;
    const now = performance.now();
    if (endpoint.barrierSince === 0) endpoint.barrierSince = now;
    if (now - Math.max(endpoint.barrierSince, this.lastProgressAt) < REST_BARRIER_TIMEOUT_MS) return true;
    this.options.log.debug(
      { exchange: endpoint.recording.venue, request: barrier.key },
      'recorded REST answer never asked for; passing it over',
    );
    this.markTaken(endpoint, barrier);
    return this.heldBack(endpoint, tUs);
  }

  private markTaken(endpoint: VenueEndpoint, answer: RecordedRest): void {
    const at = endpoint.untaken.indexOf(answer);
    if (at < 0) return;
    endpoint.untaken.splice(at, 1);
    if (at === 0) endpoint.barrierSince = 0;
  }

  private upgrade(venue: string, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const endpoint = this.endpoints.get(venue)!;
    const name = header(req, REPLAY_NAME_HEADER);
    const path = req.url ?? '/';
    const at = endpoint.unclaimed.findIndex((c) => c.path === path && (name === undefined || c.name === name));
    if (at < 0) {
      this.options.log.debug({ exchange: venue, name, path }, 'no more recorded connections for this request');
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const [recorded] = endpoint.unclaimed.splice(at, 1);
    endpoint.wss.handleUpgrade(req, socket, head, (ws) => {
      const session: Session = {
        endpoint,
        recorded,
        ws,
        clientId: header(req, REPLAY_ID_HEADER),
        next: 0,
        inFlight: [],
        timer: undefined,
        closing: false,
        done: false,
      };
      this.sessions.add(session);
      if (session.clientId) this.byClient.set(session.clientId, session);
      ws.on('close', () => this.end(session));
      ws.on('error', () => undefined);
      this.pump(session);
    });
  }

  /** When a recorded time is due, in performance.now() ms (0: now). */
  private dueAt(tUs: number): number {
    if (this.speed === 'max' || tUs <= this.originUs) return 0;
    return this.startedAt + (tUs - this.originUs) / 1000 / this.speed;
  }

  private pump(session: Session): void {
    session.timer = undefined;
    if (session.done) return;
    const { frames } = session.recorded;
    const ws = session.ws;
    let sent = 0;
    while (session.next < frames.length) {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > HIGH_WATER_BYTES || sent >= FRAMES_PER_TURN) {
        session.timer = setTimeout(() => this.pump(session), 1);
        return;
      }
      const frame = frames[session.next];
      const wait = this.dueAt(frame.t) - performance.now();
      if (wait > 0) {
        session.timer = setTimeout(() => this.pump(session), wait);
        return;
      }
      if (this.heldBack(session.endpoint, frame.t)) {
        session.timer = setTimeout(() => this.pump(session), 1);
        return;
      }
      ws.send(frame.data);
      session.inFlight.push(frame.t);
      session.next++;
      sent++;
      this.framesSent++;
    }
    this.finish(session);
  }

  /**
   * Every frame is sent: end the connection as the recorded one ended (or keep it open if it did not),
   * once the connector has taken every frame (ending it sooner could lose frames still in transit).
   */
  private finish(session: Session): void {
    session.timer = undefined;
    const close = session.recorded.close;
    if (close === undefined || session.done) return;
    const wait = this.dueAt(close.t) - performance.now();
    if (wait > 0) {
      session.timer = setTimeout(() => this.finish(session), wait);
      return;
    }
    if (session.clientId !== undefined && session.inFlight.length > 0) {
      session.closing = true;
      return;
    }
    if (session.clientId === undefined && session.ws.bufferedAmount > 0) {
      session.timer = setTimeout(() => this.finish(session), 1);
      return;
    }
    session.done = true;
    const { code, reason } = close;
    // 1005 and 1006 are never sent: the recorded connection had no close frame, so neither does this one.
    if ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999))
      session.ws.close(code, reason.slice(0, 120));
    else session.ws.terminate();
  }

  private end(session: Session): void {
    session.done = true;
    clearTimeout(session.timer);
    this.sessions.delete(session);
  }

  /** The connector took a frame: the replay clock is that frame's recorded time. */
  private taken(clientId: string): void {
    const session = this.byClient.get(clientId);
    const t = session?.inFlight.shift();
    if (t === undefined) return;
    this.clockUs = t;
    this.framesTaken++;
    this.lastProgressAt = performance.now();
    if (session!.closing && session!.inFlight.length === 0) this.finish(session!);
  }

  // ---- REST -------------------------------------------------------------------------------------

  private answer(venue: string, req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const endpoint = this.endpoints.get(venue)!;
      const key = restKey(req.method ?? 'GET', req.url ?? '/', Buffer.concat(chunks).toString('utf8'));
      const entry = endpoint.answers.get(key);
      if (!entry) {
        this.options.log.debug({ exchange: venue, request: key }, 'no recorded answer for this request');
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not in the recording');
        return;
      }
      const recorded = entry.list[Math.min(entry.next, entry.list.length - 1)];
      entry.next++;
      this.lastProgressAt = performance.now();
      if (recorded.status === undefined) {
        // The recorded request failed without an answer: so does this one.
        this.markTaken(endpoint, recorded);
        req.socket.destroy();
        return;
      }
      res.writeHead(recorded.status, { ...recorded.headers, [REPLAY_RECORDED_AT_HEADER]: String(recorded.t) });
      res.end(recorded.data ?? '');
    });
  }

  private restTaken(exchange: RestExchange): void {
    const at = Number(exchange.response?.headers.get(REPLAY_RECORDED_AT_HEADER));
    if (!Number.isFinite(at) || at <= 0) return;
    this.clockUs = at;
    this.lastProgressAt = performance.now();
    const key = restKey(exchange.method, exchange.url, exchange.requestBody);
    for (const endpoint of this.endpoints.values()) {
      const answer = endpoint.untaken.find((r) => r.t === at && r.key === key);
      if (answer) {
        this.markTaken(endpoint, answer);
        return;
      }
    }
  }

  // ---- progress ---------------------------------------------------------------------------------

  /** Whether the replay has delivered all it will: every frame taken, or nothing moving for `idleMs`. */
  finished(idleMs: number): boolean {
    const idle = performance.now() - this.lastProgressAt > idleMs;
    const answersLeft = [...this.endpoints.values()].some((e) => e.untaken.length > 0);
    if (this.framesTaken >= this.totalFrames && !answersLeft) return true;
    const sending = [...this.sessions].some((s) => !s.done && s.next < s.recorded.frames.length);
    return !sending && idle;
  }

  /** Loopback URLs by venue, for logs. */
  addresses(): Record<string, string> {
    return Object.fromEntries([...this.endpoints].map(([venue, e]) => [venue, `127.0.0.1:${e.port}`]));
  }

  async stop(): Promise<void> {
    this.removeTap?.();
    setReplayMode(undefined);
    for (const session of this.sessions) {
      clearTimeout(session.timer);
      session.ws.terminate();
    }
    this.sessions.clear();
    await Promise.all(
      [...this.endpoints.values()].map(
        (e) =>
          new Promise<void>((resolve) => {
            e.wss.close();
            e.server.closeAllConnections();
            e.server.close(() => resolve());
          }),
      ),
    );
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `wss://fstream.binance.com/stream` → `ws://127.0.0.1:<port>/stream` (http(s) likewise); other text unchanged. */
export function loopbackUrl(value: string, port: number): string {
  const m = /^(wss?|https?):\/\/[^/?#]+/i.exec(value);
  if (!m) return value;
  const scheme = m[1].toLowerCase().startsWith('ws') ? 'ws' : 'http';
  return `${scheme}://127.0.0.1:${port}${value.slice(m[0].length)}`;
}
