import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BookEvent, Exchange } from '../core/types.js';
import type { Metrics } from '../metrics/metrics-engine.js';
import { waitFor } from '../sim/test-support/wait.js';
import type { HealthReport } from './health.js';
import { allLive, startApp, type TestApp } from './test-support/app.js';
import { parsePrometheus, seriesKey, seriesOf } from './test-support/prometheus-text.js';

/** The fault counters a user can read, one venue. Zero entries are left out of the by-reason maps. */
interface VenueFaults {
  invalidFrames: Record<string, number>;
  resyncs: Record<string, number>;
  gaps: number;
  reconnections: number;
}

const nonZero = (byReason: Record<string, number>) =>
  Object.fromEntries(Object.entries(byReason).filter(([, n]) => n > 0));

function fromJson(m: Metrics): Record<string, VenueFaults> {
  return Object.fromEntries(
    Object.entries(m.perVenue).map(([exchange, v]) => [
      exchange,
      {
        invalidFrames: nonZero(v.invalidFramesByReason),
        resyncs: nonZero(v.resyncsByReason as Record<string, number>),
        gaps: v.gaps,
        reconnections: v.reconnections,
      },
    ]),
  );
}

function fromHealth(h: HealthReport): Record<string, VenueFaults> {
  return Object.fromEntries(
    h.venues.map((v) => [
      v.exchange,
      {
        invalidFrames: nonZero(v.invalidFramesByReason),
        resyncs: nonZero(v.resyncsByReason as Record<string, number>),
        gaps: v.gaps,
        reconnections: v.reconnections,
      },
    ]),
  );
}

function fromPrometheus(text: string, exchanges: readonly Exchange[]): Record<string, VenueFaults> {
  const samples = parsePrometheus(text);
  const byReason = (name: string, exchange: string) =>
    nonZero(
      Object.fromEntries(
        seriesOf(samples, name)
          .filter((s) => s.labels.exchange === exchange)
          .map((s) => [s.labels.reason, s.value]),
      ),
    );
  const one = (name: string, exchange: string) => {
    const value = samples.get(seriesKey(name, { exchange }));
    assert.ok(value !== undefined, `${name}{exchange="${exchange}"} is exposed`);
    return value;
  };
  return Object.fromEntries(
    exchanges.map((exchange) => [
      exchange,
      {
        invalidFrames: byReason('flowrs_invalid_frames_total', exchange),
        resyncs: byReason('flowrs_resyncs_total', exchange),
        gaps: one('flowrs_sequence_gaps_total', exchange),
        reconnections: one('flowrs_reconnections_total', exchange),
      },
    ]),
  );
}

describe('JSON metrics, /health and Prometheus report the same numbers', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ FLOWRS_AUDIT_INTERVAL_MS: '0' }, {}, 71); // audits only when the test drives them
    t.sim.run(300);
    await allLive(t);
  });
  after(async () => {
    await t.stop();
  });

  /** Waits for the next metrics tick, then reads all three sources. */
  const readAll = async () => {
    const since = Date.now();
    await waitFor(() => t.app.metrics.snapshot().timestamp > since, 'a metrics tick');
    const json = (await (await fetch(`${t.httpUrl}/api/metrics`)).json()) as Metrics;
    const healthRes = await fetch(`${t.httpUrl}/health`);
    const health = (await healthRes.json()) as HealthReport;
    const prometheus = await (await fetch(`${t.httpUrl}/metrics`)).text();
    return { json, health, healthStatus: healthRes.status, prometheus };
  };

  it('after malformed frames, gaps, a dropped connection and crossed/depth resyncs on both venues', async () => {
    const exchanges = ['binance', 'bybit'] as const;
    const counts = (e: Exchange) => t.app.metrics.venueCounts().get(e)!;
    // One fault at a time, each waited for, so that one does not hide another (a bad level sent to a
    // book that is resyncing is buffered and dropped with the buffer, not applied).
    for (const kind of ['invalid_json', 'wrong_types', 'bad_level'] as const) {
      t.sim.binance.sendMalformed(kind);
      t.sim.bybit.sendMalformed(kind);
    }
    await waitFor(
      () =>
        exchanges.every((e) => {
          const byReason = counts(e).invalidFramesByReason;
          return byReason.not_json > 0 && byReason.bad_field > 0 && byReason.bad_level > 0;
        }),
      'every malformed frame counted',
    );
    t.sim.binance.faults.withholdNext('ETHUSDT');
    t.sim.bybit.faults.withholdNext('ETHUSDT');
    await waitFor(() => exchanges.every((e) => counts(e).gaps > 0 && (counts(e).resyncsByReason.gap ?? 0) > 0), 'gaps');
    await allLive(t);
    // What a connector does when the book engine answers `crossed` or `depth`: resync with that reason.
    t.app.exchanges.resync('binance', 'BTCUSDT', 'crossed');
    t.app.exchanges.resync('bybit', 'BTCUSDT', 'depth');
    await allLive(t);
    t.sim.bybit.dropAllConnections();
    await waitFor(() => counts('bybit').reconnections > 0, 'bybit reconnected');
    t.sim.pause();
    await allLive(t);

    const { json, health, healthStatus, prometheus } = await readAll();
    const expected = fromJson(json);
    assert.deepEqual(fromHealth(health), expected, '/health agrees with the JSON metrics');
    assert.deepEqual(fromPrometheus(prometheus, exchanges), expected, 'Prometheus agrees with the JSON metrics');
    assert.equal(healthStatus, 200);

    // Non-zero where the faults were injected, each under its reason.
    for (const exchange of exchanges) {
      const v = expected[exchange];
      assert.deepEqual(
        Object.keys(v.invalidFrames).sort(),
        ['bad_field', 'bad_level', 'not_json'],
        `${exchange}: every kind of invalid frame counted under its reason`,
      );
      assert.ok(v.gaps > 0, `${exchange}: gaps`);
      assert.ok((v.resyncs.gap ?? 0) > 0, `${exchange}: gap resyncs`);
    }
    assert.ok((expected.binance.resyncs.crossed ?? 0) > 0, 'binance: the crossed resync');
    assert.ok((expected.bybit.resyncs.depth ?? 0) > 0, 'bybit: the depth resync');
    assert.ok((expected.bybit.resyncs.disconnected ?? 0) > 0, 'bybit: resyncs after the dropped connection');
    assert.ok(expected.bybit.reconnections > 0, 'bybit: reconnections');
    // The totals are the sums of the venues.
    const sum = (f: (v: VenueFaults) => number) => exchanges.reduce((n, e) => n + f(expected[e]), 0);
    const sumOf = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
    assert.equal(
      json.invalidFrames,
      sum((v) => sumOf(v.invalidFrames)),
    );
    assert.equal(
      json.resyncs,
      sum((v) => sumOf(v.resyncs)),
    );
    assert.equal(
      json.reconnections,
      sum((v) => v.reconnections),
    );
    for (const v of health.venues) {
      assert.equal(v.invalidFrames, sumOf(v.invalidFramesByReason), `${v.exchange}: invalid total`);
      assert.equal(v.resyncs, sumOf(v.resyncsByReason as Record<string, number>), `${v.exchange}: resync total`);
    }
    t.sim.run(300);
  });

  it('after audits: lastAuditAt, auditDriftLevels and the audit counts agree', async () => {
    t.sim.pause();
    await allLive(t);
    const live = t.app.books.find('binance', 'BTCUSDT')!;
    const snapshotOf = (shift: (levels: [string, string][]) => [string, string][]): BookEvent => {
      const top = live.book.top(live.book.depth);
      return {
        type: 'book_snapshot',
        exchange: 'binance',
        symbol: 'BTCUSDT',
        bids: shift(top.bids),
        asks: top.asks,
        updateId: live.updateId,
        venueTs: live.venueTs,
        localTs: Date.now(),
      };
    };
    // An audit that agrees, then one whose shadow has lost the best bid.
    const agree = t.app.pipeline.openAudit('binance', 'BTCUSDT');
    assert.equal(agree.book(snapshotOf((bids) => bids)), 'applied');
    assert.equal(agree.compare().driftLevels, 0);
    const drift = t.app.pipeline.openAudit('binance', 'BTCUSDT');
    assert.equal(drift.book(snapshotOf((bids) => bids.slice(1))), 'applied');
    const result = drift.compare();
    assert.ok(result.driftLevels > 0, 'the shadow differs');

    const { json, health, prometheus } = await readAll();
    const samples = parsePrometheus(prometheus);
    const labels = { exchange: 'binance', symbol: 'BTCUSDT' };
    const book = health.books.find((b) => b.exchange === 'binance' && b.symbol === 'BTCUSDT')!;
    assert.equal(book.lastAuditAt, result.at);
    assert.equal(book.auditDriftLevels, result.driftLevels);
    assert.equal(json.perSymbol['binance:BTCUSDT'].lastAuditAt, result.at);
    assert.equal(json.perSymbol['binance:BTCUSDT'].auditDriftLevels, result.driftLevels);
    assert.equal(samples.get(seriesKey('flowrs_book_audit_drift_levels', labels)), result.driftLevels);
    assert.equal(json.audits, 2);
    assert.equal(json.auditDrifts, 1);
    assert.equal(samples.get(seriesKey('flowrs_book_audits_total', labels)), 2);
    assert.equal(samples.get(seriesKey('flowrs_book_audit_drifts_total', labels)), 1);
    // A book never audited says so in each source.
    const other = health.books.find((b) => b.exchange === 'bybit' && b.symbol === 'ETHUSDT')!;
    assert.equal(other.lastAuditAt, null);
    assert.equal(json.perSymbol['bybit:ETHUSDT'].auditDriftLevels, null);
    assert.equal(
      samples.get(seriesKey('flowrs_book_audit_drift_levels', { exchange: 'bybit', symbol: 'ETHUSDT' })),
      undefined,
    );
    t.sim.run(300);
  });
});

describe('the client server’s counters agree in JSON metrics, /health and Prometheus', () => {
  let t: TestApp;
  before(async () => {
    t = await startApp({ FLOWRS_AUTH_TOKENS: 'secret', FLOWRS_MAX_CLIENTS_PER_IP: '2' }, {}, 66);
    t.sim.run(200);
    await allLive(t);
  });
  after(async () => {
    await t.stop();
  });

  it('counts refused handshakes by reason, and books on demand, the same everywhere', async () => {
    const { WebSocket } = await import('ws');
    const closed = (url: string, headers?: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('error', () => undefined);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('close', (code) => resolve(code));
      });
    assert.equal(await closed(t.wsUrl), 4401);
    assert.equal(await closed(`${t.wsUrl}?token=wrong`), 4401);
    assert.equal(await closed(t.wsUrl, { Origin: 'https://evil.example' }), 4403);
    const auth = { Authorization: 'Bearer secret' };
    const kept = [new WebSocket(t.wsUrl, { headers: auth }), new WebSocket(t.wsUrl, { headers: auth })];
    await Promise.all(kept.map((ws) => new Promise((resolve) => ws.once('open', resolve))));
    assert.equal(await closed(t.wsUrl, auth), 429);
    const expected = { unauthorized: 2, origin: 1, per_ip: 1, full: 0, rate: 0 };
    t.app.metrics.tick();
    const json = t.app.metrics.snapshot();
    assert.deepEqual(json.rejectedHandshakes, expected);
    const health = (await (await fetch(`${t.httpUrl}/health`)).json()) as HealthReport;
    assert.deepEqual(health.rejectedHandshakes, expected);
    assert.equal(health.onDemandBooks, json.onDemandBooks);
    const samples = parsePrometheus(await (await fetch(`${t.httpUrl}/metrics`)).text());
    assert.deepEqual(
      Object.fromEntries(seriesOf(samples, 'flowrs_rejected_handshakes_total').map((s) => [s.labels.reason, s.value])),
      expected,
    );
    assert.equal(samples.get(seriesKey('flowrs_on_demand_books', {})), json.onDemandBooks);
    for (const ws of kept) ws.close();
  });
});
