/**
 * Small, obviously-correct clients that follow each venue's documented procedure to the letter, used
 * to prove the simulator (and, by comparison, FlowRS). Deliberately naive: a Map of price → quantity,
 * sorted on read. Flags switch off one step of the procedure to prove a careless client diverges.
 */
import { WebSocket } from 'ws';
import type { PriceLevel } from '../../core/types.js';

type Book = { bids: Map<string, string>; asks: Map<string, string> };

const isZero = (q: string) => Number(q) === 0;

function apply(book: Book, bids: PriceLevel[], asks: PriceLevel[]): void {
  for (const [p, q] of bids) isZero(q) ? book.bids.delete(p) : book.bids.set(p, q);
  for (const [p, q] of asks) isZero(q) ? book.asks.delete(p) : book.asks.set(p, q);
}

export function sortedLevels(book: Book, limit = Number.POSITIVE_INFINITY): { bids: PriceLevel[]; asks: PriceLevel[] } {
  const bids = [...book.bids].sort((a, b) => Number(b[0]) - Number(a[0]));
  const asks = [...book.asks].sort((a, b) => Number(a[0]) - Number(b[0]));
  return { bids: bids.slice(0, limit), asks: asks.slice(0, limit) };
}

interface DepthEvent {
  U: number;
  u: number;
  pu: number;
  b: PriceLevel[];
  a: PriceLevel[];
}

/** Binance USDⓈ-M's official local-book procedure, one symbol. */
export class BinanceReferenceClient {
  book: Book = { bids: new Map(), asks: new Map() };
  lastU: number | undefined;
  private buffer: DepthEvent[] = [];
  private fetching = false;
  private ws: WebSocket | undefined;
  resyncs = 0;
  snapshotAttempts = 0;
  malformed = 0;
  closed = false;

  constructor(
    readonly wsBase: string,
    readonly restBase: string,
    readonly symbol: string,
    readonly options: { ignorePu?: boolean } = {},
  ) {}

  connect(): void {
    const ws = new WebSocket(`${this.wsBase}/public/stream?streams=${this.symbol.toLowerCase()}@depth@100ms`);
    this.ws = ws;
    ws.on('message', (data) => this.onFrame(data.toString()));
    ws.on('close', () => {
      if (this.closed) return;
      // Reconnect from scratch: a new stream needs a new snapshot.
      this.lastU = undefined;
      this.buffer = [];
      setTimeout(() => this.connect(), 20);
    });
    ws.on('error', () => undefined);
  }

  close(): void {
    this.closed = true;
    this.ws?.terminate();
  }

  private onFrame(text: string): void {
    let event: DepthEvent;
    try {
      const frame = JSON.parse(text);
      event = frame.data;
      if (
        event === undefined ||
        typeof event.U !== 'number' ||
        typeof event.u !== 'number' ||
        typeof event.pu !== 'number' ||
        !Array.isArray(event.b) ||
        !Array.isArray(event.a) ||
        [...event.b, ...event.a].some((l) => !/^\d+(\.\d+)?$/.test(l[0]) || !/^\d+(\.\d+)?$/.test(l[1]))
      ) {
        this.malformed++;
        return;
      }
    } catch {
      this.malformed++;
      return;
    }
    if (this.lastU === undefined) {
      this.buffer.push(event);
      void this.sync();
      return;
    }
    if (!this.options.ignorePu && event.pu !== this.lastU) {
      // Step 6: a break; keep the stream, buffer, and start again from step 3.
      this.resyncs++;
      this.lastU = undefined;
      this.buffer = [event];
      void this.sync();
      return;
    }
    apply(this.book, event.b, event.a);
    this.lastU = event.u;
  }

  private async sync(): Promise<void> {
    if (this.fetching) return;
    this.fetching = true;
    try {
      while (this.lastU === undefined && !this.closed) {
        this.snapshotAttempts++;
        const res = await fetch(`${this.restBase}/fapi/v1/depth?symbol=${this.symbol}&limit=1000`);
        if (res.status !== 200) {
          const wait = Number(res.headers.get('retry-after') ?? 0) * 1000;
          await new Promise((r) => setTimeout(r, Math.min(wait, 200) || 20));
          continue;
        }
        const snap = (await res.json()) as { lastUpdateId: number; bids: PriceLevel[]; asks: PriceLevel[] };
        // Step 4: drop events with u < lastUpdateId.
        const pending = this.buffer.filter((e) => e.u >= snap.lastUpdateId);
        if (pending.length === 0) {
          // Nothing straddles yet: keep the snapshot only if the next event will.
          await new Promise((r) => setTimeout(r, 10));
          if (this.buffer.length === 0 || this.buffer[this.buffer.length - 1].u < snap.lastUpdateId) continue;
        }
        const first = pending[0];
        if (first !== undefined && first.U > snap.lastUpdateId) {
          // The snapshot is older than the stream: fetch again.
          continue;
        }
        this.book = { bids: new Map(snap.bids), asks: new Map(snap.asks) };
        let last = snap.lastUpdateId;
        let broken = false;
        for (const e of this.buffer.filter((x) => x.u >= snap.lastUpdateId)) {
          if (e !== first && !this.options.ignorePu && e.pu !== last) {
            broken = true;
            break;
          }
          apply(this.book, e.b, e.a);
          last = e.u;
        }
        this.buffer = [];
        if (broken) {
          this.resyncs++;
          continue;
        }
        this.lastU = last;
      }
    } finally {
      this.fetching = false;
    }
  }
}

/** Bybit v5 `orderbook.{depth}` rules, one symbol. */
export class BybitReferenceClient {
  book: Book = { bids: new Map(), asks: new Map() };
  lastU: number | undefined;
  private ws: WebSocket | undefined;
  private reqId = 0;
  acks: { success: boolean; ret_msg: string; op: string }[] = [];
  resyncs = 0;
  malformed = 0;
  closed = false;
  private recovering = false;
  readonly topic: string;

  constructor(
    readonly wsUrl: string,
    readonly symbol: string,
    readonly depth = 200,
    readonly options: { ignoreMidStreamSnapshots?: boolean; ignoreGaps?: boolean } = {},
  ) {
    this.topic = `orderbook.${depth}.${symbol}`;
  }

  connect(): Promise<void> {
    return new Promise((resolve) => {
      const ws = new WebSocket(this.wsUrl);
      this.ws = ws;
      ws.on('open', () => {
        this.send({ op: 'subscribe', args: [this.topic] });
        resolve();
      });
      ws.on('message', (data) => this.onFrame(data.toString()));
      ws.on('close', () => {
        if (this.closed) return;
        this.lastU = undefined;
        setTimeout(() => void this.connect(), 20);
      });
      ws.on('error', () => undefined);
    });
  }

  send(request: Record<string, unknown>): void {
    this.ws?.send(JSON.stringify({ req_id: String(++this.reqId), ...request }));
  }

  close(): void {
    this.closed = true;
    this.ws?.terminate();
  }

  private onFrame(text: string): void {
    let frame: {
      success?: boolean;
      ret_msg?: string;
      op?: string;
      topic?: string;
      type?: string;
      data?: { b: PriceLevel[]; a: PriceLevel[]; u: number };
    };
    try {
      frame = JSON.parse(text);
    } catch {
      this.malformed++;
      return;
    }
    if (typeof frame.success === 'boolean') {
      this.acks.push({ success: frame.success, ret_msg: frame.ret_msg ?? '', op: frame.op ?? '' });
      if (frame.op === 'unsubscribe' && frame.success && this.recovering) {
        this.recovering = false;
        this.send({ op: 'subscribe', args: [this.topic] });
      }
      return;
    }
    if (frame.topic !== this.topic) return;
    const d = frame.data;
    if (
      !d ||
      typeof d.u !== 'number' ||
      !Array.isArray(d.b) ||
      !Array.isArray(d.a) ||
      [...d.b, ...d.a].some((l) => !/^\d+(\.\d+)?$/.test(l[0]) || !/^\d+(\.\d+)?$/.test(l[1]))
    ) {
      this.malformed++;
      return;
    }
    if (frame.type === 'snapshot') {
      if (this.options.ignoreMidStreamSnapshots && this.lastU !== undefined) return;
      this.book = { bids: new Map(d.b), asks: new Map(d.a) };
      this.lastU = d.u;
      return;
    }
    if (this.lastU === undefined) return;
    if (d.u !== this.lastU + 1 && !this.options.ignoreGaps) {
      // A gap: unsubscribe, wait for the ack, subscribe again; ignore deltas meanwhile.
      this.resyncs++;
      this.lastU = undefined;
      this.recovering = true;
      this.send({ op: 'unsubscribe', args: [this.topic] });
      return;
    }
    apply(this.book, d.b, d.a);
    this.lastU = d.u;
  }
}
