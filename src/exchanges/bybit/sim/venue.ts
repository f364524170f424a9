import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { PriceLevel } from '../../../core/types.js';
import { ConnectionRegistry, type SimConnection } from '../../../sim/connections.js';
import { DepthWindow } from '../../../sim/depth-window.js';
import { EventFaults } from '../../../sim/event-faults.js';
import { LoopbackServer, sendJson, sendText } from '../../../sim/loopback-server.js';
import { DEFAULT_INSTRUMENTS, type InstrumentSpec, MarketModel, type MarketOptions } from '../../../sim/market.js';
import type { Recording } from '../../../sim/recording.js';
import { RestRateLimit } from '../../../sim/rest-rate-limit.js';
import type { SimVenue } from '../../../sim/sim-venue.js';
import {
  ackJson,
  type BybitInstrumentStatus,
  instrumentJson,
  instrumentsPageJson,
  levelsJson,
  orderbookJson,
  publicTradeJson,
} from './wire.js';

/** Bybit v5 linear limits and facts. */
export const BYBIT_ORDERBOOK_DEPTHS = [1, 50, 200, 1000] as const;
export const BYBIT_MAX_ARGS_PER_REQUEST = 10;
export const BYBIT_LINEAR_PATH = '/v5/public/linear';
export const BYBIT_INSTRUMENTS_PATH = '/v5/market/instruments-info';
/** instruments-info `limit`: 1–1000, 500 when absent. */
export const BYBIT_INSTRUMENTS_MAX_LIMIT = 1000;
export const BYBIT_INSTRUMENTS_DEFAULT_LIMIT = 500;
/** A price with 16 significant digits: valid JSON and a valid decimal, but more precision than a double keeps. */
export const BYBIT_OVERPRECISE_PRICE = '65000.12345678901';

export interface BybitVenueOptions {
  readonly instruments?: readonly InstrumentSpec[];
  readonly seed?: number;
  readonly market?: MarketOptions;
}

interface Connection extends SimConnection {
  readonly id: string;
  readonly topics: Set<string>;
}

/** One `orderbook.{depth}.{symbol}` stream: its `u` counter and the window its subscribers hold. */
interface BookTopic {
  readonly name: string;
  readonly symbol: string;
  readonly depth: number;
  u: number;
  readonly window: DepthWindow;
}

export type BybitMalformedKind = 'invalid_json' | 'wrong_types' | 'unknown_event' | 'bad_level';

/**
 * Simulated Bybit v5 public linear: `orderbook.{1,50,200,1000}.{SYMBOL}` snapshot + deltas whose `u`
 * rises by one per message per topic, with levels entering and leaving the depth window exactly as the
 * venue sends them, `publicTrade`, op ping/pong, and the exact acknowledgement frames.
 */
export class BybitVenue implements SimVenue {
  readonly id = 'bybit';
  readonly server: LoopbackServer;
  readonly faults = new EventFaults();
  private readonly markets = new Map<string, MarketModel>();
  private readonly lastTradeTicks = new Map<string, { value: number }>();
  private readonly topics = new Map<string, BookTopic>();
  private readonly connections = new ConnectionRegistry<Connection>();
  private readonly rejectNext = new Set<string>();
  /** Replay: symbols whose data comes from a recording; subscribing sends no model snapshot. */
  private readonly recordedSymbols = new Set<string>();
  /** Instruments-info status per symbol (every simulated market is `Trading` unless told otherwise). */
  private readonly instrumentStatus = new Map<string, BybitInstrumentStatus>();
  /** Page size cap of instruments-info, below the client's `limit` to exercise the cursor. */
  private instrumentsPageSize = BYBIT_INSTRUMENTS_MAX_LIMIT;
  private instrumentFailures = 0;
  /** Snapshots of a symbol's orderbook topics still to be sent with an over-precise price. */
  private readonly badSnapshots = new Map<string, number>();
  /** Requests whose ack is withheld (the request itself is carried out), and requests lost entirely. */
  private readonly droppedAcks = { subscribe: 0, unsubscribe: 0 };
  private readonly lostRequests = { subscribe: 0, unsubscribe: 0 };
  /** Frames published on each topic to its subscribers (one per subscribed connection). */
  readonly framesSent = new Map<string, number>();
  /** Subscribe requests naming each topic (whatever the answer). */
  readonly topicSubscribes = new Map<string, number>();
  private seq = 700_000_000_000;
  private restU = 1_000_000;
  private nextConnId = 1;
  private readonly rateLimit = new RestRateLimit();
  readonly stats = {
    subscribeRequests: 0,
    unsubscribeRequests: 0,
    connectionsOpened: 0,
    pings: 0,
    instrumentRequests: 0,
  };

  constructor(options: BybitVenueOptions = {}) {
    const seed = options.seed ?? 2;
    (options.instruments ?? DEFAULT_INSTRUMENTS).forEach((spec, i) => {
      const model = new MarketModel(spec, seed * 7_919 + i, options.market);
      this.markets.set(spec.symbol, model);
      this.lastTradeTicks.set(spec.symbol, { value: model.bestBid() });
    });
    this.server = new LoopbackServer(
      (req, res, url) => this.onRequest(req, res, url),
      (_req, url) =>
        url.pathname === BYBIT_LINEAR_PATH
          ? { accept: true, context: undefined }
          : { accept: false, status: 404, body: '{"retCode":404,"retMsg":"Not found"}' },
      (ws) => this.onConnection(ws),
    );
  }

  async listen(port = 0): Promise<number> {
    return this.server.listen('127.0.0.1', port);
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.server.listeningPort}${BYBIT_LINEAR_PATH}`;
  }

  get restBaseUrl(): string {
    return `http://127.0.0.1:${this.server.listeningPort}`;
  }

  env(): Record<string, string> {
    return { FLOWRS_BYBIT_WS_URL: this.wsUrl, FLOWRS_BYBIT_REST_URL: this.restBaseUrl };
  }

  canonical(symbol: string): string {
    return `${symbol.replace(/USDT$/, '')}-USDT`;
  }

  /** Linear sizes are base units. */
  contractSize(_symbol: string): string {
    return '1';
  }

  loadRecording(recording: Recording): string[] {
    const symbols = new Set<string>();
    for (const f of recording.frames) {
      const topic = /^\{"topic":"(?:orderbook\.\d+|publicTrade)\.([A-Z0-9]+)"/.exec(f)?.[1];
      if (topic) symbols.add(topic);
    }
    this.addRecordedSymbols(symbols);
    return [...symbols];
  }

  rateLimitNext(count: number): void {
    this.rateLimit.limitNext(count);
  }

  symbols(): string[] {
    return [...this.markets.keys()];
  }

  /** Advances one symbol (or every symbol) by one step and publishes to its topics' subscribers. */
  step(symbol?: string): void {
    if (symbol !== undefined) {
      this.stepSymbol(symbol);
      return;
    }
    for (const s of this.markets.keys()) this.stepSymbol(s);
  }

  private stepSymbol(symbol: string): void {
    const model = this.markets.get(symbol);
    if (!model) throw new Error(`unknown symbol ${symbol}`);
    const step = model.step();
    const seq = ++this.seq;
    const ts = Date.now();
    const frames: { topic: string; json: string }[] = [];
    for (const topic of this.topics.values()) {
      if (topic.symbol !== symbol) continue;
      const bids = topic.window.advance('bids');
      const asks = topic.window.advance('asks');
      if (bids.length === 0 && asks.length === 0) continue;
      topic.u++;
      // Level 1 is pushed as snapshots only.
      const json =
        topic.depth === 1
          ? orderbookJson(
              model,
              topic.name,
              'snapshot',
              ts,
              model.levels('bids', 1),
              model.levels('asks', 1),
              topic.u,
              seq,
            )
          : orderbookJson(model, topic.name, 'delta', ts, bids, asks, topic.u, seq);
      frames.push({ topic: topic.name, json });
    }
    if (frames.length > 0) {
      this.faults.deliver(symbol, () => {
        for (const f of frames) this.publish(f.topic, f.json);
      });
    }
    if (step.trades.length > 0) {
      this.publish(
        `publicTrade.${symbol}`,
        publicTradeJson(model, ts, step.trades, this.lastTradeTicks.get(symbol)!, seq),
      );
    }
  }

  private publish(topic: string, json: string): void {
    for (const conn of this.connections) {
      if (conn.stalled || !conn.topics.has(topic)) continue;
      sendText(conn.ws, json);
      this.framesSent.set(topic, (this.framesSent.get(topic) ?? 0) + 1);
    }
  }

  /** Replay: accept subscriptions for these symbols; their frames come from `publishRecorded`. */
  addRecordedSymbols(symbols: Iterable<string>): void {
    for (const s of symbols) this.recordedSymbols.add(s);
  }

  /** Replay: delivers one recorded frame, byte-exact, to the subscribers of its topic. */
  publishRecorded(frame: string): boolean {
    const topic = /^\{"topic":"([^"]+)"/.exec(frame)?.[1];
    if (topic === undefined) return false;
    this.publish(topic, frame);
    return true;
  }

  /** The venue's book as a subscriber of `orderbook.{depth}.{symbol}` must hold it now, plus that topic's `u`. */
  truth(symbol: string, depth = 200): { updateId: number; u: number; bids: PriceLevel[]; asks: PriceLevel[] } {
    const model = this.markets.get(symbol);
    if (!model) throw new Error(`unknown symbol ${symbol}`);
    const fmt = ([t, q]: [number, number]): PriceLevel => [model.formatPrice(t), model.formatQuantity(q)];
    const u = this.topics.get(`orderbook.${depth}.${symbol}`)?.u ?? 0;
    return {
      updateId: u,
      u,
      bids: model.levels('bids', depth).map(fmt),
      asks: model.levels('asks', depth).map(fmt),
    };
  }

  // ---- faults -------------------------------------------------------------------------------

  dropAllConnections(): void {
    this.connections.dropAll();
  }

  closeAllConnections(code?: number, reason?: string): void {
    this.connections.closeAll(code, reason);
  }

  /** Open connections stop receiving data (and, with `pong: false`, stop answering op ping). */
  stall(options: { pong?: boolean } = {}): void {
    this.connections.stall(options.pong ?? true);
  }

  /**
   * A venue-side restart of `symbol`'s book service: every topic of the symbol restarts at `u` = 1
   * with a fresh snapshot, mid-stream.
   */
  venueReset(symbol: string): void {
    const model = this.markets.get(symbol);
    if (!model) throw new Error(`unknown symbol ${symbol}`);
    for (const topic of this.topics.values()) {
      if (topic.symbol !== symbol) continue;
      topic.u = 1;
      topic.window.reset();
      this.publish(topic.name, this.snapshotJson(model, topic));
    }
  }

  /** The next subscribe request naming a topic of `symbol` is refused with `success:false`. */
  rejectNextSubscription(symbol: string): void {
    this.rejectNext.add(symbol);
  }

  /** instruments-info lists `symbol` with this status (`Trading` by default; others mean "not tradable"). */
  setInstrumentStatus(symbol: string, status: BybitInstrumentStatus): void {
    this.instrumentStatus.set(symbol, status);
  }

  /** instruments-info pages hold at most `size` entries (the client must follow `nextPageCursor`). */
  setInstrumentsPageSize(size: number): void {
    this.instrumentsPageSize = Math.max(1, Math.min(BYBIT_INSTRUMENTS_MAX_LIMIT, size));
  }

  failInstrumentList(count: number): void {
    this.failInstrumentRequests(count);
  }

  /** The next `count` instruments-info requests are answered with HTTP 500. */
  failInstrumentRequests(count: number): void {
    this.instrumentFailures = count;
  }

  /** The next `count` snapshots of `symbol`'s orderbook topics carry a bid priced `BYBIT_OVERPRECISE_PRICE`. */
  corruptNextSnapshots(symbol: string, count = 1): void {
    this.badSnapshots.set(symbol, count);
  }

  /** The next `count` requests of `op` are carried out but never acknowledged. */
  dropNextAck(op: 'subscribe' | 'unsubscribe', count = 1): void {
    this.droppedAcks[op] += count;
  }

  /** The next `count` requests of `op` are lost: neither carried out nor acknowledged. */
  loseNextRequest(op: 'subscribe' | 'unsubscribe', count = 1): void {
    this.lostRequests[op] += count;
  }

  /** Topics each open connection is subscribed to. */
  subscribers(symbol: string): number {
    return [...this.connections].filter((c) => [...c.topics].some((t) => t.endsWith(`.${symbol}`))).length;
  }

  subscriptions(): string[][] {
    return [...this.connections].map((c) => [...c.topics].sort());
  }

  sendMalformed(kind: BybitMalformedKind): void {
    for (const conn of this.connections) {
      const topicName = [...conn.topics].find((t) => t.startsWith('orderbook.'));
      if (!topicName) continue;
      const topic = this.topics.get(topicName)!;
      const frames: Record<BybitMalformedKind, string> = {
        invalid_json: `{"topic":"${topicName}","type":"delta","ts":17`,
        wrong_types: `{"topic":"${topicName}","type":"delta","ts":"soon","data":{"s":"${topic.symbol}","b":"none","a":[],"u":"${topic.u + 1}","seq":1},"cts":1}`,
        unknown_event: `{"topic":"mystery.${topic.symbol}","type":"snapshot","ts":${Date.now()},"data":{}}`,
        // Shaped like the next delta (u = current + 1) but with an invalid level: it must be dropped without
        // advancing the client's u, so the real next delta (same u) still applies.
        bad_level: `{"topic":"${topicName}","type":"delta","ts":${Date.now()},"data":{"s":"${topic.symbol}","b":[["1e-8","1"]],"a":[],"u":${topic.u + 1},"seq":1},"cts":1}`,
      };
      sendText(conn.ws, frames[kind]);
    }
  }

  // ---- transport ----------------------------------------------------------------------------

  private snapshotJson(model: MarketModel, topic: BookTopic): string {
    const json = orderbookJson(
      model,
      topic.name,
      'snapshot',
      Date.now(),
      topic.window.levels('bids'),
      topic.window.levels('asks'),
      topic.u,
      this.seq,
    );
    const bad = this.badSnapshots.get(topic.symbol) ?? 0;
    if (bad <= 0) return json;
    this.badSnapshots.set(topic.symbol, bad - 1);
    return json.replace('"b":[["', `"b":[["${BYBIT_OVERPRECISE_PRICE}","1"],["`);
  }

  /** True when this request is to be answered (a dropped-ack fault consumes one). */
  private acknowledges(op: 'subscribe' | 'unsubscribe'): boolean {
    if (this.droppedAcks[op] <= 0) return true;
    this.droppedAcks[op]--;
    return false;
  }

  private onConnection(ws: WebSocket): void {
    const conn: Connection = {
      ws,
      id: `sim${(this.nextConnId++).toString(36).padStart(8, '0')}-${Math.floor(Math.random() * 1e5).toString(36)}`,
      topics: new Set(),
      stalled: false,
      answersPings: true,
    };
    this.connections.add(conn);
    this.stats.connectionsOpened++;
    ws.on('ping', (data) => ws.pong(data));
    ws.on('message', (data) => this.onMessage(conn, data.toString()));
  }

  private onMessage(conn: Connection, text: string): void {
    let request: { op?: unknown; args?: unknown; req_id?: unknown };
    try {
      request = JSON.parse(text);
      if (typeof request !== 'object' || request === null) throw new Error('not an object');
    } catch {
      sendText(
        conn.ws,
        ackJson(
          false,
          `Failed to decode incoming data:readObjectStart: expect { or n, but found ${JSON.stringify(text.slice(0, 1))}`,
          conn.id,
          undefined,
          '',
        ),
      );
      return;
    }
    const reqId = typeof request.req_id === 'string' ? request.req_id : undefined;
    const op = typeof request.op === 'string' ? request.op : '';
    const args = Array.isArray(request.args) ? request.args : [];
    if (op === 'ping') {
      this.stats.pings++;
      if (conn.answersPings) sendText(conn.ws, ackJson(true, 'pong', conn.id, reqId, 'ping'));
      return;
    }
    if (op !== 'subscribe' && op !== 'unsubscribe') {
      sendText(conn.ws, ackJson(false, 'error:invalid op', conn.id, reqId, op));
      return;
    }
    if (args.length > BYBIT_MAX_ARGS_PER_REQUEST) {
      sendText(conn.ws, ackJson(false, 'args size >10', conn.id, reqId ?? '', op));
      return;
    }
    if (this.lostRequests[op] > 0) {
      this.lostRequests[op]--;
      return;
    }
    if (op === 'subscribe') this.subscribe(conn, args, reqId);
    else this.unsubscribe(conn, args, reqId);
  }

  /** All-or-nothing: the first bad topic fails the whole request (inference; the docs show one ack per request). */
  private subscribe(conn: Connection, args: unknown[], reqId: string | undefined): void {
    this.stats.subscribeRequests++;
    for (const arg of args) {
      const topic = typeof arg === 'string' ? arg : String(arg);
      this.topicSubscribes.set(topic, (this.topicSubscribes.get(topic) ?? 0) + 1);
    }
    for (const arg of args) {
      const topic = typeof arg === 'string' ? arg : String(arg);
      const parsed = this.parseTopic(topic);
      if (!parsed || (parsed.symbol !== undefined && this.rejectNext.delete(parsed.symbol))) {
        sendText(conn.ws, ackJson(false, `error:handler not found,topic:${topic}`, conn.id, reqId ?? '', 'subscribe'));
        return;
      }
      if (conn.topics.has(topic)) {
        sendText(conn.ws, ackJson(false, `error:already subscribed,topic:${topic}`, conn.id, reqId ?? '', 'subscribe'));
        return;
      }
    }
    if (this.acknowledges('subscribe')) sendText(conn.ws, ackJson(true, '', conn.id, reqId ?? '', 'subscribe'));
    for (const arg of args as string[]) {
      conn.topics.add(arg);
      const parsed = this.parseTopic(arg)!;
      if (parsed.kind !== 'orderbook' || this.recordedSymbols.has(parsed.symbol)) continue;
      const model = this.markets.get(parsed.symbol)!;
      let topic = this.topics.get(arg);
      if (!topic) {
        topic = {
          name: arg,
          symbol: parsed.symbol,
          depth: parsed.depth,
          u: 1,
          window: new DepthWindow(model, parsed.depth),
        };
        this.topics.set(arg, topic);
      }
      sendText(conn.ws, this.snapshotJson(model, topic));
    }
  }

  private unsubscribe(conn: Connection, args: unknown[], reqId: string | undefined): void {
    this.stats.unsubscribeRequests++;
    for (const arg of args) {
      if (typeof arg !== 'string' || !conn.topics.has(arg)) {
        sendText(
          conn.ws,
          ackJson(false, `error:not subscribed,topic:${String(arg)}`, conn.id, reqId ?? '', 'unsubscribe'),
        );
        return;
      }
    }
    for (const arg of args as string[]) conn.topics.delete(arg);
    if (this.acknowledges('unsubscribe')) sendText(conn.ws, ackJson(true, '', conn.id, reqId ?? '', 'unsubscribe'));
  }

  private parseTopic(
    topic: string,
  ): { kind: 'orderbook'; symbol: string; depth: number } | { kind: 'trade'; symbol: string } | undefined {
    const parts = topic.split('.');
    if (parts.length === 3 && parts[0] === 'orderbook') {
      const depth = Number(parts[1]);
      if ((BYBIT_ORDERBOOK_DEPTHS as readonly number[]).includes(depth) && this.knows(parts[2])) {
        return { kind: 'orderbook', symbol: parts[2], depth };
      }
      return undefined;
    }
    if (parts.length === 2 && parts[0] === 'publicTrade' && this.knows(parts[1])) {
      return { kind: 'trade', symbol: parts[1] };
    }
    return undefined;
  }

  private knows(symbol: string): boolean {
    return this.markets.has(symbol) || this.recordedSymbols.has(symbol);
  }

  /** `GET /v5/market/instruments-info?category=linear[&status][&limit][&cursor]`, paginated by an opaque cursor. */
  private instrumentsInfo(res: ServerResponse, url: URL): void {
    this.stats.instrumentRequests++;
    const now = Date.now();
    if (this.instrumentFailures > 0) {
      this.instrumentFailures--;
      sendJson(res, 500, '<html><body><h1>500 Internal Server Error</h1></body></html>', {
        'Content-Type': 'text/html',
      });
      return;
    }
    const limit = Number(url.searchParams.get('limit') ?? BYBIT_INSTRUMENTS_DEFAULT_LIMIT);
    const cursor = url.searchParams.get('cursor') ?? '';
    const offset =
      cursor === ''
        ? 0
        : Number(
            Buffer.from(cursor, 'base64url')
              .toString()
              .replace(/^next=/, ''),
          );
    const problem =
      url.searchParams.get('category') !== 'linear'
        ? 'params error: category only support linear'
        : !Number.isInteger(limit) || limit < 1 || limit > BYBIT_INSTRUMENTS_MAX_LIMIT
          ? 'params error: limit invalid'
          : !Number.isInteger(offset) || offset < 0
            ? 'params error: cursor invalid'
            : undefined;
    if (problem !== undefined) {
      sendJson(
        res,
        200,
        `{"retCode":10001,"retMsg":${JSON.stringify(problem)},"result":{},"retExtInfo":{},"time":${now}}`,
      );
      return;
    }
    const wanted = url.searchParams.get('status');
    const all = [...this.markets.values()]
      .map((model, i) => ({ model, i, status: this.instrumentStatus.get(model.spec.symbol) ?? 'Trading' }))
      .filter((e) => wanted === null || e.status === wanted)
      .sort((a, b) => (a.model.spec.symbol < b.model.spec.symbol ? -1 : 1));
    const size = Math.min(limit, this.instrumentsPageSize);
    const page = all.slice(offset, offset + size);
    const next = offset + size < all.length ? Buffer.from(`next=${offset + size}`).toString('base64url') : '';
    sendJson(
      res,
      200,
      instrumentsPageJson(
        page.map((e) => instrumentJson(e.model, e.status, e.i + 1)),
        next,
        now,
      ),
    );
  }

  private onRequest(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (this.rateLimit.limits()) {
      sendJson(res, 403, '{"retCode":10006,"retMsg":"Too many visits!"}', { 'Retry-After': '1' });
      return;
    }
    if (req.method === 'GET' && url.pathname === BYBIT_INSTRUMENTS_PATH) {
      this.instrumentsInfo(res, url);
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/v5/market/orderbook') {
      sendJson(res, 404, '{"retCode":10404,"retMsg":"Not found"}');
      return;
    }
    const now = Date.now();
    const model = this.markets.get(url.searchParams.get('symbol') ?? '');
    const limit = Number(url.searchParams.get('limit') ?? 25);
    const problem =
      url.searchParams.get('category') !== 'linear'
        ? 'params error: category only support linear'
        : !model
          ? 'params error: symbol invalid'
          : !Number.isInteger(limit) || limit < 1 || limit > 500
            ? 'params error: limit invalid'
            : undefined;
    if (problem !== undefined || !model) {
      sendJson(
        res,
        200,
        `{"retCode":10001,"retMsg":${JSON.stringify(problem)},"result":{},"retExtInfo":{},"time":${now}}`,
      );
      return;
    }
    // This `u` belongs to the venue's 500-level stream, not to orderbook.50/200.
    this.restU += 7;
    const body =
      `{"retCode":0,"retMsg":"OK","result":{"s":"${model.spec.symbol}","a":${levelsJson(model, model.levels('asks', limit))},` +
      `"b":${levelsJson(model, model.levels('bids', limit))},"ts":${now},"u":${this.restU},"seq":${this.seq},"cts":${now - 2}},` +
      `"retExtInfo":{},"time":${now + 1}}`;
    sendJson(res, 200, body);
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}
