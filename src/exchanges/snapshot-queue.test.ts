import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../log.js';
import { ConnectorStoppedError, VenueHttpError } from './errors.js';
import { SnapshotQueue } from './snapshot-queue.js';

describe('SnapshotQueue', () => {
  it('runs one request at a time and never queues a key twice', async () => {
    const q = new SnapshotQueue<string>({ requestWeight: 20, jitterMs: 0, log: silentLogger });
    let inFlight = 0;
    let maxInFlight = 0;
    const task = (v: string) => async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return v;
    };
    const a = q.enqueue('A', task('a'));
    const again = q.enqueue('A', task('other'));
    const b = q.enqueue('B', task('b'));
    assert.equal(a, again);
    assert.deepEqual(await Promise.all([a, b]), ['a', 'b']);
    assert.equal(maxInFlight, 1);
    assert.equal(q.stats.requests, 2);
  });

  it('stays within the weight budget of a rolling minute', async () => {
    const q = new SnapshotQueue<number>({
      requestWeight: 20,
      weightBudgetPerMinute: 60,
      jitterMs: 0,
      log: silentLogger,
    });
    const done: number[] = [];
    for (let i = 0; i < 4; i++) {
      q.enqueue(`k${i}`, async () => i).then(
        (v) => done.push(v),
        () => undefined,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(done, [0, 1, 2], 'the fourth waits for the minute to roll');
    q.stop();
  });

  it('pauses every request after a 429 until Retry-After, then retries', async () => {
    const q = new SnapshotQueue<string>({ requestWeight: 1, jitterMs: 0, log: silentLogger });
    let calls = 0;
    const started = Date.now();
    const result = await q.enqueue('A', async () => {
      calls++;
      if (calls === 1) throw new VenueHttpError(429, 'u', 80, 'slow down');
      return 'ok';
    });
    assert.equal(result, 'ok');
    assert.ok(Date.now() - started >= 75, 'waited for Retry-After');
    assert.equal(q.stats.rateLimited, 1);
  });

  it('rejects at once what retrying cannot fix, instead of retrying it forever', async () => {
    const q = new SnapshotQueue<string>({
      requestWeight: 1,
      jitterMs: 0,
      log: silentLogger,
      isPermanent: (e) => e instanceof VenueHttpError && e.isInvalidSymbol,
    });
    let calls = 0;
    await assert.rejects(
      q.enqueue('NOPE', async () => {
        calls++;
        throw new VenueHttpError(400, 'u', undefined, '{"code":-1121,"msg":"Invalid symbol."}');
      }),
      (e: unknown) => e instanceof VenueHttpError && e.isInvalidSymbol,
    );
    assert.equal(calls, 1);
    assert.equal(q.pending, 0);
  });

  it('retries other failures with backoff, and rejects pending work when stopped', async () => {
    const q = new SnapshotQueue<string>({
      requestWeight: 1,
      jitterMs: 0,
      retryBaseMs: 5,
      retryCapMs: 10,
      log: silentLogger,
    });
    let calls = 0;
    const v = await q.enqueue('A', async () => {
      if (++calls < 3) throw new Error('HTTP 503');
      return 'third time';
    });
    assert.equal(v, 'third time');
    const never = q.enqueue('B', () => new Promise<string>(() => undefined));
    const waiting = q.enqueue('C', async () => 'c');
    q.stop();
    await assert.rejects(waiting, ConnectorStoppedError);
    void never;
    await assert.rejects(
      q.enqueue('D', async () => 'd'),
      ConnectorStoppedError,
    );
  });
});
