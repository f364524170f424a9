/**
 * The `flowrs` command's help texts. The flag list is generated from the configuration's settings table,
 * so every setting appears with its environment variable and default, and a new one cannot be missed.
 */
import { readFileSync } from 'node:fs';
import { settingsTable } from '../app/config.js';
import { DEFAULT_LOG_LEVEL, LOG_FORMATS, LOG_LEVELS } from '../log.js';

/** The package's version, from its package.json (beside dist/ and src/ alike). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** One aligned block: flag, variable, default, meaning. */
function settingLines(): string[] {
  const rows = [
    ...settingsTable().map((s) => [s.flag, s.env, s.fallback, s.help] as const),
    ['--config', 'FLOWRS_CONFIG', '(none)', 'JSON file with the same keys as the flags, in camelCase'] as const,
  ];
  const width = (i: number) => Math.max(...rows.map((r) => r[i].length));
  const [flagW, envW] = [width(0), width(1)];
  return rows.map(
    ([flag, env, fallback, meaning]) =>
      `  ${flag.padEnd(flagW)}  ${env.padEnd(envW)}  ${meaning}\n  ${' '.repeat(flagW)}  ${' '.repeat(envW)}  default: ${fallback}`,
  );
}

const ENVIRONMENT_ONLY = [
  `  LOG_LEVEL    ${LOG_LEVELS.join(', ')} (default: ${DEFAULT_LOG_LEVEL})`,
  `  LOG_FORMAT   ${LOG_FORMATS.join(', ')} (default: pretty on a terminal, json otherwise)`,
];

/** `flowrs start --help`: every flag with its environment variable and default. */
export function startHelp(): string {
  return [
    'usage: flowrs start [flags]',
    '',
    'Runs FlowRS: connects to the venues and serves the dashboard, the WebSocket feed and the HTTP API.',
    'Every flag is also an environment variable and a key of the --config file.',
    'Precedence: flag > environment variable > config file > default.',
    '',
    'flags (each followed by its environment variable):',
    ...settingLines(),
    '',
    'environment only:',
    ...ENVIRONMENT_ONLY,
    '',
    '  --help, -h      this help',
    '  --version, -v   the version',
    '',
    'Invalid configuration exits with code 2 and a message naming the setting.',
  ].join('\n');
}

/** The distributed mode's roles, as `flowrs ingest --help` and `flowrs gateway --help` explain them. */
function roleHelp(role: 'ingest' | 'gateway', what: string[]): string {
  return [
    `usage: flowrs ${role} [flags]`,
    '',
    ...what,
    `Same as \`flowrs start\` with FLOWRS_ROLE=${role}; every flag and variable of \`flowrs start\` applies`,
    '(see `flowrs start --help`), in particular FLOWRS_NATS_URL and the FLOWRS_NATS_* credentials.',
    '',
    'Exits with code 3 when NATS cannot be reached or set up (JetStream off, server older than 2.9).',
  ].join('\n');
}

/** `flowrs ingest --help`. */
export function ingestHelp(): string {
  return roleHelp('ingest', [
    'Connects to the venues and publishes every book change, full snapshots, book states and trades to',
    'NATS JetStream. Two ingest nodes with the same venues share them: one leads each venue (a lease in',
    'a KV bucket), the other stands by with warm books and takes over when the lease lapses.',
    'It also serves /health, /metrics and the API of its own books.',
    '',
  ]);
}

/** `flowrs gateway --help`. */
export function gatewayHelp(): string {
  return roleHelp('gateway', [
    'Serves the full client API (WebSocket, HTTP, metrics, dashboard) from books it rebuilds from NATS;',
    'it never talks to a venue. It serves the books FLOWRS_EXCHANGES and FLOWRS_SYMBOLS name (configure',
    'it as the ingest nodes). Run several behind a load balancer: they keep no state.',
    '',
  ]);
}

/** `flowrs demo --help`. */
export function demoHelp(defaultRate: number): string {
  return [
    'usage: flowrs demo [flags]',
    '',
    'FlowRS and the venue simulator together, fully offline: prints the dashboard URL; Ctrl-C stops both.',
    'The simulator simulates exactly the configured symbols (--symbols / FLOWRS_SYMBOLS).',
    '',
    'environment only:',
    `  FLOWRS_DEMO_RATE  venue events a second across all venues (default: ${defaultRate})`,
    '  LOG_LEVEL         as for start (default: warn in the demo)',
    '',
    'Every flag and variable of `flowrs start` applies too (FLOWRS_LISTEN defaults to 127.0.0.1:8080 here);',
    'the venue URLs are set to the simulator. See `flowrs start --help`.',
  ].join('\n');
}

/** `flowrs --help`: the commands, then the default command's flags. */
export function topHelp(): string {
  return [
    `flowrs ${packageVersion()}: a real-time crypto order-book aggregator`,
    '',
    'usage: flowrs [command] [flags]',
    '',
    'commands:',
    '  start          run the service against the live venues (the default); FLOWRS_ROLE picks the role',
    '  ingest         venues → NATS JetStream (distributed mode)',
    '  gateway        NATS JetStream → clients (distributed mode)',
    '  demo           the service and the venue simulator together, offline',
    '  sim            the venue simulator alone: prints the environment that points FlowRS at it',
    '  record <dir>   run the service and record every raw venue frame and REST answer into <dir>',
    '  replay <dir>   serve a recording through the same venue code, books and client API as live',
    "  export <dir>   write a recording's books, trades and book changes as CSV",
    '  help [command] this help, or a command’s',
    '',
    'Each command takes --help and --version.',
    '',
    startHelp().split('\n').slice(2).join('\n'),
  ].join('\n');
}

/** One line of usage for errors. */
export const USAGE_LINE =
  'usage: flowrs [start|ingest|gateway|demo|sim|record|replay|export|help] [flags]   (flowrs --help for every flag)';

/** `flowrs record --help`. */
export function recordHelp(): string {
  return [
    'usage: flowrs record <dir> [flags]',
    '',
    'Runs the service (as `flowrs start`) and records every raw venue frame and REST answer the connectors',
    'use into <dir>: gzip JSON lines, one file per venue and hour (<dir>/<venue>/<YYYY-MM-DD>T<HH>Z.<session>.jsonl.gz).',
    'Same as FLOWRS_RECORD_DIR=<dir> flowrs start. Related settings: FLOWRS_RECORD_RETENTION_HOURS,',
    'FLOWRS_RECORD_MAX_QUEUE_BYTES (see `flowrs start --help`). A disk that fails pauses recording (shown in',
    '/health); the live service carries on.',
  ].join('\n');
}

/** `flowrs replay --help`. */
export function replayHelp(): string {
  return [
    'usage: flowrs replay <recording> [--from TIME] [--to TIME] [--speed 1|10|max] [--books VENUE:SYMBOL,…] [flags]',
    '',
    'Serves a recording (a `flowrs record` directory) through the same venue code, book engine and client',
    'API as live: the dashboard and any client work on history. The books are the recorded ones at every',
    'update id, whatever the speed.',
    '',
    '  --from TIME    start here (ISO 8601 like 2024-05-01T13:00:00Z, or ms since the epoch): connections',
    '                 open at that time are replayed from their start at full speed, then paced',
    '  --to TIME      nothing recorded after this is replayed',
    '  --speed S      1 (recorded pace, the default), 10, any multiple, or max (as fast as FlowRS takes it)',
    "  --books LIST   replay only the venues of these books (a venue's books share its connections)",
    '',
    'Every flag of `flowrs start` applies too (e.g. --listen). Cryptofeed and hftbacktest files (what',
    '`flowrs sim --replay` reads) are played through the simulator instead; --speed N is then',
    'N × 100 frames a second.',
  ].join('\n');
}

/** `flowrs export --help`. */
export function exportHelp(): string {
  return [
    'usage: flowrs export <recording> [--books VENUE:SYMBOL,…] [--depth N] [--interval 1s] [--format csv]',
    '                     [--out DIR] [--from TIME] [--to TIME]',
    '',
    'Replays a recording as fast as possible and writes, per book and UTC day, into DIR (default',
    './flowrs-export): <venue>_<symbol>_<day>_book.csv (the book every interval: status, update id and',
    'DEPTH levels a side, default 25), _trades.csv (every trade with its taker side) and _changes.csv',
    '(every level change; a `reset` row starts each snapshot). Quantities in base units, exact decimal strings.',
    'Without --books, every recorded book.',
  ].join('\n');
}
