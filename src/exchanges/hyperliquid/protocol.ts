import type { SubscriptionProtocol } from '../kit/subscription-protocol.js';
import { DEFAULT_HYPERLIQUID_PING_INTERVAL_MS, HYPERLIQUID_LIMITS } from './limits.js';
import { parseHyperliquidFrame } from './parse.js';
import { HyperliquidBookSequencer } from './sequencer.js';
import { HYPERLIQUID_BOOK_LEVELS, HYPERLIQUID_STALE_AFTER_MS, type HyperliquidSettings } from './settings.js';
import { bookTopic, HYPERLIQUID_TRADES_CHANNEL, parseTopic, subscriptionMessage, tradeTopic } from './topics.js';
import { TradeHistoryTracker } from './trade-history.js';

/** The application ping; the venue answers `{"channel":"pong"}`. */
export const HYPERLIQUID_PING = '{"method":"ping"}';

export interface HyperliquidProtocol extends SubscriptionProtocol {
  /** Levels a side each book picture holds at most under the configured cadence (20 or 5). */
  readonly bookDepth: number;
  /** A book silent this long is really stale under the configured cadence (never a normal gap). */
  readonly staleAfterMs: number;
}

/**
 * Hyperliquid's subscription protocol for the connector base. One topic per request (the venue
 * silently ignores batches); the request id is not sent because the venue does not echo one: acks are
 * matched by the subscription they name. Stateful in one way only: it remembers which `trades`
 * subscriptions were just requested, so the batch of recent trades that follows each is marked
 * `history` (see trade-history.ts).
 */
export function hyperliquidProtocol(settings: Pick<HyperliquidSettings, 'wsUrl' | 'cadence'>): HyperliquidProtocol {
  const fast = settings.cadence === 'fast';
  const depthLimit = HYPERLIQUID_BOOK_LEVELS[settings.cadence];
  const history = new TradeHistoryTracker();
  return {
    url: settings.wsUrl,
    limits: HYPERLIQUID_LIMITS,
    heartbeat: { kind: 'app', intervalMs: DEFAULT_HYPERLIQUID_PING_INTERVAL_MS, ping: () => HYPERLIQUID_PING },
    bookDepth: depthLimit,
    staleAfterMs: HYPERLIQUID_STALE_AFTER_MS[settings.cadence],
    bookTopic,
    tradeTopic,
    request(op, topics) {
      if (topics.length !== 1)
        throw new RangeError(`Hyperliquid takes one subscription a message, got ${topics.length}`);
      const topic = topics[0];
      const parsed = parseTopic(topic);
      if (parsed?.channel === HYPERLIQUID_TRADES_CHANNEL) {
        if (op === 'subscribe') history.subscribed(parsed.coin);
        else history.unsubscribed(parsed.coin);
      }
      return subscriptionMessage(op, topic, fast);
    },
    parse(text, localTs) {
      return history.mark(parseHyperliquidFrame(text, localTs, { depthLimit }));
    },
    createSequencer: () => new HyperliquidBookSequencer(),
  };
}
