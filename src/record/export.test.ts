import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../app/config.js';
import { toBaseQuantity } from '../core/instrument.js';
import { silentLogger } from '../log.js';
import type { PipelineListener } from '../pipeline/pipeline.js';
import { bookColumns, CHANGES_COLUMNS, csvFileName, dayOf, TRADES_COLUMNS } from './csv-export.js';
import { type ExportResult, exportRecording, parseInterval } from './export.js';
import { type RecordedSession, recordSession, settle } from './test-support/session.js';

const DEPTH = 10;
const INTERVAL_MS = 100;
const BOOKS = [
  { exchange: 'binance', symbol: 'BTCUSDT' },
  { exchange: 'okx', symbol: 'ETH-USDT-SWAP' },
];

function readCsv(path: string): { header: string[]; rows: string[][] } {
  const [header, ...rows] = readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => line.split(','));
  return { header, rows };
}

describe('exporting a recording to CSV', () => {
  let dir: string;
  let out: string;
  let recorded: RecordedSession;
  let result: ExportResult;
  const contractSizes = new Map<string, string>();
  /** Every state the export's book engine went through: book → update id → levels. */
  const engine = new Map<string, Map<number, { bids: [string, string][]; asks: [string, string][] }[]>>();
  const engineListener: PipelineListener = {
    onBook(book, change) {
      if (change !== 'update') return;
      const byId = engine.get(book.key) ?? new Map();
      byId.set(book.updateId, [...(byId.get(book.updateId) ?? []), book.levels(DEPTH)]);
      engine.set(book.key, byId);
    },
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowrs-export-rec-'));
    out = mkdtempSync(join(tmpdir(), 'flowrs-export-csv-'));
    recorded = await recordSession(dir, ['binance', 'okx'], async (sim, app) => {
      for (let i = 0; i < 10; i++) {
        sim.step(5);
        await settle(sim, app, 1);
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
      sim.venue('okx').venueReset('ETH-USDT-SWAP');
      await settle(sim, app, 5);
      for (const b of app.books.list()) contractSizes.set(b.key, b.contractSize);
    });
    result = await exportRecording({
      recording: dir,
      out,
      books: BOOKS,
      depth: DEPTH,
      intervalMs: INTERVAL_MS,
      base: loadConfig([], {}),
      log: silentLogger,
      listeners: [engineListener],
    });
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });

  it('writes one book, trades and changes file per selected book and day, and no other', () => {
    const day = dayOf(result.endUs);
    const expected = BOOKS.flatMap((b) =>
      (['book', 'changes', 'trades'] as const).map((t) => csvFileName(b.exchange, b.symbol, day, t)),
    ).sort();
    assert.deepEqual(result.files, expected);
  });

  it('book rows: one per interval, each the book engine’s state at its update id, exact strings', () => {
    for (const { exchange, symbol } of BOOKS) {
      const { header, rows } = readCsv(join(out, csvFileName(exchange, symbol, dayOf(result.endUs), 'book')));
      assert.deepEqual(header, bookColumns(DEPTH));
      assert.ok(rows.length >= 5, `${exchange}:${symbol}: several intervals (${rows.length})`);
      const times = rows.map((r) => Number(r[0]));
      for (let i = 1; i < times.length; i++) assert.equal(times[i] - times[i - 1], INTERVAL_MS * 1000);
      const flat = (side: [string, string][]) => Array.from({ length: DEPTH }, (_, i) => side[i] ?? ['', '']).flat();
      const live = rows.filter((r) => r[3] === 'live');
      assert.ok(live.length >= 3, `${exchange}:${symbol}: live rows (${live.length})`);
      for (const row of live) {
        const states = engine.get(`${exchange}:${symbol}`)?.get(Number(row[4])) ?? [];
        const expected = states.map((levels) => [
          row[0],
          exchange,
          symbol,
          'live',
          row[4],
          ...flat(levels.bids),
          ...flat(levels.asks),
        ]);
        assert.ok(
          expected.some((e) => JSON.stringify(e) === JSON.stringify(row)),
          `${exchange}:${symbol} row at ${row[0]} is the engine's book at update ${row[4]}`,
        );
      }
      // No row is stamped after the recording ends. (Comparing update ids across the whole file is not
      // sound: a venue reset restarts them.)
      assert.ok(Number(rows.at(-1)![0]) <= result.endUs, `${exchange}:${symbol}: the last row is inside the recording`);
    }
  });

  it('trades: every recorded trade of the book, in order, in base units, with the taker side', () => {
    for (const { exchange, symbol } of BOOKS) {
      const { header, rows } = readCsv(join(out, csvFileName(exchange, symbol, dayOf(result.endUs), 'trades')));
      assert.deepEqual(header, TRADES_COLUMNS);
      const size = contractSizes.get(`${exchange}:${symbol}`)!;
      const live = recorded.live.trades
        .filter((t) => t.exchange === exchange && t.symbol === symbol)
        .map((t) => [
          String(t.venueTs),
          exchange,
          symbol,
          t.tradeId,
          t.price,
          toBaseQuantity(t.quantity, size),
          t.side,
        ]);
      assert.ok(live.length > 0, `${exchange}:${symbol} traded`);
      assert.deepEqual(
        rows.map((r) => r.slice(1)),
        live,
      );
    }
  });

  it('changes: applied in order from the last reset, they rebuild the replayed book', () => {
    for (const { exchange, symbol } of BOOKS) {
      const { header, rows } = readCsv(join(out, csvFileName(exchange, symbol, dayOf(result.endUs), 'changes')));
      assert.deepEqual(header, CHANGES_COLUMNS);
      assert.ok(
        rows.some((r) => r[2] === 'reset'),
        'a snapshot is a reset',
      );
      const bids = new Map<string, string>();
      const asks = new Map<string, string>();
      for (const [, , side, price, quantity] of rows) {
        if (side === 'reset') {
          bids.clear();
          asks.clear();
          continue;
        }
        const levels = side === 'bid' ? bids : asks;
        if (Number(quantity) === 0) levels.delete(price);
        else levels.set(price, quantity);
      }
      const top = (levels: Map<string, string>, descending: boolean) =>
        [...levels]
          .sort((a, b) => (descending ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])))
          .slice(0, DEPTH);
      const book = result.books.ensure(exchange, symbol).levels(DEPTH);
      assert.deepEqual(top(bids, true), book.bids, `${exchange}:${symbol} bids`);
      assert.deepEqual(top(asks, false), book.asks, `${exchange}:${symbol} asks`);
    }
  });

  it('reads intervals as 250ms, 1s, 1m', () => {
    assert.equal(parseInterval('250ms'), 250);
    assert.equal(parseInterval('1s'), 1_000);
    assert.equal(parseInterval('1m'), 60_000);
    assert.equal(parseInterval('soon'), undefined);
  });
});
