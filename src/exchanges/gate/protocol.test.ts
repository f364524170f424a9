import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GateMixedChannelsError, gatePingFrame, gateProtocol, gateRequestFrame } from './protocol.js';
import { DEFAULT_GATE_DEPTH, DEFAULT_GATE_WS_URL } from './settings.js';

const NOW = 1_747_054_611_614;

describe('the Gate subscription protocol', () => {
  it('writes the documented envelope: time in seconds, integer id, one channel, payload of topics', () => {
    assert.equal(
      gateRequestFrame('subscribe', ['ob.BTC_USDT.400'], '12', NOW),
      '{"time":1747054611,"id":12,"channel":"futures.obu","event":"subscribe","payload":["ob.BTC_USDT.400"]}',
    );
    assert.equal(
      gateRequestFrame('unsubscribe', ['BTC_USDT'], 'r-7', NOW),
      '{"time":1747054611,"channel":"futures.trades","event":"unsubscribe","payload":["BTC_USDT"]}',
    );
  });

  it('refuses to put two channels in one request', () => {
    assert.throws(
      () => gateRequestFrame('subscribe', ['ob.BTC_USDT.400', 'BTC_USDT'], '1', NOW),
      GateMixedChannelsError,
    );
  });

  it('pings with futures.ping and names topics by the configured depth', () => {
    assert.equal(gatePingFrame(NOW), '{"time":1747054611,"channel":"futures.ping"}');
    const p = gateProtocol({ wsUrl: DEFAULT_GATE_WS_URL, depth: 50 });
    assert.equal(p.url, 'wss://fx-ws.gateio.ws/v4/ws/usdt');
    assert.equal(p.bookTopic('ETH_USDT'), 'ob.ETH_USDT.50');
    assert.equal(p.tradeTopic('ETH_USDT'), 'ETH_USDT');
    assert.equal(p.limits.topicsPerRequest, 1);
    assert.equal(p.heartbeat.kind, 'app');
    assert.equal(
      gateProtocol({ wsUrl: DEFAULT_GATE_WS_URL, depth: DEFAULT_GATE_DEPTH }).bookTopic('X_USDT'),
      'ob.X_USDT.400',
    );
    assert.deepEqual(p.parse('{"time":1,"time_ms":1000,"channel":"futures.pong","event":"","result":null}', 0), {
      kind: 'pong',
    });
  });
});
