import { SubscriptionConnector } from '../kit/subscription-connector.js';
import { defineVenue } from '../kit/venue-module.js';
import { loadInstruments, symbolFor } from './instruments.js';
import { hyperliquidProtocol } from './protocol.js';
import { HYPERLIQUID_ID, hyperliquidSettings } from './settings.js';

export { HYPERLIQUID_STALE_AFTER_MS } from './settings.js';

const WS_DOCS = 'https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/websocket/subscriptions';

/** Hyperliquid perpetuals: snapshot-only, unsequenced books; every perp settles in USDC. */
export const hyperliquid = defineVenue({
  id: HYPERLIQUID_ID,
  name: 'Hyperliquid perpetuals (USDC)',
  settings: hyperliquidSettings,
  sizeUnit: 'base',
  loadInstruments,
  symbolFor,
  createConnector: (context) =>
    new SubscriptionConnector({
      exchange: HYPERLIQUID_ID,
      protocol: hyperliquidProtocol(context.settings),
      context,
      loadInstruments: (signal: AbortSignal) => loadInstruments(context.settings, signal),
    }),
  sim: async () => (await import('./sim/index.js')).default,
  capabilities: [
    {
      channel: 'l2Book',
      carries:
        'whole pictures of the top of the book, ≤ 20 levels a side every 2–5 s (default) or ≤ 5 every 0.5 s (fast); a full side is truncated below its last level',
      sequence:
        'none: every message replaces the book; a picture not newer (by `time`) than the last applied is dropped; staleness is the only detectable failure',
      checksum: 'none',
      snapshotSource: 'every message (in-band whole picture)',
      evidence: `${WS_DOCS}; https://www.dwellir.com/docs/hyperliquid/l2-book; test/fixtures/hyperliquid/documented_frames.jsonl (l2book)`,
    },
    {
      channel: 'trades',
      carries:
        'trades with the taker side (`B` bought, `A` sold) and `tid`; the first message after subscribing is recent history',
      sequence: 'none: the history batch is marked `history`; repeats are dropped by `tid` per coin',
      checksum: 'none',
      snapshotSource: 'the history batch sent on subscribe (not forwarded as new)',
      evidence: `${WS_DOCS}; https://www.dwellir.com/docs/hyperliquid/trades; test/fixtures/hyperliquid/documented_frames.jsonl (trades)`,
    },
  ],
});
