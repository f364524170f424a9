import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { ConnectionRegistry, type SimConnection } from '../../../sim/connections.js';
import { DepthWindow } from '../../../sim/depth-window.js';
import { EventFaults } from '../../../sim/event-faults.js';
import { parseJsonObject } from '../../../sim/json-request.js';
import { LoopbackServer, sendJson, sendText } from '../../../sim/loopback-server.js';
import { DEFAULT_INSTRUMENTS, formatUnits, type InstrumentSpec, MarketModel } from '../../../sim/market.js';
import { SeededRandom } from '../../../sim/random.js';
import { RestRateLimit } from '../../../sim/rest-rate-limit.js';
import { splitSimSymbol } from '../../../sim/sim-symbol.js';
import type { MalformedKind, SimBookTruth, SimVenue, SimVenueOptions } from '../../../sim/sim-venue.js';
import { top25Checksum } from '../../kit/top25-checksum.js';
import { OKX_INSTRUMENTS_PATH } from '../instruments.js';
import { OKX_PONG } from '../parse.js';
import { OKX_PING } from '../protocol.js';
import { OKX_REST_BOOKS_PATH } from '../restSnapshot.js';
import { OKX_BOOK_CHANNEL, OKX_BOOK_DEPTH, OKX_ID, OKX_TRADE_CHANNEL } from '../settings.js';
import {
  argAckJson,
  booksJson,
  doesNotExistMessage,
  errorJson,
  INTERNAL_ERROR_CODE,
  instrumentJson,
  internalErrorMessage,
  restBooksJson,
  restErrorJson,
  restJson,
  tradesJson,
  type WireLevel,
} from './wire.js';

export const OKX_PUBLIC_PATH = '/ws/v5/public';
/** Largest seqId step between two pushes (live captures show jumps of 7…93; the simulator draws 1…90). */
export const OKX_SIM_MAX_SEQ_STEP = 90;
/** "60018 Wrong URL or {0} doesn't exist". */
export const OKX_DOES_NOT_EXIST = '60018';
/** "60012 Invalid request"; "60019 Invalid op: {op}". */
export const OKX_INVALID_REQUEST = '60012';
export const OKX_INVALID_OP = '60019';
/** REST "50011 Rate limit reached" with HTTP 429; "51001 Instrument ID does not exist". */
export const OKX_REST_RATE_LIMIT = '50011';
export const OKX_REST_NO_INSTRUMENT = '51001';

/**
 * Contract values of OKX's USDT swaps (`ctVal`, with `ctMult` 1), by base: sizes on the wire are
 * contracts of this many base units. Powers of ten, so the model's base quantities convert exactly.
 * Others get 1.
 */
export const OKX_SIM_CONTRACT_VALUES: Readonly<Record<string, string>> = {
  BTC: '0.01',
  ETH: '0.1',
  SOL: '1',
  BNB: '0.01',
  XRP: '100',
  DOGE: '1000',
  ADA: '100',
  AVAX: '1',
  LINK: '1',
  PEPE: '10000000',
};

/** The simulator's quote (every simulated instrument is a USDT swap). */
const QUOTE = 'USDT';

export type OkxChecksumMode =
  /** What OKX sends since 2026-06-23: `"checksum":0` on every push. */
  | 'zero'
  /** The historic CRC32 of the top 25 levels a side, as recorded data carries it. */
  | 'legacy';

export interface OkxSimVenueOptions extends SimVenueOptions {
  readonly checksum?: OkxChecksumMode;
  /** Never send the in-band snapshot (OKX announced its removal): clients must use the REST snapshot. */
  readonly withholdSnapshot?: boolean;
}

/** One simulated swap: its model, its wire units, and the 400-level window every subscriber holds. */
interface SimInstrument {
  readonly instId: string;
  readonly base: string;
  readonly model: MarketModel;
  readonly ctVal: string;
  /** Decimals of a price on the wire (the model's, plus 3 for `1000…` symbols). */
  readonly priceDecimals: number;
  /** Decimals of a size in contracts: model quantity units × 10^-sizeDecimals (negative: × 10^-n). */
  readonly sizeDecimals: number;
  seqId: number;
  readonly window: DepthWindow;
  lastTradeId: number;
}

interface Connection extends SimConnection {
  readonly id: string;
  readonly topics: Set<string>;
}

/** `8477.000` → `8477`, `0.100` → `0.1`: OKX writes no trailing zeros. */
function okxDecimal(units: number, decimals: number): string {
  if (decimals < 0) return String(units * 10 ** -decimals);
  const text = formatUnits(units, decimals);
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** log10 of a power-of-ten decimal string ("0.01" → -2, "1000" → 3). */
function powerOfTen(value: string): number {
  const dot = value.indexOf('.');
  if (dot >= 0) return -(value.length - dot - 1);
  return value.length - 1;
}

/**
 * Simulated OKX v5 public: `books` (a snapshot, then updates whose `seqId` jumps by 1…90 and whose
 * `prevSeqId` is the previous `seqId`, the ~60 s heartbeat update and the post-maintenance reset on
 * demand, `checksum` 0 or the legacy CRC32), `trades` (taker side, contracts), text ping/pong,
 * per-argument acks and errors, and the REST instruments and books endpoints.
 */
export class OkxSimVenue implements SimVenue {
  readonly id = OKX_ID;
  readonly server: LoopbackServer;
  readonly faults = new EventFaults();
  private readonly instruments = new Map<string, SimInstrument>();
  private readonly connections = new ConnectionRegistry<Connection>();
  private readonly rng: SeededRandom;
  private checksumMode: OkxChecksumMode;
  private snapshotsWithheld: boolean;
  private readonly rejectNext = new Set<string>();
  private readonly rateLimit = new RestRateLimit();
  private nextConnId = 1;
  readonly stats = {
    connectionsOpened: 0,
    subscribeRequests: 0,
    unsubscribeRequests: 0,
    pings: 0,
    restBooksRequests: 0,
    instrumentRequests: 0,
  };

  constructor(options: OkxSimVenueOptions) {
    this.rng = new SeededRandom(options.seed * 7_877 + 5);
    this.checksumMode = options.checksum ?? 'zero';
    this.snapshotsWithheld = options.withholdSnapshot ?? false;
    (options.instruments ?? DEFAULT_INSTRUMENTS).forEach((spec, i) => {
      const instrument = this.makeInstrument(spec, options.seed * 7_919 + i, options);
      this.instruments.set(instrument.instId, instrument);
    });
    this.server = new LoopbackServer(
      (req, res, url) => this.onRequest(req, res, url),
      (_req, url) =>
        url.pathname === OKX_PUBLIC_PATH
          ? { accept: true, context: undefined }
          : { accept: false, status: 404, body: '{"msg":"Not Found","code":"404"}' },
      (ws) => this.onConnection(ws),
    );
  }

  private makeInstrument(spec: InstrumentSpec, seed: number, options: SimVenueOptions): SimInstrument {
    // Binance-style `1000PEPEUSDT` is OKX's `PEPE-USDT-SWAP`: prices per 1 PEPE, 1000 × smaller.
    const { base, scale } = splitSimSymbol(spec.symbol, QUOTE);
    const ctVal = OKX_SIM_CONTRACT_VALUES[base] ?? '1';
    const model = new MarketModel(spec, seed, options.market);
    return {
      instId: `${base}-${QUOTE}-SWAP`,
      base,
      model,
      ctVal,
      priceDecimals: spec.priceDecimals + scale,
      // base = q × 10^(scale - d); contracts = base / 10^e = q × 10^-(d + e - scale).
      sizeDecimals: spec.quantityDecimals + powerOfTen(ctVal) - scale,
      seqId: 1_000_000 + this.rng.int(0, 1_000_000),
      window: new DepthWindow(model, OKX_BOOK_DEPTH),
      lastTradeId: 100_000_000,
    };
  }

  async listen(port = 0): Promise<number> {
    return this.server.listen('127.0.0.1', port);
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.server.listeningPort}${OKX_PUBLIC_PATH}`;
  }

  get restBaseUrl(): string {
    return `http://127.0.0.1:${this.server.listeningPort}`;
  }

  env(): Record<string, string> {
    return { FLOWRS_OKX_WS_URL: this.wsUrl, FLOWRS_OKX_REST_URL: this.restBaseUrl };
  }

  symbols(): string[] {
    return [...this.instruments.keys()];
  }

  canonical(symbol: string): string {
    return `${this.instrument(symbol).base}-${QUOTE}`;
  }

  contractSize(symbol: string): string {
    return this.instrument(symbol).ctVal;
  }

  private instrument(symbol: string): SimInstrument {
    const instrument = this.instruments.get(symbol);
    if (!instrument) throw new Error(`unknown OKX instrument ${symbol}`);
    return instrument;
  }

  // ---- market ------------------------------------------------------------------------------

  step(symbol?: string): void {
    if (symbol !== undefined) this.stepInstrument(this.instrument(symbol));
    else for (const instrument of this.instruments.values()) this.stepInstrument(instrument);
  }

  private stepInstrument(instrument: SimInstrument): void {
    const step = instrument.model.step();
    const bids = this.windowChanges(instrument, 'bids');
    const asks = this.windowChanges(instrument, 'asks');
    const ts = Date.now();
    if (bids.length > 0 || asks.length > 0) {
      const prevSeqId = instrument.seqId;
      instrument.seqId += this.rng.int(1, OKX_SIM_MAX_SEQ_STEP);
      const json = this.updateJson(instrument, bids, asks, prevSeqId, ts);
      this.faults.deliver(instrument.instId, () => this.publish(`${OKX_BOOK_CHANNEL}:${instrument.instId}`, json));
    }
    if (step.trades.length > 0) {
      const trades = step.trades.map((t) => ({
        tradeId: ++instrument.lastTradeId,
        price: this.price(instrument, t.ticks),
        size: this.size(instrument, t.quantity),
        side: t.side,
        ts: ts - 1,
      }));
      this.publish(`${OKX_TRADE_CHANNEL}:${instrument.instId}`, tradesJson(instrument.instId, trades));
    }
  }

  /** The levels subscribers must be told so their window equals the venue's top 400 (0 = left it). */
  private windowChanges(instrument: SimInstrument, side: 'bids' | 'asks'): WireLevel[] {
    return instrument.window.advance(side).map(([ticks, quantity]) => this.level(instrument, ticks, quantity));
  }

  private price(instrument: SimInstrument, ticks: number): string {
    return okxDecimal(ticks * instrument.model.spec.tickUnits, instrument.priceDecimals);
  }

  private size(instrument: SimInstrument, quantity: number): string {
    return okxDecimal(quantity, instrument.sizeDecimals);
  }

  private level(instrument: SimInstrument, ticks: number, quantity: number): WireLevel {
    const orders = quantity === 0 ? 0 : 1 + (quantity % 9);
    return [this.price(instrument, ticks), quantity === 0 ? '0' : this.size(instrument, quantity), orders];
  }

  private windowLevels(instrument: SimInstrument, side: 'bids' | 'asks', limit = OKX_BOOK_DEPTH): WireLevel[] {
    return instrument.window.levels(side, limit).map(([ticks, quantity]) => this.level(instrument, ticks, quantity));
  }

  private checksum(instrument: SimInstrument): number {
    if (this.checksumMode === 'zero') return 0;
    const pair = (l: WireLevel) => [l[0], l[1]] as const;
    return top25Checksum(
      this.windowLevels(instrument, 'bids', 25).map(pair),
      this.windowLevels(instrument, 'asks', 25).map(pair),
    );
  }

  private updateJson(
    instrument: SimInstrument,
    bids: readonly WireLevel[],
    asks: readonly WireLevel[],
    prevSeqId: number,
    ts: number,
  ): string {
    return booksJson({
      instId: instrument.instId,
      action: 'update',
      bids,
      asks,
      ts,
      checksum: this.checksum(instrument),
      prevSeqId,
      seqId: instrument.seqId,
    });
  }

  private snapshotJson(instrument: SimInstrument): string {
    return booksJson({
      instId: instrument.instId,
      action: 'snapshot',
      bids: this.windowLevels(instrument, 'bids'),
      asks: this.windowLevels(instrument, 'asks'),
      ts: Date.now(),
      checksum: this.checksum(instrument),
      prevSeqId: -1,
      seqId: instrument.seqId,
    });
  }

  truth(symbol: string): SimBookTruth {
    const instrument = this.instrument(symbol);
    const pair = (l: WireLevel) => [l[0], l[1]] as const;
    return {
      updateId: instrument.seqId,
      bids: this.windowLevels(instrument, 'bids').map(pair),
      asks: this.windowLevels(instrument, 'asks').map(pair),
    };
  }

  private publish(topic: string, json: string): void {
    this.connections.publish(json, (conn) => conn.topics.has(topic));
  }

  // ---- the venue's own events --------------------------------------------------------------

  /**
   * "If no depth updates for ~60 seconds ... message with empty asks and bids sent to indicate
   * connection alive; seqId same as last message, prevSeqId equals seqId."
   */
  sendHeartbeat(symbol: string): void {
    const instrument = this.instrument(symbol);
    this.publish(
      `${OKX_BOOK_CHANNEL}:${instrument.instId}`,
      this.updateJson(instrument, [], [], instrument.seqId, Date.now()),
    );
  }

  /**
   * "Sequence may reset after maintenance, and then users will receive incremental message with smaller
   * seqId than prevSeqId. Sequence resumes normally afterward": the next update goes from the current
   * seqId to a small one (`prevSeqId=15, seqId=3` in the docs), and the stream continues from there.
   */
  venueReset(symbol: string): void {
    const instrument = this.instrument(symbol);
    instrument.model.step();
    const bids = this.windowChanges(instrument, 'bids');
    const asks = this.windowChanges(instrument, 'asks');
    const prevSeqId = instrument.seqId;
    instrument.seqId = this.rng.int(1, 9);
    const json = this.updateJson(instrument, bids, asks, prevSeqId, Date.now());
    // A venue event like any other: `faults.withholdNext` before it loses the reset message itself.
    this.faults.deliver(instrument.instId, () => this.publish(`${OKX_BOOK_CHANNEL}:${instrument.instId}`, json));
  }

  setChecksumMode(mode: OkxChecksumMode): void {
    this.checksumMode = mode;
  }

  /** Subscriptions from now on get (false) or do not get (true) the in-band snapshot. */
  withholdSnapshots(withhold: boolean): void {
    this.snapshotsWithheld = withhold;
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
      const topic = [...conn.topics].find((t) => t.startsWith(`${OKX_BOOK_CHANNEL}:`));
      if (topic === undefined) continue;
      const instrument = this.instrument(topic.slice(OKX_BOOK_CHANNEL.length + 1));
      const { instId, seqId } = instrument;
      const frames: Record<MalformedKind, string> = {
        invalid_json: `{"arg":{"channel":"books","instId":"${instId}"},"action":"update","data":[{"asks":[`,
        wrong_types: `{"arg":{"channel":"books","instId":"${instId}"},"action":"update","data":[{"asks":"none","bids":[],"ts":"soon","checksum":"0","prevSeqId":"${seqId}","seqId":${seqId + 1}}]}`,
        unknown_event: `{"event":"mystery","arg":{"channel":"books","instId":"${instId}"},"connId":"${conn.id}"}`,
        // Shaped like the next update (prevSeqId = the current seqId) with an invalid level: it must be
        // dropped without advancing, so the real next update (same prevSeqId) still applies.
        bad_level: booksJson({
          instId,
          action: 'update',
          bids: [['1e-8', '1', 1]],
          asks: [],
          ts: Date.now(),
          checksum: 0,
          prevSeqId: seqId,
          seqId: seqId + 1,
        }),
      };
      sendText(conn.ws, frames[kind]);
    }
  }

  rejectNextSubscription(symbol: string): void {
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
    const conn: Connection = {
      ws,
      id: (this.nextConnId++ * 2_654_435_761).toString(16).slice(-8).padStart(8, '0'),
      topics: new Set(),
      stalled: false,
      answersPings: true,
    };
    this.connections.add(conn);
    this.stats.connectionsOpened++;
    ws.on('message', (data) => this.onMessage(conn, data.toString()));
  }

  private onMessage(conn: Connection, text: string): void {
    if (text === OKX_PING) {
      this.stats.pings++;
      if (conn.answersPings) sendText(conn.ws, OKX_PONG);
      return;
    }
    const request = parseJsonObject(text);
    if (request === undefined) {
      sendText(conn.ws, errorJson(undefined, OKX_INVALID_REQUEST, `Invalid request: ${text}`, conn.id));
      return;
    }
    const id = typeof request.id === 'string' ? request.id : undefined;
    const op = request.op;
    if (op !== 'subscribe' && op !== 'unsubscribe') {
      sendText(conn.ws, errorJson(id, OKX_INVALID_OP, `Invalid op: ${String(op)}`, conn.id));
      return;
    }
    const args: { channel: string; instId: string }[] = [];
    for (const arg of Array.isArray(request.args) ? request.args : []) {
      const { channel, instId } = (typeof arg === 'object' && arg !== null ? arg : {}) as Record<string, unknown>;
      if (typeof channel !== 'string' || typeof instId !== 'string') {
        sendText(conn.ws, errorJson(id, OKX_INVALID_REQUEST, `Invalid request: ${text}`, conn.id));
        return;
      }
      args.push({ channel, instId });
    }
    if (args.length === 0) {
      sendText(conn.ws, errorJson(id, OKX_INVALID_REQUEST, `Invalid request: ${text}`, conn.id));
      return;
    }
    if (op === 'subscribe') this.subscribe(conn, id, args);
    else this.unsubscribe(conn, id, args);
  }

  private subscribe(conn: Connection, id: string | undefined, args: { channel: string; instId: string }[]): void {
    this.stats.subscribeRequests++;
    // A refused request (the venue's transient internal error) names no argument: only its id says which.
    if (args.some((a) => a.channel === OKX_BOOK_CHANNEL && this.rejectNext.delete(a.instId))) {
      sendText(conn.ws, errorJson(id, INTERNAL_ERROR_CODE, internalErrorMessage('subscribe'), conn.id));
      return;
    }
    for (const { channel, instId } of args) {
      const instrument = this.instruments.get(instId);
      if (instrument === undefined || (channel !== OKX_BOOK_CHANNEL && channel !== OKX_TRADE_CHANNEL)) {
        sendText(conn.ws, errorJson(id, OKX_DOES_NOT_EXIST, doesNotExistMessage(channel, instId), conn.id));
        continue;
      }
      const topic = `${channel}:${instId}`;
      conn.topics.add(topic);
      sendText(conn.ws, argAckJson(id, 'subscribe', channel, instId, conn.id));
      // "After subscribing to incremental order book data, first receive initial full snapshot."
      if (channel === OKX_BOOK_CHANNEL && !this.snapshotsWithheld) sendText(conn.ws, this.snapshotJson(instrument));
    }
  }

  private unsubscribe(conn: Connection, id: string | undefined, args: { channel: string; instId: string }[]): void {
    this.stats.unsubscribeRequests++;
    for (const { channel, instId } of args) {
      conn.topics.delete(`${channel}:${instId}`);
      sendText(conn.ws, argAckJson(id, 'unsubscribe', channel, instId, conn.id));
    }
  }

  // ---- REST --------------------------------------------------------------------------------

  private onRequest(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (this.rateLimit.limits()) {
      sendJson(res, 429, restErrorJson(OKX_REST_RATE_LIMIT, 'Too Many Requests'));
      return;
    }
    if (req.method === 'GET' && url.pathname === OKX_INSTRUMENTS_PATH) {
      this.stats.instrumentRequests++;
      if (url.searchParams.get('instType') !== 'SWAP') {
        sendJson(res, 200, restErrorJson('51000', 'Parameter instType error'));
        return;
      }
      const entries = [...this.instruments.values()].map((i) =>
        instrumentJson({
          instId: i.instId,
          base: i.base,
          quote: QUOTE,
          ctVal: i.ctVal,
          tickSz: okxDecimal(i.model.spec.tickUnits, i.priceDecimals),
          lotSz: okxDecimal(1, i.sizeDecimals),
        }),
      );
      sendJson(res, 200, restJson(entries));
      return;
    }
    if (req.method === 'GET' && url.pathname === OKX_REST_BOOKS_PATH) {
      this.stats.restBooksRequests++;
      const instrument = this.instruments.get(url.searchParams.get('instId') ?? '');
      const sz = Number(url.searchParams.get('sz') ?? 1);
      if (instrument === undefined) {
        sendJson(res, 200, restErrorJson(OKX_REST_NO_INSTRUMENT, 'Instrument ID does not exist'));
        return;
      }
      if (!Number.isInteger(sz) || sz < 1 || sz > OKX_BOOK_DEPTH) {
        sendJson(res, 200, restErrorJson('51000', 'Parameter sz error'));
        return;
      }
      const body = restBooksJson(
        this.windowLevels(instrument, 'bids', sz),
        this.windowLevels(instrument, 'asks', sz),
        Date.now(),
        instrument.seqId,
      );
      sendJson(res, 200, body);
      return;
    }
    sendJson(res, 404, restErrorJson('404', 'Not Found'));
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}
