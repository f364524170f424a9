/**
 * The consolidated book's merge. It lives in src/protocol/ (pure, no Node) because clients merge the views
 * they receive exactly as the server merges its books; re-exported here for the book engine's users.
 */
export type { ConsolidatedLevel, VenueLevels } from '../protocol/consolidate.js';
export { consolidateLevels } from '../protocol/consolidate.js';
