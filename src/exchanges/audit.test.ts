import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { waitFor } from '../sim/test-support/wait.js';
import { AuditScheduler, DEFAULT_AUDIT_INTERVAL_MS } from './audit.js';

describe('AuditScheduler', () => {
  it('takes eligible books round-robin, skipping the others, and spreads them over the interval', () => {
    const eligible = new Set(['A', 'C', 'D']);
    const s = new AuditScheduler({
      intervalMs: DEFAULT_AUDIT_INTERVAL_MS,
      keys: () => ['A', 'B', 'C', 'D'],
      eligible: (k) => eligible.has(k),
      busy: () => false,
      start: () => undefined,
    });
    assert.deepEqual([s.next(), s.next(), s.next(), s.next()], ['A', 'C', 'D', 'A']);
    eligible.delete('C');
    assert.deepEqual([s.next(), s.next()], ['D', 'A']);
    eligible.clear();
    assert.equal(s.next(), undefined);
    assert.equal(s.spacingMs(4), DEFAULT_AUDIT_INTERVAL_MS / 4, 'each of 4 books once per interval');
  });

  it('runs one audit at a time, and not at all with interval 0', async () => {
    const started: string[] = [];
    let busy = false;
    let busyChecks = 0;
    const s = new AuditScheduler({
      intervalMs: 20,
      keys: () => ['A', 'B'],
      eligible: () => true,
      busy: () => {
        busyChecks++;
        return busy;
      },
      start: (k) => {
        started.push(k);
        busy = true;
      },
    });
    s.start();
    await waitFor(() => started.length === 1, 'the first audit');
    const checks = busyChecks;
    await waitFor(() => busyChecks >= checks + 3, 'three more ticks while it runs');
    assert.equal(started.length, 1, 'none started while one runs');
    busy = false;
    await waitFor(() => started.length === 2, 'the next, once the first is done');
    assert.deepEqual(started, ['A', 'B']);
    s.stop();
    const off = new AuditScheduler({
      intervalMs: 0,
      keys: () => ['A'],
      eligible: () => true,
      busy: () => false,
      start: () => assert.fail('disabled'),
    });
    off.start();
    assert.equal(off.enabled, false);
  });
});
