import type { WebSocket } from 'ws';
import { sendText } from './loopback-server.js';

/** The close a venue sends on a clean, scheduled disconnect (`closeAllConnections`). */
export const DEFAULT_CLOSE_CODE = 1000;
export const DEFAULT_CLOSE_REASON = 'server closing';
/** The idle check runs this many times per idle limit, but no more often than every 10 ms nor less than every 1 s. */
const IDLE_CHECKS_PER_LIMIT = 4;
const MIN_IDLE_CHECK_MS = 10;
const MAX_IDLE_CHECK_MS = 1_000;

/** What a simulated venue keeps for every client socket; each venue adds its own subscriptions. */
export interface SimConnection {
  readonly ws: WebSocket;
  /** The venue sends this connection no more market data (its answers to requests still go out). */
  stalled: boolean;
  /** Whether the venue still answers this connection's pings. */
  answersPings: boolean;
}

/**
 * The open connections of one simulated venue, and the faults every venue applies to all of them at
 * once: drop, clean close, and stall (with or without pongs).
 */
export class ConnectionRegistry<C extends SimConnection> implements Iterable<C> {
  private readonly open = new Set<C>();

  /** Tracks `conn` until its socket closes or fails. */
  add(conn: C): C {
    this.open.add(conn);
    conn.ws.on('close', () => this.open.delete(conn));
    conn.ws.on('error', () => this.open.delete(conn));
    return conn;
  }

  [Symbol.iterator](): Iterator<C> {
    return this.open.values();
  }

  /** Sends `json` to every connection that still gets market data and `wants` it. */
  publish(json: string, wants: (conn: C) => boolean): void {
    for (const conn of this.open) if (!conn.stalled && wants(conn)) sendText(conn.ws, json);
  }

  /** Cuts every connection without a close frame. */
  dropAll(): void {
    for (const conn of this.open) conn.ws.terminate();
  }

  /** Closes every connection cleanly. */
  closeAll(code = DEFAULT_CLOSE_CODE, reason = DEFAULT_CLOSE_REASON): void {
    for (const conn of this.open) conn.ws.close(code, reason);
  }

  /** Every open connection stops receiving market data; it keeps getting pongs only when `pong` is true. */
  stall(pong: boolean): void {
    for (const conn of this.open) {
      conn.stalled = true;
      conn.answersPings = pong;
    }
  }

  /** Connections last heard from (by `lastHeardAt`) more than `idleMs` ago. */
  idle(idleMs: number, lastHeardAt: (conn: C) => number, now = Date.now()): C[] {
    return [...this.open].filter((conn) => now - lastHeardAt(conn) > idleMs);
  }

  /** Answers WebSocket protocol pings on `conn` while it answers pings (the loopback server's autoPong is off). */
  answerProtocolPings(conn: C, onPing?: () => void): void {
    conn.ws.on('ping', (data) => {
      onPing?.();
      if (conn.answersPings) conn.ws.pong(data);
    });
  }
}

/** Runs a venue's idle-connection check often enough to close within a quarter of `idleCloseMs` of the limit. */
export function startIdleChecks(idleCloseMs: number, check: () => void): NodeJS.Timeout {
  const every = Math.max(MIN_IDLE_CHECK_MS, Math.min(MAX_IDLE_CHECK_MS, idleCloseMs / IDLE_CHECKS_PER_LIMIT));
  const timer = setInterval(check, every);
  // The simulator's own timer never keeps a test process alive.
  timer.unref();
  return timer;
}
