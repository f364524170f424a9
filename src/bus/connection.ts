/**
 * The NATS connection of an ingest or gateway process: options from the settings (servers, credentials,
 * TLS), and its state as a FlowRS ConnectionStatus so /health, metrics and the dashboard show it.
 */
import { readFileSync } from 'node:fs';
import {
  type Authenticator,
  type ConnectionOptions,
  connect,
  credsAuthenticator,
  type NatsConnection,
} from '@nats-io/transport-node';
import type { ConnectionStatus } from '../core/sink.js';
import type { Logger } from '../log.js';
import type { BusSummary } from '../protocol/metrics.js';
import { BusSetupError } from './errors.js';
import type { BusConfig } from './settings.js';

/** Wait between reconnect attempts: short, since a gateway serves stale books until it is back. */
export const DEFAULT_RECONNECT_WAIT_MS = 500;
/** Client pings this often; two unanswered mean a dead connection (NATS's default is two minutes). */
export const DEFAULT_PING_INTERVAL_MS = 5_000;
export const DEFAULT_MAX_PINGS_OUT = 2;
/** Connection name prefix servers show in their monitoring pages. */
export const CONNECTION_NAME = 'flowrs';

/** The nats.js options for the configured servers, credentials and TLS. */
export function natsConnectionOptions(bus: BusConfig, name: string): ConnectionOptions {
  const options: ConnectionOptions = {
    servers: [...bus.natsUrl],
    name: `${CONNECTION_NAME}-${name}`,
    maxReconnectAttempts: -1,
    reconnectTimeWait: DEFAULT_RECONNECT_WAIT_MS,
    pingInterval: DEFAULT_PING_INTERVAL_MS,
    maxPingOut: DEFAULT_MAX_PINGS_OUT,
  };
  const authenticators: Authenticator[] = [];
  // Read on every (re)connect, so a rotated credentials file is picked up.
  if (bus.natsCreds !== '') authenticators.push(credsAuthenticator(() => readFileSync(bus.natsCreds)));
  if (authenticators.length > 0) options.authenticator = authenticators;
  if (bus.natsToken !== '') options.token = bus.natsToken;
  if (bus.natsUser !== '') {
    options.user = bus.natsUser;
    options.pass = bus.natsPassword;
  }
  if (bus.natsTlsCa !== '' || bus.natsTlsCert !== '') {
    options.tls = {
      ...(bus.natsTlsCa !== '' ? { caFile: bus.natsTlsCa } : {}),
      ...(bus.natsTlsCert !== '' ? { certFile: bus.natsTlsCert, keyFile: bus.natsTlsKey } : {}),
    };
  }
  return options;
}

/** Connects, turning nats.js's failures into a BusSetupError that names the servers. */
export async function connectBus(bus: BusConfig, name: string): Promise<NatsConnection> {
  try {
    return await connect(natsConnectionOptions(bus, name));
  } catch (error) {
    const message = (error as Error).message;
    const auth = /auth/i.test(message) || (error as { name?: string }).name === 'AuthorizationError';
    throw new BusSetupError(
      auth ? 'auth_failed' : 'connect_failed',
      `cannot connect to NATS at ${bus.natsUrl.join(', ')}: ${message}` +
        (auth
          ? ' (check FLOWRS_NATS_CREDS, FLOWRS_NATS_TOKEN or FLOWRS_NATS_USER/PASSWORD)'
          : ' (is nats-server running? set FLOWRS_NATS_URL)'),
      { cause: error },
    );
  }
}

export type NatsLinkEvent = 'down' | 'up' | 'slow';

/**
 * A NATS connection's state over time, as a ConnectionStatus: `open`, `reconnecting` (with what happened:
 * `closed` for a lost connection, `no_pong` for a stale one) or `closed`. Counts reconnections and slow
 * consumer events; listeners hear each change.
 */
export class NatsLink {
  status: ConnectionStatus;
  reconnections = 0;

  /** The connection as metrics, /health and the dashboard show it. */
  summary(): BusSummary {
    const status = this.status;
    const detail = status.type === 'reconnecting' ? status.detail : undefined;
    return { state: status.type, reconnections: this.reconnections, ...(detail ? { detail } : {}) };
  }
  slowConsumers = 0;
  private attempt = 0;
  private readonly listeners: ((event: NatsLinkEvent) => void)[] = [];

  constructor(
    readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {
    this.status = { type: 'open', since: Date.now() };
    void this.watch();
  }

  onEvent(listener: (event: NatsLinkEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(event: NatsLinkEvent): void {
    for (const l of this.listeners) l(event);
  }

  private async watch(): Promise<void> {
    for await (const s of this.nc.status()) {
      switch (s.type) {
        case 'disconnect':
          this.down('closed', `lost the connection to ${s.server}`);
          this.log.warn({ server: s.server }, 'NATS connection lost; reconnecting');
          break;
        case 'staleConnection':
          this.down('no_pong', 'stale connection: pings unanswered');
          this.log.warn('NATS connection stale; reconnecting');
          break;
        case 'reconnecting':
          this.attempt++;
          if (this.status.type === 'reconnecting') this.status = { ...this.status, attempt: this.attempt };
          break;
        case 'reconnect':
          this.attempt = 0;
          this.reconnections++;
          this.status = { type: 'open', since: Date.now() };
          this.log.info({ server: s.server }, 'NATS connection restored');
          this.emit('up');
          break;
        case 'slowConsumer':
          this.slowConsumers++;
          this.log.warn({ subject: s.sub.getSubject(), pending: s.pending }, 'NATS slow consumer: messages dropped');
          this.emit('slow');
          break;
        case 'close':
          this.status = { type: 'closed' };
          return;
        default:
          break;
      }
    }
  }

  private down(reason: 'closed' | 'no_pong', detail: string): void {
    if (this.status.type === 'reconnecting') return;
    this.status = { type: 'reconnecting', attempt: this.attempt, delayMs: DEFAULT_RECONNECT_WAIT_MS, reason, detail };
    this.emit('down');
  }
}
