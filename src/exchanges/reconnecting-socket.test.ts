import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { type WebSocket as ServerSocket, WebSocketServer } from 'ws';
import type { ConnectionStatus, DisconnectReason } from '../core/sink.js';
import { type Logger, silentLogger } from '../log.js';
import { waitFor } from '../sim/test-support/wait.js';
import { Backoff } from './backoff.js';
import { CONNECT_FAILURE_HINT } from './connect-failure.js';
import { ReconnectingSocket } from './reconnecting-socket.js';

interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly raw: string;
  readonly [key: string]: unknown;
}
const WARN = 40;
const DEBUG = 20;

/** A venue logger as the registry builds it (already bound with `exchange`), writing into an array. */
function capturedLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const root: Logger = pino({ level: 'debug' }, { write: (raw: string) => lines.push({ ...JSON.parse(raw), raw }) });
  return { log: root.child({ exchange: 'binance' }), lines };
}

/** An HTTP server whose upgrades `decide` accepts (a ws connection) or refuses (with an HTTP status). */
async function upgradeServer(decide: (n: number) => 'accept' | number): Promise<{
  url: string;
  accepted: ServerSocket[];
  refused: () => number;
  close: () => Promise<void>;
}> {
  const wss = new WebSocketServer({ noServer: true });
  const accepted: ServerSocket[] = [];
  let attempts = 0;
  let refused = 0;
  const server: Server = createServer();
  server.on('upgrade', (req, socket, head) => {
    const verdict = decide(attempts++);
    if (verdict === 'accept') {
      wss.handleUpgrade(req, socket, head, (ws) => accepted.push(ws));
      return;
    }
    refused++;
    socket.end(`HTTP/1.1 ${verdict} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted,
    refused: () => refused,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** A localhost port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

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
    await waitFor(() => received.length === 25, 'all 25 delivered', 10_000);
    for (let i = 10; i < 25; i++)
      assert.ok(received[i].at - received[i - 10].at >= 900, `message ${i} waited for its window`);
    await s.stop();
  });

  it('reconnects after the server drops it, reporting each state, and logs the loss with its cause', async () => {
    const statuses: ConnectionStatus[] = [];
    const disconnects: DisconnectReason[] = [];
    const { log, lines } = capturedLogger();
    const s = new ReconnectingSocket({
      name: 'public#0',
      url: () => url,
      heartbeat: { kind: 'ws' },
      onMessage: () => true,
      onStatus: (st) => statuses.push(st),
      onDisconnect: (reason) => disconnects.push(reason),
      backoff: new Backoff(5, 20),
      log,
    });
    s.start();
    await waitFor(() => s.isOpen, 'open');
    sockets[sockets.length - 1].terminate();
    await waitFor(() => s.reconnections === 1 && s.isOpen, 'reconnected');
    assert.deepEqual(
      statuses.map((st) => st.type),
      ['connecting', 'open', 'reconnecting', 'connecting', 'open'],
    );
    const down = statuses[2];
    assert.ok(down.type === 'reconnecting');
    assert.equal(down.reason, 'closed');
    assert.match(down.detail, /^closed 1006\b/, 'the close code');
    assert.deepEqual(disconnects, ['closed']);
    const opens = lines.filter((l) => l.msg === 'venue connection open');
    assert.equal(opens.length, 2, 'each opening logged once, by the socket');
    assert.ok(opens.every((l) => l.level === 30 && l.connection === 'public#0'));
    const lost = lines.filter((l) => l.msg === 'venue connection lost; reconnecting');
    assert.equal(lost.length, 1);
    assert.equal(lost[0].level, WARN);
    assert.equal(lost[0].detail, down.detail);
    assert.ok(!lines.some((l) => l.msg.startsWith('could not connect')), 'it had connected: a loss, not a failure');
    for (const l of lines) {
      assert.equal(l.connection, 'public#0', `every line names the connection: ${l.raw}`);
      assert.equal(l.raw.split('"exchange"').length, 2, `exchange appears once: ${l.raw}`);
    }
    await s.stop();
    assert.equal(s.status.type, 'closed');
  });

  it('rolls over before its maximum age without losing the stream (make before break)', async () => {
    const messages: string[] = [];
    const s: ReconnectingSocket = new ReconnectingSocket({
      name: 't',
      url: () => url,
      heartbeat: { kind: 'ws' },
      pingIntervalMs: 20,
      maxConnectionAgeMs: 150,
      onOpen: () => s.send('subscribe'),
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
    await waitFor(() => sockets.length === before + 2, 'a replacement connection was opened', 10_000);
    await waitFor(() => first.readyState === first.CLOSED, 'the old one was retired after the new one streamed');
    assert.equal(s.reconnections, 0, 'a rotation is not a reconnection');
    const second = sockets[before + 1];
    assert.deepEqual(
      received.filter((r) => r.socket === first || r.socket === second).map((r) => r.socket === first),
      [true, false],
      'each connection got its own subscription when it opened',
    );
    const count = messages.length;
    await waitFor(() => messages.length > count + 5, 'still streaming, from the replacement');
    clearInterval(feed);
    await s.stop();
  });
});

describe('ReconnectingSocket rotation when the replacement fails', () => {
  for (const mode of ['refused (HTTP 503)', 'accepted, then dropped at once'] as const) {
    it(`keeps the old connection as the watched source: ${mode}`, async () => {
      let allowReplacements = false;
      const venue = await upgradeServer((n) =>
        n === 0 || allowReplacements || mode !== 'refused (HTTP 503)' ? 'accept' : 503,
      );
      if (mode === 'accepted, then dropped at once') {
        const original = venue.accepted.push.bind(venue.accepted);
        venue.accepted.push = (ws: ServerSocket) => {
          if (venue.accepted.length > 0 && !allowReplacements) ws.terminate();
          return original(ws);
        };
      }
      const statuses: ConnectionStatus[] = [];
      const disconnects: DisconnectReason[] = [];
      const messages: number[] = [];
      const s = new ReconnectingSocket({
        name: 'public#0',
        url: () => venue.url,
        heartbeat: { kind: 'ws' },
        pingIntervalMs: 50,
        dataTimeoutMs: 1_500,
        maxConnectionAgeMs: 100,
        backoff: new Backoff(5, 20),
        onMessage: () => {
          messages.push(Date.now());
          return true;
        },
        onStatus: (st) => statuses.push(st),
        onDisconnect: (reason) => disconnects.push(reason),
        log: silentLogger,
      });
      s.start();
      await waitFor(() => s.isOpen, 'open');
      const first = venue.accepted[0];
      let feeding = true;
      const feed = setInterval(() => {
        if (feeding && first.readyState === first.OPEN) first.send('tick');
      }, 10);
      try {
        const replacementsFailed = () => (mode === 'refused (HTTP 503)' ? venue.refused() : venue.accepted.length - 1);
        await waitFor(() => replacementsFailed() >= 3, 'three replacements failed', 15_000);
        const count = messages.length;
        await waitFor(() => messages.length > count + 5, 'the old connection still streams');
        assert.deepEqual(disconnects, [], 'no disconnect reported while the data flows');
        assert.deepEqual(
          statuses.map((st) => st.type),
          ['connecting', 'open'],
          'the connection stayed open throughout',
        );
        assert.equal(s.reconnections, 0);
        assert.equal(first.readyState, first.OPEN, 'the old connection was not retired');

        // The old connection stalls (it still answers pings): that must be caught.
        feeding = false;
        await waitFor(() => disconnects.length > 0, 'the stall of the old connection is detected', 10_000);
        allowReplacements = true;
        // (A reconnect that raced the line above may have been dropped too: only the first loss is the stall.)
        assert.equal(disconnects[0], 'no_data');
        const down = statuses.find((st) => st.type === 'reconnecting');
        assert.ok(down?.type === 'reconnecting' && down.reason === 'no_data', JSON.stringify(down));
        await waitFor(() => s.isOpen && s.reconnections >= 1, 'reconnected once the venue accepts again', 10_000);
      } finally {
        clearInterval(feed);
        await s.stop();
        await venue.close();
      }
    });
  }
});

describe('ReconnectingSocket connection failures say what a user can act on', () => {
  async function failTwice(venueUrl: string, timeoutMs = 10_000) {
    const { log, lines } = capturedLogger();
    const statuses: ConnectionStatus[] = [];
    const disconnects: DisconnectReason[] = [];
    const s = new ReconnectingSocket({
      name: 'public#0',
      url: () => venueUrl,
      heartbeat: { kind: 'ws' },
      onMessage: () => true,
      onStatus: (st) => statuses.push(st),
      onDisconnect: (reason) => disconnects.push(reason),
      backoff: new Backoff(5, 20),
      log,
    });
    s.start();
    try {
      await waitFor(
        () => statuses.filter((st) => st.type === 'reconnecting').length >= 3,
        () => `three failed attempts (statuses: ${JSON.stringify(statuses)})`,
        timeoutMs,
      );
    } finally {
      await s.stop();
    }
    const failures = statuses.filter((st) => st.type === 'reconnecting');
    for (const f of failures) assert.ok(f.type === 'reconnecting' && f.reason === 'connect_failed', JSON.stringify(f));
    assert.deepEqual(disconnects, [], 'nothing was connected, so nothing was lost');
    assert.equal(s.reconnections, 0);
    const detail = failures[0].type === 'reconnecting' ? failures[0].detail : '';
    return { detail, lines, statuses };
  }

  /** The first failure is one warn with the cause and the hint; the repeats are debug; never "lost". */
  function assertQuietRepeats(lines: LogLine[], host: string, detail: string): void {
    const failures = lines.filter((l) => l.msg === `could not connect to ${host}`);
    assert.ok(failures.length >= 3, `every failure logged (${failures.length})`);
    assert.deepEqual(
      failures.map((l) => l.level),
      [WARN, ...failures.slice(1).map(() => DEBUG)],
      'warn once, then debug',
    );
    assert.equal(failures[0].detail, detail);
    assert.equal(failures[0].hint, CONNECT_FAILURE_HINT);
    assert.ok(failures[0].err !== undefined, 'the error itself is logged, with its code');
    assert.ok(!lines.some((l) => l.msg.includes('lost')), 'never "connection lost": it never connected');
    assert.ok(!lines.some((l) => l.level >= WARN && l !== failures[0]), 'no other warn');
    for (const l of lines) {
      assert.equal(l.connection, 'public#0', `every line names the connection: ${l.raw}`);
      assert.equal(l.raw.split('"exchange"').length, 2, `exchange appears once: ${l.raw}`);
    }
  }

  it('a refused port: ECONNREFUSED host:port', async () => {
    const port = await closedPort();
    const { detail, lines } = await failTwice(`ws://127.0.0.1:${port}/public/stream`);
    assert.equal(detail, `connect ECONNREFUSED 127.0.0.1:${port}`);
    assertQuietRepeats(lines, `127.0.0.1:${port}`, detail);
    const first = lines.find((l) => l.level === WARN);
    assert.equal((first?.err as { code?: string } | undefined)?.code, 'ECONNREFUSED');
  });

  it('a name that does not resolve: getaddrinfo ENOTFOUND host', async (t) => {
    // `.invalid` never resolves (RFC 2606): the failure is local, nothing leaves the machine.
    const host = 'flowrs-venue.invalid';
    const resolverAnswers = await Promise.race([
      lookup(host).then(
        () => 'resolved',
        (err: NodeJS.ErrnoException) => err.code ?? 'error',
      ),
      new Promise<string>((r) => setTimeout(() => r('timeout'), 3_000).unref()),
    ]);
    if (resolverAnswers !== 'ENOTFOUND') {
      t.skip(`this machine's resolver answers ${resolverAnswers} for ${host} instead of ENOTFOUND in 3 s`);
      return;
    }
    const { detail, lines } = await failTwice(`ws://${host}:9443/public/stream`, 20_000);
    assert.equal(detail, `getaddrinfo ENOTFOUND ${host}`);
    assertQuietRepeats(lines, `${host}:9443`, detail);
  });

  it('an HTTP answer instead of an upgrade: the status', async () => {
    const venue = await upgradeServer(() => 403);
    try {
      const { detail, lines } = await failTwice(`${venue.url}/public/stream`);
      assert.equal(detail, 'Unexpected server response: 403');
      assertQuietRepeats(lines, new URL(venue.url).host, detail);
    } finally {
      await venue.close();
    }
  });

  it('a new cause warns again; the same cause warns again only after the quiet period, with a count', async () => {
    let verdict: number | 'accept' = 403;
    const venue = await upgradeServer(() => verdict);
    const { log, lines } = capturedLogger();
    const statuses: ConnectionStatus[] = [];
    const s = new ReconnectingSocket({
      name: 'public#0',
      url: () => venue.url,
      heartbeat: { kind: 'ws' },
      onMessage: () => true,
      onStatus: (st) => statuses.push(st),
      backoff: new Backoff(5, 20),
      repeatedFailureWarnMs: 0,
      log,
    });
    const failed = () => statuses.filter((st) => st.type === 'reconnecting').length;
    try {
      s.start();
      await waitFor(() => failed() >= 2, 'two refusals');
      verdict = 503;
      const before = failed();
      await waitFor(() => failed() >= before + 2, 'two more, with another status');
    } finally {
      await s.stop();
      await venue.close();
    }
    const warns = lines.filter((l) => l.level === WARN);
    assert.deepEqual(
      warns.slice(0, 2).map((l) => [l.detail, l.failures]),
      [
        ['Unexpected server response: 403', undefined],
        ['Unexpected server response: 403', 2],
      ],
      'with no quiet period, each repeat warns, counting',
    );
    assert.ok(
      warns.some((l) => l.detail === 'Unexpected server response: 503' && l.failures === undefined),
      'a new cause starts a new count',
    );
  });
});
