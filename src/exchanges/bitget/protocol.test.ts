import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BITGET_LIMITS, BITGET_MAX_MESSAGES_PER_SECOND, BITGET_REQUESTS_PER_HOUR } from './limits.js';
import { BITGET_PING, bitgetProtocol } from './protocol.js';
import {
  bitgetSettings,
  DEFAULT_BITGET_PING_INTERVAL_MS,
  DEFAULT_BITGET_REST_URL,
  DEFAULT_BITGET_WS_URL,
} from './settings.js';
import { documentedFrame } from './test-support.js';

const protocol = bitgetProtocol({ wsUrl: DEFAULT_BITGET_WS_URL, pingIntervalMs: DEFAULT_BITGET_PING_INTERVAL_MS });

describe('Bitget subscription protocol', () => {
  it('defaults to the real endpoints', () => {
    assert.equal(bitgetSettings.wsUrl.fallback, 'wss://ws.bitget.com/v2/ws/public');
    assert.equal(bitgetSettings.restUrl.fallback, 'https://api.bitget.com');
    assert.equal(protocol.url, DEFAULT_BITGET_WS_URL);
    assert.equal(DEFAULT_BITGET_REST_URL, 'https://api.bitget.com');
  });

  it('writes the documented subscribe request, one argument per topic', () => {
    assert.equal(
      protocol.request('subscribe', [protocol.bookTopic('BTCUSDT')], '1'),
      documentedFrame('subscribe_request'),
    );
    assert.equal(
      protocol.request('unsubscribe', ['books:BTCUSDT', 'trade:BTCUSDT'], '2'),
      '{"op":"unsubscribe","args":[{"instType":"USDT-FUTURES","channel":"books","instId":"BTCUSDT"},{"instType":"USDT-FUTURES","channel":"trade","instId":"BTCUSDT"}]}',
    );
    assert.throws(() => protocol.request('subscribe', ['ticker:BTCUSDT'], '3'), RangeError);
  });

  it('names topics as acks name them', () => {
    assert.equal(protocol.bookTopic('BTCUSDT'), 'books:BTCUSDT');
    assert.equal(protocol.tradeTopic('BTCUSDT'), 'trade:BTCUSDT');
    const ack = protocol.parse(documentedFrame('subscribe_ack'), 0);
    assert.deepEqual(ack.kind === 'ack' && ack.topics, [protocol.bookTopic('BTCUSDT')]);
  });

  it('pings with the text ping every 30 s and reads the text pong', () => {
    assert.equal(protocol.heartbeat.kind, 'app');
    assert.equal(protocol.heartbeat.intervalMs, 30_000);
    assert.equal(protocol.heartbeat.kind === 'app' && protocol.heartbeat.ping(), BITGET_PING);
    assert.deepEqual(protocol.parse('pong', 0), { kind: 'pong' });
  });

  it('keeps to the venue limits: 50 topics, 240 requests an hour, under 10 messages a second, rollover before 24 h', () => {
    assert.equal(BITGET_LIMITS.topicsPerConnection, 50);
    assert.equal(BITGET_LIMITS.requestsPerHour, BITGET_REQUESTS_PER_HOUR);
    assert.equal(BITGET_REQUESTS_PER_HOUR, 240);
    assert.ok(BITGET_LIMITS.messagesPerSecond < BITGET_MAX_MESSAGES_PER_SECOND);
    assert.ok(BITGET_LIMITS.maxConnectionAgeMs! < 24 * 3_600_000);
    assert.ok(BITGET_LIMITS.maxConnectionAgeMs! > 23 * 3_600_000);
    // 25 arguments stay far under "4096 bytes" a request.
    const topics = Array.from({ length: BITGET_LIMITS.topicsPerRequest }, (_, i) => `books:SIMSYMBOL${i}USDT`);
    assert.ok(Buffer.byteLength(protocol.request('subscribe', topics, '1')) < 4096);
  });

  it('gives every book subscription a fresh sequencer', () => {
    const a = protocol.createSequencer();
    const b = protocol.createSequencer();
    assert.notEqual(a, b);
    assert.equal(a.lastUpdateId, undefined);
  });
});
