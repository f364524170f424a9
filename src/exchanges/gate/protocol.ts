import type { BookSequencer } from '../kit/book-sequencer.js';
import type { ConnectionLimits, SubscriptionProtocol } from '../kit/subscription-protocol.js';
import { GATE_PING_CHANNEL, gateBookTopic, gateChannelOf, gateTradeTopic, parseGateFrame } from './parse.js';
import { createGateSequencer } from './sequencer.js';
import type { GateSettings } from './settings.js';

/**
 * Gate publishes no per-connection topic cap; 150 streams on one socket were served without refusal in
 * a live probe. 100 topics (50 symbols' book and trades) leaves room.
 */
export const GATE_TOPICS_PER_CONNECTION = 100;
/**
 * A Gate request names one channel (`futures.obu` or `futures.trades`), and an error answers the
 * whole request: one topic per request keeps channels apart and a refusal to the one topic it names.
 */
export const GATE_TOPICS_PER_REQUEST = 1;
/** Not publicly specified; a burst of 150 subscribe frames was accepted in a live probe. */
export const GATE_MESSAGES_PER_SECOND = 50;
/**
 * Application ping (`futures.ping` → `futures.pong`) every 10 s, the interval of Gate's own demo client.
 * A live probe saw Gate close an idle connection (no subscription, nothing sent) after about 30 s; the
 * WebSocket library answers the server's protocol pings by itself.
 */
export const DEFAULT_GATE_PING_INTERVAL_MS = 10_000;

export const GATE_LIMITS: ConnectionLimits = {
  topicsPerConnection: GATE_TOPICS_PER_CONNECTION,
  topicsPerRequest: GATE_TOPICS_PER_REQUEST,
  messagesPerSecond: GATE_MESSAGES_PER_SECOND,
};

/** A request naming topics of two channels: a caller ignored `topicsPerRequest`. */
export class GateMixedChannelsError extends Error {
  readonly code = 'FLOWRS_GATE_MIXED_CHANNELS';
  constructor(readonly topics: readonly string[]) {
    super(`one Gate request names one channel: ${topics.join(', ')}`);
    this.name = 'GateMixedChannelsError';
  }
}

const unixSeconds = (nowMs: number) => Math.floor(nowMs / 1000);

/** `{"time":<unix s>,"channel":"futures.ping"}`. */
export function gatePingFrame(nowMs = Date.now()): string {
  return `{"time":${unixSeconds(nowMs)},"channel":"${GATE_PING_CHANNEL}"}`;
}

/**
 * `{"time":…,"id":…,"channel":…,"event":"subscribe"|"unsubscribe","payload":[…]}`. Gate's optional `id`
 * is an integer "sent back by the server to help you identify which request the server responds to":
 * a decimal request id goes in it; any other is left out (the ack's `payload` names its topics anyway).
 */
export function gateRequestFrame(
  op: 'subscribe' | 'unsubscribe',
  topics: readonly string[],
  requestId: string,
  nowMs = Date.now(),
): string {
  const channel = gateChannelOf(topics[0] ?? '');
  if (topics.some((t) => gateChannelOf(t) !== channel)) throw new GateMixedChannelsError(topics);
  const id = /^\d{1,15}$/.test(requestId) ? `"id":${Number(requestId)},` : '';
  return `{"time":${unixSeconds(nowMs)},${id}"channel":"${channel}","event":"${op}","payload":${JSON.stringify(topics)}}`;
}

export function gateProtocol(settings: Pick<GateSettings, 'wsUrl' | 'depth'>): SubscriptionProtocol {
  return {
    url: settings.wsUrl,
    limits: GATE_LIMITS,
    heartbeat: { kind: 'app', intervalMs: DEFAULT_GATE_PING_INTERVAL_MS, ping: () => gatePingFrame() },
    bookTopic: (symbol) => gateBookTopic(symbol, settings.depth),
    tradeTopic: (symbol) => gateTradeTopic(symbol),
    request: (op, topics, requestId) => gateRequestFrame(op, topics, requestId),
    parse: (text, localTs) => parseGateFrame(text, localTs),
    createSequencer: (): BookSequencer => createGateSequencer(),
  };
}
