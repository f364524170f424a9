/**
 * Creates, or checks and adjusts, what FlowRS needs on the NATS server: the book stream and the two KV
 * buckets. Fails with a BusSetupError naming the fix when the server is too old, JetStream is off, or a
 * setting cannot be honoured (e.g. replicas on a single server).
 */
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { BusSetupError } from './errors.js';
import type { BusConfig } from './settings.js';
import { ALL_BOOKS, BOOK_STREAM, INSTRUMENT_BUCKET, LEASE_BUCKET } from './subjects.js';

/** The oldest server with everything used here: DirectGet, the 2.9 consumer API, KV, expected subject sequences. */
export const MIN_SERVER_VERSION = '2.9.0';
/** A retried snapshot publish within this window is stored once (Nats-Msg-Id). */
export const DEFAULT_DUPLICATE_WINDOW_MS = 2 * 60_000;

const nanos = (ms: number) => ms * 1_000_000;

export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly leases: KV;
  readonly instruments: KV;
}

function versionAtLeast(version: string, min: string): boolean {
  const a = version.split(/[.-]/).map(Number);
  const b = min.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) > b[i];
  }
  return true;
}

/** The book stream's configuration for these settings. */
export function bookStreamConfig(bus: BusConfig): Partial<StreamConfig> & { name: string } {
  return {
    name: BOOK_STREAM,
    subjects: [ALL_BOOKS],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: bus.replicas,
    max_age: nanos(bus.streamMaxAgeMs),
    duplicate_window: nanos(Math.min(DEFAULT_DUPLICATE_WINDOW_MS, bus.streamMaxAgeMs)),
    allow_direct: true,
  };
}

export async function ensureBus(nc: NatsConnection, bus: BusConfig): Promise<Bus> {
  const info = nc.info;
  if (info !== undefined && !versionAtLeast(info.version, MIN_SERVER_VERSION)) {
    throw new BusSetupError(
      'server_too_old',
      `nats-server ${info.version} is too old: FlowRS needs ${MIN_SERVER_VERSION} or later (DirectGet, KV)`,
    );
  }
  if (info !== undefined && info.jetstream !== true) {
    throw new BusSetupError(
      'jetstream_disabled',
      `JetStream is disabled on the NATS server at ${info.host}:${info.port}: start nats-server with -js (or jetstream {} in its config)`,
    );
  }
  if (bus.snapshotPeriodMs * 2 > bus.streamMaxAgeMs) {
    throw new BusSetupError(
      'bad_retention',
      `FLOWRS_NATS_STREAM_MAX_AGE_MS (${bus.streamMaxAgeMs}) must be at least twice FLOWRS_SNAPSHOT_PERIOD_MS (${bus.snapshotPeriodMs}): a late gateway needs a snapshot and the deltas after it`,
    );
  }
  // A single server takes an update to more replicas without complaint (2.9), then cannot honour it.
  if (info !== undefined && bus.replicas > 1 && info.cluster === undefined) {
    throw new BusSetupError(
      'stream_config',
      `FLOWRS_NATS_REPLICAS=${bus.replicas} needs a NATS cluster, and ${info.host}:${info.port} is a single server (set FLOWRS_NATS_REPLICAS=1)`,
    );
  }
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc);
  } catch (error) {
    throw new BusSetupError(
      'jetstream_disabled',
      `JetStream is not available on the NATS server: ${(error as Error).message} (start nats-server with -js)`,
      { cause: error },
    );
  }
  await ensureBookStream(jsm, bus);
  const kvm = new Kvm(nc);
  const leases = await ensureBucket(jsm, kvm, LEASE_BUCKET, bus, bus.leaseTtlMs);
  const instruments = await ensureBucket(jsm, kvm, INSTRUMENT_BUCKET, bus, 0);
  return { nc, js: jetstream(nc), jsm, leases, instruments };
}

async function ensureBookStream(jsm: JetStreamManager, bus: BusConfig): Promise<void> {
  const wanted = bookStreamConfig(bus);
  const existing = await jsm.streams.info(BOOK_STREAM).catch(() => undefined);
  try {
    if (existing === undefined) {
      await jsm.streams.add(wanted);
      return;
    }
    const c = existing.config;
    if (!c.subjects?.includes(ALL_BOOKS)) {
      throw new BusSetupError(
        'stream_config',
        `stream ${BOOK_STREAM} exists with subjects ${JSON.stringify(c.subjects)}; FlowRS needs ${ALL_BOOKS} (delete the stream or rename it)`,
      );
    }
    if (
      c.max_age !== wanted.max_age ||
      c.num_replicas !== wanted.num_replicas ||
      c.allow_direct !== true ||
      c.duplicate_window !== wanted.duplicate_window
    ) {
      await jsm.streams.update(BOOK_STREAM, {
        max_age: wanted.max_age,
        num_replicas: wanted.num_replicas,
        allow_direct: true,
        duplicate_window: wanted.duplicate_window,
      });
    }
  } catch (error) {
    if (error instanceof BusSetupError) throw error;
    throw new BusSetupError(
      'stream_config',
      `cannot create or update stream ${BOOK_STREAM} (replicas ${bus.replicas}, max age ${bus.streamMaxAgeMs} ms): ${(error as Error).message}` +
        (bus.replicas > 1
          ? ' (replicas above 1 need a NATS cluster: set FLOWRS_NATS_REPLICAS=1 on a single server)'
          : ''),
      { cause: error },
    );
  }
}

/** A KV bucket with one value per key; `ttlMs` 0 keeps values forever. Adjusts the TTL of an existing one. */
async function ensureBucket(jsm: JetStreamManager, kvm: Kvm, name: string, bus: BusConfig, ttlMs: number): Promise<KV> {
  try {
    const existing = await jsm.streams.info(`KV_${name}`).catch(() => undefined);
    if (existing === undefined) return await kvm.create(name, { history: 1, ttl: ttlMs, replicas: bus.replicas });
    if (existing.config.max_age !== nanos(ttlMs) || existing.config.num_replicas !== bus.replicas) {
      await jsm.streams.update(`KV_${name}`, { max_age: nanos(ttlMs), num_replicas: bus.replicas });
    }
    return await kvm.open(name);
  } catch (error) {
    throw new BusSetupError(
      'stream_config',
      `cannot create or update KV bucket ${name} (replicas ${bus.replicas}): ${(error as Error).message}` +
        (bus.replicas > 1
          ? ' (replicas above 1 need a NATS cluster: set FLOWRS_NATS_REPLICAS=1 on a single server)'
          : ''),
      { cause: error },
    );
  }
}
