#!/usr/bin/env node
/** `npm start`: FlowRS as a service. Configuration: environment variables, CLI flags, or --config FILE. */
import { ConfigError, loadConfig } from '../app/config.js';
import { Flowrs } from '../app/flowrs.js';
import { createLogger } from '../log.js';

const log = createLogger();
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`flowrs: invalid configuration: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

const app = new Flowrs(config, { log });
await app.start();

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
