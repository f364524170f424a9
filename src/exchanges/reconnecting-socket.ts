import { WebSocket } from 'ws';
import { clearFrameReceived, markFrameReceived } from '../core/frame-clock.js';
import type { ConnectionStatus, DisconnectReason } from '../core/sink.js';
import type { Logger } from '../log.js';
import { Backoff } from './backoff.js';

/** Defaults for venue connections; each venue overrides what its protocol dictates. */
export const DEFAULT_PING_INTERVAL_MS = 20_000;
export const DEFAULT_PONG_TIMEOUT_MS = 10_000;
/** No data frame for this long on a connection that should stream continuously: treat it as dead. */
export const DEFAULT_DATA_TIMEOUT_MS = 60_000;
/** A connection open this long resets the backoff. */
export const DEFAULT_HEALTHY_AFTER_MS = 10_000;
export const DEFAULT_MAX_OUTGOING_PER_SECOND = 10;
export const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface ReconnectingSocketOptions {
  readonly name: string;
  readonly url: () => string;
  /** Called on every (re)connection, before any message; subscribe here. */
  readonly onOpen?: () => void;
  /**
   * Every received frame. Return false for control traffic (acks, app-level pongs): only data frames
   * feed the no-data watchdog, so a stream that answers pings but sends nothing is still caught.
   */
  readonly onMessage: (text: string, receivedAt: number) => boolean | undefined;
  /** Called when a connection is lost (not on `stop()`), before the reconnect is scheduled. */
  readonly onDisconnect?: (reason: string) => void;
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
  readonly log: Logger;
}

/**
 * A venue WebSocket that stays connected: reconnects with backoff and full jitter, tells a dead stream
 * (no data, or no pong) from a live one, limits outgoing messages, and can roll over to a fresh
 * connection before the venue's lifetime limit without a gap (make before break).
 */
export class ReconnectingSocket {
  private ws: WebSocket | undefined;
  private retiring: WebSocket | undefined;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private openedAt = 0;
  private lastDataAt = 0;
  private lastPingAt = 0;
  private awaitingPongSince = 0;
  private readonly outgoing: string[] = [];
  private sentInWindow = 0;
  private windowStart = 0;
  private drainTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly pingIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly dataTimeoutMs: number;
  private readonly healthyAfterMs: number;
  private readonly maxOutgoing: number;
  /** Connections lost and re-established (rotations excluded). */
  reconnections = 0;
  status: ConnectionStatus = { type: 'closed' };

  constructor(private readonly options: ReconnectingSocketOptions) {
    this.backoff = options.backoff ?? new Backoff();
    this.pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    this.pongTimeoutMs = options.pongTimeoutMs ?? DEFAULT_PONG_TIMEOUT_MS;
    this.dataTimeoutMs = options.dataTimeoutMs ?? DEFAULT_DATA_TIMEOUT_MS;
    this.healthyAfterMs = options.healthyAfterMs ?? DEFAULT_HEALTHY_AFTER_MS;
    this.maxOutgoing = options.maxOutgoingPerSecond ?? DEFAULT_MAX_OUTGOING_PER_SECOND;
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
    const ws = new WebSocket(this.options.url(), { perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    this.ws = ws;
    this.attach(ws);
  }

  private attach(ws: WebSocket): void {
    ws.on('open', () => {
      if (ws !== this.ws) return;
      const now = Date.now();
      this.openedAt = now;
      this.lastDataAt = now;
      this.lastPingAt = now;
      this.awaitingPongSince = 0;
      this.setStatus({ type: 'open', since: now });
      this.options.onOpen?.();
      this.drain();
    });
    ws.on('message', (data) => {
      markFrameReceived();
      const now = Date.now();
      const isData = this.options.onMessage(data.toString(), now) !== false;
      clearFrameReceived();
      if (ws === this.ws && isData) {
        this.lastDataAt = now;
        // The replacement streams: the old connection can go.
        if (this.retiring) {
          this.retiring.close(1000, 'rotated');
          this.retiring = undefined;
        }
      }
    });
    ws.on('pong', () => {
      if (ws === this.ws) this.awaitingPongSince = 0;
    });
    ws.on('error', (error) => {
      this.options.log.debug({ connection: this.options.name, err: error.message }, 'socket error');
    });
    ws.on('close', (code, reason) => {
      if (ws === this.retiring) this.retiring = undefined;
      if (ws !== this.ws) return;
      this.ws = undefined;
      this.lost('closed', `closed ${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}`);
    });
  }

  /** The app-level pong arrived (called by the owner, which parses frames). */
  pongReceived(): void {
    this.awaitingPongSince = 0;
  }

  private lost(reason: DisconnectReason, detail: string): void {
    this.outgoing.length = 0;
    if (this.stopped) return;
    this.options.onDisconnect?.(reason);
    this.reconnections++;
    const delayMs = this.backoff.next();
    this.setStatus({ type: 'reconnecting', attempt: this.backoff.attempts, delayMs, reason, detail });
    this.options.log.warn(
      { connection: this.options.name, reason, detail, delayMs },
      'venue connection lost; reconnecting',
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (!this.stopped) this.connect();
    }, delayMs);
  }

  /** Drops the current connection (it will reconnect). */
  private kill(reason: DisconnectReason, detail: string): void {
    const ws = this.ws;
    if (!ws) return;
    this.ws = undefined;
    ws.terminate();
    this.lost(reason, detail);
  }

  private check(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
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
    if (maxAge !== undefined && !this.retiring && now - this.openedAt > maxAge) this.rotate();
  }

  /** Opens a replacement; the current connection keeps streaming until the new one delivers data. */
  private rotate(): void {
    this.options.log.info({ connection: this.options.name }, 'rotating venue connection before its lifetime limit');
    this.retiring = this.ws;
    this.connect();
  }

  /** Queues a message; at most `maxOutgoingPerSecond` leave per second. Dropped if the connection is lost. */
  send(text: string): void {
    this.outgoing.push(text);
    this.drain();
  }

  private drain(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    if (now - this.windowStart >= 1_000) {
      this.windowStart = now;
      this.sentInWindow = 0;
    }
    while (this.outgoing.length > 0 && this.sentInWindow < this.maxOutgoing) {
      ws.send(this.outgoing.shift()!);
      this.sentInWindow++;
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
    return this.ws?.readyState === WebSocket.OPEN;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    const sockets = [this.ws, this.retiring].filter((s): s is WebSocket => s !== undefined);
    this.ws = undefined;
    this.retiring = undefined;
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
