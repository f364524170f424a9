#!/usr/bin/env node
/**
 * `npm run demo`: FlowRS and the venue simulator together, wired to each other, fully offline.
 * Prints the dashboard URL; Ctrl-C stops both.
 *
 *   FLOWRS_LISTEN        where FlowRS listens (default 127.0.0.1:8080)
 *   FLOWRS_DEMO_RATE     venue events a second across both venues (default 60)
 *   other FLOWRS_* variables apply as for `npm start`
 */
import { ConfigError, loadConfig, unknownVariableWarnings } from '../app/config.js';
import { Flowrs } from '../app/flowrs.js';
import { createLogger, LogConfigError, type Logger } from '../log.js';
import { ListenError } from '../server/server.js';
import { makeInstruments } from '../sim/market.js';
import { Simulator } from '../sim/simulator.js';

export const DEFAULT_DEMO_RATE = 60;
/** FlowRS's nine default symbols, simulated on both venues. */
const DEMO_SYMBOLS = 9;

let log: Logger;
try {
  log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
} catch (error) {
  if (!(error instanceof LogConfigError)) throw error;
  console.error(`flowrs demo: invalid configuration: ${error.message}`);
  process.exit(2);
}
for (const warning of unknownVariableWarnings()) log.warn(warning);
const rate = Number(process.env.FLOWRS_DEMO_RATE ?? DEFAULT_DEMO_RATE);
if (!Number.isFinite(rate) || rate <= 0) {
  console.error(
    `flowrs demo: FLOWRS_DEMO_RATE: expected a positive number, got ${JSON.stringify(process.env.FLOWRS_DEMO_RATE)}`,
  );
  process.exit(2);
}

const sim = await Simulator.start({ seed: Date.now() % 100_000, instruments: makeInstruments(DEMO_SYMBOLS) });
sim.run(rate);
let app: Flowrs;
try {
  app = new Flowrs(
    loadConfig(process.argv.slice(2), { FLOWRS_LISTEN: '127.0.0.1:8080', ...process.env, ...sim.env() }),
    { log },
  );
  await app.start();
} catch (error) {
  await sim.stop();
  if (error instanceof ConfigError) {
    console.error(`flowrs demo: invalid configuration: ${error.message}`);
    process.exit(2);
  }
  if (error instanceof ListenError) {
    console.error(`flowrs demo: ${error.message}; choose another host:port with FLOWRS_LISTEN`);
    process.exit(2);
  }
  throw error;
}

const { host, port } = app.address!;
const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
console.log(
  `FlowRS demo: ${DEMO_SYMBOLS} symbols on two simulated venues (Binance USDⓈ-M, Bybit v5), ${rate} events/s.`,
);
console.log(`Dashboard: http://${shown}:${port}/`);
console.log(`API:       http://${shown}:${port}/api/orderbooks   WebSocket: ws://${shown}:${port}/`);
console.log('Ctrl-C stops both.');

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await app.stop();
  await sim.stop();
  console.log('demo stopped');
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
