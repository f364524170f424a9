import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { ConnectionRegistry, type SimConnection, startIdleChecks } from '../../../sim/connections.js';
import { EventFaults } from '../../../sim/event-faults.js';
import { LoopbackServer, sendJson, sendText } from '../../../sim/loopback-server.js';
import { DEFAULT_INSTRUMENTS, type InstrumentSpec, MarketModel, type MarketOptions } from '../../../sim/market.js';
import { RestRateLimit } from '../../../sim/rest-rate-limit.js';
import type { MalformedKind, SimBookTruth, SimVenue, SimVenueOptions } from '../../../sim/sim-venue.js';
import { HYPERLIQUID_INFO_PATH, HYPERLIQUID_QUOTE, symbolFor } from '../instruments.js';
import { HYPERLIQUID_IDLE_CLOSE_MS } from '../limits.js';
import { HYPERLIQUID_GREETING } from '../parse.js';
import {
  DEFAULT_HYPERLIQUID_CADENCE,
  HYPERLIQUID_BOOK_LEVELS,
  HYPERLIQUID_ID,
  type HyperliquidCadence,
} from '../settings.js';
import { bookTopic, topicOfSubscription, tradeTopic } from '../topics.js';
import {
  errorJson,
  l2BookJson,
  metaEntryJson,
  metaJson,
  PONG_JSON,
  pictureLevels,
  subscriptionResponseJson,
  tradeJson,
  tradesJson,
} from './wire.js';

/** The simulator's WebSocket path (the real endpoint is `wss://api.hyperliquid.xyz/ws`). */
export const HYPERLIQUID_WS_PATH = '/ws';
/** Recent trades sent right after a `trades` subscription (the history batch). */
export const SIM_HISTORY_BATCH_SIZE = 10;
/** Levels a side the model keeps per picture: the default cadence's 20 (fast subscribers get the first 5). */
const PICTURE_LEVELS = HYPERLIQUID_BOOK_LEVELS.default;
/** First trade id: real tids are ~9 × 10^14 (documented example 907188554740561). */
const FIRST_TID = 907_188_554_740_000;
/**
 * The simulator's answers where the venue's exact text is not documented (see the folder README):
 * an unknown coin (`Invalid subscription {…}`), a refused subscription of a listed coin, an unsubscribe
 * of something not subscribed, and the REST rate limit.
 */
export const SIM_REFUSAL_PREFIX = 'Subscription refused: ';
export const SIM_RATE_LIMIT_BODY = 'null';
/** The answer to an `/info` body the venue cannot read (HTTP 422, as the live API answers). */
export const SIM_BAD_INFO_BODY = 'Failed to deserialize the JSON body into the target type';

export interface HyperliquidSimOptions extends SimVenueOptions {
  /** The cadence FlowRS is pointed at (its `FLOWRS_HYPERLIQUID_CADENCE`) and `truth()` reports for. */
  readonly cadence?: HyperliquidCadence;
  /** The venue closes a connection it has not heard from this long (60 s). */
  readonly idleCloseMs?: number;
}

/** One pushed `l2Book` picture: its time and the top 20 levels a side, [ticks, quantity], best first. */
interface Picture {
  readonly time: number;
  readonly bids: [number, number][];
  readonly asks: [number, number][];
}

interface SimCoin {
  readonly coin: string;
  readonly base: string;
  readonly spec: InstrumentSpec;
  readonly index: number;
  model: MarketModel;
  /** The newest picture that reached subscribers (through the faults): what a correct client holds. */
  delivered: Picture;
  /** The last trade objects, for the history batch. */
  readonly recentTrades: string[];
}

interface Connection extends SimConnection {
  /** Topic → whether the book subscription asked for `fast`. */
  readonly topics: Map<string, boolean>;
  lastHeardAt: number;
}

/**
 * Simulated Hyperliquid perpetuals on loopback, speaking the venue's wire: the greeting text,
 * `subscriptionResponse` acks echoing the subscription, `l2Book` whole pictures (20 levels, or 5 with
 * `fast`) timed by a strictly rising venue clock, `trades` with the taker's side and the history batch
 * on subscribe, `{"method":"ping"}` → `{"channel":"pong"}`, the 60 s idle close, `POST /info
 * {"type":"meta"}`, and error answers. Timer-free market: each `step(coin)` is one block, and pushes one
 * picture of that coin to its book subscribers (both cadences), plus its trades.
 */
export class HyperliquidSimVenue implements SimVenue {
  readonly id = HYPERLIQUID_ID;
  readonly faults = new EventFaults();
  readonly server: LoopbackServer;
  private readonly coins = new Map<string, SimCoin>();
  private readonly connections = new ConnectionRegistry<Connection>();
  private readonly rejectNext = new Set<string>();
  private readonly cadence: HyperliquidCadence;
  private readonly idleCloseMs: number;
  private readonly market: MarketOptions | undefined;
  private readonly seed: number;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly rateLimit = new RestRateLimit();
  private resets = 0;
  private clock = 0;
  private nextTid = FIRST_TID;
  readonly stats = {
    connectionsOpened: 0,
    subscribeRequests: 0,
    unsubscribeRequests: 0,
    ignoredRequests: 0,
    pings: 0,
    infoRequests: 0,
  };

  constructor(options: HyperliquidSimOptions) {
    this.seed = options.seed;
    this.market = options.market;
    this.cadence = options.cadence ?? DEFAULT_HYPERLIQUID_CADENCE;
    this.idleCloseMs = options.idleCloseMs ?? HYPERLIQUID_IDLE_CLOSE_MS;
    (options.instruments ?? DEFAULT_INSTRUMENTS).forEach((spec, index) => {
      // Binance-style simulator names: the base is the symbol without its USDT suffix.
      const base = spec.symbol.endsWith('USDT') ? spec.symbol.slice(0, -4) : spec.symbol;
      const coin = symbolFor(`${base}-${HYPERLIQUID_QUOTE}`);
      if (coin === undefined) throw new RangeError(`no Hyperliquid coin for ${spec.symbol}`);
      const model = new MarketModel(spec, this.modelSeed(index), options.market);
      const entry: SimCoin = {
        coin,
        base,
        spec,
        index,
        model,
        delivered: this.picture(model),
        recentTrades: [],
      };
      this.seedHistory(entry);
      this.coins.set(coin, entry);
    });
    this.server = new LoopbackServer(
      (req, res, url) => this.onRequest(req, res, url),
      (_req, url) =>
        url.pathname === HYPERLIQUID_WS_PATH
          ? { accept: true, context: undefined }
          : { accept: false, status: 404, body: 'Not Found' },
      (ws) => this.onConnection(ws),
    );
  }

  private modelSeed(index: number): number {
    return this.seed * 7_927 + index + this.resets * 104_729;
  }

  async listen(port = 0): Promise<number> {
    const bound = await this.server.listen('127.0.0.1', port);
    this.idleTimer = startIdleChecks(this.idleCloseMs, () => this.closeIdle());
    return bound;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.server.listeningPort}${HYPERLIQUID_WS_PATH}`;
  }

  get restBaseUrl(): string {
    return `http://127.0.0.1:${this.server.listeningPort}`;
  }

  env(): Record<string, string> {
    return {
      FLOWRS_HYPERLIQUID_WS_URL: this.wsUrl,
      FLOWRS_HYPERLIQUID_REST_URL: this.restBaseUrl,
      FLOWRS_HYPERLIQUID_CADENCE: this.cadence,
    };
  }

  symbols(): string[] {
    return [...this.coins.keys()];
  }

  canonical(symbol: string): string {
    return `${this.coin(symbol).base}-${HYPERLIQUID_QUOTE}`;
  }

  /** Sizes count the coin itself (kPEPE counts kPEPE = 1000PEPE units, as the model does): always `"1"`. */
  contractSize(symbol: string): string {
    this.coin(symbol);
    return '1';
  }

  private coin(symbol: string): SimCoin {
    const c = this.coins.get(symbol);
    if (!c) throw new Error(`unknown Hyperliquid coin ${symbol}`);
    return c;
  }

  // ---- market ---------------------------------------------------------------------------------

  /** A strictly rising venue clock (ms): two pictures of one coin never share a time. */
  private nextTime(): number {
    this.clock = Math.max(Date.now(), this.clock + 1);
    return this.clock;
  }

  private picture(model: MarketModel): Picture {
    return {
      time: this.nextTime(),
      bids: model.levels('bids', PICTURE_LEVELS),
      asks: model.levels('asks', PICTURE_LEVELS),
    };
  }

  /** Trades before the simulation began, so every coin has a history batch (liquid coins always do). */
  private seedHistory(c: SimCoin): void {
    const time = this.nextTime();
    for (let i = 0; i < SIM_HISTORY_BATCH_SIZE; i++) {
      const side = i % 2 === 0 ? 'buy' : 'sell';
      const ticks = side === 'buy' ? c.model.bestAsk() : c.model.bestBid();
      c.recentTrades.push(
        tradeJson(c.model, c.coin, { id: 0, ticks, quantity: 1, side }, this.nextTid++, time - 1_000 + i),
      );
    }
  }

  step(symbol?: string): void {
    if (symbol !== undefined) {
      this.stepCoin(this.coin(symbol));
      return;
    }
    for (const c of this.coins.values()) this.stepCoin(c);
  }

  private stepCoin(c: SimCoin): void {
    const { trades } = c.model.step();
    const picture = this.picture(c.model);
    this.faults.deliver(c.coin, () => this.deliver(c, picture));
    if (trades.length === 0) return;
    const json = trades.map((t) => tradeJson(c.model, c.coin, t, this.nextTid++, picture.time));
    c.recentTrades.push(...json);
    c.recentTrades.splice(0, Math.max(0, c.recentTrades.length - SIM_HISTORY_BATCH_SIZE));
    this.publish(tradeTopic(c.coin), () => tradesJson(json));
  }

  /** Sends a picture to the coin's book subscribers; the newest one delivered is what they hold. */
  private deliver(c: SimCoin, picture: Picture): void {
    if (picture.time > c.delivered.time) c.delivered = picture;
    const model = c.model;
    const json = { fast: '', default: '' };
    this.publish(bookTopic(c.coin), (fast) => {
      const key = fast ? 'fast' : 'default';
      if (json[key] === '') {
        const n = HYPERLIQUID_BOOK_LEVELS[key];
        json[key] = l2BookJson(model, c.coin, picture.time, picture.bids.slice(0, n), picture.asks.slice(0, n));
      }
      return json[key];
    });
  }

  private publish(topic: string, frame: (fast: boolean) => string): void {
    for (const conn of this.connections) {
      const fast = conn.topics.get(topic);
      if (fast !== undefined && !conn.stalled) sendText(conn.ws, frame(fast));
    }
  }

  /** The picture a correct subscriber holds now, at the depth of the cadence FlowRS is pointed at. */
  truth(symbol: string): SimBookTruth {
    return this.truthAt(symbol, this.cadence);
  }

  truthAt(symbol: string, cadence: HyperliquidCadence): SimBookTruth {
    const c = this.coin(symbol);
    const n = HYPERLIQUID_BOOK_LEVELS[cadence];
    return {
      updateId: c.delivered.time,
      bids: pictureLevels(c.model, c.delivered.bids.slice(0, n)),
      asks: pictureLevels(c.model, c.delivered.asks.slice(0, n)),
    };
  }

  // ---- faults ---------------------------------------------------------------------------------

  dropAllConnections(): void {
    this.connections.dropAll();
  }

  closeAllConnections(): void {
    this.connections.closeAll();
  }

  stall(options: { pong: boolean }): void {
    this.connections.stall(options.pong);
  }

  sendMalformed(kind: MalformedKind): void {
    for (const conn of this.connections) {
      const topic = [...conn.topics.keys()].find((t) => t.startsWith('l2Book:'));
      if (topic === undefined) continue;
      const c = this.coin(topic.slice('l2Book:'.length));
      const frames: Record<MalformedKind, () => string> = {
        invalid_json: () => `{"channel":"l2Book","data":{"coin":"${c.coin}","time":17`,
        wrong_types: () => `{"channel":"l2Book","data":{"coin":"${c.coin}","time":"soon","levels":"none"}}`,
        unknown_event: () => `{"channel":"mystery","data":{"coin":"${c.coin}"}}`,
        // Newer than every real picture so far (it takes a tick of the clock, so the next real one is newer
        // still): a client must drop it whole and keep its book; the next real picture then applies.
        bad_level: () =>
          `{"channel":"l2Book","data":{"coin":"${c.coin}","time":${this.nextTime()},"levels":[[{"px":"1e-8","sz":"1","n":1}],[]]}}`,
      };
      sendText(conn.ws, frames[kind]());
    }
  }

  /**
   * An unsequenced venue's reset is a jump: the coin's next picture is unrelated to the last (a fresh
   * market), pushed at once. A correct client simply replaces its book.
   */
  venueReset(symbol: string): void {
    const c = this.coin(symbol);
    this.resets++;
    c.model = new MarketModel(c.spec, this.modelSeed(c.index), this.market);
    const picture = this.picture(c.model);
    this.deliver(c, picture);
  }

  rejectNextSubscription(symbol: string): void {
    this.coin(symbol);
    this.rejectNext.add(symbol);
  }

  /** The list is the first REST request a connector makes: the rate-limit answer fails it. */
  failInstrumentList(count: number): void {
    this.rateLimit.limitNext(count);
  }

  rateLimitNext(count: number): void {
    this.rateLimit.limitNext(count);
  }

  /** Book and trade topics each open connection holds. */
  subscribers(symbol: string): number {
    return [...this.connections].filter((c) => [...c.topics.keys()].some((t) => t.endsWith(`:${symbol}`))).length;
  }

  subscriptions(): string[][] {
    return [...this.connections].map((c) => [...c.topics.keys()].sort());
  }

  // ---- transport ------------------------------------------------------------------------------

  private onConnection(ws: WebSocket): void {
    const conn: Connection = { ws, topics: new Map(), stalled: false, answersPings: true, lastHeardAt: Date.now() };
    this.connections.add(conn);
    this.stats.connectionsOpened++;
    sendText(ws, HYPERLIQUID_GREETING);
    this.connections.answerProtocolPings(conn, () => {
      conn.lastHeardAt = Date.now();
    });
    ws.on('message', (data) => {
      conn.lastHeardAt = Date.now();
      this.onMessage(conn, data.toString());
    });
  }

  /** The venue closes connections it has not heard from in 60 s. */
  private closeIdle(): void {
    for (const conn of this.connections.idle(this.idleCloseMs, (c) => c.lastHeardAt)) conn.ws.close(1000, 'idle');
  }

  private onMessage(conn: Connection, text: string): void {
    let request: { method?: unknown; subscription?: unknown };
    try {
      request = JSON.parse(text);
      if (typeof request !== 'object' || request === null) throw new Error('not an object');
    } catch {
      sendText(conn.ws, errorJson(`Invalid JSON: ${text.slice(0, 100)}`));
      return;
    }
    if (request.method === 'ping') {
      this.stats.pings++;
      if (conn.answersPings) sendText(conn.ws, PONG_JSON);
      return;
    }
    const { method, subscription } = request;
    // One subscription per message: anything else (a batch, a list) is silently ignored.
    if (
      (method !== 'subscribe' && method !== 'unsubscribe') ||
      typeof subscription !== 'object' ||
      subscription === null ||
      Array.isArray(subscription)
    ) {
      this.stats.ignoredRequests++;
      return;
    }
    const echo = JSON.stringify(subscription);
    const topic = topicOfSubscription(subscription);
    const coin = topic === undefined ? undefined : this.coins.get(topic.slice(topic.indexOf(':') + 1));
    if (method === 'subscribe') this.subscribe(conn, topic, coin, subscription, echo);
    else this.unsubscribe(conn, topic, echo);
  }

  private subscribe(
    conn: Connection,
    topic: string | undefined,
    c: SimCoin | undefined,
    subscription: object,
    echo: string,
  ): void {
    this.stats.subscribeRequests++;
    if (topic === undefined || c === undefined) {
      sendText(conn.ws, errorJson(`Invalid subscription ${echo}`));
      return;
    }
    const isBook = topic.startsWith('l2Book:');
    if (isBook && this.rejectNext.delete(c.coin)) {
      sendText(conn.ws, errorJson(`${SIM_REFUSAL_PREFIX}${echo}`));
      return;
    }
    if (conn.topics.has(topic)) {
      sendText(conn.ws, errorJson(`Already subscribed: ${echo}`));
      return;
    }
    conn.topics.set(topic, (subscription as { fast?: unknown }).fast === true);
    sendText(conn.ws, subscriptionResponseJson('subscribe', echo));
    if (isBook) {
      const n = HYPERLIQUID_BOOK_LEVELS[conn.topics.get(topic) ? 'fast' : 'default'];
      const p = c.delivered;
      sendText(conn.ws, l2BookJson(c.model, c.coin, p.time, p.bids.slice(0, n), p.asks.slice(0, n)));
    } else {
      sendText(conn.ws, tradesJson(c.recentTrades));
    }
  }

  private unsubscribe(conn: Connection, topic: string | undefined, echo: string): void {
    this.stats.unsubscribeRequests++;
    if (topic === undefined || !conn.topics.delete(topic)) {
      sendText(conn.ws, errorJson(`Already unsubscribed: ${echo}`));
      return;
    }
    sendText(conn.ws, subscriptionResponseJson('unsubscribe', echo));
  }

  private onRequest(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'POST' || url.pathname !== HYPERLIQUID_INFO_PATH) {
      sendJson(res, 404, 'Not Found', { 'Content-Type': 'text/plain' });
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => this.info(res, body));
  }

  private info(res: ServerResponse, body: string): void {
    this.stats.infoRequests++;
    if (this.rateLimit.limits()) {
      sendJson(res, 429, SIM_RATE_LIMIT_BODY);
      return;
    }
    let request: { type?: unknown };
    try {
      request = JSON.parse(body);
    } catch {
      request = {};
    }
    if (request?.type !== 'meta') {
      sendJson(res, 422, SIM_BAD_INFO_BODY, { 'Content-Type': 'text/plain' });
      return;
    }
    const entries = [...this.coins.values()].map((c) => metaEntryJson(c.coin, c.spec.quantityDecimals));
    sendJson(res, 200, metaJson(entries));
  }

  async stop(): Promise<void> {
    clearInterval(this.idleTimer);
    await this.server.stop();
  }
}
