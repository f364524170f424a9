import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import type { PriceLevel } from '../../../core/types.js';
import { EventFaults } from '../../../sim/event-faults.js';
import { LoopbackServer, sendJson, sendText } from '../../../sim/loopback-server.js';
import { DEFAULT_INSTRUMENTS, type InstrumentSpec, type MarketOptions, type SimTrade } from '../../../sim/market.js';
import type { Recording } from '../../../sim/recording.js';
import type { SimVenue } from '../../../sim/sim-venue.js';
import { BinanceDepthFeed, UpdateIdCounter } from './depth-feed.js';
import { parseStreamName, type Route, routeDelivers } from './streams.js';
import { aggTradeJson, combinedFrame, exchangeInfoJson } from './wire.js';

/** Venue limits, as documented (stream count, incoming messages, ping/pong, request weight). */
export const BINANCE_MAX_STREAMS_PER_CONNECTION = 200;
export const BINANCE_MAX_INCOMING_PER_SECOND = 10;
export const BINANCE_PING_INTERVAL_MS = 180_000;
export const BINANCE_PONG_TIMEOUT_MS = 600_000;
export const BINANCE_WEIGHT_LIMIT_PER_MINUTE = 2_400;
export const BINANCE_SNAPSHOT_LIMITS = [5, 10, 20, 50, 100, 500, 1000] as const;
/** Weight of `GET /fapi/v1/exchangeInfo`. */
export const BINANCE_EXCHANGE_INFO_WEIGHT = 1;
/** Longest connection URL accepted: 8,004 characters were measured in front of Binance's stream servers. */
export const BINANCE_MAX_URL_LENGTH_ACCEPTED = 8_004;
/** Instrument statuses exchangeInfo reports; only `TRADING` ones stream and trade. */
export type BinanceInstrumentStatus = 'TRADING' | 'SETTLING' | 'PENDING_TRADING' | 'DELIVERING' | 'CLOSE';

export function snapshotWeight(limit: number): number {
  if (limit <= 50) return 2;
  if (limit <= 100) return 5;
  if (limit <= 500) return 10;
  return 20;
}

export interface BinanceVenueOptions {
  readonly instruments?: readonly InstrumentSpec[];
  readonly seed?: number;
  readonly market?: MarketOptions;
  readonly pingIntervalMs?: number;
  readonly pongTimeoutMs?: number;
  readonly weightLimitPerMinute?: number;
}

/** A scripted answer to the next snapshot request(s). */
export interface SnapshotFault {
  readonly status: number;
  readonly retryAfterSec?: number;
  readonly body?: string;
}

interface Connection {
  readonly ws: WebSocket;
  readonly route: Route;
  combined: boolean;
  readonly streams: Set<string>;
  /** Socket stays open but receives no data. */
  stalled: boolean;
  answersPings: boolean;
  incomingWindowStart: number;
  incomingCount: number;
  lastPongAt: number;
  readonly openedAt: number;
}

export type MalformedKind = 'invalid_json' | 'wrong_types' | 'unknown_event' | 'bad_level';

/**
 * Simulated Binance USDⓈ-M futures: REST depth snapshots and diff-depth/aggTrade WebSocket streams,
 * wire-exact, over a seeded market whose true book tests can read at any moment.
 */
export class BinanceVenue implements SimVenue {
  readonly id = 'binance';
  readonly server: LoopbackServer;
  readonly faults = new EventFaults();
  private readonly feeds = new Map<string, BinanceDepthFeed>();
  private readonly ids: UpdateIdCounter;
  private readonly connections = new Set<Connection>();
  private readonly pingTimer: NodeJS.Timeout;
  private readonly pongTimeoutMs: number;
  private readonly weightLimit: number;
  private weightWindowStart = 0;
  private weightUsed = 0;
  private aggTradeId = 1;
  private tradeId = 1;
  private readonly snapshotFaults: SnapshotFault[] = [];
  private readonly exchangeInfoFaults: SnapshotFault[] = [];
  private readonly instrumentStatus = new Map<string, BinanceInstrumentStatus>();
  /** Weight spent by other clients on the same IP this minute (tests add it). */
  private foreignWeight = 0;
  private readonly staleSnapshots = new Map<string, string>();
  /** Symbols whose next snapshot answers carry an over-precise price, and how many are left. */
  private readonly badSnapshots = new Map<string, number>();
  private snapshotDelayMs = 0;
  /** Replay: recorded REST snapshots, served in place of the model's. */
  private readonly recordedSnapshots = new Map<string, string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Symbols whose next WebSocket connection is refused (`rejectNextSubscription`). */
  private readonly refuseNext = new Set<string>();
  /** Counters tests can read. */
  readonly stats = {
    snapshotRequests: 0,
    subscribeRequests: 0,
    connectionsOpened: 0,
    exchangeInfoRequests: 0,
    /** Snapshot requests per symbol (as asked, even unknown ones). */
    snapshotRequestsBySymbol: new Map<string, number>(),
  };

  constructor(options: BinanceVenueOptions = {}) {
    const seed = options.seed ?? 1;
    this.ids = new UpdateIdCounter(5_000_000_000_000, seed);
    (options.instruments ?? DEFAULT_INSTRUMENTS).forEach((spec, i) => {
      this.feeds.set(spec.symbol, new BinanceDepthFeed(spec, seed * 1_000 + i, this.ids, options.market));
    });
    this.pongTimeoutMs = options.pongTimeoutMs ?? BINANCE_PONG_TIMEOUT_MS;
    this.weightLimit = options.weightLimitPerMinute ?? BINANCE_WEIGHT_LIMIT_PER_MINUTE;
    this.server = new LoopbackServer(
      (req, res, url) => this.onRequest(req, res, url),
      (_req, url) => this.onUpgrade(url),
      (ws, context) => this.onConnection(ws, context as { route: Route; combined: boolean; streams: string[] }),
    );
    this.pingTimer = setInterval(() => this.pingAll(), options.pingIntervalMs ?? BINANCE_PING_INTERVAL_MS);
    this.pingTimer.unref();
  }

  async listen(port = 0): Promise<number> {
    return this.server.listen('127.0.0.1', port);
  }

  get wsBaseUrl(): string {
    return `ws://127.0.0.1:${this.server.listeningPort}`;
  }

  get restBaseUrl(): string {
    return `http://127.0.0.1:${this.server.listeningPort}`;
  }

  env(): Record<string, string> {
    return { FLOWRS_BINANCE_WS_URL: this.wsBaseUrl, FLOWRS_BINANCE_REST_URL: this.restBaseUrl };
  }

  canonical(symbol: string): string {
    return `${symbol.replace(/USDT$/, '')}-USDT`;
  }

  /** USDⓈ-M sizes are base units. */
  contractSize(_symbol: string): string {
    return '1';
  }

  /** Binance's ids never restart; its nearest event is a break in the chain (a symbol re-syncs). */
  venueReset(symbol: string): void {
    this.faults.withholdNext(symbol);
  }

  /** The next connection carrying `symbol`'s streams is refused, as Binance refuses a bad stream list. */
  rejectNextSubscription(symbol: string): void {
    this.refuseNext.add(symbol.toLowerCase());
  }

  loadRecording(recording: Recording): string[] {
    this.loadRecordedSnapshots(recording.snapshots);
    const symbols = new Set<string>(recording.snapshots.keys());
    for (const f of recording.frames) {
      const s = /"s":"([A-Z0-9]+)"/.exec(f)?.[1];
      if (s && f.includes('"e":"depthUpdate"')) symbols.add(s);
    }
    return [...symbols];
  }

  rateLimitNext(count: number): void {
    this.failSnapshots(count, { status: 429, retryAfterSec: 1 });
  }

  symbols(): string[] {
    return [...this.feeds.keys()];
  }

  /** Advances one symbol (or every symbol) by one venue event and publishes it. */
  step(symbol?: string): void {
    if (symbol !== undefined) {
      this.stepSymbol(symbol);
      return;
    }
    for (const s of this.feeds.keys()) this.stepSymbol(s);
  }

  private stepSymbol(symbol: string): void {
    const feed = this.feeds.get(symbol);
    if (!feed) throw new Error(`unknown symbol ${symbol}`);
    const now = Date.now();
    const { step, json } = feed.next(now);
    if (json !== undefined) this.faults.deliver(symbol, () => this.publish(symbol, 'depth', json));
    for (const trade of step.trades) this.publishTrade(feed, trade, now);
  }

  private publishTrade(feed: BinanceDepthFeed, trade: SimTrade, now: number): void {
    const first = this.tradeId;
    this.tradeId += 1 + (trade.id % 3);
    const json = aggTradeJson(
      feed.model,
      now,
      this.aggTradeId++,
      first,
      this.tradeId - 1,
      trade.ticks,
      trade.quantity,
      trade.side,
    );
    this.publish(feed.model.spec.symbol, 'aggTrade', json);
  }

  private publish(symbol: string, kind: 'depth' | 'aggTrade', json: string): void {
    for (const conn of this.connections) {
      if (conn.stalled) continue;
      for (const stream of conn.streams) {
        const parsed = parseStreamName(stream);
        if (!parsed || parsed.symbol !== symbol || parsed.kind !== kind) continue;
        if (!routeDelivers(conn.route, parsed.category)) continue;
        sendText(conn.ws, conn.combined ? combinedFrame(stream, json) : json);
      }
    }
  }

  /** Replay: serve these recorded REST snapshot bodies for their symbols. */
  loadRecordedSnapshots(snapshots: ReadonlyMap<string, string>): void {
    for (const [symbol, body] of snapshots) this.recordedSnapshots.set(symbol, body);
  }

  /**
   * Replay: delivers one recorded frame through the same routing as live data. The event (`data`) is
   * sent byte-exact; a combined envelope names the subscriber's own stream (a recorded `@depth@0ms`
   * event reaches a `@depth@100ms` subscriber). Returns false for frames that are not market events.
   */
  publishRecorded(frame: string): boolean {
    const match = /^\{"stream":"([^"]+)","data":(.*)\}$/s.exec(frame);
    const data = match ? match[2] : frame;
    const stream = match ? parseStreamName(match[1]) : undefined;
    const symbol = stream?.symbol ?? /"s":"([A-Z0-9]+)"/.exec(data)?.[1];
    const kind = data.startsWith('{"e":"depthUpdate"')
      ? 'depth'
      : data.startsWith('{"e":"aggTrade"')
        ? 'aggTrade'
        : undefined;
    if (symbol === undefined || kind === undefined) return false;
    this.publish(symbol, kind, data);
    return true;
  }

  /** The venue's true book right now: every level, best first, exact strings. */
  truth(symbol: string): { updateId: number; lastUpdateId: number; bids: PriceLevel[]; asks: PriceLevel[] } {
    const feed = this.feeds.get(symbol);
    if (!feed) throw new Error(`unknown symbol ${symbol}`);
    const m = feed.model;
    const fmt = ([t, q]: [number, number]): PriceLevel => [m.formatPrice(t), m.formatQuantity(q)];
    return {
      updateId: feed.lastUpdateId,
      lastUpdateId: feed.lastUpdateId,
      bids: m.levels('bids').map(fmt),
      asks: m.levels('asks').map(fmt),
    };
  }

  // ---- faults -------------------------------------------------------------------------------

  /** Every socket is cut without a close frame. */
  /** Every open connection's route and streams, for tests that check what a client subscribed to. */
  subscriptions(): { route: Route; streams: string[] }[] {
    return [...this.connections].map((c) => ({ route: c.route, streams: [...c.streams].sort() }));
  }

  subscribers(symbol: string): number {
    return [...this.connections].filter((c) => [...c.streams].some((s) => parseStreamName(s)?.symbol === symbol))
      .length;
  }

  dropAllConnections(): void {
    for (const conn of this.connections) conn.ws.terminate();
  }

  /** Every socket is closed cleanly, as Binance does when a connection reaches 24 hours. */
  closeAllConnections(code = 1000, reason = 'connection lifetime expired'): void {
    for (const conn of this.connections) conn.ws.close(code, reason);
  }

  /** Open connections stop receiving data (and, with `pong: false`, stop answering pings). New ones are healthy. */
  stall(options: { pong?: boolean } = {}): void {
    for (const conn of this.connections) {
      conn.stalled = true;
      conn.answersPings = options.pong ?? true;
    }
  }

  /** Sends a malformed frame on every connection that carries a depth stream. */
  sendMalformed(kind: MalformedKind): void {
    for (const conn of this.connections) {
      const stream = [...conn.streams].find((s) => parseStreamName(s)?.kind === 'depth') ?? [...conn.streams][0];
      if (!stream) continue;
      const symbol = parseStreamName(stream)?.symbol ?? 'BTCUSDT';
      // Chain-shaped like the next event (pu = the last u sent) so that only its bad level is wrong:
      // a client must drop it without advancing, and the real next event (same pu) still applies.
      const last = this.feeds.get(symbol)?.lastUpdateId ?? 0;
      const frames: Record<MalformedKind, string> = {
        invalid_json: `{"stream":"${stream}","data":{"e":"depthUpdate","E":17`,
        wrong_types: combinedFrame(
          stream,
          `{"e":"depthUpdate","E":"soon","T":1,"s":"${symbol}","U":"1","u":2,"pu":0,"b":{},"a":[]}`,
        ),
        unknown_event: combinedFrame(stream, `{"e":"mysteryEvent","E":${Date.now()},"s":"${symbol}"}`),
        bad_level: combinedFrame(
          stream,
          `{"e":"depthUpdate","E":${Date.now()},"T":1,"s":"${symbol}","U":${last + 1},"u":${last + 1},"pu":${last},"b":[["1e-8","1"]],"a":[]}`,
        ),
      };
      sendText(
        conn.ws,
        conn.combined ? frames[kind] : frames[kind].replace(/^\{"stream":"[^"]*","data":/, '').replace(/}$/, ''),
      );
    }
  }

  failInstrumentList(count: number): void {
    this.failExchangeInfo(count);
  }

  /** The next `count` exchangeInfo requests get this answer (default a 500) instead of the list. */
  failExchangeInfo(
    count: number,
    fault: SnapshotFault = {
      status: 500,
      body: '{"code":-1000,"msg":"An unknown error occurred while processing the request."}',
    },
  ): void {
    for (let i = 0; i < count; i++) this.exchangeInfoFaults.push(fault);
  }

  /** What exchangeInfo says of `symbol` (default TRADING); streams and snapshots are unaffected. */
  setInstrumentStatus(symbol: string, status: BinanceInstrumentStatus): void {
    this.instrumentStatus.set(symbol, status);
  }

  /**
   * Weight spent this minute by other processes on the client's IP: it counts towards the venue's
   * limit and shows in every answer's `X-MBX-USED-WEIGHT-1M`, until the minute rolls over.
   */
  addForeignWeight(weight: number): void {
    this.rollWeightWindow(Date.now());
    this.foreignWeight += weight;
    this.weightUsed += weight;
  }

  /** The IP's used weight this minute, as `X-MBX-USED-WEIGHT-1M` reports it. */
  usedWeight(): number {
    this.rollWeightWindow(Date.now());
    return this.weightUsed;
  }

  /** The next `count` snapshot requests get this answer instead of a book. */
  failSnapshots(count: number, fault: SnapshotFault): void {
    for (let i = 0; i < count; i++) this.snapshotFaults.push(fault);
  }

  /** Snapshot responses are delayed by `ms` (the body is taken when the request arrives). */
  setSnapshotDelay(ms: number): void {
    this.snapshotDelayMs = ms;
  }

  /** Captures `symbol`'s snapshot now; the next request for it returns this (by then older) book. */
  armStaleSnapshot(symbol: string): void {
    const feed = this.feeds.get(symbol);
    if (!feed) throw new Error(`unknown symbol ${symbol}`);
    this.staleSnapshots.set(symbol, feed.snapshotJson(Date.now(), 1000));
  }

  /**
   * The next `count` snapshots of `symbol` are true in every id and level but one: the best bid's
   * price gets more significant digits than a double holds exactly, which a client must refuse.
   */
  armBadSnapshot(symbol: string, count = 1): void {
    if (!this.feeds.has(symbol)) throw new Error(`unknown symbol ${symbol}`);
    this.badSnapshots.set(symbol, count);
  }

  // ---- transport ----------------------------------------------------------------------------

  private onUpgrade(url: URL): { accept: true; context: unknown } | { accept: false; status: number; body: string } {
    const segments = url.pathname.split('/').filter(Boolean);
    let route: Route = 'unrouted';
    if (segments[0] === 'public' || segments[0] === 'market') route = segments.shift() as Route;
    let streams: string[] = [];
    let combined: boolean;
    if (segments[0] === 'stream' && segments.length === 1) {
      combined = true;
      const list = url.searchParams.get('streams');
      streams = list ? list.split('/').filter(Boolean) : [];
    } else if (segments[0] === 'ws') {
      combined = false;
      streams = segments.slice(1);
    } else {
      return { accept: false, status: 404, body: '{"code":-1,"msg":"Not found"}' };
    }
    if (url.href.length - url.origin.length > BINANCE_MAX_URL_LENGTH_ACCEPTED) {
      return { accept: false, status: 414, body: '<html><body><h1>414 Request-URI Too Large</h1></body></html>' };
    }
    if (streams.length > BINANCE_MAX_STREAMS_PER_CONNECTION) {
      return { accept: false, status: 400, body: '{"code":-1,"msg":"Too many streams; at most 200 per connection"}' };
    }
    const refused = streams.map((s) => s.split('@')[0]).find((s) => this.refuseNext.delete(s));
    if (refused !== undefined) {
      return { accept: false, status: 400, body: `{"code":-1100,"msg":"Invalid stream for ${refused}"}` };
    }
    return { accept: true, context: { route, combined, streams } };
  }

  private onConnection(ws: WebSocket, context: { route: Route; combined: boolean; streams: string[] }): void {
    const now = Date.now();
    const conn: Connection = {
      ws,
      route: context.route,
      combined: context.combined,
      streams: new Set(context.streams),
      stalled: false,
      answersPings: true,
      incomingWindowStart: now,
      incomingCount: 0,
      lastPongAt: now,
      openedAt: now,
    };
    this.connections.add(conn);
    this.stats.connectionsOpened++;
    ws.on('ping', (data) => {
      if (conn.answersPings) ws.pong(data);
    });
    ws.on('pong', () => {
      conn.lastPongAt = Date.now();
    });
    ws.on('message', (data) => this.onMessage(conn, data.toString()));
    ws.on('close', () => this.connections.delete(conn));
    ws.on('error', () => this.connections.delete(conn));
  }

  private onMessage(conn: Connection, text: string): void {
    // The venue disconnects a connection that sends more than 10 messages a second.
    const now = Date.now();
    if (now - conn.incomingWindowStart >= 1000) {
      conn.incomingWindowStart = now;
      conn.incomingCount = 0;
    }
    if (++conn.incomingCount > BINANCE_MAX_INCOMING_PER_SECOND) {
      conn.ws.close(1008, 'Too many messages');
      return;
    }
    let request: { method?: unknown; params?: unknown; id?: unknown };
    try {
      request = JSON.parse(text);
    } catch {
      sendText(conn.ws, '{"code":3,"msg":"Invalid JSON: expected value at line 1 column 1"}');
      return;
    }
    const id = request.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      sendText(conn.ws, '{"code":2,"msg":"Invalid request: request ID must be an unsigned integer"}');
      return;
    }
    const params = Array.isArray(request.params) ? request.params : [];
    switch (request.method) {
      case 'SUBSCRIBE': {
        this.stats.subscribeRequests++;
        if (params.some((p) => typeof p !== 'string' || parseStreamName(p) === undefined)) {
          sendText(conn.ws, `{"code":2,"msg":"Invalid request: invalid stream name","id":${id}}`);
          return;
        }
        const next = new Set([...conn.streams, ...(params as string[])]);
        if (next.size > BINANCE_MAX_STREAMS_PER_CONNECTION) {
          sendText(conn.ws, `{"code":-1,"msg":"Too many streams; at most 200 per connection","id":${id}}`);
          return;
        }
        for (const p of params as string[]) conn.streams.add(p);
        sendText(conn.ws, `{"result":null,"id":${id}}`);
        return;
      }
      case 'UNSUBSCRIBE':
        for (const p of params) if (typeof p === 'string') conn.streams.delete(p);
        sendText(conn.ws, `{"result":null,"id":${id}}`);
        return;
      case 'LIST_SUBSCRIPTIONS':
        sendText(conn.ws, JSON.stringify({ result: [...conn.streams], id }));
        return;
      case 'SET_PROPERTY':
        if (params[0] === 'combined' && typeof params[1] === 'boolean') {
          conn.combined = params[1];
          sendText(conn.ws, `{"result":null,"id":${id}}`);
        } else sendText(conn.ws, `{"code":0,"msg":"Unknown property","id":${id}}`);
        return;
      case 'GET_PROPERTY':
        if (params[0] === 'combined') sendText(conn.ws, `{"result":${conn.combined},"id":${id}}`);
        else sendText(conn.ws, `{"code":0,"msg":"Unknown property","id":${id}}`);
        return;
      default:
        sendText(
          conn.ws,
          `{"code":2,"msg":"Invalid request: unknown variant ${String(request.method)}, expected one of SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY","id":${id}}`,
        );
    }
  }

  private pingAll(): void {
    const now = Date.now();
    for (const conn of this.connections) {
      if (now - conn.lastPongAt > this.pongTimeoutMs) {
        conn.ws.terminate();
        continue;
      }
      conn.ws.ping();
    }
  }

  private rollWeightWindow(now: number): void {
    if (now - this.weightWindowStart >= 60_000) {
      this.weightWindowStart = now - (now % 60_000);
      this.weightUsed = 0;
      this.foreignWeight = 0;
    }
  }

  /** Counts a request's weight; every answer reports the minute's total in `X-MBX-USED-WEIGHT-1M`. */
  private spendWeight(weight: number, now: number): Record<string, string> {
    this.rollWeightWindow(now);
    this.weightUsed += weight;
    return { 'X-MBX-USED-WEIGHT-1M': String(this.weightUsed) };
  }

  /** A 429 with Retry-After until the minute rolls over, if the IP is past the limit. */
  private overLimit(res: ServerResponse, now: number, weightHeader: Record<string, string>): boolean {
    if (this.weightUsed <= this.weightLimit) return false;
    const retryAfter = Math.ceil((this.weightWindowStart + 60_000 - now) / 1000);
    sendJson(res, 429, '{"code":-1003,"msg":"Too many requests; current limit of IP is 2400 requests per minute."}', {
      ...weightHeader,
      'Retry-After': String(retryAfter),
    });
    return true;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method === 'GET' && url.pathname === '/fapi/v1/exchangeInfo') {
      this.onExchangeInfo(res);
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/fapi/v1/depth') {
      sendJson(res, 404, '{"code":-1,"msg":"Not found"}', { 'X-MBX-USED-WEIGHT-1M': String(this.usedWeight()) });
      return;
    }
    this.stats.snapshotRequests++;
    const symbol = url.searchParams.get('symbol') ?? '';
    this.stats.snapshotRequestsBySymbol.set(symbol, (this.stats.snapshotRequestsBySymbol.get(symbol) ?? 0) + 1);
    const limit = Number(url.searchParams.get('limit') ?? 500);
    const now = Date.now();
    const weightHeader = this.spendWeight(snapshotWeight(limit), now);
    const fault = this.snapshotFaults.shift();
    if (fault) {
      const headers: Record<string, string> = { ...weightHeader };
      if (fault.retryAfterSec !== undefined) headers['Retry-After'] = String(fault.retryAfterSec);
      const body = fault.body ?? `{"code":-1003,"msg":"Too many requests; simulated status ${fault.status}."}`;
      sendJson(res, fault.status, body, headers);
      return;
    }
    if (this.overLimit(res, now, weightHeader)) return;
    const recorded = this.recordedSnapshots.get(symbol);
    if (recorded !== undefined) {
      sendJson(res, 200, recorded, weightHeader);
      return;
    }
    const feed = this.feeds.get(symbol);
    if (!feed) {
      sendJson(res, 400, '{"code":-1121,"msg":"Invalid symbol."}', weightHeader);
      return;
    }
    if (!(BINANCE_SNAPSHOT_LIMITS as readonly number[]).includes(limit)) {
      sendJson(res, 400, `{"code":-1130,"msg":"Data sent for parameter 'limit' is not valid."}`, weightHeader);
      return;
    }
    const stale = this.staleSnapshots.get(symbol);
    if (stale !== undefined) this.staleSnapshots.delete(symbol);
    let body = stale ?? feed.snapshotJson(now, limit);
    const bad = this.badSnapshots.get(symbol) ?? 0;
    if (bad > 0) {
      this.badSnapshots.set(symbol, bad - 1);
      body = body.replace(/"bids":\[\["([0-9.]+)"/, (_m, price: string) => `"bids":[["${price}000000000001"`);
    }
    if (this.snapshotDelayMs <= 0) {
      sendJson(res, 200, body, weightHeader);
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!res.destroyed) sendJson(res, 200, body, weightHeader);
    }, this.snapshotDelayMs);
    this.timers.add(timer);
  }

  /** `GET /fapi/v1/exchangeInfo`: every simulated instrument, as a USDⓈ-M perpetual. */
  private onExchangeInfo(res: ServerResponse): void {
    this.stats.exchangeInfoRequests++;
    const now = Date.now();
    const weightHeader = this.spendWeight(BINANCE_EXCHANGE_INFO_WEIGHT, now);
    const fault = this.exchangeInfoFaults.shift();
    if (fault) {
      const headers: Record<string, string> = { ...weightHeader };
      if (fault.retryAfterSec !== undefined) headers['Retry-After'] = String(fault.retryAfterSec);
      sendJson(res, fault.status, fault.body ?? '{"code":-1000,"msg":"An unknown error occurred."}', headers);
      return;
    }
    if (this.overLimit(res, now, weightHeader)) return;
    const instruments = [...this.feeds.values()].map((feed) => ({
      model: feed.model,
      status: this.instrumentStatus.get(feed.model.spec.symbol) ?? 'TRADING',
    }));
    sendJson(res, 200, exchangeInfoJson(instruments, now, this.weightLimit), weightHeader);
  }

  async stop(): Promise<void> {
    clearInterval(this.pingTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.server.stop();
  }
}
