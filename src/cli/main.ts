#!/usr/bin/env node
/**
 * The `flowrs` command: `flowrs [start|ingest|gateway|demo|sim|record|replay|export|help] [flags]`, `start` by default (so `npm start` and a
 * bare `flowrs` run the service). `--help` and `--version` work at the top level and after any command.
 */
import { DEFAULT_DEMO_RATE } from './demo.js';
import {
  demoHelp,
  exportHelp,
  gatewayHelp,
  ingestHelp,
  packageVersion,
  recordHelp,
  replayHelp,
  startHelp,
  topHelp,
  USAGE_LINE,
} from './help.js';

/** Exit code for a command line FlowRS does not understand (as for invalid configuration). */
export const EXIT_USAGE = 2;

const COMMANDS = ['start', 'ingest', 'gateway', 'demo', 'sim', 'record', 'replay', 'export', 'help'] as const;
type Command = (typeof COMMANDS)[number];
const isCommand = (name: string): name is Command => (COMMANDS as readonly string[]).includes(name);

const HELP_FLAGS = ['--help', '-h'];
const VERSION_FLAGS = ['--version', '-v'];

function usageError(message: string): never {
  console.error(`flowrs: ${message}`);
  console.error(USAGE_LINE);
  process.exit(EXIT_USAGE);
}

async function commandHelp(command: Command): Promise<string> {
  switch (command) {
    case 'start':
      return startHelp();
    case 'ingest':
      return ingestHelp();
    case 'gateway':
      return gatewayHelp();
    case 'demo':
      return demoHelp(DEFAULT_DEMO_RATE);
    case 'sim':
      return (await import('../sim/cli.js')).SIM_USAGE;
    case 'record':
      return recordHelp();
    case 'replay':
      return replayHelp();
    case 'export':
      return exportHelp();
    case 'help':
      return topHelp();
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const [first, ...rest] = argv;
  // No command, or flags first: the default command.
  const [command, args] = first === undefined || first.startsWith('-') ? ['start', argv] : [first, rest];
  if (!isCommand(command)) usageError(`unknown command "${command}"`);
  // Flags before `--` only: after it, arguments belong to the command.
  const own = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
  if (own.some((a) => VERSION_FLAGS.includes(a))) {
    console.log(packageVersion());
    return;
  }
  if (own.some((a) => HELP_FLAGS.includes(a))) {
    // `flowrs --help` (no command named): the overview, which includes the default command's flags.
    console.log(command === 'start' && argv[0] !== 'start' ? topHelp() : await commandHelp(command));
    return;
  }
  switch (command) {
    case 'help': {
      const [topic, ...extra] = args;
      if (topic === undefined) return void console.log(topHelp());
      if (!isCommand(topic) || extra.length > 0) usageError(`unknown help topic "${args.join(' ')}"`);
      return void console.log(await commandHelp(topic));
    }
    case 'start':
      return (await import('./start.js')).runStart(args);
    case 'ingest':
    case 'gateway':
      return (await import('./start.js')).runStart(args, command);
    case 'demo':
      return (await import('./demo.js')).runDemo(args);
    case 'sim':
      return (await import('../sim/cli.js')).runSimulatorCli(args);
    case 'record':
      return (await import('./record.js')).runRecord(args);
    case 'replay':
      return (await import('./replay.js')).runReplay(args);
    case 'export':
      return (await import('./export.js')).runExport(args);
  }
}

await main(process.argv.slice(2));
