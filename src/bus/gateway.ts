/**
 * `flowrs gateway`: the full client API (WebSocket, HTTP, metrics, dashboard) over books rebuilt from
 * NATS. It never talks to a venue and keeps no state worth saving: kill one, clients reconnect to another.
 * It serves the books the configuration names (FLOWRS_EXCHANGES and FLOWRS_SYMBOLS, as the ingest nodes do).
 */
import type { FlowrsConfig } from '../app/config.js';
import { Flowrs, type FlowrsOptions } from '../app/flowrs.js';
import { venueSymbols } from '../exchanges/registry.js';
import { venueById } from '../exchanges/venues.js';
import type { Logger } from '../log.js';
import { connectBus, NatsLink } from './connection.js';
import { BusVenueConnector, type BusVenueConnectorOptions } from './gateway-connector.js';
import { ensureBus } from './setup.js';

export interface GatewayNode {
  readonly app: Flowrs;
  readonly link: NatsLink;
  readonly connectors: readonly BusVenueConnector[];
  stop(): Promise<void>;
}

export interface GatewayOptions extends Pick<FlowrsOptions, 'serveStatic' | 'broadcaster' | 'listeners'> {
  readonly connector?: BusVenueConnectorOptions;
}

export async function startGateway(
  config: FlowrsConfig,
  log: Logger,
  options: GatewayOptions = {},
): Promise<GatewayNode> {
  const nc = await connectBus(config.bus, 'gateway');
  try {
    const { js, jsm } = await ensureBus(nc, config.bus);
    const link = new NatsLink(nc, log.child({ component: 'nats' }));
    const connectors = config.exchanges.map((exchange) => {
      const venue = venueById(exchange);
      const symbols = venue === undefined ? [] : venueSymbols(venue, config.symbols);
      return new BusVenueConnector(exchange, symbols, { link, js, jsm }, log.child({ exchange }), options.connector);
    });
    const app = new Flowrs(config, { ...options, log, connectors, bus: () => link.summary() });
    await app.start();
    log.info({ nats: config.bus.natsUrl, venues: config.exchanges }, 'gateway started');
    return {
      app,
      link,
      connectors,
      stop: async () => {
        await app.stop();
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (error) {
    await nc.close();
    throw error;
  }
}
