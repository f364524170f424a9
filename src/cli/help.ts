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
    '  help [command] this help, or a command’s',
    '',
    'Each command takes --help and --version.',
    '',
    startHelp().split('\n').slice(2).join('\n'),
  ].join('\n');
}

/** One line of usage for errors. */
export const USAGE_LINE = 'usage: flowrs [start|demo|sim|help] [flags]   (flowrs --help for every flag)';
