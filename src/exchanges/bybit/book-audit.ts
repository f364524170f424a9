import { WebSocket } from 'ws';
import type { AuditSession, BookAuditResult } from '../../core/sink.js';
import type { Logger } from '../../log.js';
import { DEFAULT_AUDIT_TIMEOUT_MS } from '../audit.js';
import { HANDSHAKE_TIMEOUT_MS } from '../reconnecting-socket.js';
import { BybitBookSequencer } from './book-sequencer.js';
import { parseBybitFrame } from './parse.js';

export type BybitAuditEnd =
  | { readonly kind: 'compared'; readonly result: BookAuditResult }
  | { readonly kind: 'aborted'; readonly why: string };

export interface BybitBookAuditOptions {
  readonly url: string;
  readonly topic: string;
  readonly symbol: string;
  readonly session: AuditSession;
  /** The live book's last applied `u`, or undefined while it is not live. */
  readonly liveUpdateId: () => number | undefined;
  readonly timeoutMs?: number;
  readonly onEnd: (end: BybitAuditEnd) => void;
  readonly log: Logger;
}

/**
 * Audits one live Bybit book. A REST snapshot cannot seed `orderbook.{depth}` topics, so the shadow is
 * built exactly as a resync builds the live book: a fresh subscription on a second, short-lived
 * connection, sequenced by its own `BybitBookSequencer`. When the shadow and the live book stand at the
 * same `u`, the session compares them level by level.
 */
export class BybitBookAudit {
  private ws: WebSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly shadow: BybitBookSequencer;

  constructor(private readonly options: BybitBookAuditOptions) {
    this.shadow = new BybitBookSequencer(
      options.symbol,
      {
        book: (event) => options.session.book(event),
        // A shadow that would need repairing proves nothing: give up, a later audit tries again.
        bookResyncing: (_exchange, _symbol, reason) => this.abort(`the shadow book needed a resync (${reason})`),
      },
      () => {},
    );
  }

  get symbol(): string {
    return this.options.symbol;
  }

  start(): void {
    this.timer = setTimeout(
      () => this.abort('the shadow did not reach the live book’s update id in time'),
      this.options.timeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS,
    );
    const ws = new WebSocket(this.options.url, { perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    this.ws = ws;
    ws.on('open', () => ws.send(JSON.stringify({ req_id: 'audit', op: 'subscribe', args: [this.options.topic] })));
    ws.on('message', (data) => this.onMessage(data.toString(), Date.now()));
    ws.on('error', (err) => this.options.log.debug({ book: this.key, err }, 'audit connection error'));
    ws.on('close', () => this.abort('the audit connection closed'));
  }

  private get key(): string {
    return `bybit:${this.options.symbol}`;
  }

  private onMessage(text: string, receivedAt: number): void {
    if (this.ended) return;
    const frame = parseBybitFrame(text, receivedAt);
    if (frame.kind === 'ack' && !frame.success && frame.op === 'subscribe') {
      this.abort(`the venue refused the audit subscription: ${frame.message}`);
      return;
    }
    if (frame.kind !== 'orderbook' || frame.topic !== this.options.topic) return;
    this.shadow.onFrame(frame, receivedAt);
    this.check();
  }

  /** Compares once the shadow and the live book stand at the same `u` (call after either applies). */
  check(): void {
    if (this.ended || !this.shadow.isLive) return;
    const liveU = this.options.liveUpdateId();
    if (liveU === undefined || this.shadow.lastUpdateId !== liveU) return;
    const result = this.options.session.compare();
    this.end({ kind: 'compared', result });
  }

  /** Gives up without a result (the live book resynced or lost its connection, a stop, a timeout). */
  abort(why: string): void {
    if (this.ended) return;
    this.options.session.abort();
    this.end({ kind: 'aborted', why });
  }

  private end(end: BybitAuditEnd): void {
    this.ended = true;
    clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) ws.terminate();
    this.options.onEnd(end);
  }
}
