/**
 * The two chokepoints every venue byte passes (ReconnectingSocket for WebSockets, `fetchResponse` for
 * REST) report to the taps installed here: the recorder writes what they report, the replay clock
 * reads it. Dependency-free, so venue code can import it without importing the recorder.
 */

/** A REST exchange as the connectors made it: the request, and the answer or the failure. */
export interface RestExchange {
  readonly method: string;
  readonly url: string;
  /** The request body (Hyperliquid's `POST /info`), if any. */
  readonly requestBody?: string;
  /** When the request left, µs since the epoch. */
  readonly sentAtUs: number;
  /** When the answer (or the failure) came, µs since the epoch. */
  readonly receivedAtUs: number;
  /** The answer; absent when the request failed without one (timeout, refused, reset). */
  readonly response?: { readonly status: number; readonly headers: Headers; readonly body: string };
  /** The failure, when there was no answer. */
  readonly error?: string;
}

/** Something that wants to see venue traffic. Every method is called synchronously on the hot path: keep it cheap. */
export interface TrafficTap {
  /** A connection attempt: `conn` is its id, unique in the process. */
  wsConnecting?(conn: string, venue: string, name: string, url: string): void;
  /** The attempt succeeded. */
  wsOpen?(conn: string, atUs: number): void;
  wsFrame?(conn: string, text: string, atUs: number): void;
  wsSent?(conn: string, text: string, atUs: number): void;
  wsClose?(conn: string, code: number, reason: string, atUs: number): void;
  rest?(exchange: RestExchange): void;
}

const taps: TrafficTap[] = [];

/** Installs a tap; returns the function that removes it. */
export function addTrafficTap(tap: TrafficTap): () => void {
  taps.push(tap);
  return () => {
    const at = taps.indexOf(tap);
    if (at >= 0) taps.splice(at, 1);
  };
}

/** The installed taps (an empty array when nothing records or replays: the chokepoints skip at no cost). */
export function trafficTaps(): readonly TrafficTap[] {
  return taps;
}

let nextConnection = 0;

/** A process-unique connection id: `<name>@<n>`, e.g. `public#0@12`. */
export function newConnectionId(name: string): string {
  return `${name}@${++nextConnection}`;
}

/** Now in µs since the epoch, from the monotonic high-resolution clock anchored at process start. */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/**
 * Replay mode: set while a replay feeds this process's connectors from a recording. The sockets name
 * their connection in the handshake (so the replay server hands each the right recorded connection),
 * and the watchdogs that judge a venue by wall-clock time are off: a replayed connection ends exactly
 * where the recorded one did, whatever the replay speed.
 */
export interface ReplayMode {
  /** Reconnect after this long instead of the backoff (timing only: the recording decides the content). */
  readonly reconnectDelayMs: number;
}

/** Handshake header carrying the connection's name (`public#0`) in replay mode. */
export const REPLAY_NAME_HEADER = 'x-flowrs-connection';
/** Handshake header carrying the connection's process-unique id in replay mode. */
export const REPLAY_ID_HEADER = 'x-flowrs-connection-id';
/** REST answer header by which the replay server tells when the answer was recorded (µs). */
export const REPLAY_RECORDED_AT_HEADER = 'x-flowrs-recorded-us';

let replay: ReplayMode | undefined;

export function setReplayMode(mode: ReplayMode | undefined): void {
  replay = mode;
}

export function replayMode(): ReplayMode | undefined {
  return replay;
}
