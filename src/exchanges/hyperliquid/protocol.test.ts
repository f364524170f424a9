import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hyperliquidProtocol } from './protocol.js';
import { HYPERLIQUID_STALE_AFTER_MS } from './settings.js';
import { documentedFrame } from './test-support.js';

const settings = { wsUrl: 'wss://api.hyperliquid.xyz/ws', cadence: 'default' as const };

describe('Hyperliquid subscription protocol', () => {
  it('writes one documented subscribe message per topic, with "fast": true on books only when asked', () => {
    const normal = hyperliquidProtocol(settings);
    assert.equal(normal.bookTopic('BTC'), 'l2Book:BTC');
    assert.equal(normal.tradeTopic('kPEPE'), 'trades:kPEPE');
    assert.equal(
      normal.request('subscribe', ['l2Book:BTC'], 'r1'),
      '{"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC"}}',
    );
    assert.equal(
      normal.request('unsubscribe', ['trades:BTC'], 'r2'),
      '{"method":"unsubscribe","subscription":{"type":"trades","coin":"BTC"}}',
    );
    const fast = hyperliquidProtocol({ ...settings, cadence: 'fast' });
    assert.equal(
      fast.request('subscribe', ['l2Book:BTC'], 'r3'),
      '{"method":"subscribe","subscription":{"type":"l2Book","coin":"BTC","fast":true}}',
    );
    assert.equal(
      fast.request('subscribe', ['trades:BTC'], 'r4'),
      '{"method":"subscribe","subscription":{"type":"trades","coin":"BTC"}}',
    );
    assert.throws(() => normal.request('subscribe', ['l2Book:BTC', 'l2Book:ETH'], 'r5'), RangeError);
    assert.deepEqual(normal.limits, { topicsPerConnection: 500, topicsPerRequest: 1, messagesPerSecond: 10 });
  });

  it('pings with {"method":"ping"} every 30 s, well inside the 60 s idle close', () => {
    const p = hyperliquidProtocol(settings);
    assert.equal(p.heartbeat.kind, 'app');
    assert.equal(p.heartbeat.kind === 'app' && p.heartbeat.ping(), '{"method":"ping"}');
    assert.equal(p.heartbeat.intervalMs, 30_000);
  });

  it('caps book pictures at 20 levels (default) or 5 (fast), and never calls a normal 2–5 s gap stale', () => {
    const normal = hyperliquidProtocol(settings);
    const fast = hyperliquidProtocol({ ...settings, cadence: 'fast' });
    assert.equal(normal.bookDepth, 20);
    assert.equal(fast.bookDepth, 5);
    const book = (p: typeof normal) => p.parse(documentedFrame('l2book'), 1);
    assert.equal(book(normal).kind === 'book' && (book(normal) as { depthLimit: number }).depthLimit, 20);
    assert.equal((book(fast) as { depthLimit: number }).depthLimit, 5);
    assert.ok(HYPERLIQUID_STALE_AFTER_MS.default > 5_000 * 2);
    assert.ok(HYPERLIQUID_STALE_AFTER_MS.fast > 500 * 2);
    assert.equal(normal.staleAfterMs, HYPERLIQUID_STALE_AFTER_MS.default);
  });

  it('marks the first trades message after each trades subscription as history, and later ones as new', () => {
    const p = hyperliquidProtocol(settings);
    const trades = documentedFrame('trades');
    // Before any subscription nothing is history (a frame from nowhere is treated as live).
    assert.equal((p.parse(trades, 1) as { history?: boolean }).history, undefined);
    p.request('subscribe', ['trades:BTC'], 'a');
    assert.equal((p.parse(trades, 1) as { history?: boolean }).history, true);
    assert.equal((p.parse(trades, 1) as { history?: boolean }).history, undefined);
    // A book subscription does not arm it; a fresh trades subscription does again.
    p.request('subscribe', ['l2Book:BTC'], 'b');
    assert.equal((p.parse(trades, 1) as { history?: boolean }).history, undefined);
    p.request('subscribe', ['trades:BTC'], 'c');
    p.request('unsubscribe', ['trades:BTC'], 'd');
    assert.equal((p.parse(trades, 1) as { history?: boolean }).history, undefined);
  });
});
