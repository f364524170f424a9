/**
 * The client-facing protocol: every wire type, the limits, and the pure consolidation merge. Nothing here
 * imports Node or the server, so browsers and bundlers can use it (a test walks the import graph).
 */
export type { ConsolidatedLevel, ConsolidationSource, VenueLevels } from './consolidate.js';
export { buildConsolidatedView, consolidateLevels } from './consolidate.js';
export {
  CLOSE_GOING_AWAY,
  CLOSE_POLICY,
  CLOSE_TOO_BIG,
  MAX_CLIENT_MESSAGE_BYTES,
  MAX_CLIENT_MESSAGES_PER_SECOND,
  MAX_SELECTED_BOOKS,
  parseBookSelection,
} from './limits.js';
export type {
  BookStatus,
  ClientMessage,
  ConsolidatedBookView,
  ErrorCode,
  ErrorMessage,
  Exchange,
  MetricsMessage,
  OrderBookMessage,
  OrderBookView,
  PongMessage,
  PriceLevelJson,
  ServerMessage,
  Side,
  SnapshotMessage,
  SubscribeMessage,
  TradeMessage,
} from './messages.js';
export type {
  DisconnectReason,
  InvalidFrameReason,
  LatencySummary,
  Metrics,
  ResyncReason,
  VenueConnectionSummary,
  VenueCounts,
} from './metrics.js';
