import type { BookSequencer } from './book-sequencer.js';
import type { BookFrame, VenueFrame } from './venue-frame.js';

/** A venue's documented connection limits, which the connector base enforces. */
export interface ConnectionLimits {
  /** Topics (book or trade channels) carried by one connection at most. */
  readonly topicsPerConnection: number;
  /** Topics named in one subscribe/unsubscribe request at most (Hyperliquid: 1). */
  readonly topicsPerRequest: number;
  /** Messages FlowRS sends on one connection per second at most. */
  readonly messagesPerSecond: number;
  /** Subscribe/unsubscribe requests per connection per hour, where the venue caps them (OKX 480, Bitget 240). */
  readonly requestsPerHour?: number;
  /** The venue closes connections at this age: roll over to a fresh one a little before. */
  readonly maxConnectionAgeMs?: number;
  /** New connections a second per IP, where the venue caps them (OKX 3). */
  readonly connectionsPerSecond?: number;
}

/** Where a REST snapshot leaves a book: apply it and these buffered updates, fetch again, or resubscribe. */
export type RestSnapshotAlignment =
  | { readonly type: 'ready'; readonly snapshot: BookFrame; readonly updates: readonly BookFrame[] }
  | { readonly type: 'refetch'; readonly detail: string }
  | { readonly type: 'gap'; readonly detail: string };

/** A venue that can seed a book from REST when its in-band snapshot does not come (OKX). */
export interface RestSnapshotPath {
  /** No in-band snapshot this long after subscribing: take the REST path. */
  readonly afterMs: number;
  fetch(symbol: string, signal: AbortSignal): Promise<BookFrame>;
  /** Pure: the snapshot against the book frames buffered since subscribing (oldest first). */
  align(snapshot: BookFrame, buffered: readonly BookFrame[]): RestSnapshotAlignment;
}

/** How a connection proves it is alive. */
export type Heartbeat =
  /** WebSocket protocol pings. */
  | { readonly kind: 'ws'; readonly intervalMs: number }
  /** An application message (text `ping`, `{"op":"ping"}`…); the parser reports the answer as `pong`. */
  | { readonly kind: 'app'; readonly intervalMs: number; readonly ping: () => string };

/**
 * What a venue that subscribes by message (Bybit, OKX, Gate, Bitget, Hyperliquid) supplies to the
 * shared connector base, which owns sockets, chunking by limits, acks, recovery by resubscription,
 * heartbeats, counters, bad frames, rollover and status. Everything here is pure.
 */
export interface SubscriptionProtocol {
  /** The WebSocket URL (from the venue's settings). */
  readonly url: string;
  readonly limits: ConnectionLimits;
  readonly heartbeat: Heartbeat;
  /** The venue's topic names for one symbol's book and trades (as acks name them). */
  bookTopic(symbol: string): string;
  tradeTopic(symbol: string): string;
  /** The frame asking the venue to subscribe or unsubscribe these topics (at most `topicsPerRequest`). */
  request(op: 'subscribe' | 'unsubscribe', topics: readonly string[], requestId: string): string;
  /** Wire text → the shared frame type. Never throws. */
  parse(text: string, localTs: number): VenueFrame;
  /** A fresh sequencer for one book subscription. */
  createSequencer(): BookSequencer;
  readonly restSnapshot?: RestSnapshotPath;
}
