import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLogger } from '../log.js';
import { ConnectorStoppedError, VenueHttpError } from './errors.js';
import { DEFAULT_RETRY_AFTER_403_MS, SnapshotQueue, WEIGHT_WINDOW_MS } from './snapshot-queue.js';

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
      isPermanent: (e) => e instanceof VenueHttpError && e.status === 400,
    });
    let calls = 0;
    await assert.rejects(
      q.enqueue('NOPE', async () => {
        calls++;
        throw new VenueHttpError(400, 'u', undefined, '{"code":-1121,"msg":"Invalid symbol."}');
      }),
      (e: unknown) => e instanceof VenueHttpError && e.status === 400,
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

  it('pauses the whole queue after a 403 (the venue’s firewall), instead of retrying each key', async () => {
    const now = 1_000_000;
    const q = new SnapshotQueue<string>({ requestWeight: 1, jitterMs: 0, log: silentLogger, now: () => now });
    const calls: string[] = [];
    q.enqueue('A', async () => {
      calls.push('A');
      throw new VenueHttpError(403, 'u', undefined, '<html>403 Forbidden</html>');
    });
    const b = q.enqueue('B', async () => {
      calls.push('B');
      return 'b';
    });
    await waitUntil(() => q.stats.failures === 1);
    assert.equal(q.pausedUntilMs, now + DEFAULT_RETRY_AFTER_403_MS, 'no Retry-After: the default pause');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls, ['A'], 'B waits too: the refusal was about the IP, not about A');
    assert.equal(q.stats.rateLimited, 1);
    q.stop();
    await assert.rejects(b, ConnectorStoppedError);
    // With Retry-After, that is the pause.
    const q2 = new SnapshotQueue<string>({ requestWeight: 1, jitterMs: 0, log: silentLogger, now: () => now });
    q2.enqueue('A', async () => {
      throw new VenueHttpError(403, 'u', 7_000, 'WAF');
    });
    await waitUntil(() => q2.stats.failures === 1);
    assert.equal(q2.pausedUntilMs, now + 7_000);
    q2.stop();
  });

  it('holds requests while the venue counts the IP’s weight (ours and other processes’) near the budget', async () => {
    let now = 5 * WEIGHT_WINDOW_MS + 10_000; // 10 s into a minute
    const q = new SnapshotQueue<string>({
      requestWeight: 20,
      weightBudgetPerMinute: 1_200,
      jitterMs: 0,
      log: silentLogger,
      now: () => now,
    });
    // Another process on the same IP has spent 1,190 this minute: our next 20 would pass 1,200.
    q.reportUsedWeight(1_190);
    let calls = 0;
    const a = q.enqueue('A', async () => {
      calls++;
      return 'a';
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(calls, 0, 'held');
    assert.equal(q.heldForVenueWeightUntil(), 6 * WEIGHT_WINDOW_MS, 'until the venue’s minute rolls over');
    assert.ok(q.stats.heldForVenueWeight >= 1);
    // A stale report of a lower count (an answer that arrived late) does not lower it.
    q.reportUsedWeight(600);
    assert.equal(q.venueUsedWeight(), 1_190);
    // Once the minute has rolled over, the report no longer holds anything.
    now = 6 * WEIGHT_WINDOW_MS + 1;
    assert.equal(q.venueUsedWeight(), 0);
    q.enqueue('wake', async () => 'w'); // any new request makes the queue look again
    assert.equal(await a, 'a');
    assert.equal(calls, 1);
    q.stop();
  });

  it('a request may wait for a delay of its own without holding the others', async () => {
    let now = 1_000;
    const q = new SnapshotQueue<string>({ requestWeight: 1, jitterMs: 0, log: silentLogger, now: () => now });
    const order: string[] = [];
    const later = q.enqueue(
      'LATER',
      async () => {
        order.push('LATER');
        return 'l';
      },
      60_000,
    );
    assert.equal(q.notBefore('LATER'), 61_000);
    await q.enqueue('NOW', async () => {
      order.push('NOW');
      return 'n';
    });
    assert.deepEqual(order, ['NOW']);
    now = 61_000;
    q.enqueue('wake', async () => 'w');
    assert.equal(await later, 'l');
    q.stop();
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((r) => setTimeout(r, 1));
  assert.ok(condition(), 'condition reached');
}
