import { SubscriptionConnector } from '../kit/subscription-connector.js';
import { top25Checksum } from '../kit/top25-checksum.js';
import { defineVenue } from '../kit/venue-module.js';
import { loadOkxInstruments, okxSymbolFor } from './instruments.js';
import { okxProtocol } from './protocol.js';
import { OKX_ID, okxSettings } from './settings.js';

export { okxRestSnapshot } from './restSnapshot.js';
export { OKX_CONNECTIONS_PER_SECOND } from './settings.js';

const ORDER_BOOK_DOC = 'https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-order-book-channel';
const TRADES_DOC = 'https://www.okx.com/docs-v5/en/#order-book-trading-market-data-ws-trades-channel';
const REAL_2022 = 'test/fixtures/okx/cryptofeed_2022-05-13_books_trades_tickers.ws.txt';

export const okx = defineVenue({
  id: OKX_ID,
  name: 'OKX v5 USDT-margined swaps',
  settings: okxSettings,
  sizeUnit: 'contracts',
  loadInstruments: loadOkxInstruments,
  symbolFor: okxSymbolFor,
  createConnector: (context) =>
    new SubscriptionConnector({
      exchange: OKX_ID,
      protocol: okxProtocol(context.settings),
      context,
      loadInstruments: (signal: AbortSignal) => loadOkxInstruments(context.settings, signal),
      // Sizes are contracts: nothing is served until the contract sizes are known.
      sizeInContracts: true,
    }),
  checksum: top25Checksum,
  sim: async () => (await import('./sim/index.js')).default,
  capabilities: [
    {
      channel: 'books',
      carries: '400 levels a side: a snapshot, then updates every 100 ms; sizes in contracts (× ctVal × ctMult = base)',
      sequence:
        'an update applies iff prevSeqId = the last seqId (steps are not +1; also the empty heartbeat with seqId = prevSeqId and the post-maintenance reset to a smaller seqId); prevSeqId -1 marks a snapshot; anything else is a gap → unsubscribe, ack, subscribe',
      checksum:
        'CRC32 (signed) of the interleaved top-25 raw strings, verified only when non-zero: OKX sends 0 since 2026-06-23',
      snapshotSource:
        'in-band (action snapshot); when none arrives within restSnapshotAfterMs, GET /api/v5/market/books?sz=400 aligned by seqId (okxRestSnapshot)',
      evidence: `${ORDER_BOOK_DOC}; OKX changelog "Delist initial snapshot and checksum field" (https://www.okx.com/docs-v5/log_en); ${REAL_2022} (290/290 checksums)`,
    },
    {
      channel: 'trades',
      carries: 'one message per taker order per price; side is the taker’s; sz in contracts',
      sequence: 'none (tradeId only)',
      checksum: 'none',
      snapshotSource: 'none',
      evidence: `${TRADES_DOC}; ${REAL_2022}`,
    },
  ],
});
