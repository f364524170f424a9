/**
 * Order-book replay on Bybit v5 `orderbook.200`: FlowRS vs ccxt pro `bybit` and tardis-dev's Bybit v5
 * mapper on the same seeded stream from FlowRS's Bybit simulator (a snapshot, then deltas whose `u` rises
 * by one), interleaved in one process as the Binance and OKX scenarios are.
 *
 *   JSON.parse only        JSON.parse of each frame (the floor the scanner is measured against)
 *   flowrs full            frame text → parseBybitFrame (scanner first) → bybitSequencer → ManagedBook → read top 5
 *   flowrs full via JSON   the same with the JSON path alone (parseBybitFrameViaJson): what the scanner saves
 *   flowrs full + metrics  the full path through the pipeline with the metrics engine and the frame clock
 *   ccxt full              frame text → JSON.parse → ccxt's `handleOrderBook` → read top 5
 *   tardis-dev full        frame text → JSON.parse → tardis's Bybit v5 mapper → OrderBook.update → read top 5
 *
 * There is no `apply` row: FlowRS's Bybit parser takes frame text only. After the replay every
 * implementation's top 20 levels must equal the simulator's true book.
 */
import { BookManager, ManagedBook } from '../src/book/book-manager.js';
import { clearFrameReceived, markFrameReceived } from '../src/core/frame-clock.js';
import type { BookEvent } from '../src/core/types.js';
import { parseBybitFrame, parseBybitFrameViaJson } from '../src/exchanges/bybit/parse.js';
import { bybitSequencer } from '../src/exchanges/bybit/sequencer.js';
import type { BookSequencer } from '../src/exchanges/kit/book-sequencer.js';
import { type BookFrame, bookEventOf, type VenueFrame } from '../src/exchanges/kit/venue-frame.js';
import { ExchangeManager } from '../src/exchanges/manager.js';
import { silentLogger } from '../src/log.js';
import { MetricsEngine } from '../src/metrics/metrics-engine.js';
import { MarketPipeline } from '../src/pipeline/pipeline.js';
import { recordBybitStream } from './bybit-frames.js';
import {
  type BybitOrderbookMessage,
  type BybitPeer,
  makeCcxtBybit,
  makeCcxtBybitPeer,
  makeTardisBybitPeer,
} from './bybit-peers.js';
import {
  AGREEMENT_DEPTH,
  agreementProblems,
  attachHeap,
  type ContenderPlan,
  type ReplayOptions,
  type ReplayResult,
  retainedMiB,
  runInterleaved,
} from './replay-harness.js';

/** Builds per implementation for its retained-memory figure (the median is reported). */
const HEAP_RUNS = 3;
const BYBIT_ID = 'bybit';

export interface BybitReplayReport {
  results: ReplayResult[];
  symbol: string;
  topic: string;
  agreement: string;
  levels: { bids: number; asks: number };
}

/** The event FlowRS's connector hands the pipeline for a sequenced book frame (subscription-connector.ts). */
function bookEvent(frame: BookFrame): BookEvent {
  return bookEventOf(BYBIT_ID, frame.symbol, frame, 0);
}

/** The sequencer's verdict must be to take the frame: the simulated stream has no gap. */
function sequenced(sequencer: BookSequencer, frame: VenueFrame): BookFrame {
  if (frame.kind !== 'book') throw new Error(`unexpected frame ${frame.kind}`);
  const verdict = sequencer.check(frame);
  if (verdict.type !== 'snapshot' && verdict.type !== 'apply') {
    throw new Error(`Bybit sequencer said ${verdict.type} to u ${frame.updateId}`);
  }
  return frame;
}

export async function runBybitReplay(options: ReplayOptions): Promise<BybitReplayReport> {
  const stream = await recordBybitStream(options.messages, options.seed);
  const { symbol, snapshot, deltas, truth, depth } = stream;
  const snapshotMessage = JSON.parse(snapshot) as BybitOrderbookMessage;
  let sink = 0;

  // FlowRS: the connector's path — parse, sequence on u, apply, read top 5.
  interface FlowrsBybit {
    readonly book: ManagedBook;
    readonly sequencer: BookSequencer;
  }
  const applyFlowrs = (f: FlowrsBybit, frame: VenueFrame) => {
    const book = sequenced(f.sequencer, frame);
    const event = bookEvent(book);
    const health = event.type === 'book_snapshot' ? f.book.applySnapshot(event) : f.book.applyDelta(event);
    if (health !== 'ok') throw new Error(`flowrs book is ${health} after u ${book.updateId}`);
    f.sequencer.applied(book);
    const top = f.book.book.top(5);
    sink += top.bids.length + top.asks.length;
  };
  const makeFlowrs = (): FlowrsBybit => {
    const f = {
      book: new ManagedBook(BYBIT_ID, symbol, { depth }, 5, 60_000, () => 0),
      sequencer: bybitSequencer(),
    };
    applyFlowrs(f, parseBybitFrame(snapshot, 0));
    return f;
  };
  const flowrsFull = makeFlowrs();
  const flowrsViaJson = makeFlowrs();

  // The production path: the pipeline with the metrics engine listening, frame clock included.
  const meteredBooks = new BookManager({ depth, now: () => 0 });
  const pipeline = new MarketPipeline(meteredBooks, silentLogger);
  const metrics = new MetricsEngine(meteredBooks, new ExchangeManager([]));
  pipeline.subscribe(metrics);
  const meteredSequencer = bybitSequencer();
  const metered = meteredBooks.ensure(BYBIT_ID, symbol);
  const applyMetered = (text: string) => {
    markFrameReceived();
    const frame = sequenced(meteredSequencer, parseBybitFrame(text, 0));
    const outcome = pipeline.book(bookEvent(frame));
    if (outcome !== 'applied') throw new Error(`flowrs pipeline said ${outcome} to u ${frame.updateId}`);
    meteredSequencer.applied(frame);
    const top = metered.book.top(5);
    sink += top.bids.length + top.asks.length;
    clearFrameReceived();
  };
  applyMetered(snapshot);

  const ccxtFull = makeCcxtBybitPeer(await makeCcxtBybit(stream.instruments), stream.wsUrl, snapshotMessage);
  const tardisFull = makeTardisBybitPeer(snapshotMessage);
  const applyPeer = (peer: BybitPeer, message: BybitOrderbookMessage) => {
    peer.applyParsed(message);
    sink += peer.top(5).bids.length;
  };

  const plan: ContenderPlan<string>[] = [
    {
      name: 'JSON.parse only',
      run: (text) => {
        sink += JSON.parse(text).data.u & 1;
      },
    },
    { name: 'flowrs full', run: (text) => applyFlowrs(flowrsFull, parseBybitFrame(text, 0)) },
    { name: 'flowrs full via JSON', run: (text) => applyFlowrs(flowrsViaJson, parseBybitFrameViaJson(text, 0)) },
    { name: 'flowrs full + metrics', run: (text) => applyMetered(text) },
    { name: 'ccxt full', run: (text) => applyPeer(ccxtFull, JSON.parse(text)) },
    { name: 'tardis-dev full', run: (text) => applyPeer(tardisFull, JSON.parse(text)) },
  ];
  const results = runInterleaved(plan, deltas, options.chunk);
  if (sink === -1) console.log('unreachable');
  metrics.stop();

  // Every implementation must hold the true book: the venue's strings for FlowRS, their values for the
  // float peers.
  const problems = agreementProblems(
    truth,
    [
      ['flowrs full', flowrsFull.book],
      ['flowrs full via JSON', flowrsViaJson.book],
      ['flowrs full + metrics', metered],
    ],
    [
      ['ccxt full', ccxtFull],
      ['tardis-dev full', tardisFull],
    ],
    'u',
  );
  if (problems.length > 0) {
    throw new Error(`Bybit order books disagree after the replay:\n  ${problems.join('\n  ')}`);
  }

  // Retained memory of one book per implementation, replayed from the frames, median of HEAP_RUNS. The
  // ccxt exchanges (markets and all) are built outside, one per run as each keeps its last book: only the
  // book is counted.
  const ccxtExchanges: Awaited<ReturnType<typeof makeCcxtBybit>>[] = [];
  for (let i = 0; i < HEAP_RUNS; i++) ccxtExchanges.push(await makeCcxtBybit(stream.instruments));
  const heapOf: Record<string, number> = {
    flowrs: retainedMiB(() => {
      const f = makeFlowrs();
      for (const text of deltas) applyFlowrs(f, parseBybitFrame(text, 0));
      return f;
    }, HEAP_RUNS),
    ccxt: retainedMiB(() => {
      const p = makeCcxtBybitPeer(ccxtExchanges.pop()!, stream.wsUrl, JSON.parse(snapshot));
      for (const text of deltas) p.applyParsed(JSON.parse(text));
      return p;
    }, HEAP_RUNS),
    'tardis-dev': retainedMiB(() => {
      const p = makeTardisBybitPeer(JSON.parse(snapshot));
      for (const text of deltas) p.applyParsed(JSON.parse(text));
      return p;
    }, HEAP_RUNS),
  };
  attachHeap(results, heapOf);
  return {
    results,
    symbol,
    topic: stream.topic,
    agreement: `top ${AGREEMENT_DEPTH} levels of every implementation equal the simulator’s true book`,
    levels: { bids: flowrsFull.book.book.bids.size, asks: flowrsFull.book.book.asks.size },
  };
}
