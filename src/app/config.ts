import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_DISPLAY_DEPTH, DEFAULT_STALE_AFTER_MS } from '../book/book-manager.js';
import { DEFAULT_BOOK_DEPTH } from '../book/order-book.js';
import { BUS_SETTINGS, type BusConfig } from '../bus/settings.js';
import { canonicalPerp } from '../core/instrument.js';
import type { Exchange } from '../core/types.js';
import { DEFAULT_AUDIT_INTERVAL_MS } from '../exchanges/audit.js';
import type { VenueModule } from '../exchanges/kit/venue-module.js';
import { DEFAULT_DATA_TIMEOUT_MS } from '../exchanges/reconnecting-socket.js';
import type { InstrumentRequest } from '../exchanges/registry.js';
import { VENUE_IDS, VENUES } from '../exchanges/venues.js';
import { RECORD_SETTINGS, type RecordConfig } from '../record/settings.js';
import { ACCESS_SETTINGS, type AccessConfig } from '../server/access/settings.js';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_MAX_BUFFERED_BYTES, DEFAULT_WRITE_INTERVAL_MS } from '../server/broadcaster.js';
import { DEFAULT_DYNAMIC_BOOK_LINGER_MS, DEFAULT_MAX_DYNAMIC_BOOKS } from './book-demand.js';
import { commaList, integerAtLeast, type SettingSpec } from './setting-spec.js';

/** The nine liquid dollar-margined perpetuals FlowRS follows by default, as canonical instruments. */
export const DEFAULT_SYMBOLS = [
  'BTC-USDT',
  'ETH-USDT',
  'SOL-USDT',
  'BNB-USDT',
  'XRP-USDT',
  'DOGE-USDT',
  'ADA-USDT',
  'AVAX-USDT',
  'LINK-USDT',
];
export const DEFAULT_LISTEN = '127.0.0.1:8080';
export const DEFAULT_THROTTLE_MS = 1_000;

/**
 * One entry of `FLOWRS_SYMBOLS`: a canonical instrument (`BTC-USDT`, followed on every venue that lists
 * it; `BTCUSDT` is read as `BTC-USDT`), or one venue's own symbol (`okx:BTC-USDT-SWAP`).
 */
export type SymbolRequest = InstrumentRequest;

export interface FlowrsConfig {
  readonly exchanges: readonly Exchange[];
  readonly symbols: readonly SymbolRequest[];
  /** Each venue's own settings (`FLOWRS_<VENUE>_*`), parsed by its module's schema. */
  readonly venueSettings: Readonly<Record<Exchange, Readonly<Record<string, unknown>>>>;
  /** Levels kept a side (at least). */
  readonly depth: number;
  /** Levels a side sent to clients. */
  readonly displayDepth: number;
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
  /** At most one write to each client this often (0: one per event-loop turn). */
  readonly clientWriteIntervalMs: number;
  /** WebSocket ping interval for clients; one that misses a ping is dropped. */
  readonly heartbeatMs: number;
  /** Most books followed on demand at once (0: none). */
  readonly maxDynamicBooks: number;
  /** A book followed on demand is unfollowed this long after its last client has gone. */
  readonly dynamicBookLingerMs: number;
  /** Data comes from the simulator: the dashboard says so. */
  readonly simulated: boolean;
  /** Who may connect to the client server, and how many (tokens, origins, per-IP limits, TLS). */
  readonly access: AccessConfig;
  /** The process's role and its NATS connection (distributed mode). */
  readonly bus: BusConfig;
  /** Recording of raw venue traffic. */
  readonly record: RecordConfig;
}

const list = commaList;
const positiveInt = (min: number) => integerAtLeast(min);

/** Quote currencies recognised when a symbol is written the venues' old way (`BTCUSDT`). */
const LEGACY_QUOTES = ['USDT', 'USDC', 'USD'];

/** `BTCUSDT` → `BTC-USDT`; `BTC-USDT` stays; `okx:BTC-USDT-SWAP` names one venue's own symbol. */
export function parseSymbolRequest(text: string): SymbolRequest | undefined {
  const venue = /^([a-z][a-z0-9]*):([A-Za-z0-9._\-/]{1,40})$/.exec(text);
  if (venue) return { kind: 'venue', exchange: venue[1], symbol: venue[2] };
  const upper = text.toUpperCase();
  if (/^[A-Z0-9]{1,20}-[A-Z0-9]{2,10}$/.test(upper)) return { kind: 'canonical', canonical: upper };
  if (!/^[A-Z0-9]{2,30}$/.test(upper)) return undefined;
  const quote = LEGACY_QUOTES.find((q) => upper.endsWith(q) && upper.length > q.length);
  return quote === undefined
    ? undefined
    : { kind: 'canonical', canonical: canonicalPerp(upper.slice(0, -quote.length), quote) };
}

export type { SettingSpec } from './setting-spec.js';

/** Settings every FlowRS has, whatever its venues (the venues' own come from VENUES). */
const COMMON_SETTINGS = {
  exchanges: {
    env: 'FLOWRS_EXCHANGES',
    schema: z
      .string()
      .transform(list)
      .pipe(
        z
          .array(
            z.enum(VENUE_IDS as [string, ...string[]], {
              message: `a comma-separated list of ${VENUE_IDS.join(', ')}`,
            }),
          )
          .min(1, 'at least one exchange'),
      ),
    fallback: VENUE_IDS.join(','),
    help: 'venues to connect',
  },
  symbols: {
    env: 'FLOWRS_SYMBOLS',
    schema: z
      .string()
      .transform(list)
      .pipe(
        z
          .array(
            z.string().transform((s, ctx) => {
              const request = parseSymbolRequest(s);
              if (request !== undefined) return request;
              ctx.addIssue({
                code: 'custom',
                message: 'comma-separated instruments like BTC-USDT, BTCUSDT or okx:BTC-USDT-SWAP',
              });
              return z.NEVER;
            }),
          )
          .min(1, 'at least one symbol'),
      ),
    fallback: DEFAULT_SYMBOLS.join(','),
    help: "instruments: canonical (`BTC-USDT`, on every venue listing it; `BTCUSDT` means the same) or one venue's (`okx:BTC-USDT-SWAP`)",
  },
  depth: {
    env: 'FLOWRS_DEPTH',
    schema: positiveInt(1),
    fallback: String(DEFAULT_BOOK_DEPTH),
    help: 'levels kept a side (at least)',
  },
  displayDepth: {
    env: 'FLOWRS_DISPLAY_DEPTH',
    schema: positiveInt(1),
    fallback: String(DEFAULT_DISPLAY_DEPTH),
    help: 'levels a side sent to clients',
  },
  staleAfterMs: {
    env: 'FLOWRS_STALE_AFTER_MS',
    schema: positiveInt(1),
    fallback: String(DEFAULT_STALE_AFTER_MS),
    help: 'a live book with no event this long is `stale`',
  },
  dataTimeoutMs: {
    env: 'FLOWRS_DATA_TIMEOUT_MS',
    schema: positiveInt(100),
    fallback: String(DEFAULT_DATA_TIMEOUT_MS),
    help: 'a venue connection carrying books that sends no data this long (pongs do not count) is reconnected',
  },
  auditIntervalMs: {
    env: 'FLOWRS_AUDIT_INTERVAL_MS',
    schema: positiveInt(0),
    fallback: String(DEFAULT_AUDIT_INTERVAL_MS),
    help: 'each live book is rebuilt from scratch and compared level by level about this often (0: never)',
  },
  listen: {
    env: 'FLOWRS_LISTEN',
    schema: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[^\s:]+):\d{1,5}$/, 'host:port, e.g. 127.0.0.1:8080')
      .transform((s) => {
        const at = s.lastIndexOf(':');
        return { host: s.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(s.slice(at + 1)) };
      })
      .refine((l) => l.port <= 65_535, 'host:port with a port up to 65535'),
    fallback: DEFAULT_LISTEN,
    help: "the client server's address",
  },
  throttleMs: {
    env: 'FLOWRS_THROTTLE_MS',
    schema: positiveInt(0),
    fallback: String(DEFAULT_THROTTLE_MS),
    help: 'at most one book update per book per client this often',
  },
  clientBufferBytes: {
    env: 'FLOWRS_CLIENT_BUFFER_BYTES',
    schema: positiveInt(65_536),
    fallback: String(DEFAULT_MAX_BUFFERED_BYTES),
    help: 'a client with more unsent bytes stops receiving until it drains, then gets a fresh snapshot',
  },
  clientWriteIntervalMs: {
    env: 'FLOWRS_CLIENT_WRITE_INTERVAL_MS',
    schema: positiveInt(0),
    fallback: String(DEFAULT_WRITE_INTERVAL_MS),
    help: 'at most one write to each client this often: under load, messages batch (0: one write per event-loop turn)',
  },
  heartbeatMs: {
    env: 'FLOWRS_HEARTBEAT_MS',
    schema: positiveInt(100),
    fallback: String(DEFAULT_HEARTBEAT_MS),
    help: 'WebSocket ping interval; a client that misses one is dropped',
  },
  maxDynamicBooks: {
    env: 'FLOWRS_MAX_DYNAMIC_BOOKS',
    schema: positiveInt(0),
    fallback: String(DEFAULT_MAX_DYNAMIC_BOOKS),
    help: 'most books followed on demand at once, for all clients together (0: no books on demand)',
  },
  dynamicBookLingerMs: {
    env: 'FLOWRS_DYNAMIC_BOOK_LINGER_MS',
    schema: positiveInt(0),
    fallback: String(DEFAULT_DYNAMIC_BOOK_LINGER_MS),
    help: 'a book followed on demand is unfollowed this long after its last client has gone',
  },
  simulated: {
    env: 'FLOWRS_SIMULATED',
    schema: z.enum(['0', '1', 'true', 'false'], { message: '1 or 0' }).transform((s) => s === '1' || s === 'true'),
    fallback: '0',
    help: 'set by the simulator: the data is simulated',
  },
} satisfies Record<string, SettingSpec>;

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A venue setting's config key (and flag stem): `okx` + `wsUrl` → `okxWsUrl` (`--okx-ws-url`). */
export function venueSettingKey(venue: VenueModule, name: string): string {
  return `${venue.id}${capitalize(name)}`;
}

/** Every setting FlowRS reads, common and per venue, keyed by config key: the one table docs and --help print. */
function allSettings(): Readonly<Record<string, SettingSpec>> {
  const table: Record<string, SettingSpec> = {
    ...COMMON_SETTINGS,
    ...ACCESS_SETTINGS,
    ...BUS_SETTINGS,
    ...RECORD_SETTINGS,
  };
  for (const venue of VENUES) {
    for (const [name, setting] of Object.entries(venue.settings)) {
      table[venueSettingKey(venue, name)] = {
        env: `FLOWRS_${venue.id.toUpperCase()}_${setting.env}`,
        schema: setting.schema,
        fallback: setting.fallback,
        help: setting.help,
      };
    }
  }
  return table;
}

const SETTINGS = allSettings();
type SettingKey = string;

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
  for (const [key, setting] of Object.entries(SETTINGS)) {
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
    const parsed = setting.schema.safeParse(raw);
    if (!parsed.success) {
      throw new ConfigError(
        `${source}: expected ${parsed.error.issues[0]?.message ?? 'a valid value'}, got ${JSON.stringify(raw)}`,
      );
    }
    out[key] = parsed.data;
  }
  const venueSettings: Record<Exchange, Record<string, unknown>> = {};
  for (const venue of VENUES) {
    const values: Record<string, unknown> = {};
    for (const name of Object.keys(venue.settings)) values[name] = out[venueSettingKey(venue, name)];
    venueSettings[venue.id] = values;
  }
  const common = Object.fromEntries(Object.keys(COMMON_SETTINGS).map((k) => [k, out[k]]));
  const group = (settings: Record<string, SettingSpec>) =>
    Object.fromEntries(Object.keys(settings).map((k) => [k, out[k]]));
  const config = {
    ...common,
    venueSettings,
    access: group(ACCESS_SETTINGS),
    bus: group(BUS_SETTINGS),
    record: group(RECORD_SETTINGS),
  } as unknown as FlowrsConfig;
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

/** One setting as help and documentation show it. */
export interface SettingDoc {
  /** The config-file key. */
  readonly key: string;
  /** The CLI flag, e.g. `--display-depth`. */
  readonly flag: string;
  readonly env: string;
  /** The default, as the variable would be written. */
  readonly fallback: string;
  /** One line saying what it does. */
  readonly help: string;
}

/** Every setting in the table, in order: what `flowrs start --help` lists. */
export function settingsTable(): SettingDoc[] {
  return Object.entries(SETTINGS).map(([key, s]) => ({
    key,
    flag: `--${flagName(key)}`,
    env: s.env,
    fallback: s.fallback,
    help: s.help,
  }));
}

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
