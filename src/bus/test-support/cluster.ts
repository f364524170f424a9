/** Test harness: a real nats-server, the simulator, ingest nodes and gateways, all on loopback. */
import { loadConfig } from '../../app/config.js';
import { silentLogger } from '../../log.js';
import { Simulator } from '../../sim/simulator.js';
import { waitFor } from '../../sim/test-support/wait.js';
import { type GatewayNode, type GatewayOptions, startGateway } from '../gateway.js';
import { type IngestNode, startIngest } from '../ingest.js';
import { type NatsTestServer, startNatsServer } from './nats-server.js';

export interface BusCluster {
  readonly nats: NatsTestServer;
  readonly sim: Simulator;
  readonly ingests: IngestNode[];
  readonly gateways: GatewayNode[];
  /** The environment every node shares (simulator endpoints, NATS URL, fast timers). */
  readonly env: Record<string, string>;
  addIngest(nodeId?: string): Promise<IngestNode>;
  addGateway(env?: Record<string, string>, options?: GatewayOptions): Promise<GatewayNode>;
  stop(): Promise<void>;
}

export interface BusClusterOptions {
  readonly venues?: readonly string[];
  readonly seed?: number;
  readonly ingests?: number;
  readonly gateways?: number;
  readonly env?: Record<string, string>;
}

export async function startBusCluster(options: BusClusterOptions = {}): Promise<BusCluster> {
  const nats = await startNatsServer();
  const sim = await Simulator.start({ seed: options.seed ?? 61, venues: options.venues ?? ['binance', 'bybit'] });
  const env: Record<string, string> = {
    ...sim.env(),
    FLOWRS_LISTEN: '127.0.0.1:0',
    FLOWRS_THROTTLE_MS: '100',
    FLOWRS_NATS_URL: nats.url,
    FLOWRS_SNAPSHOT_PERIOD_MS: '1000',
    FLOWRS_LEASE_TTL_MS: '1500',
    ...options.env,
  };
  const ingests: IngestNode[] = [];
  const gateways: GatewayNode[] = [];
  const cluster: BusCluster = {
    nats,
    sim,
    ingests,
    gateways,
    env,
    addIngest: async (nodeId) => {
      const node = await startIngest(loadConfig([], { ...env, FLOWRS_ROLE: 'ingest' }), silentLogger, { nodeId });
      ingests.push(node);
      return node;
    },
    addGateway: async (extra = {}, gatewayOptions = {}) => {
      const node = await startGateway(
        loadConfig([], { ...env, FLOWRS_ROLE: 'gateway', ...extra }),
        silentLogger,
        gatewayOptions,
      );
      gateways.push(node);
      return node;
    },
    stop: async () => {
      await Promise.allSettled(gateways.map((g) => g.stop()));
      await Promise.allSettled(ingests.map((i) => i.stop()));
      await sim.stop();
      await nats.stop();
    },
  };
  try {
    for (let i = 0; i < (options.ingests ?? 1); i++) await cluster.addIngest(`ingest-${i}`);
    for (let i = 0; i < (options.gateways ?? 0); i++) await cluster.addGateway();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** The HTTP base of a node's client server. */
export function httpUrl(node: { app: { address?: { host: string; port: number } } }): string {
  return `http://127.0.0.1:${node.app.address!.port}`;
}

export function wsUrl(node: { app: { address?: { host: string; port: number } } }): string {
  return `ws://127.0.0.1:${node.app.address!.port}/`;
}

/** Waits until every book of a node is live. */
export async function nodeLive(node: { app: { books: { list(): { status(): string }[] } } }, timeoutMs = 15_000) {
  await waitFor(() => node.app.books.list().every((b) => b.status() === 'live'), 'every book live', timeoutMs);
}
