/**
 * `flowrs ingest`: venue connectors and books as in the single process, plus the bus publisher. One
 * lease per venue decides whether this node publishes it; a standby keeps its books warm and takes over
 * when the leader's lease lapses. It serves /health, /metrics and the API too (its own books), for operators.
 */
import { hostname } from 'node:os';
import type { FlowrsConfig } from '../app/config.js';
import { Flowrs, type FlowrsOptions } from '../app/flowrs.js';
import type { Exchange } from '../core/types.js';
import type { Logger } from '../log.js';
import { connectBus, NatsLink } from './connection.js';
import { type LeaseState, VenueLease } from './lease.js';
import { BusPublisher } from './publisher.js';
import { ensureBus } from './setup.js';

export interface IngestNode {
  readonly app: Flowrs;
  readonly publisher: BusPublisher;
  readonly leases: ReadonlyMap<Exchange, VenueLease>;
  readonly link: NatsLink;
  readonly nodeId: string;
  /**
   * Stops. `release: false` leaves the leases to expire, as a crashed node would (tests of the failover);
   * by default a leader hands its venues over at once.
   */
  stop(options?: { release?: boolean }): Promise<void>;
}

export interface IngestOptions extends Pick<FlowrsOptions, 'connectors' | 'serveStatic' | 'broadcaster'> {
  readonly nodeId?: string;
}

export async function startIngest(config: FlowrsConfig, log: Logger, options: IngestOptions = {}): Promise<IngestNode> {
  const bus = config.bus;
  const nodeId = options.nodeId ?? `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const nc = await connectBus(bus, `ingest-${nodeId}`);
  try {
    const { js, jsm, leases: leaseKv, instruments } = await ensureBus(nc, bus);
    const link = new NatsLink(nc, log.child({ component: 'nats' }));
    let app: Flowrs | undefined;
    const publisher = new BusPublisher(
      nc,
      js,
      jsm,
      instruments,
      log.child({ component: 'publisher' }),
      { snapshotPeriodMs: bus.snapshotPeriodMs },
      () => app?.books.list() ?? [],
    );
    app = new Flowrs(config, { ...options, log, listeners: [publisher], bus: () => link.summary() });
    const leases = new Map<Exchange, VenueLease>();
    for (const exchange of config.exchanges) {
      const lease = new VenueLease(leaseKv, exchange, nodeId, bus.leaseTtlMs, log, (state: LeaseState) =>
        publisher.leaseChanged(exchange, state),
      );
      publisher.attach(lease);
      leases.set(exchange, lease);
    }
    await app.start();
    publisher.start();
    await Promise.all([...leases.values()].map((l) => l.start()));
    log.info({ node: nodeId, nats: bus.natsUrl }, 'ingest node started');
    const started = app;
    let stopping: Promise<void> | undefined;
    const stop = async (release: boolean) => {
      await Promise.all([...leases.values()].map((l) => l.stop(release)));
      publisher.stop();
      await started.stop();
      if (release) await nc.drain().catch(() => nc.close());
      else await nc.close();
    };
    return {
      app: started,
      publisher,
      leases,
      link,
      nodeId,
      stop: ({ release = true } = {}) => {
        stopping ??= stop(release);
        return stopping;
      },
    };
  } catch (error) {
    await nc.close();
    throw error;
  }
}
