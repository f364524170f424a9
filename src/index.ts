export type { FlowrsConfig } from './app/config.js';
export { ConfigError, DEFAULT_SYMBOLS, loadConfig, unknownVariableWarnings } from './app/config.js';
export type { FlowrsOptions } from './app/flowrs.js';
// The service
export { Flowrs } from './app/flowrs.js';
export type { BookHealth, BookManagerOptions, BookStatus, ResyncReason } from './book/book-manager.js';
export {
  BookManager,
  DEFAULT_DISPLAY_DEPTH,
  DEFAULT_STALE_AFTER_MS,
  ManagedBook,
} from './book/book-manager.js';
export { BookSide } from './book/book-side.js';
export type { ConsolidatedLevel, VenueLevels } from './book/consolidate.js';
export { consolidateLevels } from './book/consolidate.js';
export { InvalidLevelError } from './book/errors.js';
export type { BookSideName, OrderBookOptions } from './book/order-book.js';
export { DEFAULT_BOOK_DEPTH, DEFAULT_TRIM_FACTOR, OrderBook } from './book/order-book.js';
export type { ClientStatus, FlowrsClientOptions, WebSocketConstructor, WebSocketLike } from './client/flowrs-client.js';
export { bookKeyOf, FlowrsClient } from './client/flowrs-client.js';
export * from './core/decimal.js';
export type { Instrument } from './core/instrument.js';
export { canonicalPerp, toBaseQuantity } from './core/instrument.js';
export * from './core/sink.js';
export * from './core/types.js';
export { Backoff } from './exchanges/backoff.js';
export type { BinanceConnectorOptions } from './exchanges/binance/connector.js';
export { BinanceConnector } from './exchanges/binance/connector.js';
export type { BinanceFrame } from './exchanges/binance/parse.js';
export { parseBinanceFrame } from './exchanges/binance/parse.js';
export { parseBybitFrame } from './exchanges/bybit/parse.js';
export type { BybitDepth } from './exchanges/bybit/settings.js';
export { BYBIT_DEPTHS } from './exchanges/bybit/settings.js';
// Venues
export type { ConnectorCounters, ConnectorStatus, VenueConnector } from './exchanges/connector.js';
export {
  ConnectorStoppedError,
  SubscriptionRejectedError,
  VenueHttpError,
  VenueResponseError,
} from './exchanges/errors.js';
export type { BookSequencer, SequenceVerdict } from './exchanges/kit/book-sequencer.js';
export { SubscriptionConnector } from './exchanges/kit/subscription-connector.js';
export type { ConnectionLimits, Heartbeat, SubscriptionProtocol } from './exchanges/kit/subscription-protocol.js';
export type { VenueFrame } from './exchanges/kit/venue-frame.js';
export type { ChannelCapability, ConnectorContext, VenueModule } from './exchanges/kit/venue-module.js';
export { ExchangeManager } from './exchanges/manager.js';
export { ReconnectingSocket } from './exchanges/reconnecting-socket.js';
export { SnapshotQueue } from './exchanges/snapshot-queue.js';
export { VENUE_IDS, VENUES, venueById } from './exchanges/venues.js';
export type { LogFormat, LoggerOptions, LogLevel } from './log.js';
export { createLogger, LOG_FORMATS, LOG_LEVELS, LogConfigError, silentLogger } from './log.js';
export type { Metrics, VenueCounts } from './metrics/metrics-engine.js';
export { MetricsEngine } from './metrics/metrics-engine.js';
export { PrometheusView } from './metrics/prometheus.js';
export type { PipelineListener } from './pipeline/pipeline.js';
export { MarketPipeline } from './pipeline/pipeline.js';
export { Broadcaster } from './server/broadcaster.js';
// The client server and its typed client
export type { HealthBook, HealthConnection, HealthReport, HealthVenue } from './server/health.js';
export * from './server/protocol.js';
export { FlowrsServer, ListenError } from './server/server.js';
export type { SimulatorOptions } from './sim/simulator.js';
// The venue simulator (for users' own tests)
export { Simulator } from './sim/simulator.js';
