import { WebSocket } from 'ws';
import { clearFrameReceived, markFrameReceived } from '../core/frame-clock.js';
import type { ConnectionStatus, DisconnectReason } from '../core/sink.js';
import type { Logger } from '../log.js';
import {
  newConnectionId,
  nowUs,
  REPLAY_ID_HEADER,
  REPLAY_NAME_HEADER,
  replayMode,
  trafficTaps,
} from '../record/tap.js';
import { Backoff } from './backoff.js';
import { CONNECT_FAILURE_HINT, describeConnectError, failureCause } from './connect-failure.js';

/** Defaults for venue connections; each venue overrides what its protocol dictates. */
export const DEFAULT_PING_INTERVAL_MS = 20_000;
export const DEFAULT_PONG_TIMEOUT_MS = 10_000;
/** No data frame for this long on a connection that should stream continuously: treat it as dead. */
export const DEFAULT_DATA_TIMEOUT_MS = 60_000;
/** A connection open this long resets the backoff. */
export const DEFAULT_HEALTHY_AFTER_MS = 10_000;
export const DEFAULT_MAX_OUTGOING_PER_SECOND = 10;
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** The same connection failure, repeated, is logged at `warn` at most this often (with a count); `debug` otherwise. */
export const DEFAULT_REPEATED_FAILURE_WARN_MS = 5 * 60_000;

export interface ReconnectingSocketOptions {
  /** The connection's id within its venue (e.g. `public#0`): the `connection` field of every log line. */
  readonly name: string;
  readonly url: () => string;
  /**
   * Called on every (re)connection, before any message; subscribe here. For a rotation's replacement
   * it is called when the replacement opens, and what it sends goes to the replacement.
   */
  readonly onOpen?: () => void;
  /**
   * Every received frame. Return false for control traffic (acks, app-level pongs): only data frames
   * feed the no-data watchdog, so a stream that answers pings but sends nothing is still caught.
   */
  readonly onMessage: (text: string, receivedAt: number) => boolean | undefined;
  /**
   * Called when a connection that was open is lost (not on `stop()`, not when an attempt to connect
   * fails, not when a rotation's replacement fails), before the reconnect is scheduled.
   */
  readonly onDisconnect?: (reason: DisconnectReason) => void;
  readonly onStatus?: (status: ConnectionStatus) => void;
  /** `ws`: protocol ping frames. `app`: send `ping()`; the owner calls `pongReceived()` when its pong arrives. */
  readonly heartbeat: { readonly kind: 'ws' } | { readonly kind: 'app'; readonly ping: () => string };
  readonly pingIntervalMs?: number;
  readonly pongTimeoutMs?: number;
  readonly dataTimeoutMs?: number;
  readonly healthyAfterMs?: number;
  readonly maxOutgoingPerSecond?: number;
  /** Open a replacement before this age and retire the old connection once the new one streams. */
  readonly maxConnectionAgeMs?: number;
  readonly backoff?: Backoff;
  readonly repeatedFailureWarnMs?: number;
  /** Already bound with the venue (`exchange`); this socket adds `connection`. */
  readonly log: Logger;
}

/** One WebSocket and what is known about it. */
interface Link {
  readonly ws: WebSocket;
  /** Process-unique id of this connection (what recordings and replays call it). */
  readonly conn: string;
  /** `host[:port]` of the URL it was opened to, for log lines. */
  readonly host: string;
  /** When it opened; 0 while it never has. */
  openedAt: number;
  /** The last error it reported (the cause of a close that follows). */
  error: Error | undefined;
}

/**
 * A venue WebSocket that stays connected: reconnects with backoff and full jitter, tells a dead stream
 * (no data, or no pong) from a live one, limits outgoing messages, and can roll over to a fresh
 * connection before the venue's lifetime limit without a gap (make before break).
 *
 * Failures say their cause (DNS, refused, TLS, HTTP status, timeout) in the status and the logs; the
 * first failure to reach the venue is a `warn` with a hint, the same failure repeated is quieter.
 */
export class ReconnectingSocket {
  /** The connection the data comes from and the watchdog watches. */
  private current: Link | undefined;
  /** A rotation's new connection, until it delivers data; `current` stays the source meanwhile. */
  private replacement: Link | undefined;
  /** Rotated-out connections still closing (so `stop()` can end them). */
  private readonly retired = new Set<WebSocket>();
  /** While `onOpen` runs for a replacement, sends go to it. */
  private sendTarget: Link | undefined;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private rotationTimer: NodeJS.Timeout | undefined;
  private openedAt = 0;
  private lastDataAt = 0;
  private lastPingAt = 0;
  private awaitingPongSince = 0;
  private readonly outgoing: string[] = [];
  private sentInWindow = 0;
  private windowStart = 0;
  private drainTimer: NodeJS.Timeout | undefined;
  /** Consecutive failures to connect, by cause, for rate-limited logging. */
  private failures = { cause: '', count: 0, lastWarnAt: 0 };
  private readonly backoff: Backoff;
  /** A failed replacement is retried on its own schedule: the current connection is healthy. */
  private readonly rotationBackoff: Backoff;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly dataTimeoutMs: number;
  private readonly healthyAfterMs: number;
  private readonly maxOutgoing: number;
  private readonly repeatedFailureWarnMs: number;
  private readonly log: Logger;
  /** The venue this socket belongs to (the logger's `exchange` binding), for recordings. */
  private readonly venue: string;
  /** Connections lost and re-established (rotations and failed attempts to connect excluded). */
  reconnections = 0;
  status: ConnectionStatus = { type: 'closed' };

  constructor(private readonly options: ReconnectingSocketOptions) {
    this.backoff = options.backoff ?? new Backoff();
    this.rotationBackoff = this.backoff.fresh();
    this.pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    this.pongTimeoutMs = options.pongTimeoutMs ?? DEFAULT_PONG_TIMEOUT_MS;
    this.dataTimeoutMs = options.dataTimeoutMs ?? DEFAULT_DATA_TIMEOUT_MS;
    this.healthyAfterMs = options.healthyAfterMs ?? DEFAULT_HEALTHY_AFTER_MS;
    this.maxOutgoing = options.maxOutgoingPerSecond ?? DEFAULT_MAX_OUTGOING_PER_SECOND;
    this.repeatedFailureWarnMs = options.repeatedFailureWarnMs ?? DEFAULT_REPEATED_FAILURE_WARN_MS;
    this.log = options.log.child({ connection: options.name });
    const bound = options.log.bindings().exchange;
    this.venue = typeof bound === 'string' ? bound : 'unknown';
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
    const tick = Math.max(10, Math.min(1_000, this.pingIntervalMs / 2, this.pongTimeoutMs / 2, this.dataTimeoutMs / 4));
    this.timer = setInterval(() => this.check(), tick);
  }

  private setStatus(status: ConnectionStatus): void {
    this.status = status;
    this.options.onStatus?.(status);
  }

  private connect(): void {
    this.setStatus({ type: 'connecting', attempt: this.backoff.attempts });
    this.current = this.open();
  }

  private open(): Link {
    const url = this.options.url();
    const conn = newConnectionId(this.options.name);
    for (const tap of trafficTaps()) tap.wsConnecting?.(conn, this.venue, this.options.name, url);
    // A replay server hands out recorded connections by name: say which one this is.
    const headers = replayMode() ? { [REPLAY_NAME_HEADER]: this.options.name, [REPLAY_ID_HEADER]: conn } : undefined;
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS, headers });
    const link: Link = { ws, conn, host: hostOf(url), openedAt: 0, error: undefined };
    this.attach(link);
    return link;
  }

  private attach(link: Link): void {
    const { ws } = link;
    ws.on('open', () => {
      link.openedAt = Date.now();
      for (const tap of trafficTaps()) tap.wsOpen?.(link.conn, nowUs());
      if (link === this.current) this.opened(link);
      else if (link === this.replacement) {
        this.log.debug({ host: link.host }, 'replacement venue connection open');
        this.sendTarget = link;
        try {
          this.options.onOpen?.();
        } finally {
          this.sendTarget = undefined;
        }
      }
    });
    ws.on('message', (data) => {
      markFrameReceived();
      const now = Date.now();
      const text = data.toString();
      const taps = trafficTaps();
      if (taps.length > 0) {
        const at = nowUs();
        for (const tap of taps) tap.wsFrame?.(link.conn, text, at);
      }
      const isData = this.options.onMessage(text, now) !== false;
      clearFrameReceived();
      if (!isData) return;
      if (link === this.current) this.lastDataAt = now;
      else if (link === this.replacement) this.promote(link, now);
    });
    ws.on('pong', () => {
      if (link === this.current) this.awaitingPongSince = 0;
    });
    ws.on('error', (err) => {
      link.error = err;
      this.log.debug({ host: link.host, err }, 'venue socket error');
    });
    ws.on('close', (code, reason) => {
      this.retired.delete(ws);
      for (const tap of trafficTaps()) tap.wsClose?.(link.conn, code, reason.toString(), nowUs());
      if (link === this.replacement) {
        this.replacement = undefined;
        this.replacementFailed(link, closeDetail(link, code, reason.toString()));
      } else if (link === this.current) {
        this.current = undefined;
        if (link.openedAt > 0) this.lost(link, 'closed', closeDetail(link, code, reason.toString()));
        else this.lost(link, 'connect_failed', link.error ? describeConnectError(link.error) : `closed ${code}`);
      }
    });
  }

  /** The current connection opened. */
  private opened(link: Link): void {
    const now = link.openedAt;
    this.openedAt = now;
    this.lastDataAt = now;
    this.lastPingAt = now;
    this.awaitingPongSince = 0;
    const failedAttempts = this.failures.count;
    this.failures = { cause: '', count: 0, lastWarnAt: 0 };
    this.log.info(
      failedAttempts > 0 ? { host: link.host, failedAttempts } : { host: link.host },
      'venue connection open',
    );
    this.setStatus({ type: 'open', since: now });
    this.options.onOpen?.();
    this.drain();
  }

  /** The replacement streams: it becomes the source, and the old connection can go. */
  private promote(link: Link, now: number): void {
    const old = this.current;
    this.replacement = undefined;
    this.current = link;
    if (old) {
      this.retired.add(old.ws);
      old.ws.close(1000, 'rotated');
    }
    this.openedAt = link.openedAt;
    this.lastDataAt = now;
    this.lastPingAt = now;
    this.awaitingPongSince = 0;
    this.rotationBackoff.reset();
    this.log.info({ host: link.host }, 'venue connection rotated');
    this.setStatus({ type: 'open', since: link.openedAt });
    this.drain();
  }

  /** A rotation's replacement failed: the current connection carries on, still watched; try again later. */
  private replacementFailed(link: Link, detail: string): void {
    if (this.stopped) return;
    const retryInMs = this.rotationBackoff.next();
    const fields = { host: link.host, detail, err: link.error, retryInMs, attempt: this.rotationBackoff.attempts };
    // The stream is unaffected, so one warn per run of failures is enough.
    if (this.rotationBackoff.attempts === 1)
      this.log.warn(fields, 'replacement venue connection failed; keeping the current one');
    else this.log.debug(fields, 'replacement venue connection failed; keeping the current one');
    clearTimeout(this.rotationTimer);
    this.rotationTimer = setTimeout(() => {
      this.rotationTimer = undefined;
      if (!this.stopped && this.isOpen && !this.replacement) this.rotate();
    }, retryInMs);
  }

  /** The app-level pong arrived (called by the owner, which parses frames). */
  pongReceived(): void {
    this.awaitingPongSince = 0;
  }

  /** The current connection is gone (`link` opened or not): report why and reconnect with backoff. */
  private lost(link: Link, reason: DisconnectReason, detail: string): void {
    this.outgoing.length = 0;
    this.dropReplacement();
    if (this.stopped) return;
    const connected = link.openedAt > 0;
    if (connected) {
      this.options.onDisconnect?.(reason);
      this.reconnections++;
    }
    // In a replay, a connection the recording ended is followed at once by the next recorded one.
    const delayMs = (connected ? replayMode()?.reconnectDelayMs : undefined) ?? this.backoff.next();
    this.setStatus({ type: 'reconnecting', attempt: this.backoff.attempts, delayMs, reason, detail });
    const fields = { host: link.host, reason, detail, err: link.error, delayMs };
    if (connected) {
      this.failures = { cause: '', count: 0, lastWarnAt: 0 };
      this.log.warn(fields, 'venue connection lost; reconnecting');
    } else {
      this.logConnectFailure(link, fields);
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) this.connect();
    }, delayMs);
  }

  /**
   * The first failure to reach the venue is a warn with a hint; the same failure again is a debug
   * line, and a warn with the count at most every `repeatedFailureWarnMs`. A new cause warns again.
   */
  private logConnectFailure(link: Link, fields: Record<string, unknown>): void {
    const now = Date.now();
    const cause = failureCause(link.error, String(fields.detail));
    const message = `could not connect to ${link.host}`;
    if (cause !== this.failures.cause) {
      this.failures = { cause, count: 1, lastWarnAt: now };
      this.log.warn({ ...fields, hint: CONNECT_FAILURE_HINT }, message);
      return;
    }
    const failures = ++this.failures.count;
    if (now - this.failures.lastWarnAt >= this.repeatedFailureWarnMs) {
      this.failures.lastWarnAt = now;
      this.log.warn({ ...fields, failures, hint: CONNECT_FAILURE_HINT }, message);
    } else {
      this.log.debug({ ...fields, failures }, message);
    }
  }

  private dropReplacement(): void {
    const link = this.replacement;
    if (!link) return;
    this.replacement = undefined;
    link.ws.terminate();
  }

  /** Drops the current connection (it will reconnect). */
  private kill(reason: DisconnectReason, detail: string): void {
    const link = this.current;
    if (!link) return;
    this.current = undefined;
    link.ws.terminate();
    this.lost(link, reason, detail);
  }

  private check(): void {
    const now = Date.now();
    const pending = this.replacement;
    if (pending && pending.openedAt > 0 && now - pending.openedAt > this.dataTimeoutMs) {
      this.replacement = undefined;
      pending.ws.terminate();
      this.replacementFailed(pending, 'no data');
    }
    const ws = this.current?.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    // A replayed connection ends where the recorded one did: no watchdog judges it by wall-clock time.
    if (replayMode()) return;
    if (this.awaitingPongSince > 0 && now - this.awaitingPongSince > this.pongTimeoutMs) {
      this.kill('no_pong', 'no pong');
      return;
    }
    if (now - this.lastDataAt > this.dataTimeoutMs) {
      this.kill('no_data', 'no data');
      return;
    }
    if (now - this.lastPingAt >= this.pingIntervalMs) {
      this.lastPingAt = now;
      if (this.awaitingPongSince === 0) this.awaitingPongSince = now;
      if (this.options.heartbeat.kind === 'ws') ws.ping();
      else this.send(this.options.heartbeat.ping());
    }
    if (now - this.openedAt > this.healthyAfterMs) this.backoff.reset();
    const maxAge = this.options.maxConnectionAgeMs;
    if (maxAge !== undefined && !this.replacement && !this.rotationTimer && now - this.openedAt > maxAge) this.rotate();
  }

  /**
   * Opens a replacement. The current connection stays the data source, watched for stalls, until the
   * replacement delivers data; if the replacement fails, it is retried with backoff and nobody is told
   * of a disconnect, because none happened.
   */
  private rotate(): void {
    this.log.info({ host: this.current?.host }, 'rotating venue connection before its lifetime limit');
    this.replacement = this.open();
  }

  /** Queues a message; at most `maxOutgoingPerSecond` leave per second. Dropped if the connection is lost. */
  send(text: string): void {
    this.outgoing.push(text);
    this.drain();
  }

  private drain(): void {
    const link = this.sendTarget ?? this.current;
    const ws = link?.ws;
    if (!link || !ws || ws.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    if (now - this.windowStart >= 1_000) {
      this.windowStart = now;
      this.sentInWindow = 0;
    }
    while (this.outgoing.length > 0 && this.sentInWindow < this.maxOutgoing) {
      const text = this.outgoing.shift()!;
      ws.send(text);
      this.sentInWindow++;
      for (const tap of trafficTaps()) tap.wsSent?.(link.conn, text, nowUs());
    }
    if (this.outgoing.length > 0 && !this.drainTimer) {
      this.drainTimer = setTimeout(
        () => {
          this.drainTimer = undefined;
          this.drain();
        },
        this.windowStart + 1_000 - now,
      );
    }
  }

  get isOpen(): boolean {
    return this.current?.ws.readyState === WebSocket.OPEN;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.rotationTimer);
    clearTimeout(this.drainTimer);
    this.rotationTimer = undefined;
    this.drainTimer = undefined;
    const sockets = [this.current?.ws, this.replacement?.ws, ...this.retired].filter(
      (s): s is WebSocket => s !== undefined,
    );
    this.current = undefined;
    this.replacement = undefined;
    this.retired.clear();
    await Promise.all(
      sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            ws.once('close', () => resolve());
            ws.terminate();
          }),
      ),
    );
    this.setStatus({ type: 'closed' });
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** `closed <code> <reason>`; when the venue gave no reason, the error that ended it (e.g. `read ECONNRESET`). */
function closeDetail(link: Link, code: number, reason: string): string {
  const why = reason.length > 0 ? reason : link.error ? describeConnectError(link.error) : '';
  return why.length > 0 ? `closed ${code} ${why}` : `closed ${code}`;
}
