import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { ConnectionRegistry, type SimConnection, startIdleChecks } from '../../../sim/connections.js';
import { DepthWindow } from '../../../sim/depth-window.js';
import { EventFaults } from '../../../sim/event-faults.js';
import { parseJsonObject } from '../../../sim/json-request.js';
import { LoopbackServer, sendJson, sendText } from '../../../sim/loopback-server.js';
import { DEFAULT_INSTRUMENTS, formatUnits, type InstrumentSpec, MarketModel } from '../../../sim/market.js';
import { SeededRandom } from '../../../sim/random.js';
import { RestRateLimit } from '../../../sim/rest-rate-limit.js';
import { splitSimSymbol } from '../../../sim/sim-symbol.js';
import type { MalformedKind, SimBookTruth, SimVenue, SimVenueOptions } from '../../../sim/sim-venue.js';
import { CHECKSUM_LEVELS, top25Checksum } from '../../kit/top25-checksum.js';
import { BITGET_CONTRACTS_PATH, BITGET_QUOTE } from '../instruments.js';
import { BITGET_IDLE_CLOSE_MS } from '../limits.js';
import { BITGET_DOES_NOT_EXIST_CODE, BITGET_PONG } from '../parse.js';
import { BITGET_PING } from '../protocol.js';
import { BITGET_ID } from '../settings.js';
import { BITGET_BOOK_CHANNEL, BITGET_INST_TYPE, BITGET_TRADE_CHANNEL, bookTopic, tradeTopic } from '../topics.js';
import {
  ackJson,
  booksJson,
  contractJson,
  doesNotExistMessage,
  errorJson,
  restErrorJson,
  restJson,
  tradeJson,
  tradesJson,
  type WireLevel,
} from './wire.js';

/** The simulator's WebSocket path (the real endpoint is `wss://ws.bitget.com/v2/ws/public`). */
export const BITGET_WS_PATH = '/v2/ws/public';
/** Levels a side the `books` channel carries: a live probe saw v2 snapshots of up to 500 a side. */
export const BITGET_SIM_BOOK_LEVELS = 500;
/** Largest `seq` step between two pushes of one book (live steps are in the hundreds, never +1). */
export const BITGET_SIM_MAX_SEQ_STEP = 200;
/** Recent trades in the `snapshot` push that follows a `trade` subscription. */
export const BITGET_SIM_TRADE_SNAPSHOT_SIZE = 30;
/** WebSocket error codes (ccxt's table of the documented codes; 30016 seen live for a bad channel). */
export const BITGET_WS_ILLEGAL_REQUEST = 30002;
export const BITGET_WS_INVALID_OP = 30003;
export const BITGET_WS_TOO_MANY_REQUESTS = 30006;
export const BITGET_WS_PARAM_ERROR = 30016;
/** The simulator's REST answers where the docs give no example: the rate limit and a bad productType. */
export const SIM_REST_RATE_LIMIT_CODE = '429';
export const SIM_REST_PARAM_ERROR_CODE = '40034';

export type BitgetChecksumMode =
  /** `"checksum":0` on every push (the field kept, the check retired). */
  | 'zero'
  /** No `checksum` key at all (the live v2 wire in 2026). */
  | 'absent'
  /** The historic CRC32 of the top 25 levels a side. */
  | 'crc';

export type BitgetSequenceMode =
  /** Updates carry `pseq` = the previous push's `seq` (the live v2 wire in 2026; snapshots carry pseq 0). */
  | 'pseq'
  /** Only `seq`, "incrementing except during symbol maintenance" (the classic docs' table). */
  | 'seq';

export interface BitgetSimVenueOptions extends SimVenueOptions {
  readonly checksum?: BitgetChecksumMode;
  /**
   * Default `pseq`: with `seq` alone and no checksum a lost update cannot be detected by any client, so
   * a withheld update leaves every subscriber wrong (use `checksum: 'crc'` with `seq`).
   */
  readonly sequence?: BitgetSequenceMode;
  /** The venue closes a connection that has not sent the text `ping` this long (2 min). */
  readonly idleCloseMs?: number;
}

interface SimInstrument {
  readonly instId: string;
  readonly base: string;
  readonly model: MarketModel;
  /** Decimals of a price on the wire (the model's, plus 3 for `1000…` symbols). */
  readonly priceDecimals: number;
  /** Decimals of a size on the wire; negative: whole numbers of 10^-n model units. */
  readonly sizeDecimals: number;
  seq: number;
  readonly window: DepthWindow;
  /** The last trade objects (JSON), newest first, for the snapshot push. */
  readonly recentTrades: string[];
  lastTradeId: bigint;
}

interface Connection extends SimConnection {
  readonly topics: Set<string>;
  lastPingAt: number;
}

/** Units at `decimals` as an exact string, keeping trailing zeros; negative decimals multiply. */
function wireDecimal(units: number, decimals: number): string {
  return decimals >= 0 ? formatUnits(units, decimals) : String(units * 10 ** -decimals);
}

/**
 * Simulated Bitget v2 public (USDT-FUTURES) on loopback: `books` (a snapshot on subscribe and again on
 * a repeated subscribe, then updates whose `seq` rises by 1…200, with `pseq` or without, `checksum` 0,
 * absent or the CRC32), `trade` (a snapshot push of recent trades, then updates; taker side; base-coin
 * sizes), one ack or error per argument, the text ping/pong and the 2-minute no-ping close, symbol
 * maintenance (`venueReset`), and `GET /api/v2/mix/market/contracts`.
 */
export class BitgetSimVenue implements SimVenue {
  readonly id = BITGET_ID;
  readonly server: LoopbackServer;
  readonly faults = new EventFaults();
  private readonly instruments = new Map<string, SimInstrument>();
  private readonly connections = new ConnectionRegistry<Connection>();
  private readonly rng: SeededRandom;
  private checksumMode: BitgetChecksumMode;
  private sequenceMode: BitgetSequenceMode;
  private readonly idleCloseMs: number;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly rejectNext = new Set<string>();
  private readonly rateLimit = new RestRateLimit();
  readonly stats = {
    connectionsOpened: 0,
    subscribeRequests: 0,
    unsubscribeRequests: 0,
    pings: 0,
    contractRequests: 0,
    idleCloses: 0,
    /** 30001 answers sent (subscriptions naming an instrument the venue does not list). */
    doesNotExist: 0,
  };

  constructor(options: BitgetSimVenueOptions) {
    this.rng = new SeededRandom(options.seed * 6_151 + 11);
    this.checksumMode = options.checksum ?? 'zero';
    this.sequenceMode = options.sequence ?? 'pseq';
    this.idleCloseMs = options.idleCloseMs ?? BITGET_IDLE_CLOSE_MS;
    (options.instruments ?? DEFAULT_INSTRUMENTS).forEach((spec, i) => {
      const instrument = this.makeInstrument(spec, options.seed * 7_907 + i, options);
      this.instruments.set(instrument.instId, instrument);
    });
    this.server = new LoopbackServer(
      (req, res, url) => this.onRequest(req, res, url),
      (_req, url) =>
        url.pathname === BITGET_WS_PATH
          ? { accept: true, context: undefined }
          : { accept: false, status: 404, body: 'Not Found' },
      (ws) => this.onConnection(ws),
    );
  }

  private makeInstrument(spec: InstrumentSpec, seed: number, options: SimVenueOptions): SimInstrument {
    // `1000PEPEUSDT` (Binance-style) is Bitget's `PEPEUSDT`: prices per 1 PEPE, sizes in PEPE.
    const { base, scale } = splitSimSymbol(spec.symbol, BITGET_QUOTE);
    const model = new MarketModel(spec, seed, options.market);
    return {
      instId: `${base}${BITGET_QUOTE}`,
      base,
      model,
      priceDecimals: spec.priceDecimals + scale,
      sizeDecimals: spec.quantityDecimals - scale,
      seq: 400_000_000_000 + this.rng.int(0, 1_000_000_000),
      window: new DepthWindow(model, BITGET_SIM_BOOK_LEVELS),
      recentTrades: [],
      lastTradeId: 1_300_000_000_000_000_000n + BigInt(this.rng.int(0, 1_000_000)),
    };
  }

  async listen(port = 0): Promise<number> {
    const bound = await this.server.listen('127.0.0.1', port);
    this.idleTimer = startIdleChecks(this.idleCloseMs, () => this.closeIdle());
    return bound;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.server.listeningPort}${BITGET_WS_PATH}`;
  }

  get restBaseUrl(): string {
    return `http://127.0.0.1:${this.server.listeningPort}`;
  }

  env(): Record<string, string> {
    return { FLOWRS_BITGET_WS_URL: this.wsUrl, FLOWRS_BITGET_REST_URL: this.restBaseUrl };
  }

  symbols(): string[] {
    return [...this.instruments.keys()];
  }

  canonical(symbol: string): string {
    return `${this.instrument(symbol).base}-${BITGET_QUOTE}`;
  }

  /** Bitget sizes count the base coin. */
  contractSize(symbol: string): string {
    this.instrument(symbol);
    return '1';
  }

  private instrument(symbol: string): SimInstrument {
    const instrument = this.instruments.get(symbol);
    if (!instrument) throw new Error(`unknown Bitget instrument ${symbol}`);
    return instrument;
  }

  setChecksumMode(mode: BitgetChecksumMode): void {
    this.checksumMode = mode;
  }

  setSequenceMode(mode: BitgetSequenceMode): void {
    this.sequenceMode = mode;
  }

  // ---- market ------------------------------------------------------------------------------

  step(symbol?: string): void {
    if (symbol !== undefined) this.stepInstrument(this.instrument(symbol));
    else for (const instrument of this.instruments.values()) this.stepInstrument(instrument);
  }

  private stepInstrument(instrument: SimInstrument): void {
    const step = instrument.model.step();
    const ts = Date.now();
    const json = this.nextUpdate(instrument, ts, this.rng.int(1, BITGET_SIM_MAX_SEQ_STEP));
    if (json !== undefined) {
      this.faults.deliver(instrument.instId, () => this.publish(bookTopic(instrument.instId), json));
    }
    if (step.trades.length === 0) return;
    const trades = step.trades.map((t) =>
      tradeJson({
        tradeId: String(++instrument.lastTradeId),
        price: this.price(instrument, t.ticks),
        size: this.size(instrument, t.quantity),
        side: t.side,
        ts: ts - 1,
      }),
    );
    // Newest first, as the venue lists them.
    trades.reverse();
    instrument.recentTrades.unshift(...trades);
    instrument.recentTrades.length = Math.min(instrument.recentTrades.length, BITGET_SIM_TRADE_SNAPSHOT_SIZE);
    this.publish(tradeTopic(instrument.instId), tradesJson(instrument.instId, 'update', trades, ts));
  }

  /** The update that brings the window to the model's top levels, with `seq` moved to `nextSeq`'s rule; undefined when nothing changed. */
  private nextUpdate(instrument: SimInstrument, ts: number, seqStep: number, resetTo?: number): string | undefined {
    const bids = this.windowChanges(instrument, 'bids');
    const asks = this.windowChanges(instrument, 'asks');
    if (bids.length === 0 && asks.length === 0 && resetTo === undefined) return undefined;
    const previous = instrument.seq;
    instrument.seq = resetTo ?? previous + seqStep;
    return booksJson({
      instId: instrument.instId,
      action: 'update',
      bids,
      asks,
      checksum: this.checksum(instrument),
      seq: instrument.seq,
      // After a restart "pseq=0" (UTA docs); otherwise the previous push's seq.
      pseq: this.sequenceMode === 'pseq' ? (resetTo === undefined ? previous : 0) : undefined,
      ts,
    });
  }

  /** The levels subscribers must be told so their window equals the venue's top levels (size 0: left it). */
  private windowChanges(instrument: SimInstrument, side: 'bids' | 'asks'): WireLevel[] {
    return instrument.window.advance(side).map(([ticks, quantity]) => this.level(instrument, ticks, quantity));
  }

  private price(instrument: SimInstrument, ticks: number): string {
    return wireDecimal(ticks * instrument.model.spec.tickUnits, instrument.priceDecimals);
  }

  private size(instrument: SimInstrument, quantity: number): string {
    return wireDecimal(quantity, instrument.sizeDecimals);
  }

  private level(instrument: SimInstrument, ticks: number, quantity: number): WireLevel {
    return [this.price(instrument, ticks), quantity === 0 ? '0' : this.size(instrument, quantity)];
  }

  private windowLevels(instrument: SimInstrument, side: 'bids' | 'asks', limit = BITGET_SIM_BOOK_LEVELS): WireLevel[] {
    return instrument.window.levels(side, limit).map(([ticks, quantity]) => this.level(instrument, ticks, quantity));
  }

  private checksum(instrument: SimInstrument): number | undefined {
    if (this.checksumMode === 'absent') return undefined;
    if (this.checksumMode === 'zero') return 0;
    return top25Checksum(
      this.windowLevels(instrument, 'bids', CHECKSUM_LEVELS),
      this.windowLevels(instrument, 'asks', CHECKSUM_LEVELS),
    );
  }

  private snapshotJson(instrument: SimInstrument): string {
    return booksJson({
      instId: instrument.instId,
      action: 'snapshot',
      bids: this.windowLevels(instrument, 'bids'),
      asks: this.windowLevels(instrument, 'asks'),
      checksum: this.checksum(instrument),
      seq: instrument.seq,
      pseq: this.sequenceMode === 'pseq' ? 0 : undefined,
      ts: Date.now(),
    });
  }

  truth(symbol: string): SimBookTruth {
    const instrument = this.instrument(symbol);
    return {
      updateId: instrument.seq,
      bids: this.windowLevels(instrument, 'bids'),
      asks: this.windowLevels(instrument, 'asks'),
    };
  }

  private publish(topic: string, json: string): void {
    this.connections.publish(json, (conn) => conn.topics.has(topic));
  }

  /**
   * Symbol maintenance: "The seq of update incremental messages is incrementing except during symbol
   * maintenance". The next update's `seq` jumps back to a small number (with `pseq` 0 in the pseq
   * variant), then every book subscriber gets a fresh snapshot from which the sequence continues.
   */
  venueReset(symbol: string): void {
    const instrument = this.instrument(symbol);
    instrument.model.step();
    const json = this.nextUpdate(instrument, Date.now(), 0, this.rng.int(1, 9));
    const topic = bookTopic(instrument.instId);
    // A venue event like any other: `faults.withholdNext` before it loses the jump itself.
    if (json !== undefined) this.faults.deliver(instrument.instId, () => this.publish(topic, json));
    this.publish(topic, this.snapshotJson(instrument));
  }

  // ---- faults ------------------------------------------------------------------------------

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
      const topic = [...conn.topics].find((t) => t.startsWith(`${BITGET_BOOK_CHANNEL}:`));
      if (topic === undefined) continue;
      const instrument = this.instrument(topic.slice(BITGET_BOOK_CHANNEL.length + 1));
      const { instId, seq } = instrument;
      const arg = `{"instType":"${BITGET_INST_TYPE}","channel":"books","instId":"${instId}"}`;
      const frames: Record<MalformedKind, () => string> = {
        invalid_json: () => `{"action":"update","arg":${arg},"data":[{"asks":[`,
        wrong_types: () =>
          `{"action":"update","arg":${arg},"data":[{"asks":"none","bids":[],"ts":"soon","seq":"x${seq}"}],"ts":1}`,
        unknown_event: () => `{"event":"mystery","arg":${arg}}`,
        // Shaped like the next update (pseq = the current seq) with an invalid level: it must be dropped
        // without advancing, so the real next update (same pseq) still applies.
        bad_level: () =>
          booksJson({
            instId,
            action: 'update',
            bids: [['1e-8', '1']],
            asks: [],
            checksum: this.checksumMode === 'absent' ? undefined : 0,
            seq: seq + 1,
            pseq: this.sequenceMode === 'pseq' ? seq : undefined,
            ts: Date.now(),
          }),
      };
      sendText(conn.ws, frames[kind]());
    }
  }

  rejectNextSubscription(symbol: string): void {
    this.instrument(symbol);
    this.rejectNext.add(symbol);
  }

  /** The list is the first REST request a connector makes: the rate-limit answer fails it. */
  failInstrumentList(count: number): void {
    this.rateLimit.limitNext(count);
  }

  rateLimitNext(count: number): void {
    this.rateLimit.limitNext(count);
  }

  /** Topics each open connection is subscribed to. */
  subscribers(symbol: string): number {
    return [...this.connections].filter((c) => [...c.topics].some((t) => t.endsWith(`:${symbol}`))).length;
  }

  subscriptions(): string[][] {
    return [...this.connections].map((c) => [...c.topics].sort());
  }

  // ---- WebSocket ---------------------------------------------------------------------------

  private onConnection(ws: WebSocket): void {
    const conn: Connection = { ws, topics: new Set(), stalled: false, answersPings: true, lastPingAt: Date.now() };
    this.connections.add(conn);
    this.stats.connectionsOpened++;
    ws.on('message', (data) => this.onMessage(conn, data.toString()));
  }

  /** "Websocket server will disconnect the connection if there is no string "ping" received for 2 min". */
  private closeIdle(): void {
    for (const conn of this.connections.idle(this.idleCloseMs, (c) => c.lastPingAt)) {
      this.stats.idleCloses++;
      conn.ws.terminate();
    }
  }

  private onMessage(conn: Connection, text: string): void {
    if (text === BITGET_PING) {
      this.stats.pings++;
      conn.lastPingAt = Date.now();
      if (conn.answersPings) sendText(conn.ws, BITGET_PONG);
      return;
    }
    const request = parseJsonObject(text);
    if (request === undefined) {
      sendText(conn.ws, errorJson(BITGET_WS_ILLEGAL_REQUEST, 'Illegal request'));
      return;
    }
    const { op } = request;
    if (op !== 'subscribe' && op !== 'unsubscribe') {
      sendText(conn.ws, errorJson(BITGET_WS_INVALID_OP, 'Invalid op', undefined, String(op)));
      return;
    }
    const args = Array.isArray(request.args) ? request.args : [];
    if (args.length === 0) {
      sendText(conn.ws, errorJson(BITGET_WS_PARAM_ERROR, 'Param error', undefined, op));
      return;
    }
    if (op === 'subscribe') this.stats.subscribeRequests++;
    else this.stats.unsubscribeRequests++;
    for (const raw of args) {
      const { instType, channel, instId } = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<
        string,
        unknown
      >;
      if (typeof instType !== 'string' || typeof channel !== 'string' || typeof instId !== 'string') {
        sendText(conn.ws, errorJson(BITGET_WS_PARAM_ERROR, 'Param error', undefined, op));
        continue;
      }
      const arg = { instType, channel, instId };
      if (op === 'subscribe') this.subscribe(conn, arg);
      else this.unsubscribe(conn, arg);
    }
  }

  private subscribe(conn: Connection, arg: { instType: string; channel: string; instId: string }): void {
    const { instType, channel, instId } = arg;
    // A channel or instType the public v2 socket does not offer: "30016 Param error" (seen live).
    if (instType !== BITGET_INST_TYPE || (channel !== BITGET_BOOK_CHANNEL && channel !== BITGET_TRADE_CHANNEL)) {
      sendText(conn.ws, errorJson(BITGET_WS_PARAM_ERROR, 'Param error', arg, 'subscribe'));
      return;
    }
    const instrument = this.instruments.get(instId);
    if (instrument === undefined) {
      const code = Number(BITGET_DOES_NOT_EXIST_CODE);
      this.stats.doesNotExist++;
      sendText(conn.ws, errorJson(code, doesNotExistMessage(instType, channel, instId), arg, 'subscribe'));
      return;
    }
    if (channel === BITGET_BOOK_CHANNEL && this.rejectNext.delete(instId)) {
      sendText(conn.ws, errorJson(BITGET_WS_TOO_MANY_REQUESTS, 'request too many', arg, 'subscribe'));
      return;
    }
    // A repeated subscribe is acknowledged again (and re-sends the snapshot), never refused.
    conn.topics.add(`${channel}:${instId}`);
    sendText(conn.ws, ackJson('subscribe', channel, instId, instType));
    if (channel === BITGET_BOOK_CHANNEL) {
      sendText(conn.ws, this.snapshotJson(instrument));
    } else {
      sendText(conn.ws, tradesJson(instId, 'snapshot', instrument.recentTrades, Date.now()));
    }
  }

  private unsubscribe(conn: Connection, arg: { instType: string; channel: string; instId: string }): void {
    conn.topics.delete(`${arg.channel}:${arg.instId}`);
    sendText(conn.ws, ackJson('unsubscribe', arg.channel, arg.instId, arg.instType));
  }

  // ---- REST --------------------------------------------------------------------------------

  private onRequest(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const now = Date.now();
    if (this.rateLimit.limits()) {
      sendJson(res, 429, restErrorJson(SIM_REST_RATE_LIMIT_CODE, 'Too Many Requests', now));
      return;
    }
    if (req.method === 'GET' && url.pathname === BITGET_CONTRACTS_PATH) {
      this.stats.contractRequests++;
      if (url.searchParams.get('productType') !== BITGET_INST_TYPE) {
        sendJson(res, 400, restErrorJson(SIM_REST_PARAM_ERROR_CODE, 'Parameter productType error', now));
        return;
      }
      const entries = [...this.instruments.values()].map((i) =>
        contractJson({
          symbol: i.instId,
          baseCoin: i.base,
          pricePlace: i.priceDecimals,
          priceEndStep: i.model.spec.tickUnits,
          volumePlace: Math.max(0, i.sizeDecimals),
          sizeMultiplier: wireDecimal(1, i.sizeDecimals),
        }),
      );
      sendJson(res, 200, restJson(`[${entries.join(',')}]`, now));
      return;
    }
    sendJson(res, 404, restErrorJson('404', 'Not Found', now));
  }

  async stop(): Promise<void> {
    clearInterval(this.idleTimer);
    await this.server.stop();
  }
}
