import type { SubscriptionProtocol } from '../kit/subscription-protocol.js';
import { OKX_PONG, okxTopic, okxTopicArg, parseOkxFrame } from './parse.js';
import { okxRestSnapshot } from './restSnapshot.js';
import { OkxBookSequencer } from './sequencer.js';
import {
  OKX_BOOK_CHANNEL,
  OKX_MESSAGES_PER_SECOND,
  OKX_REQUESTS_PER_HOUR,
  OKX_TOPICS_PER_CONNECTION,
  OKX_TOPICS_PER_REQUEST,
  OKX_TRADE_CHANNEL,
  type OkxSettings,
} from './settings.js';

/** "send the String 'ping'" (answered by the text `pong`, which the parser reports as a pong). */
export const OKX_PING = 'ping';
export { OKX_PONG };

/**
 * OKX v5 public for the connector base: `books` + `trades` per instrument, per-argument acks,
 * the text ping, and the `prevSeqId` sequencer. No documented maximum connection age.
 */
export function okxProtocol(
  settings: Pick<OkxSettings, 'wsUrl' | 'pingIntervalMs'> &
    Partial<Pick<OkxSettings, 'restUrl' | 'restSnapshotAfterMs'>>,
): SubscriptionProtocol {
  const { restUrl, restSnapshotAfterMs } = settings;
  return {
    // OKX announced it will stop sending the in-band snapshot: when none comes in time, seed from REST.
    ...(restUrl !== undefined && restSnapshotAfterMs !== undefined
      ? {
          restSnapshot: {
            afterMs: restSnapshotAfterMs,
            fetch: (instId: string, signal: AbortSignal) => okxRestSnapshot.fetch(restUrl, instId, signal),
            align: okxRestSnapshot.align,
          },
        }
      : {}),
    url: settings.wsUrl,
    limits: {
      topicsPerConnection: OKX_TOPICS_PER_CONNECTION,
      topicsPerRequest: OKX_TOPICS_PER_REQUEST,
      messagesPerSecond: OKX_MESSAGES_PER_SECOND,
      requestsPerHour: OKX_REQUESTS_PER_HOUR,
    },
    heartbeat: { kind: 'app', intervalMs: settings.pingIntervalMs, ping: () => OKX_PING },
    bookTopic: (symbol) => okxTopic(OKX_BOOK_CHANNEL, symbol),
    tradeTopic: (symbol) => okxTopic(OKX_TRADE_CHANNEL, symbol),
    request: okxRequest,
    parse: parseOkxFrame,
    createSequencer: () => new OkxBookSequencer(),
  };
}

/** `{"id":"1512","op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT-SWAP"},…]}`. */
export function okxRequest(op: 'subscribe' | 'unsubscribe', topics: readonly string[], requestId: string): string {
  const args = topics.map((topic) => {
    const arg = okxTopicArg(topic);
    if (arg === undefined) throw new RangeError(`not an OKX topic: ${topic}`);
    return arg;
  });
  return JSON.stringify({ id: requestId, op, args });
}
