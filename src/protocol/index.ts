/**
 * The client-facing protocol: every wire type, the limits, and the pure consolidation merge. Nothing here
 * imports Node or the server, so browsers and bundlers can use it (a test walks the import graph).
 */

export { bookChecksum, checksumText, crc32 } from './checksum.js';
export type { ConsolidatedLevel, ConsolidationSource, VenueLevels } from './consolidate.js';
export { buildConsolidatedView, consolidateLevels } from './consolidate.js';
export { DeltaBook, type DeltaVerdict } from './delta-book.js';
export {
  CLOSE_FORBIDDEN_ORIGIN,
  CLOSE_GOING_AWAY,
  CLOSE_POLICY,
  CLOSE_TOO_BIG,
  CLOSE_UNAUTHORIZED,
  MAX_CLIENT_MESSAGE_BYTES,
  MAX_CLIENT_MESSAGES_PER_SECOND,
  MAX_CONSOLIDATED,
  MAX_ON_DEMAND_BOOKS_PER_CLIENT,
  MAX_SELECTED_BOOKS,
  type ParsedSubscription,
  parseBookSelection,
  parseSubscription,
} from './limits.js';
export type {
  BookDeltaMessage,
  BookMessage,
  BookStatus,
  ClientMessage,
  ConsolidatedBookView,
  ConsolidatedMessage,
  ErrorCode,
  ErrorMessage,
  Exchange,
  Level,
  MetricsMessage,
  OrderBookMessage,
  OrderBookView,
  PongMessage,
  PriceLevelJson,
  ResyncMessage,
  ServerLimits,
  ServerMessage,
  Side,
  SnapshotMessage,
  SubscribeMessage,
  TradeMessage,
} from './messages.js';
export { PROTOCOL_VERSION } from './messages.js';
export type {
  DisconnectReason,
  InvalidFrameReason,
  LatencySummary,
  Metrics,
  ResyncReason,
  VenueConnectionSummary,
  VenueCounts,
} from './metrics.js';
