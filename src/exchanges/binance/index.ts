import { VenueResponseError } from '../errors.js';
import { defineVenue } from '../kit/venue-module.js';
import { fetchText } from '../snapshot-queue.js';
import { BinanceConnector } from './connector.js';
import { parseBinanceExchangeInfo } from './parse.js';
import { binanceSettings } from './settings.js';

const DOCS = 'https://developers.binance.com/docs/derivatives/usds-margined-futures';

/** Binance USDⓈ-M futures (perpetuals). */
export const binance = defineVenue({
  id: 'binance',
  name: 'Binance USDⓈ-M perpetuals',
  settings: binanceSettings,
  sizeUnit: 'base',
  subscribesIn: 'url',
  async loadInstruments(settings, signal) {
    const text = await fetchText(`${settings.restUrl.replace(/\/+$/, '')}/fapi/v1/exchangeInfo`, signal);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new VenueResponseError('exchangeInfo is not JSON');
    }
    const parsed = parseBinanceExchangeInfo(body);
    if ('error' in parsed) throw new VenueResponseError(parsed.error);
    return parsed.instruments;
  },
  symbolFor(canonical) {
    const [base, quote, ...rest] = canonical.split('-');
    return base && quote && rest.length === 0 ? `${base}${quote}` : undefined;
  },
  createConnector: ({ symbols, settings, common, log, timing }) =>
    new BinanceConnector({
      symbols,
      wsUrl: settings.wsUrl,
      restUrl: settings.restUrl,
      depthSpeed: settings.depthSpeed,
      dataTimeoutMs: common.dataTimeoutMs,
      auditIntervalMs: common.auditIntervalMs,
      pingIntervalMs: timing?.pingIntervalMs,
      pongTimeoutMs: timing?.pongTimeoutMs,
      auditTimeoutMs: timing?.auditTimeoutMs,
      instrumentListTimeoutMs: timing?.instrumentsTimeoutMs,
      instrumentRetryMs: timing?.instrumentRetryMs,
      badSnapshotRetryMs: timing?.invalidSnapshotRetryMs,
      backoff: timing?.backoff,
      log,
    }),
  sim: async () => (await import('./sim/index.js')).default,
  capabilities: [
    {
      channel: '<symbol>@depth@100ms (/public)',
      carries: 'diff depth every 100 ms (250/500 ms by setting); REST snapshots of 1,000 levels',
      sequence: 'first event U ≤ lastUpdateId ≤ u (or pu = lastUpdateId), then pu = previous u',
      checksum: 'none',
      snapshotSource: 'REST `GET /fapi/v1/depth?limit=1000` (weight 20), buffered stream',
      evidence: `${DOCS}/websocket-market-streams/How-to-manage-a-local-order-book-correctly; test/fixtures/binance/*`,
    },
    {
      channel: '<symbol>@aggTrade (/market)',
      carries: 'aggregate trades; `m: true` (buyer is maker) = taker sell',
      sequence: 'aggregate ids only grow (duplicates dropped)',
      checksum: 'none',
      snapshotSource: '—',
      evidence: `${DOCS}/websocket-market-streams/Aggregate-Trade-Streams; test/fixtures/binance/cryptofeed_2021-07-22_combined_4sym.ws.txt`,
    },
  ],
});
