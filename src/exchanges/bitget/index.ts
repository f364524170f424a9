import { SubscriptionConnector } from '../kit/subscription-connector.js';
import { top25Checksum } from '../kit/top25-checksum.js';
import { defineVenue } from '../kit/venue-module.js';
import { loadInstruments, symbolFor } from './instruments.js';
import { bitgetProtocol } from './protocol.js';
import { BITGET_ID, bitgetSettings } from './settings.js';

const BOOK_DOC = 'https://www.bitget.com/docs/classic/websocket/contract/public/Order-Book-Channel';
const TRADE_DOC = 'https://www.bitget.com/api-doc/contract/websocket/public/New-Trades-Channel';
const FIXTURE = 'test/fixtures/bitget/documented_frames.jsonl';

/** Bitget v2 (classic) USDT-FUTURES perpetuals: in-band snapshot then seq/pseq-chained updates; base-coin sizes. */
export const bitget = defineVenue({
  id: BITGET_ID,
  name: 'Bitget v2 USDT-FUTURES perpetuals',
  settings: bitgetSettings,
  sizeUnit: 'base',
  loadInstruments,
  symbolFor,
  createConnector: (context) =>
    new SubscriptionConnector({
      exchange: BITGET_ID,
      protocol: bitgetProtocol(context.settings),
      context,
      loadInstruments: (signal: AbortSignal) => loadInstruments(context.settings, signal),
    }),
  checksum: top25Checksum,
  sim: async () => (await import('./sim/index.js')).default,
  capabilities: [
    {
      channel: 'books',
      carries:
        'all levels (up to 500 a side seen live on v2): a snapshot, then absolute-size updates (0 deletes) about every 100–150 ms; sizes in base coin',
      sequence:
        'with pseq (“the serial number of the previous push”): an update applies iff pseq = the last seq (pseq 0 = restart → gap); without pseq: iff seq > the last seq (seq ≤ last is a duplicate); a snapshot always replaces; any detected break → unsubscribe, ack, subscribe',
      checksum:
        'CRC32 (signed) of the interleaved top-25 raw strings, as OKX, verified only when non-zero: Bitget is removing it (0 or no field = none)',
      snapshotSource: 'in-band: the first push after subscribing (action snapshot), and again on every resubscription',
      evidence: `${BOOK_DOC}; ${FIXTURE} (books_snapshot, books_update_1/2: probe-quoted live frames)`,
    },
    {
      channel: 'trade',
      carries: 'trades with the taker side (side buy/sell), price, size in base coin, tradeId',
      sequence:
        'none; the first push (action snapshot) is recent past trades, marked history and never forwarded as new',
      checksum: 'none',
      snapshotSource: 'the snapshot push after subscribing (history only)',
      evidence: `${TRADE_DOC}; tardis-dev mappers/bitget (maps only action update); ${FIXTURE} (trade_snapshot)`,
    },
  ],
});
