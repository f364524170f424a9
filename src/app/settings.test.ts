import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { BUS_SETTINGS } from '../bus/settings.js';
import type { TradeEvent } from '../core/types.js';
import type { VenueSetting } from '../exchanges/kit/venue-module.js';
import { VENUES } from '../exchanges/venues.js';
import { silentLogger } from '../log.js';
import { RECORD_SETTINGS } from '../record/settings.js';
import { ACCESS_SETTINGS } from '../server/access/settings.js';
import { DEFAULT_MAX_BUFFERED_BYTES } from '../server/broadcaster.js';
import { connect } from '../server/test-support/app.js';
import { Simulator } from '../sim/simulator.js';
import { waitFor } from '../sim/test-support/wait.js';
import { CONFIG_VARIABLES, loadConfig, venueSettingKey } from './config.js';
import { Flowrs } from './flowrs.js';

/** An HTTP proxy in front of a simulator's REST API that records the paths asked for. */
async function recordingProxy(target: string): Promise<{ url: string; paths: string[]; server: Server }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    fetch(`${target}${req.url}`).then(
      async (answer) => {
        res.writeHead(answer.status, Object.fromEntries(answer.headers));
        res.end(Buffer.from(await answer.arrayBuffer()));
      },
      () => res.writeHead(502).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, server };
}

type SettingKey = keyof typeof CONFIG_VARIABLES;

/** The venues this test runs against the simulator; the others' settings are checked at their connector. */
const SIMULATED = ['binance', 'bybit'];

/** Settings of the venues not simulated here, by config key. */
const otherVenueSettings = VENUES.filter((v) => !SIMULATED.includes(v.id)).flatMap((venue) =>
  Object.entries(venue.settings).map(([name, setting]) => ({
    venue,
    name,
    setting,
    key: venueSettingKey(venue, name),
  })),
);

/** A valid value for `schema` that is not its default (URLs are pointed somewhere else). */
function otherValue(schema: VenueSetting['schema'], fallback: string): string {
  const candidates = [
    'ws://127.0.0.1:9/other',
    'http://127.0.0.1:9/other',
    'fast',
    'default',
    '50',
    '400',
    '5000',
    '25000',
    '2',
    '1000',
  ];
  const base = JSON.stringify(schema.parse(fallback));
  const found = candidates.find((c) => schema.safeParse(c).success && JSON.stringify(schema.parse(c)) !== base);
  if (found === undefined) throw new Error(`no non-default test value for a setting defaulting to ${fallback}`);
  return found;
}

/**
 * Every setting, with a non-default value and how to see that the part it configures obeys it. The
 * record is typed by the settings table, and checked against it at run time too: a new setting without
 * a check here fails the build and this test.
 */
describe('every FLOWRS_* setting reaches the part it configures', () => {
  let sim: Simulator;
  let app: Flowrs;
  let binanceRest: Awaited<ReturnType<typeof recordingProxy>>;
  let bybitRest: Awaited<ReturnType<typeof recordingProxy>>;
  const values: Record<string, string> = {
    symbols: '', // the simulator's: set below
    binanceWsUrl: '',
    binanceRestUrl: '',
    binanceDepthSpeed: '500ms',
    bybitWsUrl: '',
    bybitRestUrl: '',
    depth: '60',
    displayDepth: '3',
    bybitDepth: '50',
    staleAfterMs: '1500',
    dataTimeoutMs: '1000',
    auditIntervalMs: '1000',
    listen: '127.0.0.1:0',
    throttleMs: '0',
    clientBufferBytes: '65536',
    heartbeatMs: '200',
    clientWriteIntervalMs: '0',
    maxDynamicBooks: '7',
    dynamicBookLingerMs: '1000',
    simulated: '1',
  };

  before(async () => {
    sim = await Simulator.start({ seed: 45, venues: SIMULATED });
    const env = sim.env();
    binanceRest = await recordingProxy(env.FLOWRS_BINANCE_REST_URL);
    bybitRest = await recordingProxy(env.FLOWRS_BYBIT_REST_URL);
    Object.assign(values, {
      symbols: env.FLOWRS_SYMBOLS,
      binanceWsUrl: env.FLOWRS_BINANCE_WS_URL,
      binanceRestUrl: binanceRest.url,
      bybitWsUrl: env.FLOWRS_BYBIT_WS_URL,
      bybitRestUrl: bybitRest.url,
    });
    const config = loadConfig([], {
      ...Object.fromEntries(Object.entries(values).map(([key, v]) => [CONFIG_VARIABLES[key as SettingKey], v])),
      FLOWRS_EXCHANGES: SIMULATED.join(','),
    });
    app = new Flowrs(config, { log: silentLogger });
    await app.start();
    sim.run(600);
    await waitFor(() => app.books.list().every((b) => b.status() === 'live'), 'every book live', 10_000);
  });
  after(async () => {
    await app?.stop();
    await sim?.stop();
    binanceRest?.server.close();
    bybitRest?.server.close();
  });

  const httpUrl = () => `http://127.0.0.1:${app.address!.port}`;
  const wsUrl = () => `ws://127.0.0.1:${app.address!.port}/`;
  const bigTrade = (id: number): TradeEvent => ({
    type: 'trade',
    exchange: 'binance',
    symbol: 'X'.repeat(60_000),
    tradeId: String(id),
    price: '1',
    quantity: '1',
    side: 'buy',
    venueTs: 1,
    localTs: 1,
  });

  const checks: Record<string, () => Promise<void> | void> = {
    exchanges: () => {
      const only = new Flowrs(loadConfig([], { ...sim.env(), FLOWRS_EXCHANGES: 'bybit' }), { log: silentLogger });
      assert.deepEqual(
        only.exchanges.connectors.map((c) => c.exchange),
        ['bybit'],
      );
      assert.ok(only.books.list().every((b) => b.exchange === 'bybit'));
    },
    symbols: () => {
      assert.deepEqual(
        app.books
          .list()
          .map((b) => b.key)
          .sort(),
        SIMULATED.flatMap((e) => sim.symbols().map((s) => `${e}:${s}`)).sort(),
      );
    },
    // Every book is live: the streams came from the simulator's WebSocket servers.
    binanceWsUrl: () => assert.ok(sim.binance.subscriptions().length > 0),
    bybitWsUrl: () => assert.ok(sim.bybit.subscriptions().length > 0),
    binanceRestUrl: () =>
      assert.ok(
        binanceRest.paths.some((p) => p.startsWith('/fapi/v1/depth?')),
        'snapshots',
      ),
    bybitRestUrl: async () =>
      waitFor(() => bybitRest.paths.some((p) => p.startsWith('/v5/market/')), 'a Bybit REST request'),
    binanceDepthSpeed: () => {
      const streams = sim.binance.subscriptions().flatMap((s) => s.streams);
      assert.ok(streams.includes('btcusdt@depth@500ms'), streams.join(' '));
    },
    bybitDepth: () => {
      const topics = sim.bybit.subscriptions().flat();
      assert.ok(topics.includes('orderbook.50.BTCUSDT'), topics.join(' '));
    },
    depth: async () => {
      assert.equal(app.books.find('binance', 'BTCUSDT')!.book.depth, 60);
      assert.equal((await fetch(`${httpUrl()}/api/orderbooks/binance/BTCUSDT?depth=60`)).status, 200);
      assert.equal((await fetch(`${httpUrl()}/api/orderbooks/binance/BTCUSDT?depth=61`)).status, 400);
    },
    displayDepth: async () => {
      const views = (await (await fetch(`${httpUrl()}/api/orderbooks`)).json()) as { bids: unknown[] }[];
      assert.ok(views.every((v) => v.bids.length === 3));
    },
    staleAfterMs: () => {
      const book = app.books.find('bybit', 'ETHUSDT')!;
      assert.equal(book.status(book.localTs + 1_400), 'live');
      assert.equal(book.status(book.localTs + 1_600), 'stale');
    },
    dataTimeoutMs: async () => {
      const before = app.exchanges.get('binance')!.status().connections[0].reconnections;
      sim.binance.stall({ pong: true }); // pongs keep coming: only the no-data watchdog can notice
      await waitFor(
        () => app.exchanges.get('binance')!.status().connections[0].reconnections > before,
        'the silent connection replaced',
      );
    },
    auditIntervalMs: async () => {
      await waitFor(() => app.metrics.bookAudits().size > 0, 'a book audited', 10_000);
    },
    listen: () => {
      assert.equal(app.address?.host, '127.0.0.1');
      assert.notEqual(app.address?.port, 8080);
    },
    throttleMs: async () => {
      // Unthrottled, a busy book is sent many times a second (throttled by default: once a second).
      const c = await connect(wsUrl());
      await waitFor(
        () => c.of('orderbook').filter((m) => m.exchange === 'binance' && m.symbol === 'BTCUSDT').length >= 20,
        'twenty updates of one book',
        3_000,
      );
      c.ws.close();
    },
    clientBufferBytes: async () => {
      const c = await connect(wsUrl());
      c.ws.pause(); // stops reading: the server's socket backs up
      await waitFor(() => app.broadcaster.sessions.size > 0, 'session');
      const session = [...app.broadcaster.sessions].at(-1)!;
      for (let turn = 0; turn < 400 && !session.lagging; turn++) {
        app.broadcaster.onTrade(bigTrade(turn));
        await new Promise((r) => setImmediate(r));
      }
      assert.ok(session.lagging, 'flagged lagging');
      assert.ok(
        session.ws.bufferedAmount < DEFAULT_MAX_BUFFERED_BYTES,
        `lagging at ${session.ws.bufferedAmount} unsent bytes, below the default limit`,
      );
      c.ws.terminate();
    },
    clientWriteIntervalMs: async () => {
      // One write a minute at most: after the first broadcast write, nothing more reaches the client while
      // the server keeps broadcasting (the snapshot is not a broadcast write).
      const slow = new Flowrs(
        loadConfig([], {
          ...sim.env(),
          FLOWRS_LISTEN: '127.0.0.1:0',
          FLOWRS_EXCHANGES: 'binance',
          FLOWRS_CLIENT_WRITE_INTERVAL_MS: '60000',
        }),
        { log: silentLogger },
      );
      await slow.start();
      try {
        const c = await connect(`ws://127.0.0.1:${slow.address!.port}/`);
        await waitFor(() => c.messages.length >= 2, 'the snapshot and the first write');
        const received = c.messages.length;
        const queued = slow.broadcaster.stats.tradeMessages;
        await waitFor(() => slow.broadcaster.stats.tradeMessages >= queued + 3, 'three more trades broadcast');
        assert.equal(c.messages.length, received, 'held until the write interval has passed');
        c.ws.close();
      } finally {
        await slow.stop();
      }
    },
    maxDynamicBooks: async () => {
      const c = await connect(wsUrl());
      await waitFor(() => c.of('snapshot').length === 1, 'snapshot');
      assert.equal(c.of('snapshot')[0].limits.maxOnDemandBooks, 7);
      c.ws.close();
      // A server allowing one book on demand refuses two (FlowRS configured with one book each).
      const small = new Flowrs(
        loadConfig([], {
          ...sim.env(),
          FLOWRS_LISTEN: '127.0.0.1:0',
          FLOWRS_SYMBOLS: 'binance:BTCUSDT,bybit:BTCUSDT',
          FLOWRS_MAX_DYNAMIC_BOOKS: '1',
        }),
        { log: silentLogger },
      );
      await small.start();
      try {
        const d = await connect(`ws://127.0.0.1:${small.address!.port}/`);
        await waitFor(() => d.of('snapshot').length === 1, 'snapshot');
        d.ws.send(JSON.stringify({ type: 'subscribe', books: ['binance:ETHUSDT', 'bybit:ETHUSDT'] }));
        await waitFor(() => d.of('error').length === 1, 'refused');
        assert.equal(d.of('error')[0].code, 'FLOWRS_LIMIT');
        assert.match(d.of('error')[0].message, /at most 1 books on demand/);
        d.ws.close();
      } finally {
        await small.stop();
      }
    },
    dynamicBookLingerMs: async () => {
      const quick = new Flowrs(
        loadConfig([], {
          ...sim.env(),
          FLOWRS_LISTEN: '127.0.0.1:0',
          FLOWRS_SYMBOLS: 'binance:BTCUSDT',
          FLOWRS_EXCHANGES: 'binance',
          FLOWRS_DYNAMIC_BOOK_LINGER_MS: '50',
        }),
        { log: silentLogger },
      );
      await quick.start();
      try {
        const url = `http://127.0.0.1:${quick.address!.port}/api/orderbooks/binance/ETHUSDT?subscribe=1`;
        assert.equal((await fetch(url)).status, 202);
        assert.equal(quick.demand.size, 1);
        await waitFor(() => quick.demand.size === 0, 'unfollowed after 50 ms with no client');
      } finally {
        await quick.stop();
      }
    },
    heartbeatMs: async () => {
      const ws = new WebSocket(wsUrl());
      let pings = 0;
      ws.on('ping', () => pings++);
      await waitFor(() => pings >= 2, 'two heartbeats');
      ws.close();
    },
    simulated: async () => {
      const c = await connect(wsUrl());
      await waitFor(() => c.of('snapshot').length > 0, 'snapshot');
      assert.equal(c.of('snapshot')[0].simulated, true);
      c.ws.close();
    },
  };

  // Each setting of a venue not simulated here: the value set in its variable reaches that venue's connector.
  for (const { venue, name, setting, key } of otherVenueSettings) {
    checks[key] = () => {
      const value = otherValue(setting.schema, setting.fallback);
      const seen: unknown[] = [];
      const original = venue.createConnector;
      (venue as { createConnector: typeof original }).createConnector = (context) => {
        seen.push(context.settings[name]);
        return original(context);
      };
      try {
        const config = loadConfig([], { FLOWRS_EXCHANGES: venue.id, [CONFIG_VARIABLES[key]]: value });
        const app = new Flowrs(config, { log: silentLogger });
        assert.deepEqual(seen, [setting.schema.parse(value)]);
        assert.equal(app.exchanges.connectors[0].exchange, venue.id);
      } finally {
        (venue as { createConnector: typeof original }).createConnector = original;
      }
    };
  }

  it('has a check for every setting in the table', () => {
    // The access, distributed-mode and recording groups are checked by their own suites, beside their code.
    const elsewhere = new Set([
      ...Object.keys(ACCESS_SETTINGS),
      ...Object.keys(BUS_SETTINGS),
      ...Object.keys(RECORD_SETTINGS),
    ]);
    const here = Object.keys(CONFIG_VARIABLES).filter((key) => !elsewhere.has(key));
    assert.deepEqual(Object.keys(checks).sort(), here.sort());
  });

  for (const [key, check] of Object.entries(checks)) {
    it(`${CONFIG_VARIABLES[key as SettingKey]} (${key})`, check);
  }
});
