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
import type { MalformedKind, SimBookTruth, SimVenue, SimVenueOptions } from '../../../sim/sim-venue.js';
import { GATE_CONTRACTS_PATH } from '../instruments.js';
import { gateBookTopic, parseBookStream } from '../parse.js';
import { DEFAULT_GATE_DEPTH, GATE_DEPTHS, type GateDepth } from '../settings.js';
import {
  ackJson,
  contractJson,
  type Envelope,
  obuFullJson,
  obuIncrementJson,
  pongJson,
  RATE_LIMIT_BODY,
  requestErrorJson,
  tradesJson,
  type WireLevel,
  type WireTrade,
} from './wire.js';

export const GATE_WS_PATH = '/v4/ws/usdt';
/**
 * Contract sizes (`quanto_multiplier`) of the simulated contracts: Gate's real ones where FlowRS's tests
 * quote them, else one contract per unit of the instrument's quantity decimals.
 */
export const SIM_QUANTO_MULTIPLIERS: Readonly<Record<string, string>> = { BTC_USDT: '0.0001', ETH_USDT: '0.01' };
/** Chance per step and stream that the venue pushes a full book instead of the increment (Gate may, at any time). */
export const DEFAULT_SPONTANEOUS_FULL_CHANCE = 0.002;
/** Chance that a subscription's first full push overtakes its ack (seen live within the same millisecond). */
export const DEFAULT_SNAPSHOT_BEFORE_ACK_CHANCE = 0.1;
/**
 * Chance that a venue event changes only levels beyond every window: its increments carry no `b`/`a`
 * and only move the id (live, about a third to a half of BTC_USDT's increments at 50 levels).
 */
export const DEFAULT_HIDDEN_EVENT_CHANCE = 0.05;
/** Largest number of update ids one venue event spans (`u - U + 1`). */
const MAX_IDS_PER_EVENT = 3;

export interface GateSimOptions extends SimVenueOptions {
  /** The `futures.obu` level FlowRS subscribes to (what `truth()` and `env()` describe). */
  readonly depth?: GateDepth;
  readonly spontaneousFullChance?: number;
  readonly snapshotBeforeAckChance?: number;
}

interface SimContract {
  readonly name: string;
  readonly model: MarketModel;
  /** `quanto_multiplier` = 10^-exponent base units. */
  readonly multiplier: string;
  readonly exponent: number;
  /** The book's update id: the `u` of the last venue event. */
  bookId: number;
  nextTradeId: number;
}

/** One `ob.<contract>.<level>` stream: the window its subscribers hold and the last `u` sent on it. */
interface Stream {
  readonly name: string;
  readonly contract: SimContract;
  lastU: number;
  readonly window: DepthWindow;
}

interface Connection extends SimConnection {
  readonly id: string;
  readonly streams: Set<string>;
  readonly trades: Set<string>;
}

/** `BTCUSDT` (the simulator's instrument names) → Gate's `BTC_USDT`. */
export function gateContractName(specSymbol: string): string {
  return `${specSymbol.endsWith('USDT') ? specSymbol.slice(0, -4) : specSymbol}_USDT`;
}

/** The exponent e of a multiplier 10^-e ("0.0001" → 4, "1" → 0, "10" → -1). */
function exponentOf(multiplier: string): number {
  const dot = multiplier.indexOf('.');
  if (dot >= 0) return multiplier.length - dot - 1;
  return -(multiplier.length - 1);
}

/**
 * Simulated Gate futures v4 (USDT): `futures.obu` at 400 or 50 levels with full pushes on subscribe and
 * again at random times, increments chained by `U` = last `u` + 1 (id-only when the window did not
 * change), sizes in contracts; `futures.trades` with signed sizes; `futures.ping`/`futures.pong`; the
 * exact ack and error frames; and the REST contracts list.
 */
export class GateSimVenue implements SimVenue {
  readonly id = 'gate';
  readonly faults = new EventFaults();
  readonly server: LoopbackServer;
  private readonly contracts = new Map<string, SimContract>();
  private readonly streams = new Map<string, Stream>();
  private readonly connections = new ConnectionRegistry<Connection>();
  private readonly rejectNext = new Set<string>();
  private readonly rng: SeededRandom;
  private readonly depth: GateDepth;
  private readonly spontaneousFullChance: number;
  private readonly snapshotBeforeAckChance: number;
  private readonly rateLimit = new RestRateLimit();
  private nextConnId = 1;
  private nextTrace = 1;
  readonly stats = { connectionsOpened: 0, subscribeRequests: 0, unsubscribeRequests: 0, pings: 0, restRequests: 0 };

  constructor(options: GateSimOptions) {
    this.depth = options.depth ?? DEFAULT_GATE_DEPTH;
    this.rng = new SeededRandom(options.seed * 7_927 + 101);
    this.spontaneousFullChance = options.spontaneousFullChance ?? DEFAULT_SPONTANEOUS_FULL_CHANCE;
    this.snapshotBeforeAckChance = options.snapshotBeforeAckChance ?? DEFAULT_SNAPSHOT_BEFORE_ACK_CHANCE;
    (options.instruments ?? DEFAULT_INSTRUMENTS).forEach((spec: InstrumentSpec, i) => {
      const name = gateContractName(spec.symbol);
      const multiplier = SIM_QUANTO_MULTIPLIERS[name] ?? formatUnits(1, spec.quantityDecimals);
      this.contracts.set(name, {
        name,
        model: new MarketModel(spec, options.seed * 7_927 + 101 + i, options.market),
        multiplier,
        exponent: exponentOf(multiplier),
        bookId: 73_777_715_168 + i * 1_000_003,
        nextTradeId: 10_851_092 + i * 100_000,
      });
    });
    this.server = new LoopbackServer(
      (req, res, url) => this.onRequest(req, res, url),
      (_req, url) =>
        url.pathname === GATE_WS_PATH
          ? { accept: true, context: undefined }
          : { accept: false, status: 404, body: '{"label":"NOT_FOUND","message":"Not found"}' },
      (ws) => this.onConnection(ws),
    );
  }

  async listen(port = 0): Promise<number> {
    return this.server.listen('127.0.0.1', port);
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.server.listeningPort}${GATE_WS_PATH}`;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${this.server.listeningPort}`;
  }

  env(): Record<string, string> {
    return {
      FLOWRS_GATE_WS_URL: this.wsUrl,
      FLOWRS_GATE_REST_URL: this.restUrl,
      FLOWRS_GATE_DEPTH: String(this.depth),
    };
  }

  symbols(): string[] {
    return [...this.contracts.keys()];
  }

  canonical(symbol: string): string {
    return `${symbol.slice(0, symbol.lastIndexOf('_'))}-USDT`;
  }

  contractSize(symbol: string): string {
    return this.contract(symbol).multiplier;
  }

  private contract(symbol: string): SimContract {
    const c = this.contracts.get(symbol);
    if (!c) throw new Error(`unknown symbol ${symbol}`);
    return c;
  }

  /** Base units (the model's quantity) → contracts, exactly: units × 10^(exponent − quantity decimals). */
  private contracts_(c: SimContract, units: number): string {
    if (units === 0) return '0';
    const shift = c.exponent - c.model.spec.quantityDecimals;
    if (shift >= 0) return `${units}${'0'.repeat(shift)}`;
    const text = formatUnits(units, -shift);
    return text.replace(/\.?0+$/, '');
  }

  private wire(c: SimContract, levels: Iterable<[number, number]>): WireLevel[] {
    const out: WireLevel[] = [];
    for (const [ticks, units] of levels) out.push([c.model.formatPrice(ticks), this.contracts_(c, units)]);
    return out;
  }

  // ---- the market -------------------------------------------------------------------------------

  step(symbol?: string): void {
    if (symbol !== undefined) {
      this.stepContract(this.contract(symbol));
      return;
    }
    for (const c of this.contracts.values()) this.stepContract(c);
  }

  private stepContract(c: SimContract): void {
    const hidden = this.rng.chance(DEFAULT_HIDDEN_EVENT_CHANCE);
    if (hidden) c.model.idle();
    const step = hidden ? { trades: [] } : c.model.step();
    c.bookId += 1 + Math.floor(this.rng.next() * MAX_IDS_PER_EVENT);
    const now = Date.now();
    const frames: { stream: string; json: string }[] = [];
    for (const s of this.streams.values()) {
      if (s.contract !== c) continue;
      const bids = s.window.advance('bids');
      const asks = s.window.advance('asks');
      const U = s.lastU + 1;
      s.lastU = c.bookId;
      const json = this.rng.chance(this.spontaneousFullChance)
        ? this.fullJson(s, now)
        : obuIncrementJson(now, now - 1, s.name, U, c.bookId, this.wire(c, bids), this.wire(c, asks));
      frames.push({ stream: s.name, json });
    }
    if (frames.length > 0) {
      this.faults.deliver(c.name, () => {
        for (const f of frames) this.publishBook(f.stream, f.json);
      });
    }
    if (step.trades.length > 0) {
      const trades: WireTrade[] = step.trades.map((t) => {
        const size = this.contracts_(c, t.quantity);
        return {
          id: c.nextTradeId++,
          price: c.model.formatPrice(t.ticks),
          size: t.side === 'sell' ? `-${size}` : size,
        };
      });
      this.connections.publish(tradesJson(now, c.name, trades), (conn) => conn.trades.has(c.name));
    }
  }

  private fullJson(s: Stream, now: number): string {
    const { window } = s;
    return obuFullJson(
      now,
      now - 1,
      s.name,
      s.lastU,
      this.wire(s.contract, window.levels('bids')),
      this.wire(s.contract, window.levels('asks')),
    );
  }

  private publishBook(stream: string, json: string): void {
    this.connections.publish(json, (conn) => conn.streams.has(stream));
  }

  truth(symbol: string): SimBookTruth {
    const c = this.contract(symbol);
    return {
      updateId: c.bookId,
      bids: this.wire(c, c.model.levels('bids', this.depth)),
      asks: this.wire(c, c.model.levels('asks', this.depth)),
    };
  }

  // ---- faults ------------------------------------------------------------------------------------

  /** The venue pushes `full: true` again on every stream of `symbol`, at the current `u`. */
  resendFull(symbol: string): void {
    const c = this.contract(symbol);
    const now = Date.now();
    for (const s of this.streams.values()) if (s.contract === c) this.publishBook(s.name, this.fullJson(s, now));
  }

  /** A restart of the contract's book service: its update ids start again low, announced by a full push. */
  venueReset(symbol: string): void {
    const c = this.contract(symbol);
    c.bookId = 1_000 + this.rng.int(0, 999);
    const now = Date.now();
    for (const s of this.streams.values()) {
      if (s.contract !== c) continue;
      s.lastU = c.bookId;
      s.window.reset();
      this.publishBook(s.name, this.fullJson(s, now));
    }
  }

  dropAllConnections(): void {
    this.connections.dropAll();
  }

  closeAllConnections(): void {
    this.connections.closeAll();
  }

  stall(options: { pong: boolean }): void {
    this.connections.stall(options.pong);
  }

  subscribers(symbol: string): number {
    return [...this.connections].filter(
      (c) => c.trades.has(symbol) || [...c.streams].some((s) => parseBookStream(s)?.contract === symbol),
    ).length;
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

  sendMalformed(kind: MalformedKind): void {
    const now = Date.now();
    for (const conn of this.connections) {
      const name = [...conn.streams][0];
      const s = name === undefined ? undefined : this.streams.get(name);
      if (s === undefined) continue;
      const frames: Record<MalformedKind, string> = {
        invalid_json: `{"time":${Math.floor(now / 1000)},"channel":"futures.obu","event":"update","result":{"t":`,
        wrong_types: `{"channel":"futures.obu","event":"update","result":{"t":"soon","s":"${s.name}","U":"${s.lastU + 1}","u":${s.lastU + 1},"b":"none"}}`,
        unknown_event: `{"time":${Math.floor(now / 1000)},"channel":"futures.obu","event":"mystery","result":{}}`,
        // Shaped like the next increment but with a level no venue writes: dropped without moving the id,
        // so the real next increment (the same U) still applies.
        bad_level: obuIncrementJson(now, now, s.name, s.lastU + 1, s.lastU + 1, [['1e-8', '1']], []),
      };
      sendText(conn.ws, frames[kind]);
    }
  }

  // ---- WebSocket --------------------------------------------------------------------------------

  private envelope(conn: Connection): Envelope {
    return { nowMs: Date.now(), connId: conn.id };
  }

  private traceId(): string {
    return (this.nextTrace++).toString(16).padStart(32, '0');
  }

  private onConnection(ws: WebSocket): void {
    const conn: Connection = {
      ws,
      id: (this.nextConnId++).toString(16).padStart(16, '0'),
      streams: new Set(),
      trades: new Set(),
      stalled: false,
      answersPings: true,
    };
    this.connections.add(conn);
    this.stats.connectionsOpened++;
    this.connections.answerProtocolPings(conn);
    ws.on('message', (data) => this.onMessage(conn, data.toString()));
  }

  private onMessage(conn: Connection, text: string): void {
    const request = parseJsonObject(text);
    if (request === undefined) {
      sendText(conn.ws, requestErrorJson(this.envelope(conn), 1, 'request message need json scheme'));
      return;
    }
    const channel = typeof request.channel === 'string' ? request.channel : '';
    if (channel === 'futures.ping') {
      this.stats.pings++;
      if (conn.answersPings) sendText(conn.ws, pongJson(this.envelope(conn)));
      return;
    }
    const event = typeof request.event === 'string' ? request.event : '';
    const id = typeof request.id === 'number' && Number.isSafeInteger(request.id) ? request.id : undefined;
    const payload = Array.isArray(request.payload) ? request.payload.map(String) : [];
    const answer = (error?: { code: number; message: string }) =>
      sendText(conn.ws, ackJson(this.envelope(conn), this.traceId(), channel, event, payload, id, error));
    if (channel !== 'futures.obu' && channel !== 'futures.trades') {
      answer({ code: 2, message: `Unknown channel ${channel}` });
      return;
    }
    if (event !== 'subscribe' && event !== 'unsubscribe') {
      answer({ code: 2, message: 'invalid argument' });
      return;
    }
    if (event === 'subscribe') this.stats.subscribeRequests++;
    else this.stats.unsubscribeRequests++;
    if (channel === 'futures.trades') {
      const unknown = payload.find((c) => !this.contracts.has(c));
      // Live: an unlisted contract on futures.tickers / order_book_update answers code 2 "unknown currency pair …".
      if (event === 'subscribe' && unknown !== undefined) {
        answer({ code: 2, message: `unknown currency pair ${unknown}` });
        return;
      }
      for (const c of payload) event === 'subscribe' ? conn.trades.add(c) : conn.trades.delete(c);
      answer();
      return;
    }
    if (event === 'unsubscribe') {
      for (const s of payload) conn.streams.delete(s);
      answer();
      return;
    }
    // "For the same contract's depth stream, a single connection is allowed to subscribe only once."
    const duplicate = payload.find((s) => conn.streams.has(s));
    if (duplicate !== undefined) {
      answer({ code: 2, message: `Alert sub ${duplicate}` });
      return;
    }
    const refused = payload.find((s) => {
      const contract = parseBookStream(s)?.contract;
      return contract !== undefined && this.rejectNext.delete(contract);
    });
    if (refused !== undefined) {
      answer({ code: 3, message: 'service error' });
      return;
    }
    // Live: an unknown contract or level is acknowledged as success, and the stream then stays silent.
    const served: Stream[] = [];
    for (const name of payload) {
      conn.streams.add(name);
      const s = this.streamFor(name);
      if (s !== undefined) served.push(s);
    }
    const beforeAck = this.rng.chance(this.snapshotBeforeAckChance);
    const now = Date.now();
    if (!beforeAck) answer();
    for (const s of served) sendText(conn.ws, this.fullJson(s, now));
    if (beforeAck) answer();
  }

  private streamFor(name: string): Stream | undefined {
    const existing = this.streams.get(name);
    if (existing) return existing;
    const parsed = parseBookStream(name);
    const c = parsed === undefined ? undefined : this.contracts.get(parsed.contract);
    if (parsed === undefined || c === undefined || !(GATE_DEPTHS as readonly string[]).includes(String(parsed.depth))) {
      return undefined;
    }
    const s: Stream = {
      name: gateBookTopic(c.name, parsed.depth),
      contract: c,
      lastU: c.bookId,
      window: new DepthWindow(c.model, parsed.depth),
    };
    this.streams.set(name, s);
    return s;
  }

  // ---- REST -------------------------------------------------------------------------------------

  private onRequest(req: IncomingMessage, res: ServerResponse, url: URL): void {
    this.stats.restRequests++;
    if (this.rateLimit.limits()) {
      sendJson(res, 429, RATE_LIMIT_BODY, {
        'X-Gate-RateLimit-Requests-Remain': '0',
        'X-Gate-RateLimit-Limit': '200',
        'X-Gate-RateLimit-Reset-Timestamp': String(Date.now() + 1_000),
      });
      return;
    }
    if (req.method !== 'GET' || url.pathname !== GATE_CONTRACTS_PATH) {
      sendJson(res, 404, '{"label":"NOT_FOUND","message":"Not found"}');
      return;
    }
    const now = Date.now();
    const entries = [...this.contracts.values()].map((c) =>
      contractJson(
        {
          name: c.name,
          quantoMultiplier: c.multiplier,
          orderPriceRound: c.model.formatPrice(1),
          lastPrice: c.model.formatPrice(c.model.bestBid()),
          orderbookId: c.bookId,
          tradeId: c.nextTradeId,
        },
        now,
      ),
    );
    sendJson(res, 200, `[${entries.join(',')}]`);
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}
