/**
 * Leadership of one venue shard among ingest nodes: a JetStream KV key created by the leader and
 * renewed by compare-and-set before the bucket's TTL removes it. The revision at acquisition is the
 * leader's epoch, carried by every message it publishes, so gateways (and the stream's expected
 * sequences) can refuse a deposed leader.
 */
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { QueuedIterator } from '@nats-io/transport-node';
import type { Exchange } from '../core/types.js';
import type { Logger } from '../log.js';
import { leaseKey } from './subjects.js';

/** A node renews this many times per TTL: two renewals may fail before the lease lapses. */
export const RENEWALS_PER_TTL = 3;

export type LeaseState = { readonly type: 'standby' } | { readonly type: 'leader'; readonly epoch: number };

export class VenueLease {
  state: LeaseState = { type: 'standby' };
  /** Times this node took the lease. */
  acquisitions = 0;
  private revision = 0;
  private lastRenewal = 0;
  private timer: NodeJS.Timeout | undefined;
  private watcher: QueuedIterator<KvWatchEntry> | undefined;
  /** Lease operations run one at a time: two renewals with the same revision would fail each other. */
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  readonly key: string;

  constructor(
    private readonly kv: KV,
    readonly exchange: Exchange,
    readonly nodeId: string,
    private readonly ttlMs: number,
    private readonly log: Logger,
    private readonly onChange: (state: LeaseState) => void,
  ) {
    this.key = leaseKey(exchange);
  }

  get isLeader(): boolean {
    return this.state.type === 'leader';
  }

  async start(): Promise<void> {
    // A released lease shows as a delete: take it at once rather than at the next tick.
    this.watcher = await this.kv.watch({ key: this.key });
    void (async () => {
      for await (const entry of this.watcher!) {
        if (entry.operation !== 'PUT' && !this.isLeader) void this.tick();
      }
    })();
    await this.tick();
    this.timer = setInterval(() => void this.tick(), Math.floor(this.ttlMs / RENEWALS_PER_TTL));
  }

  private tick(): Promise<void> {
    // Checked outside the queue: a renewal stuck in flight must not keep a leader publishing past its lease.
    if (this.isLeader && Date.now() - this.lastRenewal > this.renewDeadline()) {
      this.demote('the lease could not be renewed in time');
    }
    return this.serially(async () => {
      if (this.stopped) return;
      if (this.isLeader) await this.renew();
      else await this.acquire();
    });
  }

  /** How long after its last renewal a leader stops: half a renewal period before the lease can lapse. */
  private renewDeadline(): number {
    return this.ttlMs - this.ttlMs / RENEWALS_PER_TTL / 2;
  }

  /** Renews now: whether this node still holds the lease (it stops leading if not). */
  confirm(): Promise<boolean> {
    return this.serially(async () => {
      if (this.isLeader && !this.stopped) await this.renew();
      return this.isLeader;
    });
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async acquire(): Promise<void> {
    try {
      this.revision = await this.kv.create(this.key, this.nodeId);
    } catch {
      return; // Held by another node (or the bus is unreachable): stay standby.
    }
    if (this.stopped) return;
    this.lastRenewal = Date.now();
    this.acquisitions++;
    this.state = { type: 'leader', epoch: this.revision };
    this.log.info({ exchange: this.exchange, epoch: this.revision, node: this.nodeId }, 'took the ingest lease');
    this.onChange(this.state);
  }

  private async renew(): Promise<void> {
    // A renewal that cannot finish before the lease would lapse is a lost lease: stop before a standby starts.
    if (Date.now() - this.lastRenewal > this.renewDeadline()) {
      this.demote('the lease could not be renewed in time');
      return;
    }
    try {
      this.revision = await this.kv.update(this.key, this.nodeId, this.revision);
      this.lastRenewal = Date.now();
    } catch (error) {
      this.demote((error as Error).message);
    }
  }

  /** Stops leading at once (a failed renewal, or a refused write that shows another leader). */
  demote(why: string): void {
    if (!this.isLeader) return;
    this.state = { type: 'standby' };
    this.log.warn({ exchange: this.exchange, why }, 'lost the ingest lease; publishing stopped');
    this.onChange(this.state);
  }

  /** Stops; a leader releases the lease so a standby takes over without waiting for the TTL. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.watcher?.stop();
    if (this.isLeader && release) {
      await this.kv.delete(this.key, { previousSeq: this.revision }).catch(() => undefined);
    }
    this.state = { type: 'standby' };
  }
}
