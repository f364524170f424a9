/** Settings for who may use the client server and how much: tokens, origins, per-IP limits, TLS. */
import { z } from 'zod';
import { commaList, integerAtLeast, type SettingSpec, type SettingValues } from '../../app/setting-spec.js';

const list = commaList;
const count = (min: number) => integerAtLeast(min);
const optionalPath = z.string().transform((s) => (s === '' ? undefined : s));

export const DEFAULT_MAX_CLIENTS = 10_000;
export const DEFAULT_MAX_CLIENTS_PER_IP = 200;
export const DEFAULT_HANDSHAKES_PER_IP_PER_MINUTE = 600;

export const ACCESS_SETTINGS = {
  authTokens: {
    env: 'FLOWRS_AUTH_TOKENS',
    schema: z.string().transform(list),
    fallback: '',
    help: 'bearer tokens for the WebSocket and HTTP API, comma-separated (none: no authentication)',
  },
  authTokenFile: {
    env: 'FLOWRS_AUTH_TOKEN_FILE',
    schema: optionalPath,
    fallback: '',
    help: 'a file of accepted tokens as SHA-256 hex digests, one per line (`#` comments)',
  },
  metricsTokens: {
    env: 'FLOWRS_METRICS_TOKENS',
    schema: z.string().transform(list),
    fallback: '',
    help: 'bearer tokens for /metrics, comma-separated (none: /metrics is open); /health is always open',
  },
  allowedOrigins: {
    env: 'FLOWRS_ALLOWED_ORIGINS',
    schema: z.string().transform(list),
    fallback: '',
    help: "browser origins allowed to open a WebSocket and read the API (CORS), comma-separated; `*`: any; none: the server's own origin only",
  },
  maxClients: {
    env: 'FLOWRS_MAX_CLIENTS',
    schema: count(1),
    fallback: String(DEFAULT_MAX_CLIENTS),
    help: 'most WebSocket clients at once',
  },
  maxClientsPerIp: {
    env: 'FLOWRS_MAX_CLIENTS_PER_IP',
    schema: count(1),
    fallback: String(DEFAULT_MAX_CLIENTS_PER_IP),
    help: 'most WebSocket clients at once from one IP address',
  },
  handshakesPerIpPerMinute: {
    env: 'FLOWRS_HANDSHAKES_PER_IP_PER_MINUTE',
    schema: count(1),
    fallback: String(DEFAULT_HANDSHAKES_PER_IP_PER_MINUTE),
    help: 'most WebSocket handshakes a minute from one IP address',
  },
  tlsCert: {
    env: 'FLOWRS_TLS_CERT',
    schema: optionalPath,
    fallback: '',
    help: 'PEM certificate file: serve HTTPS and WSS (with FLOWRS_TLS_KEY)',
  },
  tlsKey: {
    env: 'FLOWRS_TLS_KEY',
    schema: optionalPath,
    fallback: '',
    help: 'PEM private key file for FLOWRS_TLS_CERT',
  },
} satisfies Record<string, SettingSpec>;

export type AccessConfig = SettingValues<typeof ACCESS_SETTINGS>;
