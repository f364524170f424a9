/**
 * Order-book replay on OKX v5 `books`: FlowRS vs ccxt pro `okx` and tardis-dev's OKX mapper on the same
 * seeded stream from FlowRS's OKX simulator (snapshot, then updates chained by `prevSeqId`, `checksum` 0),
 * interleaved in one process as the Binance scenario is.
 *
 *   JSON.parse only        JSON.parse of each frame (the floor)
 *   flowrs full            frame text → parseOkxFrame → OkxBookSequencer → ManagedBook → read top 5
 *   flowrs full + metrics  the same through the pipeline with the metrics engine and the frame clock
 *   ccxt full              frame text → JSON.parse → ccxt's `handleOrderBook` → read top 5
 *   tardis-dev full        frame text → JSON.parse → tardis's OKX mapper → OrderBook.update → read top 5
 *
 * There is no `apply` row: FlowRS's OKX parser takes frame text only, so a FlowRS row starting from a
 * pre-parsed object would have to skip FlowRS's own validation while the peers' rows include theirs.
 *
 * Sizes are contracts in every implementation (as on the wire). After the replay every implementation's
 * top 20 levels must equal the simulator's true book.
 */
import { BookManager, ManagedBook } from '../src/book/book-manager.js';
import { clearFrameReceived, markFrameReceived } from '../src/core/frame-clock.js';
import type { BookEvent } from '../src/core/types.js';
import { type BookFrame, bookEventOf, type VenueFrame } from '../src/exchanges/kit/venue-frame.js';
import { ExchangeManager } from '../src/exchanges/manager.js';
import { parseOkxFrame } from '../src/exchanges/okx/parse.js';
import { OkxBookSequencer } from '../src/exchanges/okx/sequencer.js';
import { OKX_BOOK_DEPTH, OKX_ID } from '../src/exchanges/okx/settings.js';
import { silentLogger } from '../src/log.js';
import { MetricsEngine } from '../src/metrics/metrics-engine.js';
import { MarketPipeline } from '../src/pipeline/pipeline.js';
import { recordOkxStream } from './okx-frames.js';
import { makeCcxtOkx, makeCcxtOkxPeer, makeTardisOkxPeer, type OkxBooksMessage, type OkxPeer } from './okx-peers.js';
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

export interface OkxReplayReport {
  results: ReplayResult[];
  instId: string;
  ctVal: string;
  agreement: string;
  levels: { bids: number; asks: number };
}

/** The event FlowRS's connector hands the pipeline for a sequenced book frame (subscription-connector.ts). */
function bookEvent(frame: BookFrame): BookEvent {
  return bookEventOf(OKX_ID, frame.symbol, frame, 0);
}

/** The sequencer's verdict must be to take the frame: the simulated stream has no gap. */
function sequenced(sequencer: OkxBookSequencer, frame: VenueFrame): BookFrame {
  if (frame.kind !== 'book') throw new Error(`unexpected frame ${frame.kind}`);
  const verdict = sequencer.check(frame);
  if (verdict.type !== 'snapshot' && verdict.type !== 'apply') {
    throw new Error(`OKX sequencer said ${verdict.type} to seqId ${frame.updateId}`);
  }
  return frame;
}

export async function runOkxReplay(options: ReplayOptions): Promise<OkxReplayReport> {
  const stream = await recordOkxStream(options.messages, options.seed);
  const { instId, snapshot, updates, truth } = stream;
  const snapshotMessage = JSON.parse(snapshot) as OkxBooksMessage;
  let sink = 0;

  // FlowRS: the connector's path — parse, sequence on prevSeqId, apply, read top 5.
  interface FlowrsOkx {
    readonly book: ManagedBook;
    readonly sequencer: OkxBookSequencer;
  }
  const applyFlowrs = (f: FlowrsOkx, text: string) => {
    const frame = sequenced(f.sequencer, parseOkxFrame(text, 0));
    const event = bookEvent(frame);
    const health = event.type === 'book_snapshot' ? f.book.applySnapshot(event) : f.book.applyDelta(event);
    if (health !== 'ok') throw new Error(`flowrs book is ${health} after seqId ${frame.updateId}`);
    f.sequencer.applied(frame);
    const top = f.book.book.top(5);
    sink += top.bids.length + top.asks.length;
  };
  const makeFlowrs = (): FlowrsOkx => {
    const f = {
      book: new ManagedBook(OKX_ID, instId, { depth: OKX_BOOK_DEPTH }, 5, 60_000, () => 0),
      sequencer: new OkxBookSequencer(),
    };
    applyFlowrs(f, snapshot);
    return f;
  };
  const flowrsFull = makeFlowrs();

  // The production path: the pipeline with the metrics engine listening, frame clock included.
  const meteredBooks = new BookManager({ depth: OKX_BOOK_DEPTH, now: () => 0 });
  const pipeline = new MarketPipeline(meteredBooks, silentLogger);
  const metrics = new MetricsEngine(meteredBooks, new ExchangeManager([]));
  pipeline.subscribe(metrics);
  const meteredSequencer = new OkxBookSequencer();
  const metered = meteredBooks.ensure(OKX_ID, instId);
  const applyMetered = (text: string) => {
    markFrameReceived();
    const frame = sequenced(meteredSequencer, parseOkxFrame(text, 0));
    const outcome = pipeline.book(bookEvent(frame));
    if (outcome !== 'applied') throw new Error(`flowrs pipeline said ${outcome} to seqId ${frame.updateId}`);
    meteredSequencer.applied(frame);
    const top = metered.book.top(5);
    sink += top.bids.length + top.asks.length;
    clearFrameReceived();
  };
  applyMetered(snapshot);

  const ccxtFull = makeCcxtOkxPeer(makeCcxtOkx(stream.instruments), snapshotMessage);
  const tardisFull = makeTardisOkxPeer(snapshotMessage);
  const applyPeer = (peer: OkxPeer, message: OkxBooksMessage) => {
    peer.applyParsed(message);
    sink += peer.top(5).bids.length;
  };

  const plan: ContenderPlan<string>[] = [
    {
      name: 'JSON.parse only',
      run: (text) => {
        sink += JSON.parse(text).data[0].seqId & 1;
      },
    },
    { name: 'flowrs full', run: (text) => applyFlowrs(flowrsFull, text) },
    { name: 'flowrs full + metrics', run: (text) => applyMetered(text) },
    { name: 'ccxt full', run: (text) => applyPeer(ccxtFull, JSON.parse(text)) },
    { name: 'tardis-dev full', run: (text) => applyPeer(tardisFull, JSON.parse(text)) },
  ];
  const results = runInterleaved(plan, updates, options.chunk);
  if (sink === -1) console.log('unreachable');
  metrics.stop();

  // Every implementation must hold the true book: the venue's strings for FlowRS, their values for the
  // float peers; sizes in contracts everywhere.
  const problems = agreementProblems(
    truth,
    [
      ['flowrs full', flowrsFull.book],
      ['flowrs full + metrics', metered],
    ],
    [
      ['ccxt full', ccxtFull],
      ['tardis-dev full', tardisFull],
    ],
    'seqId',
  );
  if (problems.length > 0) {
    throw new Error(`OKX order books disagree after the replay:\n  ${problems.join('\n  ')}`);
  }

  // Retained memory of one book per implementation, replayed from freshly parsed frames, median of
  // HEAP_RUNS. The ccxt exchanges (markets and all) are built outside, one per run as each keeps its last
  // book: only the book is counted.
  const ccxtExchanges = Array.from({ length: HEAP_RUNS }, () => makeCcxtOkx(stream.instruments));
  const heapOf: Record<string, number> = {
    flowrs: retainedMiB(() => {
      const f = makeFlowrs();
      for (const text of updates) applyFlowrs(f, text);
      return f;
    }, HEAP_RUNS),
    ccxt: retainedMiB(() => {
      const p = makeCcxtOkxPeer(ccxtExchanges.pop()!, JSON.parse(snapshot));
      for (const text of updates) p.applyParsed(JSON.parse(text));
      return p;
    }, HEAP_RUNS),
    'tardis-dev': retainedMiB(() => {
      const p = makeTardisOkxPeer(JSON.parse(snapshot));
      for (const text of updates) p.applyParsed(JSON.parse(text));
      return p;
    }, HEAP_RUNS),
  };
  attachHeap(results, heapOf);
  return {
    results,
    instId,
    ctVal: stream.ctVal,
    agreement: `top ${AGREEMENT_DEPTH} levels of every implementation equal the simulator’s true book (sizes in contracts)`,
    levels: { bids: flowrsFull.book.book.bids.size, asks: flowrsFull.book.book.asks.size },
  };
}
