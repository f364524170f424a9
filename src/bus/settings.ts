/** Settings for the distributed mode: the process's role, its NATS connection, retention and leadership. */
import { z } from 'zod';
import { integerAtLeast, type SettingSpec, type SettingValues } from '../app/setting-spec.js';

export const ROLES = ['single', 'ingest', 'gateway'] as const;
export type Role = (typeof ROLES)[number];
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
/** How long the book stream keeps deltas and snapshots: a late gateway replays from within this window. */
export const DEFAULT_STREAM_MAX_AGE_MS = 5 * 60_000;
/** Copies of the book stream and the KV buckets: 1 on a single server, 3 on a three-node cluster. */
export const DEFAULT_REPLICAS = 1;
/** The ingest leader publishes a full snapshot of every live book this often (and after every sync). */
export const DEFAULT_SNAPSHOT_PERIOD_MS = 10_000;
/** An ingest lease not renewed for this long expires, and a standby takes the venue over. */
export const DEFAULT_LEASE_TTL_MS = 3_000;

const text = z.string();
const positiveMs = (min: number) => integerAtLeast(min, 'milliseconds');

export const BUS_SETTINGS = {
  role: {
    env: 'FLOWRS_ROLE',
    schema: z.enum(ROLES, { message: 'single, ingest or gateway' }),
    fallback: 'single',
    help: '`single`: one process, no NATS; `ingest`: venues → NATS; `gateway`: NATS → clients',
  },
  natsUrl: {
    env: 'FLOWRS_NATS_URL',
    schema: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().regex(/^(nats|tls|wss?):\/\/\S+$/, 'nats://host:port, comma-separated')).min(1)),
    fallback: DEFAULT_NATS_URL,
    help: 'NATS servers for the ingest and gateway roles, comma-separated',
  },
  natsCreds: {
    env: 'FLOWRS_NATS_CREDS',
    schema: text,
    fallback: '',
    help: 'NATS credentials file (JWT + nkey seed), read at connect; empty: none',
  },
  natsToken: {
    env: 'FLOWRS_NATS_TOKEN',
    schema: text,
    fallback: '',
    help: 'NATS authentication token; empty: none',
  },
  natsUser: {
    env: 'FLOWRS_NATS_USER',
    schema: text,
    fallback: '',
    help: 'NATS user name (with FLOWRS_NATS_PASSWORD); empty: none',
  },
  natsPassword: {
    env: 'FLOWRS_NATS_PASSWORD',
    schema: text,
    fallback: '',
    help: 'NATS password for FLOWRS_NATS_USER',
  },
  natsTlsCa: {
    env: 'FLOWRS_NATS_TLS_CA',
    schema: text,
    fallback: '',
    help: 'PEM file of the CA that signed the NATS servers’ certificates; set: TLS is required',
  },
  natsTlsCert: {
    env: 'FLOWRS_NATS_TLS_CERT',
    schema: text,
    fallback: '',
    help: 'PEM client certificate for NATS mutual TLS (with FLOWRS_NATS_TLS_KEY)',
  },
  natsTlsKey: {
    env: 'FLOWRS_NATS_TLS_KEY',
    schema: text,
    fallback: '',
    help: 'PEM private key of FLOWRS_NATS_TLS_CERT',
  },
  streamMaxAgeMs: {
    env: 'FLOWRS_NATS_STREAM_MAX_AGE_MS',
    schema: positiveMs(10_000),
    fallback: String(DEFAULT_STREAM_MAX_AGE_MS),
    help: 'how long the book stream keeps deltas and snapshots (must exceed the snapshot period)',
  },
  replicas: {
    env: 'FLOWRS_NATS_REPLICAS',
    schema: z.coerce.number({ message: '1 to 5' }).int('1 to 5').min(1, '1 to 5').max(5, '1 to 5'),
    fallback: String(DEFAULT_REPLICAS),
    help: 'copies of the book stream and KV buckets (3 on a three-node NATS cluster)',
  },
  snapshotPeriodMs: {
    env: 'FLOWRS_SNAPSHOT_PERIOD_MS',
    schema: positiveMs(100),
    fallback: String(DEFAULT_SNAPSHOT_PERIOD_MS),
    help: 'the ingest leader publishes a full snapshot of every live book this often',
  },
  leaseTtlMs: {
    env: 'FLOWRS_LEASE_TTL_MS',
    schema: positiveMs(1_000),
    fallback: String(DEFAULT_LEASE_TTL_MS),
    help: 'an ingest leader’s lease expires this long after its last renewal (standby takeover time)',
  },
} satisfies Record<string, SettingSpec>;

export type BusConfig = SettingValues<typeof BUS_SETTINGS>;
