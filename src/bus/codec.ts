/**
 * What travels on the bus: the normalized book events of src/core/types.ts as JSON (prices and
 * quantities stay the venue's exact decimal strings), and the headers that chain and fence them.
 */
import { type MsgHdrs, headers as natsHeaders } from '@nats-io/transport-node';
import type { Instrument } from '../core/instrument.js';
import type { ResyncReason } from '../core/sink.js';
import type { BookDeltaEvent, BookSnapshotEvent, PriceLevel, TradeEvent } from '../core/types.js';

/** Per book, contiguous: +1 on every delta and every venue snapshot; a periodic snapshot repeats the last. */
export const SEQ_HEADER = 'Flowrs-Seq';
/** The ingest leader's lease revision when it took the venue: gateways drop anything older than the newest. */
export const EPOCH_HEADER = 'Flowrs-Epoch';
/** The venue's own update id the message brings the book to (Binance `u`, Bybit `u`, OKX `seqId`). */
export const VENUE_SEQ_HEADER = 'Flowrs-Venue-Seq';
/** NATS's de-duplication id: a retried snapshot publish is stored once. */
export const MSG_ID_HEADER = 'Nats-Msg-Id';

/** The chain position every book message carries. */
export interface Chain {
  readonly seq: number;
  readonly epoch: number;
}

/** A full book on the bus, with the listing that converts its sizes (contracts) to base units. */
export interface SnapshotMessage {
  readonly event: BookSnapshotEvent;
  readonly instrument?: Instrument;
}

export interface StateMessage {
  readonly reason: ResyncReason;
}

/** Malformed bus content: the gateway counts it as an invalid frame and re-anchors the book. */
export class BusDecodeError extends Error {
  readonly code = 'FLOWRS_BUS_DECODE';
  constructor(message: string) {
    super(message);
    this.name = 'BusDecodeError';
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function chainHeaders(chain: Chain, venueSeq: number, msgId?: string): MsgHdrs {
  const h = natsHeaders();
  h.set(SEQ_HEADER, String(chain.seq));
  h.set(EPOCH_HEADER, String(chain.epoch));
  h.set(VENUE_SEQ_HEADER, String(venueSeq));
  if (msgId !== undefined) h.set(MSG_ID_HEADER, msgId);
  return h;
}

/** The chain position of a message; undefined when a header is missing or not a whole number. */
export function readChain(h: MsgHdrs | undefined): Chain | undefined {
  if (h === undefined) return undefined;
  const seq = Number(h.get(SEQ_HEADER));
  const epoch = Number(h.get(EPOCH_HEADER));
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(epoch) || h.get(SEQ_HEADER) === '') return undefined;
  return { seq, epoch };
}

export function encodeDelta(e: BookDeltaEvent): Uint8Array {
  const wire: BookDeltaEvent = {
    type: 'book_delta',
    exchange: e.exchange,
    symbol: e.symbol,
    venueTs: e.venueTs,
    localTs: e.localTs,
    bids: e.bids,
    asks: e.asks,
    firstUpdateId: e.firstUpdateId,
    updateId: e.updateId,
    ...(e.prevUpdateId !== undefined ? { prevUpdateId: e.prevUpdateId } : {}),
    ...(e.checksum !== undefined ? { checksum: e.checksum } : {}),
  };
  return encoder.encode(JSON.stringify(wire));
}

export function encodeSnapshot(e: BookSnapshotEvent, instrument: Instrument | undefined): Uint8Array {
  const event: BookSnapshotEvent = {
    type: 'book_snapshot',
    exchange: e.exchange,
    symbol: e.symbol,
    venueTs: e.venueTs,
    localTs: e.localTs,
    bids: e.bids,
    asks: e.asks,
    updateId: e.updateId,
    ...(e.checksum !== undefined ? { checksum: e.checksum } : {}),
    ...(e.depthLimit !== undefined ? { depthLimit: e.depthLimit } : {}),
  };
  const message: SnapshotMessage = instrument === undefined ? { event } : { event, instrument };
  return encoder.encode(JSON.stringify(message));
}

export function encodeState(reason: ResyncReason): Uint8Array {
  return encoder.encode(JSON.stringify({ reason } satisfies StateMessage));
}

export function encodeTrade(t: TradeEvent): Uint8Array {
  const wire: TradeEvent = {
    type: 'trade',
    exchange: t.exchange,
    symbol: t.symbol,
    venueTs: t.venueTs,
    localTs: t.localTs,
    tradeId: t.tradeId,
    price: t.price,
    quantity: t.quantity,
    side: t.side,
  };
  return encoder.encode(JSON.stringify(wire));
}

function parse(data: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch (error) {
    throw new BusDecodeError(`not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BusDecodeError('not an object');
  return value as Record<string, unknown>;
}

function isLevels(v: unknown): v is PriceLevel[] {
  return Array.isArray(v) && v.every((l) => Array.isArray(l) && typeof l[0] === 'string' && typeof l[1] === 'string');
}

function checkEvent(o: Record<string, unknown>, type: string): void {
  if (
    o.type !== type ||
    typeof o.exchange !== 'string' ||
    typeof o.symbol !== 'string' ||
    typeof o.updateId !== 'number' ||
    typeof o.venueTs !== 'number' ||
    typeof o.localTs !== 'number' ||
    !isLevels(o.bids) ||
    !isLevels(o.asks)
  ) {
    throw new BusDecodeError(`not a ${type} event`);
  }
}

export function decodeDelta(data: Uint8Array): BookDeltaEvent {
  const o = parse(data);
  checkEvent(o, 'book_delta');
  return o as unknown as BookDeltaEvent;
}

export function decodeSnapshot(data: Uint8Array): SnapshotMessage {
  const o = parse(data);
  if (typeof o.event !== 'object' || o.event === null) throw new BusDecodeError('a snapshot message has no event');
  checkEvent(o.event as Record<string, unknown>, 'book_snapshot');
  return o as unknown as SnapshotMessage;
}

export function decodeState(data: Uint8Array): StateMessage {
  const o = parse(data);
  if (typeof o.reason !== 'string') throw new BusDecodeError('a state message has no reason');
  return o as unknown as StateMessage;
}

export function decodeTrade(data: Uint8Array): TradeEvent {
  const o = parse(data);
  if (o.type !== 'trade' || typeof o.price !== 'string' || typeof o.quantity !== 'string')
    throw new BusDecodeError('not a trade event');
  return o as unknown as TradeEvent;
}
