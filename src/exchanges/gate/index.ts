import { SubscriptionConnector } from '../kit/subscription-connector.js';
import { defineVenue } from '../kit/venue-module.js';
import { gateSymbolFor, loadGateInstruments } from './instruments.js';
import { gateProtocol } from './protocol.js';
import { GATE_ID, gateSettings } from './settings.js';

const DOCS = 'https://www.gate.com/docs/developers/futures/ws/en/';

/** Gate USDT-settled perpetual futures (API v4): `futures.obu` books in contracts, `futures.trades`. */
export const gate = defineVenue({
  id: GATE_ID,
  name: 'Gate USDT-settled perpetual futures',
  settings: gateSettings,
  sizeUnit: 'contracts',
  loadInstruments: (settings, signal) => loadGateInstruments(settings, signal),
  symbolFor: gateSymbolFor,
  createConnector: (context) =>
    new SubscriptionConnector({
      exchange: GATE_ID,
      protocol: gateProtocol(context.settings),
      context,
      loadInstruments: (signal: AbortSignal) => loadGateInstruments(context.settings, signal),
      // Sizes are contracts: nothing is served until the contract sizes are known.
      sizeInContracts: true,
    }),
  sim: async () => (await import('./sim/index.js')).default,
  capabilities: [
    {
      channel: 'futures.obu',
      carries:
        'ob.<contract>.400 (400 levels a side, every 100 ms) or ob.<contract>.50 (50, every 20 ms); sizes in contracts of quanto_multiplier',
      sequence:
        'full: true replaces the book (first push, and again at any time); an increment applies iff U = last u + 1 ("0" deletes); anything else: unsubscribe, resubscribe',
      checksum: 'none',
      snapshotSource: 'in-band full push (after subscribing; may be re-sent)',
      evidence: `${DOCS} (Order book V2); https://www.gatesite.work/announcements/article/44946`,
    },
    {
      channel: 'futures.trades',
      carries: 'every market trade; |size| contracts, size < 0 = taker sold; internal (insurance/ADL) trades left out',
      sequence: 'none (trade ids)',
      checksum: 'none',
      snapshotSource: 'none',
      evidence: `${DOCS} (Trades API: "Positive size means taker is buyer, negative seller")`,
    },
  ],
});
