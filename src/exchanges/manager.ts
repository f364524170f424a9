import type { MarketSink } from '../core/sink.js';
import type { Exchange } from '../core/types.js';
import type { ConnectorStatus, VenueConnector } from './connector.js';

/**
 * Starts and stops the configured venues and answers for them as a whole: per-venue connection
 * state, reconnections and counters. Reconnects, watchdogs and sequencing live in each connector.
 */
export class ExchangeManager {
  constructor(readonly connectors: readonly VenueConnector[]) {}

  start(sink: MarketSink): void {
    for (const c of this.connectors) c.start(sink);
  }

  get(exchange: Exchange): VenueConnector | undefined {
    return this.connectors.find((c) => c.exchange === exchange);
  }

  /** Repairs one book: called when the pipeline finds it unhealthy. */
  resync(exchange: Exchange, symbol: string, reason: Parameters<VenueConnector['resync']>[1]): void {
    this.get(exchange)?.resync(symbol, reason);
  }

  status(): ConnectorStatus[] {
    return this.connectors.map((c) => c.status());
  }

  reconnections(): Record<string, number> {
    return Object.fromEntries(
      this.status().map((s) => [s.exchange, s.connections.reduce((sum, c) => sum + c.reconnections, 0)]),
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.connectors.map((c) => c.stop()));
  }
}
