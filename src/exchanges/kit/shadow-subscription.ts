import { WebSocket } from 'ws';
import type { AuditSession, BookAuditResult } from '../../core/sink.js';
import type { BookEvent } from '../../core/types.js';
import type { Logger } from '../../log.js';
import { DEFAULT_AUDIT_TIMEOUT_MS } from '../audit.js';
import { HANDSHAKE_TIMEOUT_MS } from '../reconnecting-socket.js';
import type { SubscriptionProtocol } from './subscription-protocol.js';
import { type BookFrame, bookEventOf } from './venue-frame.js';

export type ShadowEnd =
  | { readonly kind: 'compared'; readonly result: BookAuditResult }
  | { readonly kind: 'aborted'; readonly why: string };

export interface ShadowSubscriptionOptions {
  readonly protocol: SubscriptionProtocol;
  readonly symbol: string;
  /** The book's key for log lines (`bybit:BTCUSDT`). */
  readonly book: string;
  readonly session: AuditSession;
  /** The live book's last applied update id, or undefined while it is not live. */
  readonly liveUpdateId: () => number | undefined;
  readonly timeoutMs?: number;
  readonly onEnd: (end: ShadowEnd) => void;
  readonly log: Logger;
}

/**
 * Audits one live book of a subscribe-by-message venue by building it again exactly as a repair would:
 * a fresh subscription on a second, short-lived connection, sequenced by a sequencer of its own. When the
 * shadow and the live book stand at the same update id, the audit session compares them level by level.
 */
export class ShadowSubscription {
  private ws: WebSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly sequencer;
  private readonly topic: string;

  constructor(private readonly options: ShadowSubscriptionOptions) {
    this.sequencer = options.protocol.createSequencer();
    this.topic = options.protocol.bookTopic(options.symbol);
  }

  get symbol(): string {
    return this.options.symbol;
  }

  start(): void {
    const { protocol } = this.options;
    this.timer = setTimeout(
      () => this.abort('the shadow did not reach the live book’s update id in time'),
      this.options.timeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS,
    );
    const ws = new WebSocket(protocol.url, { perMessageDeflate: false, handshakeTimeout: HANDSHAKE_TIMEOUT_MS });
    this.ws = ws;
    ws.on('open', () => {
      ws.send(protocol.request('subscribe', [this.topic], 'audit'));
      const heartbeat = protocol.heartbeat;
      // Venues drop a connection that stays silent (OKX after 30 s): keep the shadow's alive.
      this.pinger = setInterval(
        () => (heartbeat.kind === 'ws' ? ws.ping() : ws.send(heartbeat.ping())),
        heartbeat.intervalMs,
      );
    });
    ws.on('message', (data) => this.onMessage(data.toString(), Date.now()));
    ws.on('error', (err) => this.options.log.debug({ book: this.options.book, err }, 'audit connection error'));
    ws.on('close', () => this.abort('the audit connection closed'));
  }

  private onMessage(text: string, receivedAt: number): void {
    if (this.ended) return;
    const frame = this.options.protocol.parse(text, receivedAt);
    if (frame.kind === 'ack' && !frame.ok && frame.op === 'subscribe') {
      this.abort(`the venue refused the audit subscription: ${frame.code ?? ''} ${frame.message ?? ''}`);
      return;
    }
    if (frame.kind !== 'book' || frame.symbol !== this.symbol) return;
    const verdict = this.sequencer.check(frame);
    if (verdict.type === 'gap') {
      // A shadow that would need repairing proves nothing: give up, a later audit tries again.
      this.abort(`the shadow book had a gap (expected ${verdict.expected}, got ${verdict.got})`);
      return;
    }
    if (verdict.type !== 'snapshot' && verdict.type !== 'apply') return;
    const outcome = this.options.session.book(toEvent(frame, receivedAt));
    if (outcome !== 'applied') {
      this.abort(`the shadow book could not take a message (${outcome})`);
      return;
    }
    this.sequencer.applied(frame);
    this.check();
  }

  /** Compares once the shadow and the live book stand at the same update id (call after either applies). */
  check(): void {
    if (this.ended || this.sequencer.lastUpdateId === undefined) return;
    const live = this.options.liveUpdateId();
    if (live === undefined || this.sequencer.lastUpdateId !== live) return;
    this.end({ kind: 'compared', result: this.options.session.compare() });
  }

  /** Gives up without a result (the live book resynced or lost its connection, a stop, a timeout). */
  abort(why: string): void {
    if (this.ended) return;
    this.options.session.abort();
    this.end({ kind: 'aborted', why });
  }

  private end(end: ShadowEnd): void {
    this.ended = true;
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    const ws = this.ws;
    this.ws = undefined;
    if (ws && ws.readyState !== WebSocket.CLOSED) ws.terminate();
    this.options.onEnd(end);
  }
}

/** The shadow's events carry no venue identity the session needs beyond levels and ids. */
function toEvent(frame: BookFrame, localTs: number): BookEvent {
  return bookEventOf('shadow', frame.symbol, frame, localTs);
}
