import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_DISPLAY_DEPTH, DEFAULT_STALE_AFTER_MS } from '../book/book-manager.js';
import { DEFAULT_BOOK_DEPTH } from '../book/order-book.js';
import { EXCHANGES, type Exchange } from '../core/types.js';
import { DEFAULT_AUDIT_INTERVAL_MS } from '../exchanges/audit.js';
import {
  BINANCE_DEFAULT_REST_URL,
  BINANCE_DEFAULT_WS_URL,
  BINANCE_DEPTH_SPEEDS,
  type BinanceDepthSpeed,
} from '../exchanges/binance/connector.js';
import {
  BYBIT_DEFAULT_DEPTH,
  BYBIT_DEFAULT_REST_URL,
  BYBIT_DEFAULT_WS_URL,
  BYBIT_DEPTHS,
  type BybitDepth,
} from '../exchanges/bybit/connector.js';
import { DEFAULT_DATA_TIMEOUT_MS } from '../exchanges/reconnecting-socket.js';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_MAX_BUFFERED_BYTES } from '../server/broadcaster.js';

/** The nine liquid USDⓈ-margined perpetuals FlowRS follows by default. */
export const DEFAULT_SYMBOLS = [
  'BTCUSDT',
  'ETHUSDT',
  'SOLUSDT',
  'BNBUSDT',
  'XRPUSDT',
  'DOGEUSDT',
  'ADAUSDT',
  'AVAXUSDT',
  'LINKUSDT',
];
export const DEFAULT_LISTEN = '0.0.0.0:8080';
export const DEFAULT_THROTTLE_MS = 1_000;

export interface FlowrsConfig {
  readonly exchanges: readonly Exchange[];
  readonly symbols: readonly string[];
  readonly binanceWsUrl: string;
  readonly binanceRestUrl: string;
  /** Binance diff-depth update speed (`<symbol>@depth@100ms`). */
  readonly binanceDepthSpeed: BinanceDepthSpeed;
  readonly bybitWsUrl: string;
  readonly bybitRestUrl: string;
  /** Levels kept a side (at least). */
  readonly depth: number;
  /** Levels a side sent to clients. */
  readonly displayDepth: number;
  readonly bybitDepth: BybitDepth;
  /** A live book with no event for this long is reported stale. */
  readonly staleAfterMs: number;
  /** A venue connection carrying books with no data for this long is reconnected (trade-only ones allow longer). */
  readonly dataTimeoutMs: number;
  /** Each live book is audited against a copy rebuilt from scratch about this often; 0 disables audits. */
  readonly auditIntervalMs: number;
  readonly listen: { readonly host: string; readonly port: number };
  readonly throttleMs: number;
  /** A client with more unsent bytes than this stops receiving until it drains (then gets a snapshot). */
  readonly clientBufferBytes: number;
  /** WebSocket ping interval for clients; one that misses a ping is dropped. */
  readonly heartbeatMs: number;
  /** Data comes from the simulator: the dashboard says so. */
  readonly simulated: boolean;
}

const list = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const wsUrl = z.string().regex(/^wss?:\/\/[^\s]+$/, 'a ws:// or wss:// URL');
const httpUrl = z.string().regex(/^https?:\/\/[^\s]+$/, 'an http:// or https:// URL');
const positiveInt = (min: number) =>
  z.coerce
    .number({ message: `an integer ≥ ${min}` })
    .int(`an integer ≥ ${min}`)
    .min(min, `an integer ≥ ${min}`);

/** Each setting: its config key (and CLI flag), environment variable, expected form, and default. */
const SETTINGS = {
  exchanges: {
    env: 'FLOWRS_EXCHANGES',
    schema: z
      .string()
      .transform(list)
      .pipe(
        z
          .array(z.enum(EXCHANGES, { message: `a comma-separated list of ${EXCHANGES.join(', ')}` }))
          .min(1, 'at least one exchange'),
      ),
    fallback: EXCHANGES.join(','),
  },
  symbols: {
    env: 'FLOWRS_SYMBOLS',
    schema: z
      .string()
      .transform((s) => list(s).map((x) => x.toUpperCase()))
      .pipe(
        z
          .array(z.string().regex(/^[A-Z0-9]{2,30}$/, 'comma-separated symbols like BTCUSDT'))
          .min(1, 'at least one symbol'),
      ),
    fallback: DEFAULT_SYMBOLS.join(','),
  },
  binanceWsUrl: { env: 'FLOWRS_BINANCE_WS_URL', schema: wsUrl, fallback: BINANCE_DEFAULT_WS_URL },
  binanceRestUrl: { env: 'FLOWRS_BINANCE_REST_URL', schema: httpUrl, fallback: BINANCE_DEFAULT_REST_URL },
  binanceDepthSpeed: {
    env: 'FLOWRS_BINANCE_DEPTH_SPEED',
    schema: z.enum(BINANCE_DEPTH_SPEEDS, { message: `one of ${BINANCE_DEPTH_SPEEDS.join(', ')}` }),
    fallback: '100ms',
  },
  bybitWsUrl: { env: 'FLOWRS_BYBIT_WS_URL', schema: wsUrl, fallback: BYBIT_DEFAULT_WS_URL },
  bybitRestUrl: { env: 'FLOWRS_BYBIT_REST_URL', schema: httpUrl, fallback: BYBIT_DEFAULT_REST_URL },
  depth: { env: 'FLOWRS_DEPTH', schema: positiveInt(1), fallback: String(DEFAULT_BOOK_DEPTH) },
  displayDepth: { env: 'FLOWRS_DISPLAY_DEPTH', schema: positiveInt(1), fallback: String(DEFAULT_DISPLAY_DEPTH) },
  bybitDepth: {
    env: 'FLOWRS_BYBIT_DEPTH',
    schema: z.coerce
      .number()
      .refine((n) => (BYBIT_DEPTHS as readonly number[]).includes(n), `one of ${BYBIT_DEPTHS.join(', ')}`)
      .transform((n) => n as BybitDepth),
    fallback: String(BYBIT_DEFAULT_DEPTH),
  },
  staleAfterMs: { env: 'FLOWRS_STALE_AFTER_MS', schema: positiveInt(1), fallback: String(DEFAULT_STALE_AFTER_MS) },
  dataTimeoutMs: { env: 'FLOWRS_DATA_TIMEOUT_MS', schema: positiveInt(100), fallback: String(DEFAULT_DATA_TIMEOUT_MS) },
  auditIntervalMs: {
    env: 'FLOWRS_AUDIT_INTERVAL_MS',
    schema: positiveInt(0),
    fallback: String(DEFAULT_AUDIT_INTERVAL_MS),
  },
  listen: {
    env: 'FLOWRS_LISTEN',
    schema: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[^\s:]+):\d{1,5}$/, 'host:port, e.g. 0.0.0.0:8080')
      .transform((s) => {
        const at = s.lastIndexOf(':');
        return { host: s.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(s.slice(at + 1)) };
      })
      .refine((l) => l.port <= 65_535, 'host:port with a port up to 65535'),
    fallback: DEFAULT_LISTEN,
  },
  throttleMs: { env: 'FLOWRS_THROTTLE_MS', schema: positiveInt(0), fallback: String(DEFAULT_THROTTLE_MS) },
  clientBufferBytes: {
    env: 'FLOWRS_CLIENT_BUFFER_BYTES',
    schema: positiveInt(65_536),
    fallback: String(DEFAULT_MAX_BUFFERED_BYTES),
  },
  heartbeatMs: { env: 'FLOWRS_HEARTBEAT_MS', schema: positiveInt(100), fallback: String(DEFAULT_HEARTBEAT_MS) },
  simulated: {
    env: 'FLOWRS_SIMULATED',
    schema: z.enum(['0', '1', 'true', 'false'], { message: '1 or 0' }).transform((s) => s === '1' || s === 'true'),
    fallback: '0',
  },
} as const;

type SettingKey = keyof typeof SETTINGS;

/** Invalid configuration: the message names the variable (or flag, or file key) and the expected form. */
export class ConfigError extends Error {
  readonly code = 'FLOWRS_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const flagName = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * Resolves the configuration. Precedence: CLI flag > environment variable > config file > default.
 * The config file is JSON with the same keys as FlowrsConfig (`--config FILE` or FLOWRS_CONFIG);
 * lists may be arrays or comma-separated strings.
 */
export function loadConfig(
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): FlowrsConfig {
  const options: Record<string, { type: 'string' }> = { config: { type: 'string' } };
  for (const key of Object.keys(SETTINGS)) options[flagName(key)] = { type: 'string' };
  let flags: Record<string, string | undefined>;
  try {
    flags = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | undefined
    >;
  } catch (error) {
    throw new ConfigError(
      `${(error as Error).message}. Flags: ${Object.keys(options)
        .map((o) => `--${o}`)
        .join(', ')}`,
    );
  }
  const file = readConfigFile(flags.config ?? env.FLOWRS_CONFIG);
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS) as [SettingKey, (typeof SETTINGS)[SettingKey]][]) {
    const flag = flags[flagName(key)];
    const fromFile = file[key];
    const [raw, source] =
      flag !== undefined
        ? [flag, `--${flagName(key)}`]
        : env[setting.env] !== undefined && env[setting.env] !== ''
          ? [env[setting.env]!, setting.env]
          : fromFile !== undefined
            ? [Array.isArray(fromFile) ? fromFile.join(',') : String(fromFile), `config file key "${key}"`]
            : [setting.fallback, `default of ${setting.env}`];
    const parsed = (setting.schema as z.ZodType).safeParse(raw);
    if (!parsed.success) {
      throw new ConfigError(
        `${source}: expected ${parsed.error.issues[0]?.message ?? 'a valid value'}, got ${JSON.stringify(raw)}`,
      );
    }
    out[key] = parsed.data;
  }
  const config = out as unknown as FlowrsConfig;
  if (config.displayDepth > config.depth) {
    throw new ConfigError(
      `FLOWRS_DISPLAY_DEPTH (${config.displayDepth}) must not exceed FLOWRS_DEPTH (${config.depth})`,
    );
  }
  return config;
}

function readConfigFile(path: string | undefined): Record<string, unknown> {
  if (path === undefined || path === '') return {};
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`config file ${path}: ${(error as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new ConfigError(`config file ${path}: expected a JSON object`);
  const unknown = Object.keys(data).filter((k) => !(k in SETTINGS));
  if (unknown.length > 0)
    throw new ConfigError(
      `config file ${path}: unknown keys ${unknown.join(', ')} (known: ${Object.keys(SETTINGS).join(', ')})`,
    );
  return data as Record<string, unknown>;
}

/** The environment variable behind each setting, for documentation and error messages. */
export const CONFIG_VARIABLES: Record<SettingKey, string> = Object.fromEntries(
  Object.entries(SETTINGS).map(([k, s]) => [k, s.env]),
) as Record<SettingKey, string>;

/** `FLOWRS_*` variables read outside the settings table (`--config`'s variable, the demo's rate). */
export const OTHER_VARIABLES: readonly string[] = ['FLOWRS_CONFIG', 'FLOWRS_DEMO_RATE'];

/**
 * One warning per `FLOWRS_*` variable in `env` that nothing reads, naming the closest known one:
 * a typo would otherwise be silently ignored and the default used.
 */
export function unknownVariableWarnings(env: NodeJS.ProcessEnv = process.env): string[] {
  const known = [...Object.values(CONFIG_VARIABLES), ...OTHER_VARIABLES];
  return Object.keys(env)
    .filter((name) => name.startsWith('FLOWRS_') && !known.includes(name))
    .sort()
    .map((name) => {
      // A truncated name (FLOWRS_BYBIT_REST) is the likeliest slip; otherwise the fewest edits.
      const distance = (k: string) => (k.startsWith(name) ? 0 : levenshtein(name, k));
      const closest = known.reduce((best, k) => (distance(k) < distance(best) ? k : best));
      return `unknown variable ${name} (did you mean ${closest}?)`;
    });
}

/** Edits (insertions, deletions, substitutions) that turn `a` into `b`. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}
