/** `flowrs start`: FlowRS as a service. Configuration: environment variables, CLI flags, or --config FILE. */
import { ConfigError, type FlowrsConfig, loadConfig, unknownVariableWarnings } from '../app/config.js';
import { Flowrs } from '../app/flowrs.js';
import { createLogger, LogConfigError, type Logger } from '../log.js';
import { ListenError } from '../server/server.js';

/** Exit code for anything the user must fix in the configuration (bad value, address in use). */
export const EXIT_CONFIG = 2;

export async function runStart(argv: readonly string[]): Promise<void> {
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

  const app = new Flowrs(config, { log });
  try {
    await app.start();
  } catch (error) {
    if (error instanceof ListenError) {
      console.error(`flowrs: ${error.message}; choose another host:port with FLOWRS_LISTEN`);
      process.exit(EXIT_CONFIG);
    }
    throw error;
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await app.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
