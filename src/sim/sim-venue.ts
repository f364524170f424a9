import type { EventFaults } from './event-faults.js';
import type { InstrumentSpec, MarketOptions } from './market.js';
import type { Recording } from './recording.js';

/** A frame a venue would never send correctly, as the conformance suite injects them. */
export type MalformedKind = 'invalid_json' | 'wrong_types' | 'unknown_event' | 'bad_level';

/** What a correct client holds for one book right now: the venue's raw strings, best first. */
export interface SimBookTruth {
  /** The id the client's last applied message carries (update id, seqId, `u`, or a time). */
  readonly updateId: number;
  readonly bids: readonly (readonly [string, string])[];
  readonly asks: readonly (readonly [string, string])[];
}

export interface SimVenueOptions {
  readonly seed: number;
  readonly instruments?: readonly InstrumentSpec[];
  /** The shared fair value and this venue's lag behind it (see MarketOptions). */
  readonly market?: MarketOptions;
}

/**
 * One simulated venue, speaking the real venue's exact wire protocol on loopback. Every venue module
 * ships one; the Simulator runs them side by side and the conformance suite drives each through the
 * same faults and checks FlowRS's book against `truth()`.
 */
export interface SimVenue {
  /** The venue id (`binance`, `okx`…), as in the VENUES list. */
  readonly id: string;
  /** Per-symbol delivery faults: gaps, duplicates, reordering. */
  readonly faults: EventFaults;
  listen(port?: number): Promise<number>;
  /** The `FLOWRS_<VENUE>_*` variables that point FlowRS at this simulated venue. */
  env(): Record<string, string>;
  /** The venue's own symbols for the simulated instruments. */
  symbols(): string[];
  /** The canonical instrument (`BTC-USDT`) of one of its symbols. */
  canonical(symbol: string): string;
  /** Base units in one unit of the venue's size field for `symbol` (exact; `"1"` when sizes are base units). */
  contractSize(symbol: string): string;
  /** Advances one symbol (or all) by one venue event. */
  step(symbol?: string): void;
  /** The book a correct subscriber holds now (within the depth FlowRS subscribes to). */
  truth(symbol: string): SimBookTruth;
  /** Cuts every connection without a close frame. */
  dropAllConnections(): void;
  /** Closes every connection cleanly (a venue's scheduled disconnect). */
  closeAllConnections(): void;
  /** Stops sending market data; keeps answering pings when `pong` is true. */
  stall(options: { pong: boolean }): void;
  sendMalformed(kind: MalformedKind): void;
  /** The venue restarts a book: a fresh snapshot (and, where the venue does so, a sequence reset). */
  venueReset(symbol: string): void;
  /** Refuses the next subscription to `symbol`'s book (an error answer naming it). */
  rejectNextSubscription(symbol: string): void;
  /** Makes the next `count` REST requests answer with the venue's rate-limit response. */
  rateLimitNext(count: number): void;
  /** Makes the next `count` instrument-list requests fail (an error or rate-limit answer). */
  failInstrumentList(count: number): void;
  /**
   * Replays a real recording of this venue through its own servers (venues with recordings): takes its
   * REST answers, returns the symbols it carries market data for; then `publishRecorded` sends each frame
   * (false for recorder frames that are not market data).
   */
  loadRecording?(recording: Recording): string[];
  publishRecorded?(frame: string): boolean;
  /**
   * How many open connections the venue streams any of `symbol`'s market data to (book or trades): what a
   * client has subscribed to, as the venue sees it.
   */
  subscribers(symbol: string): number;
  /** Frames and requests seen, for assertions. */
  readonly stats: { readonly connectionsOpened: number; readonly subscribeRequests: number };
  stop(): Promise<void>;
}

/** Builds a venue's simulator piece. */
export type SimVenueFactory = (options: SimVenueOptions) => SimVenue;
