/**
 * The gateway side of the bus: one venue's books rebuilt from NATS, behind the same VenueConnector
 * interface the venue connectors implement, so the whole client API, metrics and /health work unchanged.
 *
 * Each book anchors on its last snapshot (DirectGet by subject), then takes exactly the messages stored
 * after it from one ordered consumer per venue (gapless by construction: the client recreates it at the
 * expected stream sequence when a delivery is missed). On top, every book message is chained: a delta must
 * carry `Flowrs-Seq` = last + 1 under the same epoch. Any break marks the book `resyncing` and re-anchors it
 * on the latest snapshot; the ingest node is never asked for anything.
 */
import { DeliverPolicy, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { Msg, Subscription } from '@nats-io/transport-node';
import type { ApplyOutcome, ConnectionStatus, MarketSink, ResyncReason } from '../core/sink.js';
import type { Exchange } from '../core/types.js';
import type { ConnectorCounters, ConnectorStatus } from '../core/venue-status.js';
import type { VenueConnector } from '../exchanges/connector.js';
import { newCounters } from '../exchanges/connector.js';
import type { Logger } from '../log.js';
import { type Chain, decodeDelta, decodeSnapshot, decodeState, decodeTrade, readChain } from './codec.js';
import type { NatsLink } from './connection.js';
import {
  BOOK_STREAM,
  BookMessageKind,
  bookSubject,
  heartbeatSubject,
  parseBookSubject,
  venueBookFilter,
  venueTradeFilter,
} from './subjects.js';

/** The name of the NATS connection in a gateway venue's status (as `public#0` is for a venue socket). */
export const NATS_CONNECTION_NAME = 'nats';
/** With no heartbeat or message from the venue's ingest leader for this long, its books are not live. */
export const DEFAULT_LEADER_SILENCE_MS = 3_500;
/** Messages the ordered consumer keeps buffered. */
export const CONSUMER_BUFFER = 2_000;
/** Wait before a failed consumer or anchoring is tried again. */
export const RETRY_MS = 500;

/** Where one book stands in its chain. */
interface Anchor {
  readonly symbol: string;
  /** A snapshot has been applied and the chain since is intact. */
  anchored: boolean;
  /** The book took its last event cleanly (a periodic snapshot of the same position can be skipped). */
  live: boolean;
  epoch: number;
  seq: number;
  /** Stream sequence of the last message this book took or skipped: older deliveries are duplicates. */
  streamSeq: number;
  /** Stream sequence of the snapshot the book anchored on: re-anchoring on the same one again would loop. */
  snapshotStreamSeq: number;
}

export interface GatewayBus {
  readonly link: NatsLink;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

export interface BusVenueConnectorOptions {
  readonly leaderSilenceMs?: number;
}

export class BusVenueConnector implements VenueConnector {
  private sink: MarketSink | undefined;
  private readonly anchors = new Map<string, Anchor>();
  private readonly subjects = new Map<string, { symbol: string; kind: BookMessageKind } | null>();
  private readonly counters: ConnectorCounters = newCounters();
  /** Messages from a deposed leader (an epoch below the newest), dropped. */
  fencedMessages = 0;
  private highestEpoch = 0;
  private lastDelivered = 0;
  private generation = 0;
  private stopConsumer: (() => void) | undefined;
  private readonly subscriptions: Subscription[] = [];
  private pending = new Set<string>();
  private forced = new Set<string>();
  private anchoring: Promise<void> | undefined;
  private leaderSeenAt = 0;
  private leaderSilent = false;
  private watchdog: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private slow = false;

  constructor(
    readonly exchange: Exchange,
    symbols: readonly string[],
    private readonly bus: GatewayBus,
    private readonly log: Logger,
    private readonly options: BusVenueConnectorOptions = {},
  ) {
    for (const symbol of symbols) {
      this.anchors.set(symbol, {
        symbol,
        anchored: false,
        live: false,
        epoch: 0,
        seq: 0,
        streamSeq: 0,
        snapshotStreamSeq: 0,
      });
    }
  }

  start(sink: MarketSink): void {
    this.sink = sink;
    const { link } = this.bus;
    sink.connection(this.exchange, NATS_CONNECTION_NAME, link.status);
    link.onEvent((event) => {
      if (this.stopped) return;
      if (event === 'down') {
        for (const a of this.anchors.values()) this.markResyncing(a, 'disconnected');
      } else if (event === 'up') {
        this.reanchor([...this.anchors.keys()], true);
      } else {
        // A subscription overflowed: something may be missing; re-anchor everything to be sure.
        this.slow = true;
        this.reanchor([...this.anchors.keys()], true);
      }
      sink.connection(this.exchange, NATS_CONNECTION_NAME, this.connectionStatus());
    });
    const nc = link.nc;
    this.subscriptions.push(
      nc.subscribe(venueTradeFilter(this.exchange), { callback: (err, msg) => void (err ?? this.onTrade(msg)) }),
      nc.subscribe(heartbeatSubject(this.exchange), { callback: (err, msg) => void (err ?? this.onHeartbeat(msg)) }),
    );
    this.leaderSeenAt = Date.now();
    const silence = this.options.leaderSilenceMs ?? DEFAULT_LEADER_SILENCE_MS;
    this.watchdog = setInterval(() => this.checkLeader(silence), Math.max(100, Math.floor(silence / 4)));
    this.reanchor([...this.anchors.keys()], true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.watchdog);
    clearTimeout(this.retryTimer);
    this.stopConsumer?.();
    for (const s of this.subscriptions) s.unsubscribe();
    await this.anchoring;
  }

  resync(symbol: string, _reason: ResyncReason): void {
    if (this.anchors.has(symbol)) this.reanchor([symbol], true);
  }

  status(): ConnectorStatus {
    return {
      exchange: this.exchange,
      connections: [
        {
          name: NATS_CONNECTION_NAME,
          status: this.connectionStatus(),
          reconnections: this.bus.link.reconnections,
        },
      ],
      counters: this.counters,
    };
  }

  private connectionStatus(): ConnectionStatus {
    const status = this.bus.link.status;
    if (this.slow && status.type === 'open') {
      return {
        type: 'reconnecting',
        attempt: 0,
        delayMs: 0,
        reason: 'error',
        detail: 'slow consumer: NATS dropped messages; re-anchoring every book',
      };
    }
    return status;
  }

  /** Books to re-anchor on their latest snapshot; `force` applies it even when it is the one already used. */
  private reanchor(symbols: readonly string[], force: boolean): void {
    for (const s of symbols) {
      this.pending.add(s);
      if (force) this.forced.add(s);
    }
    if (this.anchoring === undefined) this.anchoring = this.runAnchoring();
  }

  private async runAnchoring(): Promise<void> {
    try {
      while (this.pending.size > 0 && !this.stopped) {
        const symbols = [...this.pending];
        const forced = this.forced;
        this.pending = new Set();
        this.forced = new Set();
        this.generation++;
        this.stopConsumer?.();
        this.stopConsumer = undefined;
        // The consumer delivered every message of the venue up to lastDelivered: the other books have seen them.
        for (const a of this.anchors.values()) a.streamSeq = Math.max(a.streamSeq, this.lastDelivered);
        await Promise.all(symbols.map((s) => this.anchorOnLatest(this.anchors.get(s)!, forced.has(s))));
        if (this.stopped) return;
        await this.startConsumer();
      }
      if (this.slow) {
        this.slow = false;
        this.sink?.connection(this.exchange, NATS_CONNECTION_NAME, this.connectionStatus());
      }
    } catch (error) {
      if (!this.stopped) {
        this.log.warn({ err: error, exchange: this.exchange }, 'cannot read the book stream; retrying');
        for (const a of this.anchors.values()) this.pending.add(a.symbol);
        this.retryTimer = setTimeout(() => this.reanchor([], false), RETRY_MS);
      }
    } finally {
      this.anchoring = undefined;
      if (this.pending.size > 0 && !this.stopped && this.retryTimer === undefined) this.reanchor([], false);
    }
  }

  private async anchorOnLatest(a: Anchor, force: boolean): Promise<void> {
    const subject = bookSubject(this.exchange, a.symbol, BookMessageKind.snapshot);
    const msg = await this.bus.jsm.direct.getMessage(BOOK_STREAM, { last_by_subj: subject });
    this.counters.snapshotsFetched++;
    if (msg === null) return; // No snapshot yet: the first one the stream delivers anchors the book.
    const chain = readChain(msg.header);
    if (chain === undefined || !this.acceptEpoch(chain.epoch)) return; // A deposed leader's: wait for the new one.
    if (!force && msg.seq === a.snapshotStreamSeq) return; // The same snapshot would break the same way: wait for a newer one.
    this.applySnapshot(a, msg.data, chain, msg.seq);
  }

  private async startConsumer(): Promise<void> {
    const generation = this.generation;
    let start = this.lastDelivered > 0 ? this.lastDelivered + 1 : Number.POSITIVE_INFINITY;
    for (const a of this.anchors.values()) if (a.anchored) start = Math.min(start, a.streamSeq + 1);
    const consumer = await this.bus.js.consumers.get(BOOK_STREAM, {
      filter_subjects: venueBookFilter(this.exchange),
      ...(start === Number.POSITIVE_INFINITY
        ? { deliver_policy: DeliverPolicy.New }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: start }),
    });
    if (generation !== this.generation || this.stopped) return;
    const messages = await consumer.consume({
      max_messages: CONSUMER_BUFFER,
      callback: (m) => {
        if (generation === this.generation) this.onMessage(m);
      },
    });
    if (generation !== this.generation || this.stopped) {
      messages.stop();
      return;
    }
    this.stopConsumer = () => messages.stop();
    void messages.closed().then((error) => {
      if (error && generation === this.generation && !this.stopped) {
        this.log.warn({ err: error, exchange: this.exchange }, 'book consumer ended; re-anchoring');
        this.reanchor([...this.anchors.keys()], true);
      }
    });
  }

  private classify(subject: string): { symbol: string; kind: BookMessageKind } | null {
    let parsed = this.subjects.get(subject);
    if (parsed === undefined) {
      const p = parseBookSubject(subject);
      parsed = p !== undefined && p.exchange === this.exchange ? { symbol: p.symbol, kind: p.kind } : null;
      this.subjects.set(subject, parsed);
    }
    return parsed;
  }

  private onMessage(m: JsMsg): void {
    this.counters.frames++;
    if (m.seq > this.lastDelivered) this.lastDelivered = m.seq;
    const parsed = this.classify(m.subject);
    if (parsed === null) return;
    const a = this.anchors.get(parsed.symbol);
    if (a === undefined) return; // A book this gateway does not serve.
    if (m.seq <= a.streamSeq) {
      this.counters.duplicates++;
      return;
    }
    const chain = readChain(m.headers);
    if (chain === undefined) {
      this.sink?.invalidFrame(this.exchange, 'bad_field', `${m.subject}: no Flowrs-Seq/Flowrs-Epoch headers`);
      a.streamSeq = m.seq;
      return;
    }
    if (!this.acceptEpoch(chain.epoch)) {
      a.streamSeq = m.seq;
      return;
    }
    this.leaderSeenAt = Date.now();
    switch (parsed.kind) {
      case BookMessageKind.snapshot:
        if (a.anchored && a.live && chain.epoch === a.epoch && chain.seq === a.seq) {
          // A periodic snapshot of exactly what the book holds: nothing to do.
          a.streamSeq = m.seq;
          a.snapshotStreamSeq = m.seq;
        } else {
          this.applySnapshot(a, m.data, chain, m.seq);
        }
        return;
      case BookMessageKind.delta:
        a.streamSeq = m.seq;
        if (!a.anchored) return; // Waiting for a snapshot.
        if (chain.epoch !== a.epoch || chain.seq !== a.seq + 1) {
          this.chainBroken(
            a,
            `expected seq ${a.seq + 1} of epoch ${a.epoch}, got ${chain.seq} of epoch ${chain.epoch}`,
          );
          return;
        }
        this.applyDelta(a, m.data, chain);
        return;
      case BookMessageKind.state: {
        a.streamSeq = m.seq;
        let reason: ResyncReason;
        try {
          reason = decodeState(m.data).reason;
        } catch {
          reason = 'invalid_data';
        }
        // A new leader's book that is not live yet: wait for its snapshot.
        if (chain.epoch !== a.epoch) a.anchored = false;
        this.markResyncing(a, reason);
        return;
      }
    }
  }

  /** Fencing: false for a deposed leader's message; a newer epoch means the venue changed leader. */
  private acceptEpoch(epoch: number): boolean {
    if (epoch < this.highestEpoch) {
      this.fencedMessages++;
      return false;
    }
    if (epoch > this.highestEpoch) {
      const previous = this.highestEpoch;
      this.highestEpoch = epoch;
      if (previous !== 0) {
        this.log.info({ exchange: this.exchange, epoch, previous }, 'the venue has a new ingest leader');
        // Books still on the old leader's chain wait for the new leader's snapshot of them.
        for (const a of this.anchors.values()) {
          if (a.anchored && a.epoch < epoch) this.markResyncing(a, 'venue_reset');
        }
      }
    }
    return true;
  }

  private applySnapshot(a: Anchor, data: Uint8Array, chain: Chain, streamSeq: number): void {
    const sink = this.sink;
    if (sink === undefined) return;
    let outcome: ApplyOutcome;
    try {
      const { event, instrument } = decodeSnapshot(data);
      if (instrument !== undefined) sink.instruments(this.exchange, [instrument]);
      outcome = sink.book(event);
    } catch (error) {
      sink.invalidFrame(this.exchange, 'bad_field', (error as Error).message);
      outcome = 'rejected';
    }
    a.streamSeq = streamSeq;
    a.snapshotStreamSeq = streamSeq;
    if (outcome === 'rejected') {
      a.anchored = false;
      a.live = false;
      return;
    }
    a.anchored = true;
    a.epoch = chain.epoch;
    a.seq = chain.seq;
    a.live = outcome === 'applied';
  }

  private applyDelta(a: Anchor, data: Uint8Array, chain: Chain): void {
    const sink = this.sink;
    if (sink === undefined) return;
    let outcome: ApplyOutcome;
    try {
      outcome = sink.book(decodeDelta(data));
    } catch (error) {
      sink.invalidFrame(this.exchange, 'bad_field', (error as Error).message);
      outcome = 'rejected';
    }
    if (outcome === 'rejected') {
      this.chainBroken(a, 'a delta the book refused');
      return;
    }
    a.seq = chain.seq;
    // Unhealthy (crossed, checksum): the ingest node resyncs too, and its snapshot will follow.
    a.live = outcome === 'applied';
  }

  private chainBroken(a: Anchor, detail: string): void {
    this.counters.gaps++;
    this.log.info({ exchange: this.exchange, symbol: a.symbol, detail }, 'bus chain broken; re-anchoring');
    a.anchored = false;
    this.markResyncing(a, 'gap');
    this.reanchor([a.symbol], false);
  }

  private markResyncing(a: Anchor, reason: ResyncReason): void {
    a.live = false;
    this.sink?.bookResyncing(this.exchange, a.symbol, reason);
  }

  private onTrade(msg: Msg): void {
    try {
      this.sink?.trade(decodeTrade(msg.data));
    } catch (error) {
      this.sink?.invalidFrame(this.exchange, 'bad_field', (error as Error).message);
    }
  }

  private onHeartbeat(msg: Msg): void {
    const chain = readChain(msg.headers);
    if (chain === undefined || !this.acceptEpoch(chain.epoch)) return;
    this.leaderSeenAt = Date.now();
    if (this.leaderSilent) {
      this.leaderSilent = false;
      this.log.info({ exchange: this.exchange }, 'the ingest leader is back');
    }
  }

  /** A silent leader (crashed, cut off) leaves books that no longer move: they are not live until it (or another) speaks. */
  private checkLeader(silenceMs: number): void {
    if (this.leaderSilent || Date.now() - this.leaderSeenAt <= silenceMs) return;
    if (this.bus.link.status.type !== 'open') return; // Our own connection is down: already said.
    this.leaderSilent = true;
    this.log.warn({ exchange: this.exchange, silenceMs }, 'no ingest leader heard; books marked resyncing');
    for (const a of this.anchors.values()) if (a.live) this.markResyncing(a, 'disconnected');
  }
}
