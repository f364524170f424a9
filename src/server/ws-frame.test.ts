import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { textFrame } from './ws-frame.js';

describe('textFrame', () => {
  it('frames every payload length class so that a strict WebSocket client reads it back exactly', async () => {
    // 7-bit, 16-bit and 64-bit lengths, each at its boundaries, plus multi-byte UTF-8.
    const texts = [0, 1, 125, 126, 127, 65_535, 65_536, 200_000].map((n) => 'x'.repeat(n));
    texts.push('{"price":"37000.10","note":"é€😀"}');
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    server.on('connection', (_ws, req) => {
      req.socket.write(Buffer.concat(texts.map((t) => textFrame(Buffer.from(t)))));
    });
    await new Promise((r) => server.once('listening', r));
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const received: string[] = [];
    await new Promise<void>((resolve, reject) => {
      client.on('message', (data, isBinary) => {
        assert.equal(isBinary, false);
        received.push(data.toString());
        if (received.length === texts.length) resolve();
      });
      client.on('error', reject);
      client.on('close', (code) => reject(new Error(`closed ${code}`)));
    });
    assert.deepEqual(received, texts);
    client.terminate();
    await new Promise((r) => server.close(r));
  });
});
