/**
 * A seeded Bybit v5 `orderbook.200` stream, exactly as FlowRS's Bybit simulator writes it: the venue runs
 * on loopback and one WebSocket client subscribes to one linear perpetual's book and records every
 * frame's text as received (the snapshot, then deltas whose `u` rises by one). Only the venue's public
 * interface is used, so the frames are the ones FlowRS's connector reads from the simulator.
 */
import { WebSocket } from 'ws';
import { BYBIT_DEFAULT_DEPTH } from '../src/exchanges/bybit/settings.js';
import { BYBIT_INSTRUMENTS_PATH, BybitVenue } from '../src/exchanges/bybit/sim/venue.js';
import { DEFAULT_INSTRUMENTS } from '../src/sim/market.js';
import type { SimBookTruth } from '../src/sim/sim-venue.js';

/** Market steps taken before waiting for their frames to arrive (bounds the frames in flight). */
const DEFAULT_STEPS_PER_BATCH = 500;

export interface BybitStream {
  readonly symbol: string;
  /** The `orderbook.{depth}.{symbol}` topic recorded. */
  readonly topic: string;
  readonly depth: number;
  /** The `"type":"snapshot"` frame the venue sent on subscribing. */
  readonly snapshot: string;
  /** Exactly `messages` `"type":"delta"` frames, in order. */
  readonly deltas: string[];
  /** The venue's book after the last delta (its window of `depth` levels, wire strings). */
  readonly truth: SimBookTruth;
  /** The venue's `GET /v5/market/instruments-info?category=linear` answer (what a client loads its markets from). */
  readonly instruments: string;
  /** The URL the frames came from (a linear endpoint). */
  readonly wsUrl: string;
}

export async function recordBybitStream(
  messages: number,
  seed: number,
  stepsPerBatch = DEFAULT_STEPS_PER_BATCH,
): Promise<BybitStream> {
  const depth = BYBIT_DEFAULT_DEPTH;
  const venue = new BybitVenue({ seed, instruments: [DEFAULT_INSTRUMENTS[0]] });
  await venue.listen();
  const [symbol] = venue.symbols();
  const topic = `orderbook.${depth}.${symbol}`;
  const answer = await fetch(`${venue.restBaseUrl}${BYBIT_INSTRUMENTS_PATH}?category=linear&limit=1000`);
  const instruments = await answer.text();
  const wsUrl = venue.wsUrl;
  const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
  try {
    let snapshot: string | undefined;
    const deltas: string[] = [];
    let lastU: number | undefined;
    let arrived: { u: number; resolve: () => void } | undefined;
    const failed = new Promise<never>((_, reject) => {
      ws.once('error', reject);
      ws.once('close', () => reject(new Error('the Bybit simulator closed the connection')));
    });
    failed.catch(() => {});
    ws.on('message', (data: Buffer) => {
      const text = data.toString();
      const message = JSON.parse(text) as { topic?: string; type?: string; data?: { u: number } };
      if (message.topic !== topic || message.data === undefined) return; // the ack
      if (message.type === 'snapshot') snapshot = text;
      else deltas.push(text);
      lastU = message.data.u;
      if (arrived !== undefined && lastU === arrived.u) arrived.resolve();
    });
    /** Resolves once the frame carrying `u` (the topic's current one) has been received. */
    const until = (u: number) =>
      lastU === u
        ? Promise.resolve()
        : Promise.race([new Promise<void>((resolve) => (arrived = { u, resolve })), failed]);

    await Promise.race([new Promise((resolve) => ws.once('open', resolve)), failed]);
    ws.send(JSON.stringify({ req_id: '1', op: 'subscribe', args: [topic] }));
    // The snapshot carries the topic's current `u`; wait for it before moving the market.
    while (snapshot === undefined) await Promise.race([new Promise((resolve) => setTimeout(resolve, 5)), failed]);
    while (deltas.length < messages) {
      // A step sends at most one delta (none when the window did not change): never more than asked.
      const steps = Math.min(stepsPerBatch, messages - deltas.length);
      for (let i = 0; i < steps; i++) venue.step(symbol);
      await until(venue.truth(symbol, depth).u);
    }
    return { symbol, topic, depth, snapshot, deltas, truth: venue.truth(symbol, depth), instruments, wsUrl };
  } finally {
    ws.terminate();
    await venue.stop();
  }
}
