import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type WebSocket as ServerSocket, WebSocketServer } from 'ws';
import type { ConnectionStatus } from '../core/sink.js';
import { silentLogger } from '../log.js';
import { sleep, waitFor } from '../sim/test-support/wait.js';
import { Backoff } from './backoff.js';
import { ReconnectingSocket } from './reconnecting-socket.js';

describe('Backoff', () => {
  it('draws below an exponentially growing, capped ceiling, and resets', () => {
    const b = new Backoff(100, 1_000, () => 0.999);
    assert.deepEqual(
      Array.from({ length: 6 }, () => b.next()),
      [99, 199, 399, 799, 999, 999],
    );
    b.reset();
    assert.equal(b.next(), 99);
    const jittered = new Backoff(100, 1_000, () => 0.5);
    assert.equal(jittered.next(), 50, 'full jitter: anywhere below the ceiling');
  });
});

describe('ReconnectingSocket', () => {
  let wss: WebSocketServer;
  let url: string;
  const received: { socket: ServerSocket; at: number; text: string }[] = [];
  const sockets: ServerSocket[] = [];
  before(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    wss.on('connection', (ws) => {
      sockets.push(ws);
      ws.on('message', (d) => received.push({ socket: ws, at: Date.now(), text: d.toString() }));
    });
  });
  after(async () => {
    for (const ws of wss.clients) ws.terminate();
    await new Promise((r) => wss.close(r));
  });

  it('never sends more than maxOutgoingPerSecond messages in any second', async () => {
    const s = new ReconnectingSocket({
      name: 't',
      url: () => url,
      heartbeat: { kind: 'ws' },
      onMessage: () => true,
      log: silentLogger,
    });
    s.start();
    await waitFor(() => s.isOpen, 'open');
    received.length = 0;
    for (let i = 0; i < 25; i++) s.send(`m${i}`);
    await waitFor(() => received.length === 25, 'all 25 delivered', 4_000);
    for (let i = 10; i < 25; i++)
      assert.ok(received[i].at - received[i - 10].at >= 900, `message ${i} waited for its window`);
    await s.stop();
  });

  it('reconnects after the server drops it, reporting each state', async () => {
    const statuses: ConnectionStatus['type'][] = [];
    let disconnects = 0;
    const s = new ReconnectingSocket({
      name: 't',
      url: () => url,
      heartbeat: { kind: 'ws' },
      onMessage: () => true,
      onStatus: (st) => statuses.push(st.type),
      onDisconnect: () => disconnects++,
      backoff: new Backoff(5, 20),
      log: silentLogger,
    });
    s.start();
    await waitFor(() => s.isOpen, 'open');
    sockets[sockets.length - 1].terminate();
    await waitFor(() => s.reconnections === 1 && s.isOpen, 'reconnected');
    assert.deepEqual(statuses, ['connecting', 'open', 'reconnecting', 'connecting', 'open']);
    assert.equal(disconnects, 1);
    await s.stop();
    assert.equal(s.status.type, 'closed');
  });

  it('rolls over before its maximum age without losing the stream (make before break)', async () => {
    const messages: string[] = [];
    const s = new ReconnectingSocket({
      name: 't',
      url: () => url,
      heartbeat: { kind: 'ws' },
      pingIntervalMs: 20,
      maxConnectionAgeMs: 150,
      onMessage: (text) => {
        messages.push(text);
        return true;
      },
      log: silentLogger,
    });
    const before = sockets.length;
    s.start();
    await waitFor(() => s.isOpen, 'open');
    const first = sockets[sockets.length - 1];
    const feed = setInterval(() => {
      for (const ws of wss.clients) ws.send('tick');
    }, 10);
    await waitFor(() => sockets.length === before + 2, 'a replacement connection was opened', 2_000);
    await waitFor(() => first.readyState === first.CLOSED, 'the old one was retired after the new one streamed');
    assert.equal(s.reconnections, 0, 'a rotation is not a reconnection');
    const count = messages.length;
    await sleep(50);
    assert.ok(messages.length > count, 'still streaming');
    clearInterval(feed);
    await s.stop();
  });
});
