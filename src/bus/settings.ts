/** Settings for the distributed mode: the process's role and its NATS connection. */
import { z } from 'zod';
import type { SettingSpec, SettingValues } from '../app/setting-spec.js';

export const ROLES = ['single', 'ingest', 'gateway'] as const;
export type Role = (typeof ROLES)[number];
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

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
} satisfies Record<string, SettingSpec>;

export type BusConfig = SettingValues<typeof BUS_SETTINGS>;
