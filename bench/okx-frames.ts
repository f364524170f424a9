/**
 * A seeded OKX v5 `books` stream, exactly as FlowRS's OKX simulator writes it: the venue runs on loopback
 * and one WebSocket client subscribes to `books` for one swap and records every frame's text as received
 * (the in-band snapshot, then updates chained by `prevSeqId` → `seqId`, `checksum` 0). Only the venue's
 * public interface is used, so the frames are the ones FlowRS's connector reads from the simulator.
 */
import { WebSocket } from 'ws';
import { OKX_INSTRUMENTS_PATH, OKX_SWAP_INST_TYPE } from '../src/exchanges/okx/instruments.js';
import { OKX_BOOK_CHANNEL } from '../src/exchanges/okx/settings.js';
import { OkxSimVenue } from '../src/exchanges/okx/sim/venue.js';
import { DEFAULT_INSTRUMENTS } from '../src/sim/market.js';
import type { SimBookTruth } from '../src/sim/sim-venue.js';

/** Market steps taken before waiting for their frames to arrive (bounds the frames in flight). */
const DEFAULT_STEPS_PER_BATCH = 500;

export interface OkxStream {
  readonly instId: string;
  /** Contract value in base units (sizes on the wire are contracts of this many). */
  readonly ctVal: string;
  /** The `"action":"snapshot"` frame the venue sent on subscribing. */
  readonly snapshot: string;
  /** Exactly `messages` `"action":"update"` frames, in order. */
  readonly updates: string[];
  /** The venue's book after the last update (its 400-level window, wire strings). */
  readonly truth: SimBookTruth;
  /** The venue's `GET /api/v5/public/instruments?instType=SWAP` answer (what a client loads its markets from). */
  readonly instruments: string;
}

export async function recordOkxStream(
  messages: number,
  seed: number,
  stepsPerBatch = DEFAULT_STEPS_PER_BATCH,
): Promise<OkxStream> {
  const venue = new OkxSimVenue({ seed, instruments: [DEFAULT_INSTRUMENTS[0]], checksum: 'zero' });
  await venue.listen();
  const [instId] = venue.symbols();
  const answer = await fetch(`${venue.restBaseUrl}${OKX_INSTRUMENTS_PATH}?instType=${OKX_SWAP_INST_TYPE}`);
  const instruments = await answer.text();
  const ws = new WebSocket(venue.wsUrl, { perMessageDeflate: false });
  try {
    let snapshot: string | undefined;
    const updates: string[] = [];
    let lastSeqId: number | undefined;
    let arrived: { seqId: number; resolve: () => void } | undefined;
    const failed = new Promise<never>((_, reject) => {
      ws.once('error', reject);
      ws.once('close', () => reject(new Error('the OKX simulator closed the connection')));
    });
    failed.catch(() => {});
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      const message = JSON.parse(text) as { arg?: { channel?: string }; action?: string; data?: { seqId: number }[] };
      if (message.arg?.channel !== OKX_BOOK_CHANNEL || message.data === undefined) return; // the ack
      if (message.action === 'snapshot') snapshot = text;
      else updates.push(text);
      lastSeqId = message.data[0].seqId;
      if (arrived !== undefined && lastSeqId === arrived.seqId) arrived.resolve();
    });
    /** Resolves once the frame carrying `seqId` (the venue's current one) has been received. */
    const until = (seqId: number) =>
      lastSeqId === seqId
        ? Promise.resolve()
        : Promise.race([new Promise<void>((resolve) => (arrived = { seqId, resolve })), failed]);

    await Promise.race([new Promise((resolve) => ws.once('open', resolve)), failed]);
    ws.send(JSON.stringify({ id: '1', op: 'subscribe', args: [{ channel: OKX_BOOK_CHANNEL, instId }] }));
    await until(venue.truth(instId).updateId);
    while (updates.length < messages) {
      // A step sends at most one update (none when the top 400 did not change): never more than asked.
      const steps = Math.min(stepsPerBatch, messages - updates.length);
      for (let i = 0; i < steps; i++) venue.step(instId);
      await until(venue.truth(instId).updateId);
    }
    if (snapshot === undefined) throw new Error('the OKX simulator sent no snapshot');
    return { instId, ctVal: venue.contractSize(instId), snapshot, updates, truth: venue.truth(instId), instruments };
  } finally {
    ws.terminate();
    await venue.stop();
  }
}
