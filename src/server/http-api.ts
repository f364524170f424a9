import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BookManager } from '../book/book-manager.js';
import type { Exchange } from '../core/types.js';
import type { VenueStatusSource } from '../core/venue-status.js';
import type { VenueCounts } from '../metrics/metrics-engine.js';
import type { PrometheusView } from '../metrics/prometheus.js';
import type { BookDirectory, BookRequestError } from './book-directory.js';
import { canonicalOf, consolidationBooks } from './consolidation-books.js';
import { type HealthSources, healthReport } from './health.js';
import { bookView, consolidatedView } from './protocol.js';

export interface HttpApiDeps {
  readonly books: BookManager;
  /** Which books may be asked for, and books on demand (`?subscribe=1`). */
  readonly directory: BookDirectory;
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
  /** The recorder's state, for /health. */
  readonly recording?: HealthSources['recording'];
  /** The server's own counters and the NATS connection, for /health (the metrics engine's hooks). */
  readonly service: HealthSources['service'];
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
  /** `?subscribe=1`: follow the named book(s) on demand, held for one linger period. */
  const subscribeAsked = (url: URL) => ['1', 'true'].includes(url.searchParams.get('subscribe') ?? '');
  const onDemand = async (name: string): Promise<BookRequestError | undefined> => {
    const resolved = await deps.directory.resolve([name]);
    if ('error' in resolved) return resolved.error;
    const holder = {};
    const error = deps.directory.hold(holder, resolved.keys);
    deps.directory.release(holder);
    return error;
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
        service: deps.service,
        recording: deps.recording,
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
      const exchange = decodeURIComponent(match[1]);
      const symbol = decodeURIComponent(match[2]);
      const depth = depthOf(url, res);
      if (depth === undefined) return;
      const found = deps.books.find(exchange, symbol);
      if (subscribeAsked(url)) {
        // Followed on demand (or kept) for one linger period from now; poll again to keep it.
        void onDemand(`${exchange}:${symbol}`).then((error) => {
          const book = deps.books.find(exchange, symbol);
          if (error !== undefined || book === undefined) {
            json(
              res,
              error?.code === 'FLOWRS_UNKNOWN_BOOK' || error === undefined
                ? 404
                : error.code === 'FLOWRS_LIMIT'
                  ? 429
                  : 503,
              {
                error: error?.message ?? `no book ${exchange}:${symbol}`,
                code: error?.code ?? 'FLOWRS_UNKNOWN_BOOK',
              },
            );
            return;
          }
          const view = bookView(book, depth);
          json(res, view.status === 'syncing' && found === undefined ? 202 : 200, view);
        });
        return;
      }
      if (!found) {
        json(res, 404, {
          error: `no book ${exchange}:${symbol} (add ?subscribe=1 to follow it on demand)`,
          code: 'FLOWRS_UNKNOWN_BOOK',
        });
        return;
      }
      json(res, 200, bookView(found, depth));
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
