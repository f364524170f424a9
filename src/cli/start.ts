/**
 * `flowrs start` (and `flowrs ingest`, `flowrs gateway`): FlowRS as a service, in the role FLOWRS_ROLE
 * names (or the command does). Configuration: environment variables, CLI flags, or --config FILE.
 */
import { ConfigError, type FlowrsConfig, loadConfig, unknownVariableWarnings } from '../app/config.js';
import { Flowrs } from '../app/flowrs.js';
import { BusSetupError } from '../bus/errors.js';
import type { Role } from '../bus/settings.js';
import { createLogger, LogConfigError, type Logger } from '../log.js';
import { AccessSetupError } from '../server/access/codes.js';
import { ListenError } from '../server/server.js';

/** Exit code for anything the user must fix in the configuration (bad value, address in use). */
export const EXIT_CONFIG = 2;
/** Exit code when NATS cannot be reached or set up (ingest and gateway roles): the message says why. */
export const EXIT_BUS = 3;

/** A running service, whatever its role. */
export interface RunningService {
  readonly role: Role;
  readonly app: Flowrs;
  stop(): Promise<void>;
}

/** Starts the service in its role: one process (`single`), venues → NATS (`ingest`), NATS → clients (`gateway`). */
export async function startService(
  config: FlowrsConfig,
  log: Logger,
  role: Role = config.bus.role,
): Promise<RunningService> {
  switch (role) {
    case 'single': {
      const app = new Flowrs(config, { log });
      await app.start();
      return { role, app, stop: () => app.stop() };
    }
    // The NATS client is loaded only by the roles that use it: the single process never pays for it.
    case 'ingest': {
      const { startIngest } = await import('../bus/ingest.js');
      const node = await startIngest(config, log);
      return { role, app: node.app, stop: () => node.stop() };
    }
    case 'gateway': {
      const { startGateway } = await import('../bus/gateway.js');
      const node = await startGateway(config, log);
      return { role, app: node.app, stop: () => node.stop() };
    }
  }
}

export async function runStart(argv: readonly string[], role?: Role): Promise<void> {
  let log: Logger;
  let config: FlowrsConfig;
  try {
    log = createLogger();
    config = loadConfig(argv);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof LogConfigError) {
      console.error(`flowrs: invalid configuration: ${error.message}`);
      process.exit(EXIT_CONFIG);
    }
    throw error;
  }
  for (const warning of unknownVariableWarnings()) log.warn(warning);

  let service: RunningService;
  try {
    service = await startService(config, log, role);
  } catch (error) {
    if (error instanceof ListenError) {
      console.error(`flowrs: ${error.message}; choose another host:port with FLOWRS_LISTEN`);
      process.exit(EXIT_CONFIG);
    }
    if (error instanceof AccessSetupError) {
      console.error(`flowrs: invalid configuration: ${error.message}`);
      process.exit(EXIT_CONFIG);
    }
    if (error instanceof BusSetupError) {
      console.error(`flowrs: ${error.message} [${error.code}]`);
      process.exit(EXIT_BUS);
    }
    throw error;
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, role: service.role }, 'shutting down');
    await service.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
