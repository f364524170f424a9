import { SubscriptionConnector } from '../kit/subscription-connector.js';
import { defineVenue } from '../kit/venue-module.js';
import { bybitSymbolFor, fetchBybitLinearInstruments } from './instruments.js';
import { bybitProtocol } from './protocol.js';
import { bybitSettings } from './settings.js';

const DOCS = 'https://bybit-exchange.github.io/docs/v5/websocket/public';

/** Bybit v5 public linear (USDT perpetuals). */
export const bybit = defineVenue({
  id: 'bybit',
  name: 'Bybit v5 linear perpetuals',
  settings: bybitSettings,
  sizeUnit: 'base',
  loadInstruments: (settings, signal) => fetchBybitLinearInstruments(settings.restUrl, signal),
  symbolFor: bybitSymbolFor,
  createConnector: (context) =>
    new SubscriptionConnector({
      exchange: 'bybit',
      protocol: bybitProtocol(context.settings),
      context,
      loadInstruments: (signal) => fetchBybitLinearInstruments(context.settings.restUrl, signal),
    }),
  sim: async () => (await import('./sim/index.js')).default,
  capabilities: [
    {
      channel: 'orderbook.{1,50,200,1000}',
      carries: 'snapshot, then deltas of the chosen depth window (200 by default, every 100 ms)',
      sequence: '`u` = previous + 1 per topic; any snapshot (even `u` = 1 after a restart) replaces the book',
      checksum: 'none',
      snapshotSource: 'in-band, on every (re)subscription (REST cannot seed a topic)',
      evidence: `${DOCS}/orderbook; test/fixtures/bybit/cryptofeed_2026-08-09_v5_linear_orderbook200_trades.jsonl`,
    },
    {
      channel: 'publicTrade',
      carries: 'trades, `S` = taker side',
      sequence: 'none (deduplicated by trade id)',
      checksum: 'none',
      snapshotSource: '—',
      evidence: `${DOCS}/trade; the same capture`,
    },
  ],
});
