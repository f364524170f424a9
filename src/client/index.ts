/**
 * `flowrs/client`: the browser-safe entry point. FlowrsClient and the protocol's types, limits and
 * consolidation merge; nothing reachable from here imports Node or the server (a test walks the graph),
 * and its declarations need no `@types/*` package.
 */

export * from '../protocol/index.js';
export type {
  ClientStatus,
  DeltaIntegrity,
  FlowrsClientOptions,
  WebSocketConstructor,
  WebSocketLike,
} from './flowrs-client.js';
export { bookKeyOf, FlowrsClient } from './flowrs-client.js';
