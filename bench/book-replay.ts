/**
 * Order-book replay benchmark: FlowRS vs ccxt and tardis-dev on the same seeded Binance USDⓈ-M
 * diff-depth stream, interleaved in one process so that every implementation sees the same machine state.
 *
 *   JSON.parse only        JSON.parse of each frame (the floor the scanner is measured against)
 *   <impl> full            frame text → parse → normalize → sequence check → apply → read top 5 (FlowRS:
 *                          parseBinanceFrame, the production path: the frame scanner first)
 *   flowrs full via JSON   the same with the JSON path alone (parseBinanceFrameViaJson): what the scanner saves
 *   <impl> apply           pre-parsed frame → apply (including the peer's own float conversion) → read top 5
 *
 * Frames are flat strings decoded from bytes, as the connector receives them.
 *
 * After the replay every implementation's top 20 levels must equal the simulator's true book.
 */

import { BookManager, ManagedBook } from '../src/book/book-manager.js';
import { clearFrameReceived, markFrameReceived } from '../src/core/frame-clock.js';
import {
  normalizeBinanceMessage,
  parseBinanceFrame,
  parseBinanceFrameViaJson,
} from '../src/exchanges/binance/parse.js';
import { BinanceDepthFeed, UpdateIdCounter } from '../src/exchanges/binance/sim/depth-feed.js';
import { combinedFrame } from '../src/exchanges/binance/sim/wire.js';
import { ExchangeManager } from '../src/exchanges/manager.js';
import { silentLogger } from '../src/log.js';
import { MetricsEngine } from '../src/metrics/metrics-engine.js';
import { MarketPipeline } from '../src/pipeline/pipeline.js';
import { DEFAULT_INSTRUMENTS } from '../src/sim/market.js';
import { type DepthData, makeCcxtPeer, makeTardisPeer, type Peer } from './peers.js';
import {
  attachHeap,
  type ContenderPlan,
  type ReplayOptions,
  type ReplayResult,
  retainedMiB,
  runInterleaved,
} from './replay-harness.js';

export type { ReplayOptions, ReplayResult };

interface Frame {
  text: string;
  parsed: { stream: string; data: DepthData };
}

function generate(options: ReplayOptions): { snapshot: string; frames: Frame[]; feed: BinanceDepthFeed } {
  const ids = new UpdateIdCounter(5_123_107_000_000, options.seed);
  const feed = new BinanceDepthFeed(DEFAULT_INSTRUMENTS[0], options.seed, ids);
  let time = 1_723_161_256_000;
  const snapshot = feed.snapshotJson(time, 1000);
  const frames: Frame[] = [];
  while (frames.length < options.messages) {
    time += 1;
    const { json } = feed.next(time);
    if (json === undefined) continue;
    // As the connector receives it: decoded from the socket's bytes (one flat string, not a concatenation).
    const text = Buffer.from(combinedFrame('btcusdt@depth@100ms', json)).toString();
    frames.push({ text, parsed: JSON.parse(text) });
  }
  return { snapshot, frames, feed };
}

export function runReplay(options: ReplayOptions): {
  results: ReplayResult[];
  agreement: string;
  levels: { bids: number; asks: number };
} {
  const { snapshot, frames, feed } = generate(options);
  const snapshotBody = JSON.parse(snapshot);
  let sink = 0;

  // FlowRS: the connector's path — parse, normalize, sequence check on pu, apply, read top 5.
  const makeFlowrs = (body = snapshotBody) => {
    const book = new ManagedBook('binance', 'BTCUSDT', { depth: 1000 }, 5, 60_000, () => 0);
    book.applySnapshot({
      type: 'book_snapshot',
      exchange: 'binance',
      symbol: 'BTCUSDT',
      bids: body.bids,
      asks: body.asks,
      updateId: body.lastUpdateId,
      venueTs: body.E,
      localTs: 0,
      depthLimit: 1000,
    });
    return book;
  };
  const flowrsFull = makeFlowrs();
  const flowrsViaJson = makeFlowrs();
  const flowrsApply = makeFlowrs();
  const readTop5 = (book: ManagedBook) => {
    const top = book.book.top(5);
    sink += top.bids.length + top.asks.length;
  };
  const applyFlowrs = (book: ManagedBook, frame: ReturnType<typeof parseBinanceFrame>) => {
    if (frame.kind !== 'depth') throw new Error(`unexpected frame ${frame.kind}`);
    if (frame.event.prevUpdateId !== book.updateId) throw new Error('pu chain broken');
    book.applyDelta(frame.event);
    readTop5(book);
  };

  // The production path: the pipeline with the metrics engine and Prometheus listening, frame clock included.
  const meteredBooks = new BookManager({ depth: 1000, now: () => 0 });
  const pipeline = new MarketPipeline(meteredBooks, silentLogger);
  const noVenues = new ExchangeManager([]);
  const metrics = new MetricsEngine(meteredBooks, noVenues);
  pipeline.subscribe(metrics);
  pipeline.book({
    type: 'book_snapshot',
    exchange: 'binance',
    symbol: 'BTCUSDT',
    bids: snapshotBody.bids,
    asks: snapshotBody.asks,
    updateId: snapshotBody.lastUpdateId,
    venueTs: snapshotBody.E,
    localTs: 0,
    depthLimit: 1000,
  });
  const metered = meteredBooks.ensure('binance', 'BTCUSDT');
  const applyMetered = (text: string) => {
    markFrameReceived();
    const frame = parseBinanceFrame(text, 0);
    if (frame.kind !== 'depth') throw new Error(`unexpected frame ${frame.kind}`);
    if (frame.event.prevUpdateId !== metered.updateId) throw new Error('pu chain broken');
    pipeline.book(frame.event);
    readTop5(metered);
    clearFrameReceived();
  };

  const ccxtFull = makeCcxtPeer(snapshotBody);
  const ccxtApply = makeCcxtPeer(snapshotBody);
  const tardisFull = makeTardisPeer(snapshotBody);
  const tardisApply = makeTardisPeer(snapshotBody);
  const applyPeer = (peer: Peer, data: DepthData) => {
    peer.applyParsed(data);
    sink += peer.top(5).bids.length;
  };

  const plan: ContenderPlan<Frame>[] = [
    {
      name: 'JSON.parse only',
      run: (f) => {
        sink += JSON.parse(f.text).data.u & 1;
      },
    },
    { name: 'flowrs full', run: (f) => applyFlowrs(flowrsFull, parseBinanceFrame(f.text, 0)) },
    { name: 'flowrs full via JSON', run: (f) => applyFlowrs(flowrsViaJson, parseBinanceFrameViaJson(f.text, 0)) },
    { name: 'flowrs full + metrics', run: (f) => applyMetered(f.text) },
    { name: 'ccxt full', run: (f) => applyPeer(ccxtFull, JSON.parse(f.text).data) },
    { name: 'tardis-dev full', run: (f) => applyPeer(tardisFull, JSON.parse(f.text).data) },
    { name: 'flowrs apply', run: (f) => applyFlowrs(flowrsApply, normalizeBinanceMessage(f.parsed, 0)) },
    { name: 'ccxt apply', run: (f) => applyPeer(ccxtApply, f.parsed.data) },
    { name: 'tardis-dev apply', run: (f) => applyPeer(tardisApply, f.parsed.data) },
  ];
  const results = runInterleaved(plan, frames, options.chunk);
  if (sink === -1) console.log('unreachable');

  // Every implementation must hold the true book (exact strings for FlowRS, values for the float peers).
  const truth = {
    bids: feed.model.levels('bids', 20).map(([t, q]) => [feed.model.formatPrice(t), feed.model.formatQuantity(q)]),
    asks: feed.model.levels('asks', 20).map(([t, q]) => [feed.model.formatPrice(t), feed.model.formatQuantity(q)]),
  };
  const problems: string[] = [];
  metrics.stop();
  for (const [name, book] of [
    ['flowrs full', flowrsFull],
    ['flowrs full via JSON', flowrsViaJson],
    ['flowrs full + metrics', metered],
    ['flowrs apply', flowrsApply],
  ] as const) {
    const top = book.book.top(20);
    if (JSON.stringify(top) !== JSON.stringify(truth)) problems.push(`${name} differs from the true book`);
    if (book.status() !== 'live') problems.push(`${name} is ${book.status()}`);
  }
  const numeric = (levels: string[][]) => levels.map(([p, q]) => [Number(p), Number(q)]);
  for (const [name, peer] of [
    ['ccxt full', ccxtFull],
    ['ccxt apply', ccxtApply],
    ['tardis-dev full', tardisFull],
    ['tardis-dev apply', tardisApply],
  ] as const) {
    const top = peer.top(20);
    if (JSON.stringify(top) !== JSON.stringify({ bids: numeric(truth.bids), asks: numeric(truth.asks) })) {
      problems.push(`${name} differs from the true book`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`order books disagree after the replay:\n  ${problems.join('\n  ')}`);
  }

  // Retained memory of one book per implementation: replayed from freshly parsed frames so that each
  // book owns its strings.
  const heapOf: Record<string, number> = {
    flowrs: retainedMiB(() => {
      const b = makeFlowrs(JSON.parse(snapshot));
      for (const f of frames) applyFlowrs(b, parseBinanceFrame(f.text, 0));
      return b;
    }),
    ccxt: retainedMiB(() => {
      const p = makeCcxtPeer(JSON.parse(snapshot));
      for (const f of frames) p.applyParsed(JSON.parse(f.text).data);
      return p;
    }),
    'tardis-dev': retainedMiB(() => {
      const p = makeTardisPeer(JSON.parse(snapshot));
      for (const f of frames) p.applyParsed(JSON.parse(f.text).data);
      return p;
    }),
  };
  attachHeap(results, heapOf);
  return {
    results,
    agreement: 'top 20 levels of every implementation equal the simulator’s true book',
    levels: { bids: flowrsFull.book.bids.size, asks: flowrsFull.book.asks.size },
  };
}
