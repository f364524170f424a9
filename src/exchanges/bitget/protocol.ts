import type { SubscriptionProtocol } from '../kit/subscription-protocol.js';
import { BITGET_LIMITS } from './limits.js';
import { parseBitgetFrame } from './parse.js';
import { BitgetBookSequencer } from './sequencer.js';
import type { BitgetSettings } from './settings.js';
import { bookTopic, requestMessage, tradeTopic } from './topics.js';

/** The application ping: the text `ping`, answered by the text `pong`. */
export const BITGET_PING = 'ping';

/**
 * Bitget v2's subscription protocol for the connector base: `books` and `trade` on USDT-FUTURES, up to
 * 25 arguments a request; acks name their argument (the venue echoes no request id, so none is sent).
 * Bitget answers a second subscribe of the same argument with another ack and a fresh snapshot, never
 * with an error, so no answer is ever `alreadySubscribed`.
 */
export function bitgetProtocol(settings: Pick<BitgetSettings, 'wsUrl' | 'pingIntervalMs'>): SubscriptionProtocol {
  return {
    url: settings.wsUrl,
    limits: BITGET_LIMITS,
    heartbeat: { kind: 'app', intervalMs: settings.pingIntervalMs, ping: () => BITGET_PING },
    bookTopic,
    tradeTopic,
    request: (op, topics) => requestMessage(op, topics),
    parse: parseBitgetFrame,
    createSequencer: () => new BitgetBookSequencer(),
  };
}
