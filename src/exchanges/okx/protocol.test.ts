import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { okxProtocol } from './protocol.js';
import { DEFAULT_OKX_PING_INTERVAL_MS, DEFAULT_OKX_WS_URL, OKX_IDLE_CLOSE_MS } from './settings.js';

describe('okxProtocol', () => {
  const protocol = okxProtocol({ wsUrl: DEFAULT_OKX_WS_URL, pingIntervalMs: DEFAULT_OKX_PING_INTERVAL_MS });

  it('writes the documented subscribe and unsubscribe requests, one arg per topic', () => {
    const topics = [protocol.bookTopic('BTC-USDT-SWAP'), protocol.tradeTopic('BTC-USDT-SWAP')];
    assert.deepEqual(topics, ['books:BTC-USDT-SWAP', 'trades:BTC-USDT-SWAP']);
    assert.equal(
      protocol.request('subscribe', topics, '1512'),
      '{"id":"1512","op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT-SWAP"},{"channel":"trades","instId":"BTC-USDT-SWAP"}]}',
    );
    assert.equal(
      protocol.request('unsubscribe', ['books:ETH-USDT-SWAP'], '7'),
      '{"id":"7","op":"unsubscribe","args":[{"channel":"books","instId":"ETH-USDT-SWAP"}]}',
    );
  });

  it('acks name the same topics the requests use', () => {
    const ack = protocol.parse(
      '{"id":"1","event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"connId":"a"}',
      0,
    );
    assert.ok(ack.kind === 'ack');
    assert.deepEqual(ack.topics, [protocol.bookTopic('BTC-USDT-SWAP')]);
  });

  it('pings with the text ping before OKX’s 30 s idle close, and stays inside its limits', () => {
    assert.equal(protocol.heartbeat.kind, 'app');
    assert.ok(protocol.heartbeat.kind === 'app' && protocol.heartbeat.ping() === 'ping');
    assert.ok(protocol.heartbeat.intervalMs < OKX_IDLE_CLOSE_MS);
    assert.equal(protocol.parse('pong', 0).kind, 'pong');
    assert.ok(protocol.limits.topicsPerConnection / 2 < 30, 'fewer than 30 book channels a connection');
    assert.equal(protocol.limits.requestsPerHour, 480);
  });

  it('creates an independent sequencer per book', () => {
    const a = protocol.createSequencer();
    const b = protocol.createSequencer();
    const snapshot = protocol.parse(
      '{"arg":{"channel":"books","instId":"BTC-USDT-SWAP"},"action":"snapshot","data":[{"asks":[],"bids":[],"ts":"1","checksum":0,"prevSeqId":-1,"seqId":9}]}',
      0,
    );
    assert.ok(snapshot.kind === 'book');
    a.applied(snapshot);
    assert.equal(a.lastUpdateId, 9);
    assert.equal(b.lastUpdateId, undefined);
  });
});
