/**
 * `flowrs demo` (`npm run demo`): FlowRS and the venue simulator together, wired to each other, fully
 * offline. The simulator simulates exactly the configured symbols. Prints the dashboard URL; Ctrl-C
 * stops both.
 */
import { ConfigError, type FlowrsConfig, loadConfig, unknownVariableWarnings } from '../app/config.js';
import { Flowrs } from '../app/flowrs.js';
import { createLogger, LogConfigError, type Logger } from '../log.js';
import { ListenError } from '../server/server.js';
import { Simulator } from '../sim/simulator.js';
import { instrumentsFor, simulatedSymbols } from './demo-instruments.js';
import { EXIT_CONFIG } from './start.js';

/** Venue events a second across all simulated venues. */
export const DEFAULT_DEMO_RATE = 60;
/** The demo listens on loopback only, unlike the service. */
export const DEFAULT_DEMO_LISTEN = '127.0.0.1:8080';
/** The demo prints its own lines; logs only when something goes wrong. */
export const DEFAULT_DEMO_LOG_LEVEL = 'warn';

function fail(message: string): never {
  console.error(`flowrs demo: ${message}`);
  process.exit(EXIT_CONFIG);
}

export async function runDemo(argv: readonly string[]): Promise<void> {
  let log: Logger;
  try {
    log = createLogger({ level: process.env.LOG_LEVEL ?? DEFAULT_DEMO_LOG_LEVEL });
  } catch (error) {
    if (!(error instanceof LogConfigError)) throw error;
    fail(`invalid configuration: ${error.message}`);
  }
  for (const warning of unknownVariableWarnings()) log.warn(warning);
  const rate = Number(process.env.FLOWRS_DEMO_RATE ?? DEFAULT_DEMO_RATE);
  if (!Number.isFinite(rate) || rate <= 0) {
    fail(`FLOWRS_DEMO_RATE: expected a positive number, got ${JSON.stringify(process.env.FLOWRS_DEMO_RATE)}`);
  }

  const env = { FLOWRS_LISTEN: DEFAULT_DEMO_LISTEN, ...process.env };
  // The user's configuration first: it decides which symbols the simulator simulates.
  let wanted: FlowrsConfig;
  try {
    wanted = loadConfig(argv, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    fail(`invalid configuration: ${error.message}`);
  }
  const symbols = simulatedSymbols(wanted.symbols);
  if (symbols.length === 0) fail('none of the configured symbols can be simulated: name them like BTCUSDT or BTC-USDT');
  const sim = await Simulator.start({ seed: Date.now() % 100_000, instruments: instrumentsFor(symbols) });
  // The simulator's addresses for the venues it simulates; the user's symbols, not the simulator's defaults.
  const { FLOWRS_SYMBOLS: _simSymbols, ...simEnv } = sim.env();
  const simulatedVenues = Object.keys(simEnv).flatMap(
    (k) => /^FLOWRS_([A-Z0-9]+)_WS_URL$/.exec(k)?.[1]?.toLowerCase() ?? [],
  );
  const exchanges = wanted.exchanges.filter((e) => simulatedVenues.includes(e));
  if (exchanges.length === 0) {
    await sim.stop();
    fail(
      `the simulator simulates ${simulatedVenues.join(', ')}: none of the configured exchanges (${wanted.exchanges.join(', ')})`,
    );
  }
  sim.run(rate);
  let app: Flowrs;
  try {
    // The same configuration, with the venues' addresses pointing at the simulator.
    const config: FlowrsConfig = { ...loadConfig(argv, { ...env, ...simEnv }), symbols: wanted.symbols, exchanges };
    app = new Flowrs(config, { log });
    await app.start();
  } catch (error) {
    await sim.stop();
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
    if (error instanceof ListenError) fail(`${error.message}; choose another host:port with FLOWRS_LISTEN`);
    throw error;
  }

  const { host, port } = app.address!;
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  console.log(
    `FlowRS demo: ${symbols.length} symbols (${symbols.join(', ')}) on ${exchanges.join(', ')} (simulated), ${rate} events/s.`,
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
}
