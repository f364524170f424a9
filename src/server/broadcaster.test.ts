import assert from 'node:assert/strict';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket, WebSocketServer } from 'ws';
import { BookManager } from '../book/book-manager.js';
import type { TradeEvent } from '../core/types.js';
import { ExchangeManager } from '../exchanges/manager.js';
import { silentLogger } from '../log.js';
import { MetricsEngine } from '../metrics/metrics-engine.js';
import { waitFor } from '../sim/test-support/wait.js';
import { Broadcaster, MAX_WRITE_BATCH_BYTES } from './broadcaster.js';
import type { ServerMessage } from './protocol.js';

const trade = (id: number): TradeEvent => ({
  type: 'trade',
  exchange: 'binance',
  symbol: 'BTCUSDT',
  tradeId: String(id),
  price: '37000.10',
  quantity: '0.001',
  side: id % 2 === 0 ? 'buy' : 'sell',
  venueTs: 1,
  localTs: 1,
});

describe('Broadcaster: one buffer per client per event-loop turn', () => {
  const books = new BookManager({ depth: 100, displayDepth: 5, staleAfterMs: 60_000 });
  const broadcaster = new Broadcaster(
    books,
    new MetricsEngine(books, new ExchangeManager([])),
    // One write per turn: these tests are about what a turn holds (batching over turns is tested below).
    { throttleMs: 0, displayDepth: 5, simulated: true, writeIntervalMs: 0 },
    silentLogger,
  );
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  const accepted: { ws: WebSocket; socket: Socket }[] = [];
  server.on('connection', (ws, req) => accepted.push({ ws, socket: req.socket }));

  const client = async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const messages: ServerMessage[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    const before = accepted.length;
    await waitFor(() => accepted.length > before, 'accepted');
    return { ws, messages, server: accepted[accepted.length - 1] };
  };

  before(() => new Promise((r) => server.once('listening', r)));
  after(async () => {
    for (const { ws } of accepted) ws.terminate();
    await new Promise((r) => server.close(r));
  });

  it('delivers a turn’s messages in order, and a client joining mid-turn only what follows its snapshot', async () => {
    const early = await client();
    broadcaster.add(early.server.ws, early.server.socket, 'early');
    const late = await client();
    // One synchronous turn: two trades, a client joins, two more trades.
    broadcaster.onTrade(trade(1));
    broadcaster.onTrade(trade(2));
    broadcaster.add(late.server.ws, late.server.socket, 'late');
    broadcaster.onTrade(trade(3));
    broadcaster.onTrade(trade(4));
    await waitFor(() => early.messages.length === 5 && late.messages.length === 3, 'every message delivered');
    const ids = (ms: ServerMessage[]) => ms.map((m) => (m.type === 'trade' ? m.tradeId : m.type));
    assert.deepEqual(ids(early.messages), ['snapshot', '1', '2', '3', '4']);
    assert.deepEqual(ids(late.messages), ['snapshot', '3', '4'], 'nothing older than its snapshot');
    // The next turn goes to both from its start.
    broadcaster.onTrade(trade(5));
    await waitFor(() => early.messages.length === 6 && late.messages.length === 4, 'the next turn');
    assert.deepEqual(ids(late.messages).slice(-1), ['5']);
  });

  it('skips a client whose socket is backed up, and counts what it skipped', async () => {
    const slow = await client();
    const session = broadcaster.add(slow.server.ws, slow.server.socket, 'slow');
    slow.ws.pause(); // stops reading: the server's socket fills up
    const big = 'x'.repeat(60_000);
    // Until the kernel's socket buffers are full and the unsent bytes pass the limit (a condition, not a
    // count: on a loaded machine the kernel may absorb more before the server's own buffer grows).
    const deadline = Date.now() + 30_000;
    for (let turn = 0; !session.lagging && Date.now() < deadline; turn++) {
      broadcaster.onTrade({ ...trade(turn), symbol: big });
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(session.lagging, 'flagged lagging');
    const skipped = session.skipped;
    broadcaster.onTrade(trade(9));
    await new Promise((r) => setImmediate(r));
    assert.equal(session.skipped, skipped + 1);
    assert.ok(slow.server.ws.bufferedAmount < 4 * 1024 * 1024, 'its unsent bytes stay bounded');
  });

  it('batches the messages of consecutive turns into one write per client per write interval', async () => {
    const batching = new Broadcaster(
      books,
      new MetricsEngine(books, new ExchangeManager([])),
      { throttleMs: 0, displayDepth: 5, simulated: true, writeIntervalMs: 60_000 },
      silentLogger,
    );
    const c = await client();
    const session = batching.add(c.server.ws, c.server.socket, 'batched');
    let writes = 0;
    const write = session.socket.write.bind(session.socket);
    session.socket.write = ((...args: Parameters<typeof write>) => {
      writes++;
      return write(...args);
    }) as typeof session.socket.write;
    // The first message leaves at the end of its turn; the next turns' wait for the interval.
    batching.onTrade(trade(1));
    await waitFor(() => c.messages.length === 2, 'the first trade');
    for (let id = 2; id <= 5; id++) {
      batching.onTrade(trade(id));
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(writes, 1, 'one write so far');
    assert.equal(c.messages.length, 2);
    // A batch past MAX_WRITE_BATCH_BYTES leaves at once, with everything queued before it, in order.
    batching.onTrade({ ...trade(6), symbol: 'x'.repeat(MAX_WRITE_BATCH_BYTES) });
    await waitFor(() => c.messages.length === 7, 'the batch');
    assert.equal(writes, 2);
    assert.deepEqual(
      c.messages.slice(1).map((m) => (m.type === 'trade' ? m.tradeId : m.type)),
      ['1', '2', '3', '4', '5', '6'],
    );
    batching.stop();
  });
});
