/**
 * The ingest side of the bus: a PipelineListener that publishes every change its books take, for the
 * venues whose lease this node holds. Deltas go out as core publishes (fast, in order on the one
 * connection); snapshots as JetStream publishes with an ack and an expected last subject sequence, so
 * a deposed leader's snapshot is refused by the server.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ManagedBook } from '../book/book-manager.js';
import type { Instrument } from '../core/instrument.js';
import type { ResyncReason } from '../core/sink.js';
import type { BookEvent, BookSnapshotEvent, Exchange, TradeEvent } from '../core/types.js';
import type { Logger } from '../log.js';
import type { PipelineListener } from '../pipeline/pipeline.js';
import { snapshotOf } from './book-snapshot.js';
import { chainHeaders, encodeDelta, encodeSnapshot, encodeState, encodeTrade } from './codec.js';
import type { LeaseState, VenueLease } from './lease.js';
import {
  BOOK_STREAM,
  BookMessageKind,
  bookSubject,
  heartbeatSubject,
  instrumentKey,
  tradeSubject,
} from './subjects.js';

/** The leader says it is alive this often per venue; gateways mark its books resyncing when it falls silent. */
export const DEFAULT_HEARTBEAT_MS = 1_000;
/** The server's error code for a failed expected-sequence check (`wrong last sequence`). */
export const WRONG_LAST_SEQUENCE = 10071;

/** One book's place on the bus. */
interface Channel {
  readonly book: ManagedBook;
  readonly delta: string;
  readonly snapshot: string;
  readonly state: string;
  /** Flowrs-Seq of the book's last change. */
  seq: number;
  /** Stream sequence of the last snapshot stored on this subject (0: none); undefined while unknown. */
  lastSnapshot: number | undefined;
  snapshotsInFlight: number;
  snapshotCount: number;
  instrumentPut: Instrument | undefined;
}

/** Where publishing stands for one venue: not leading, taking over (snapshots first), or leading. */
type VenuePhase = { type: 'standby' } | { type: 'starting'; epoch: number } | { type: 'leading'; epoch: number };

export interface PublisherCounters {
  deltas: number;
  snapshots: number;
  states: number;
  trades: number;
  /** Snapshots the server refused (expected subject sequence): another leader wrote. */
  fenced: number;
  publishErrors: number;
}

export interface BusPublisherOptions {
  readonly snapshotPeriodMs: number;
  readonly heartbeatMs?: number;
}

export class BusPublisher implements PipelineListener {
  private readonly channels = new Map<ManagedBook, Channel>();
  private readonly phases = new Map<Exchange, VenuePhase>();
  private readonly leases = new Map<Exchange, VenueLease>();
  private snapshotTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  readonly counters: PublisherCounters = {
    deltas: 0,
    snapshots: 0,
    states: 0,
    trades: 0,
    fenced: 0,
    publishErrors: 0,
  };

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly instruments: KV,
    private readonly log: Logger,
    private readonly options: BusPublisherOptions,
    private readonly books: () => readonly ManagedBook[],
  ) {}

  /** Publishing for a venue follows its lease. */
  attach(lease: VenueLease): void {
    this.leases.set(lease.exchange, lease);
    this.phases.set(lease.exchange, { type: 'standby' });
  }

  /** The lease of a venue changed hands (call from the lease's onChange). */
  leaseChanged(exchange: Exchange, state: LeaseState): void {
    if (state.type === 'standby') {
      this.phases.set(exchange, { type: 'standby' });
      return;
    }
    this.phases.set(exchange, { type: 'starting', epoch: state.epoch });
    void this.takeOver(exchange, state.epoch);
  }

  start(): void {
    this.snapshotTimer = setInterval(() => this.publishPeriodicSnapshots(), this.options.snapshotPeriodMs);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  }

  stop(): void {
    clearInterval(this.snapshotTimer);
    clearInterval(this.heartbeatTimer);
    for (const exchange of this.phases.keys()) this.phases.set(exchange, { type: 'standby' });
  }

  /** The epoch this node publishes a venue under, or undefined when it does not lead it (yet). */
  private leadingEpoch(exchange: Exchange): number | undefined {
    const phase = this.phases.get(exchange);
    return phase?.type === 'leading' ? phase.epoch : undefined;
  }

  isLeading(exchange: Exchange): boolean {
    return this.leadingEpoch(exchange) !== undefined;
  }

  private channel(book: ManagedBook): Channel {
    let ch = this.channels.get(book);
    if (ch === undefined) {
      ch = {
        book,
        delta: bookSubject(book.exchange, book.symbol, BookMessageKind.delta),
        snapshot: bookSubject(book.exchange, book.symbol, BookMessageKind.snapshot),
        state: bookSubject(book.exchange, book.symbol, BookMessageKind.state),
        seq: 0,
        lastSnapshot: undefined,
        snapshotsInFlight: 0,
        snapshotCount: 0,
        instrumentPut: undefined,
      };
      this.channels.set(book, ch);
    }
    return ch;
  }

  onBookEvent(book: ManagedBook, event: BookEvent): void {
    const ch = this.channel(book);
    // Counted on standby too: the chain restarts with each epoch anyway (a new leader's first message is a snapshot).
    ch.seq++;
    const epoch = this.leadingEpoch(book.exchange);
    if (epoch === undefined) return;
    if (event.type === 'book_delta') {
      try {
        this.nc.publish(ch.delta, encodeDelta(event), {
          headers: chainHeaders({ seq: ch.seq, epoch }, event.updateId),
        });
        this.counters.deltas++;
      } catch (error) {
        this.publishFailed(ch, error);
      }
    } else {
      this.publishSnapshot(ch, event, epoch);
    }
  }

  onResync(exchange: Exchange, symbol: string, reason: ResyncReason): void {
    const epoch = this.leadingEpoch(exchange);
    if (epoch === undefined) return;
    const book = this.books().find((b) => b.exchange === exchange && b.symbol === symbol);
    if (book !== undefined) this.publishState(this.channel(book), reason, epoch);
  }

  onTrade(trade: TradeEvent): void {
    if (this.leadingEpoch(trade.exchange) === undefined) return;
    try {
      this.nc.publish(tradeSubjectCache(trade), encodeTrade(trade));
      this.counters.trades++;
    } catch (error) {
      this.counters.publishErrors++;
      this.log.debug({ err: error }, 'trade publish failed');
    }
  }

  onBook(book: ManagedBook, change: 'update' | 'status'): void {
    if (change === 'status' && this.isLeading(book.exchange)) this.putInstrument(this.channel(book));
  }

  /** Stores the book's instrument in the KV bucket once it is known (and again if it changes). */
  private putInstrument(ch: Channel): void {
    const instrument = ch.book.instrument;
    if (instrument === undefined || ch.instrumentPut === instrument) return;
    ch.instrumentPut = instrument;
    this.instruments
      .put(instrumentKey(ch.book.exchange, ch.book.symbol), JSON.stringify(instrument))
      .catch((error: unknown) => this.log.warn({ err: error, book: ch.book.key }, 'could not store the instrument'));
  }

  private publishState(ch: Channel, reason: ResyncReason, epoch: number): void {
    try {
      this.nc.publish(ch.state, encodeState(reason), {
        headers: chainHeaders({ seq: ch.seq, epoch }, ch.book.updateId),
      });
      this.counters.states++;
    } catch (error) {
      this.publishFailed(ch, error);
    }
  }

  /** Publishes a full book, fenced by the last snapshot stored on its subject when no other is in flight. */
  private publishSnapshot(ch: Channel, event: BookSnapshotEvent, epoch: number): void {
    const expected = ch.snapshotsInFlight === 0 ? ch.lastSnapshot : undefined;
    ch.snapshotsInFlight++;
    ch.snapshotCount++;
    const msgID = `${ch.snapshot}.${epoch}.${ch.seq}.${ch.snapshotCount}`;
    const headers = chainHeaders({ seq: ch.seq, epoch }, event.updateId);
    this.counters.snapshots++;
    this.js
      .publish(ch.snapshot, encodeSnapshot(event, ch.book.instrument), {
        headers,
        msgID,
        ...(expected !== undefined ? { expect: { lastSubjectSequence: expected } } : {}),
      })
      .then(
        (ack) => {
          ch.lastSnapshot = ack.seq;
        },
        (error: unknown) => {
          if ((error as { code?: number }).code === WRONG_LAST_SEQUENCE) void this.fenced(ch, epoch);
          else this.publishFailed(ch, error);
        },
      )
      .finally(() => {
        ch.snapshotsInFlight--;
      });
  }

  /**
   * The server refused a snapshot: someone else wrote to the subject since this node's last one. If the
   * lease is gone this node stops at once; if it still holds it (a deposed leader's late write, or an
   * unknown last sequence), it learns the subject's position and publishes the book again.
   */
  private async fenced(ch: Channel, epoch: number): Promise<void> {
    this.counters.fenced++;
    const lease = this.leases.get(ch.book.exchange);
    const stillLeader = lease !== undefined && (await lease.confirm());
    if (!stillLeader || this.leadingEpoch(ch.book.exchange) !== epoch) {
      this.log.warn({ book: ch.book.key, epoch }, 'snapshot refused: another ingest node leads this venue');
      return;
    }
    this.log.info({ book: ch.book.key, epoch }, 'snapshot refused by the expected sequence; publishing the book again');
    ch.lastSnapshot = await this.lastSnapshotSeq(ch);
    if (this.isPublishable(ch.book)) this.publishSnapshot(ch, snapshotOf(ch.book), epoch);
  }

  private publishFailed(ch: Channel, error: unknown): void {
    this.counters.publishErrors++;
    this.log.warn({ err: error, book: ch.book.key }, 'publish to NATS failed');
  }

  private async lastSnapshotSeq(ch: Channel): Promise<number | undefined> {
    try {
      const msg = await this.jsm.direct.getMessage(BOOK_STREAM, { last_by_subj: ch.snapshot });
      return msg?.seq ?? 0;
    } catch (error) {
      this.log.warn({ err: error, book: ch.book.key }, 'cannot read the last snapshot’s position');
      return undefined;
    }
  }

  private isPublishable(book: ManagedBook): boolean {
    const status = book.status();
    return status === 'live' || status === 'stale';
  }

  /**
   * A new leader first anchors every gateway: it learns where each book's snapshots stand, then publishes
   * each live book in full (and the state of the others) before any delta under its epoch.
   */
  private async takeOver(exchange: Exchange, epoch: number): Promise<void> {
    const channels = this.books()
      .filter((b) => b.exchange === exchange)
      .map((b) => this.channel(b));
    await Promise.all(
      channels.map(async (ch) => {
        ch.lastSnapshot = await this.lastSnapshotSeq(ch);
      }),
    );
    const phase = this.phases.get(exchange);
    if (phase?.type !== 'starting' || phase.epoch !== epoch) return;
    this.phases.set(exchange, { type: 'leading', epoch });
    for (const ch of channels) {
      this.putInstrument(ch);
      if (this.isPublishable(ch.book)) this.publishSnapshot(ch, snapshotOf(ch.book), epoch);
      else this.publishState(ch, ch.book.resyncReason() ?? 'venue_reset', epoch);
    }
    this.heartbeat();
    this.log.info({ exchange, epoch, books: channels.length }, 'leading: published every book');
  }

  private publishPeriodicSnapshots(): void {
    for (const ch of this.channels.values()) {
      const epoch = this.leadingEpoch(ch.book.exchange);
      if (epoch !== undefined && this.isPublishable(ch.book)) this.publishSnapshot(ch, snapshotOf(ch.book), epoch);
    }
  }

  private heartbeat(): void {
    for (const [exchange, phase] of this.phases) {
      if (phase.type !== 'leading') continue;
      try {
        this.nc.publish(heartbeatSubject(exchange), new Uint8Array(0), {
          headers: chainHeaders({ seq: 0, epoch: phase.epoch }, 0),
        });
      } catch {
        // The connection is down: its status says so; the next beat retries.
      }
    }
  }
}

const tradeSubjects = new Map<string, string>();
/** Trade subjects by book, cached: trades are many and their subject is derived from two escapes. */
function tradeSubjectCache(trade: TradeEvent): string {
  const key = `${trade.exchange}\u0000${trade.symbol}`;
  let subject = tradeSubjects.get(key);
  if (subject === undefined) {
    subject = tradeSubject(trade.exchange, trade.symbol);
    tradeSubjects.set(key, subject);
  }
  return subject;
}
