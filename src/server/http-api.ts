import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BookManager, ManagedBook } from '../book/book-manager.js';
import { USD_STABLECOINS } from '../core/instrument.js';
import type { Exchange } from '../core/types.js';
import type { VenueStatusSource } from '../core/venue-status.js';
import type { VenueCounts } from '../metrics/metrics-engine.js';
import type { PrometheusView } from '../metrics/prometheus.js';
import { healthReport } from './health.js';
import { bookView, consolidatedView } from './protocol.js';

const LEGACY_QUOTES = ['USDT', 'USDC', 'USD'];

/** `BTC-USDT` as is; `btcusdt` (the venues' old spelling) as `BTC-USDT`; undefined if neither. */
export function canonicalOf(text: string): string | undefined {
  const upper = text.toUpperCase();
  if (/^[A-Z0-9]{1,20}-[A-Z0-9]{2,10}$/.test(upper)) return upper;
  const quote = LEGACY_QUOTES.find((q) => upper.endsWith(q) && upper.length > q.length);
  return quote === undefined ? undefined : `${upper.slice(0, -quote.length)}-${quote}`;
}

/**
 * The books of one canonical instrument across venues. Different quote currencies are different
 * markets: only with `mergeStablecoins` are `BTC-USDT`, `BTC-USDC` and `BTC-USD` merged (the view says so).
 */
export function consolidationBooks(books: BookManager, instrument: string, mergeStablecoins: boolean): ManagedBook[] {
  const [base, quote] = instrument.split('-');
  const quotes = mergeStablecoins && USD_STABLECOINS.includes(quote) ? USD_STABLECOINS : [quote];
  return books.list().filter((b) => b.instrument?.base === base && quotes.includes(b.instrument.quote));
}

export interface HttpApiDeps {
  readonly books: BookManager;
  readonly exchanges: VenueStatusSource;
  readonly prometheus: PrometheusView;
  readonly displayDepth: number;
  readonly retainedDepth: number;
  readonly startedAt: number;
  readonly simulated: boolean;
  /** Every venue's fault counters, read now (the metrics engine's: the same numbers JSON and Prometheus show). */
  readonly venueCounts: () => ReadonlyMap<Exchange, VenueCounts>;
  /** The latest JSON metrics (as sent to WebSocket clients once a second). */
  readonly metrics: () => unknown;
  /** Static files (the dashboard); returns false when it has nothing for the path. */
  readonly serveStatic?: (path: string, res: ServerResponse) => boolean;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

const BOOK_PATH = /^\/api\/orderbooks\/([^/]+)\/([^/]+)$/;
const CONSOLIDATED_PATH = /^\/api\/consolidated\/([^/]+)$/;

/** The HTTP half of the port: health, books, Prometheus metrics, and the dashboard. */
export function createHttpHandler(deps: HttpApiDeps): (req: IncomingMessage, res: ServerResponse) => void {
  /** `?depth=N` (default: the display depth), or undefined after answering 400. */
  const depthOf = (url: URL, res: ServerResponse): number | undefined => {
    const param = url.searchParams.get('depth');
    if (param === null) return deps.displayDepth;
    const depth = Number(param);
    if (/^\d+$/.test(param) && depth >= 1 && depth <= deps.retainedDepth) return depth;
    json(res, 400, { error: `depth must be an integer from 1 to ${deps.retainedDepth}` });
    return undefined;
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      json(res, 405, { error: `method ${req.method} not allowed` });
      return;
    }
    const path = url.pathname;
    if (path === '/health') {
      const { httpStatus, body } = healthReport({
        books: deps.books,
        venues: () => deps.exchanges.status(),
        counts: deps.venueCounts,
        startedAt: deps.startedAt,
        simulated: deps.simulated,
      });
      json(res, httpStatus, body);
      return;
    }
    if (path === '/api/orderbooks') {
      const now = Date.now();
      json(
        res,
        200,
        deps.books.list().map((b) => bookView(b, deps.displayDepth, now)),
      );
      return;
    }
    const match = BOOK_PATH.exec(path);
    if (match) {
      const book = deps.books.find(decodeURIComponent(match[1]), decodeURIComponent(match[2]));
      if (!book) {
        json(res, 404, { error: `no book ${match[1]}:${match[2]}` });
        return;
      }
      const depth = depthOf(url, res);
      if (depth !== undefined) json(res, 200, bookView(book, depth));
      return;
    }
    const consolidated = CONSOLIDATED_PATH.exec(path);
    if (consolidated) {
      const asked = decodeURIComponent(consolidated[1]);
      const instrument = canonicalOf(asked);
      const quotes = url.searchParams.get('quotes');
      if (quotes !== null && quotes !== 'usd') {
        json(res, 400, { error: 'quotes must be "usd" (merge dollar stablecoins) or absent' });
        return;
      }
      const books = instrument === undefined ? [] : consolidationBooks(deps.books, instrument, quotes === 'usd');
      if (instrument === undefined || books.length === 0) {
        json(res, 404, { error: `no book for ${asked} (ask for a canonical instrument such as BTC-USDT)` });
        return;
      }
      const depth = depthOf(url, res);
      if (depth !== undefined) json(res, 200, consolidatedView(instrument, books, depth));
      return;
    }
    if (path === '/api/metrics') {
      json(res, 200, deps.metrics());
      return;
    }
    if (path === '/metrics') {
      deps.prometheus.text().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': deps.prometheus.registry.contentType });
          res.end(text);
        },
        (error: Error) => json(res, 500, { error: error.message }),
      );
      return;
    }
    if (deps.serveStatic?.(path, res)) return;
    if (path === '/') {
      const body =
        'FlowRS is running. The dashboard is not built: run npm run build.\nWebSocket: ws://<this host>/\nHTTP: /health, /api/orderbooks, /api/orderbooks/:exchange/:symbol?depth=N, /api/consolidated/:symbol?depth=N, /api/metrics, /metrics\n';
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(body);
      return;
    }
    json(res, 404, { error: `no route ${path}` });
  };
}
