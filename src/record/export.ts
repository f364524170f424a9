import type { FlowrsConfig } from '../app/config.js';
import { BookManager } from '../book/book-manager.js';
import type { TradeEvent } from '../core/types.js';
import { ExchangeManager } from '../exchanges/manager.js';
import { createConnectors } from '../exchanges/registry.js';
import { VENUES } from '../exchanges/venues.js';
import type { Logger } from '../log.js';
import { MarketPipeline, type PipelineListener } from '../pipeline/pipeline.js';
import { CsvExport } from './csv-export.js';
import { readRecordingDir } from './reader.js';
import { type BookSelection, replayConfig } from './replay-config.js';
import { ReplayServer } from './replay-server.js';

/** Default `--interval`: one book row a second. */
export const DEFAULT_EXPORT_INTERVAL_MS = 1_000;
/** Default `--depth`: levels a side in each book row. */
export const DEFAULT_EXPORT_DEPTH = 25;
/** The replay is over once nothing has moved for this long (every recorded frame taken, or nothing more asked for). */
export const EXPORT_IDLE_MS = 1_000;
/** Export formats. CSV only: see the documentation for why not Parquet. */
export const EXPORT_FORMATS = ['csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** The recording (directory or file). */
  readonly recording: string;
  /** Where the CSV files go. */
  readonly out: string;
  /** Books to export (all recorded books when empty). */
  readonly books: readonly BookSelection[];
  readonly depth: number;
  readonly intervalMs: number;
  readonly fromUs?: number;
  readonly toUs?: number;
  /** The configuration's non-venue settings (book depth kept, staleness). */
  readonly base: FlowrsConfig;
  readonly log: Logger;
  /** More listeners on the replayed pipeline (e.g. to compare with the book engine's states). */
  readonly listeners?: readonly PipelineListener[];
}

export interface ExportResult {
  /** Files written, by name, in the output directory. */
  readonly files: readonly string[];
  /** The books as the replay left them (tests compare the last rows with them). */
  readonly books: BookManager;
  /** Recorded time (µs) the replay reached. */
  readonly endUs: number;
}

/** `1s`, `250ms`, `1m`, or a number of ms. */
export function parseInterval(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const factor = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  const ms = Number(m[1]) * factor;
  return ms >= 1 ? ms : undefined;
}

/**
 * Replays a recording as fast as the connectors take it, through the same venue code and book engine
 * as live (no client server), and writes the selected books as CSV.
 */
export async function exportRecording(options: ExportOptions): Promise<ExportResult> {
  const server = await ReplayServer.start(readRecordingDir(options.recording, { toUs: options.toUs }), {
    speed: 'max',
    log: options.log,
  });
  const config = replayConfig(options.base, server, options.books);
  const depth = Math.max(config.depth, options.depth);
  const books = new BookManager({
    depth,
    displayDepth: config.displayDepth,
    staleAfterMs: config.staleAfterMs,
    checksums: new Map(VENUES.flatMap((v) => (v.checksum ? [[v.id, v.checksum] as const] : []))),
  });
  const pipeline = new MarketPipeline(books, options.log);
  const csv = new CsvExport({
    dir: options.out,
    books: new Set(options.books.map((b) => `${b.exchange}:${b.symbol}`)),
    depth: options.depth,
    intervalUs: options.intervalMs * 1000,
    fromUs: options.fromUs,
    toUs: options.toUs,
    clockUs: () => server.clockUs,
  });
  pipeline.subscribe(csv);
  pipeline.subscribe({
    onTrade: (trade: TradeEvent) => csv.trade(trade, books.ensure(trade.exchange, trade.symbol).contractSize),
  });
  for (const listener of options.listeners ?? []) pipeline.subscribe(listener);
  const exchanges = new ExchangeManager(createConnectors(config, options.log));
  exchanges.start(pipeline);
  try {
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (!server.finished(EXPORT_IDLE_MS)) return;
        clearInterval(timer);
        resolve();
      }, 50);
    });
  } finally {
    await exchanges.stop();
    await server.stop();
  }
  const endUs = Math.min(server.clockUs, options.toUs ?? Number.POSITIVE_INFINITY);
  return { files: csv.finish(endUs), books, endUs };
}
