import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type FlowrsConfig, loadConfig } from '../app/config.js';
import { startService } from '../cli/start.js';
import { silentLogger } from '../log.js';
import { Simulator } from '../sim/simulator.js';
import { waitFor } from '../sim/test-support/wait.js';
import { connectBus, natsConnectionOptions } from './connection.js';
import { BusSetupError } from './errors.js';
import { startIngest } from './ingest.js';
import { BUS_SETTINGS, type BusConfig, DEFAULT_NATS_URL } from './settings.js';
import { ensureBus } from './setup.js';
import { BOOK_STREAM, BookMessageKind, bookSubject, LEASE_BUCKET } from './subjects.js';
import { type NatsTestServer, startNatsServer } from './test-support/nats-server.js';

const nanos = (ms: number) => ms * 1_000_000;
const config = (env: Record<string, string> = {}): FlowrsConfig => loadConfig([], env);
const bus = (env: Record<string, string> = {}): BusConfig => config(env).bus;

describe('distributed-mode settings reach what they configure', () => {
  let nats: NatsTestServer;
  let sim: Simulator;
  before(async () => {
    nats = await startNatsServer();
    sim = await Simulator.start({ seed: 71, venues: ['binance'] });
  });
  after(async () => {
    await sim?.stop();
    await nats?.stop();
  });

  const checks: Record<keyof typeof BUS_SETTINGS, () => Promise<void> | void> = {
    role: async () => {
      assert.equal(bus().role, 'single');
      const env = { ...sim.env(), FLOWRS_LISTEN: '127.0.0.1:0', FLOWRS_NATS_URL: nats.url, FLOWRS_ROLE: 'gateway' };
      const service = await startService(config(env), silentLogger);
      try {
        assert.equal(service.role, 'gateway');
        // A gateway's venues are the bus: its only connection is NATS.
        assert.deepEqual(
          service.app.exchanges.status().map((s) => s.connections.map((c) => c.name)),
          [['nats']],
        );
      } finally {
        await service.stop();
      }
    },
    natsUrl: async () => {
      assert.deepEqual(bus().natsUrl, [DEFAULT_NATS_URL]);
      const two = bus({ FLOWRS_NATS_URL: `${nats.url}, nats://127.0.0.1:1` });
      assert.deepEqual(natsConnectionOptions(two, 'x').servers, [nats.url, 'nats://127.0.0.1:1']);
      const nc = await connectBus(bus({ FLOWRS_NATS_URL: nats.url }), 'x');
      assert.equal(nc.info?.port, nats.port);
      await nc.close();
      await assert.rejects(
        connectBus(bus({ FLOWRS_NATS_URL: 'nats://127.0.0.1:1' }), 'x'),
        (e: BusSetupError) => e.code === 'connect_failed' && /127\.0\.0\.1:1/.test(e.message),
      );
    },
    natsCreds: () => {
      assert.equal(natsConnectionOptions(bus(), 'x').authenticator, undefined);
      const options = natsConnectionOptions(bus({ FLOWRS_NATS_CREDS: '/etc/flowrs/nats.creds' }), 'x');
      assert.ok(Array.isArray(options.authenticator) && options.authenticator.length === 1);
      // The file is read when connecting: a missing one fails there, naming the file.
      assert.throws(() => (options.authenticator as (() => unknown)[])[0](), /nats\.creds/);
    },
    natsToken: async () => {
      const secured = await startNatsServer({ jetstream: false, args: ['--auth', 's3cret'] });
      try {
        await assert.rejects(
          connectBus(bus({ FLOWRS_NATS_URL: secured.url }), 'x'),
          (e: BusSetupError) => e.code === 'auth_failed',
        );
        const nc = await connectBus(bus({ FLOWRS_NATS_URL: secured.url, FLOWRS_NATS_TOKEN: 's3cret' }), 'x');
        await nc.close();
      } finally {
        await secured.stop();
      }
    },
    natsUser: async () => {
      const secured = await startNatsServer({ jetstream: false, args: ['--user', 'flowrs', '--pass', 'pw'] });
      try {
        const nc = await connectBus(
          bus({ FLOWRS_NATS_URL: secured.url, FLOWRS_NATS_USER: 'flowrs', FLOWRS_NATS_PASSWORD: 'pw' }),
          'x',
        );
        await nc.close();
        await assert.rejects(
          connectBus(
            bus({ FLOWRS_NATS_URL: secured.url, FLOWRS_NATS_USER: 'flowrs', FLOWRS_NATS_PASSWORD: 'no' }),
            'x',
          ),
          (e: BusSetupError) => e.code === 'auth_failed',
        );
      } finally {
        await secured.stop();
      }
    },
    natsPassword: () => {
      const options = natsConnectionOptions(bus({ FLOWRS_NATS_USER: 'u', FLOWRS_NATS_PASSWORD: 'p' }), 'x');
      assert.equal(options.user, 'u');
      assert.equal(options.pass, 'p');
    },
    natsTlsCa: () => {
      assert.equal(natsConnectionOptions(bus(), 'x').tls, undefined);
      assert.deepEqual(natsConnectionOptions(bus({ FLOWRS_NATS_TLS_CA: '/ca.pem' }), 'x').tls, { caFile: '/ca.pem' });
    },
    natsTlsCert: () => {
      const options = natsConnectionOptions(
        bus({ FLOWRS_NATS_TLS_CERT: '/client.pem', FLOWRS_NATS_TLS_KEY: '/client.key' }),
        'x',
      );
      assert.deepEqual(options.tls, { certFile: '/client.pem', keyFile: '/client.key' });
    },
    natsTlsKey: () => {
      const options = natsConnectionOptions(
        bus({ FLOWRS_NATS_TLS_CA: '/ca.pem', FLOWRS_NATS_TLS_CERT: '/c.pem', FLOWRS_NATS_TLS_KEY: '/k.pem' }),
        'x',
      );
      assert.deepEqual(options.tls, { caFile: '/ca.pem', certFile: '/c.pem', keyFile: '/k.pem' });
    },
    streamMaxAgeMs: async () => {
      const nc = await connectBus(bus({ FLOWRS_NATS_URL: nats.url }), 'x');
      try {
        const b = await ensureBus(nc, bus({ FLOWRS_NATS_URL: nats.url, FLOWRS_NATS_STREAM_MAX_AGE_MS: '60000' }));
        assert.equal((await b.jsm.streams.info(BOOK_STREAM)).config.max_age, nanos(60_000));
        // Started again with another value: the stream is adjusted, not refused.
        await ensureBus(nc, bus({ FLOWRS_NATS_URL: nats.url, FLOWRS_NATS_STREAM_MAX_AGE_MS: '120000' }));
        assert.equal((await b.jsm.streams.info(BOOK_STREAM)).config.max_age, nanos(120_000));
        await assert.rejects(
          ensureBus(nc, bus({ FLOWRS_NATS_STREAM_MAX_AGE_MS: '10000', FLOWRS_SNAPSHOT_PERIOD_MS: '10000' })),
          (e: BusSetupError) => e.code === 'bad_retention',
        );
      } finally {
        await nc.close();
      }
    },
    replicas: async () => {
      const nc = await connectBus(bus({ FLOWRS_NATS_URL: nats.url }), 'x');
      try {
        const b = await ensureBus(nc, bus({ FLOWRS_NATS_REPLICAS: '1' }));
        assert.equal((await b.jsm.streams.info(BOOK_STREAM)).config.num_replicas, 1);
        await assert.rejects(
          ensureBus(nc, bus({ FLOWRS_NATS_REPLICAS: '3' })),
          (e: BusSetupError) => e.code === 'stream_config' && /FLOWRS_NATS_REPLICAS=1/.test(e.message),
        );
      } finally {
        await nc.close();
      }
    },
    snapshotPeriodMs: async () => {
      const env = {
        ...sim.env(),
        FLOWRS_LISTEN: '127.0.0.1:0',
        FLOWRS_NATS_URL: nats.url,
        FLOWRS_SNAPSHOT_PERIOD_MS: '200',
      };
      sim.run(50);
      const node = await startIngest(config(env), silentLogger);
      try {
        await waitFor(() => node.app.books.list().every((b) => b.status() === 'live'), 'live');
        const after = node.publisher.counters.snapshots + 3 * node.app.books.size;
        // Three periods: three more snapshots of every live book.
        await waitFor(() => node.publisher.counters.snapshots >= after, 'periodic snapshots');
        const b = await ensureBus(node.link.nc, node.app.config.bus);
        const last = await b.jsm.direct.getMessage(BOOK_STREAM, {
          last_by_subj: bookSubject('binance', 'BTCUSDT', BookMessageKind.snapshot),
        });
        assert.ok(last !== null && Date.now() - last.time.getTime() < 2_000, 'a recent snapshot is stored');
      } finally {
        sim.pause();
        await node.stop();
      }
    },
    leaseTtlMs: async () => {
      const nc = await connectBus(bus({ FLOWRS_NATS_URL: nats.url }), 'x');
      try {
        const b = await ensureBus(nc, bus({ FLOWRS_LEASE_TTL_MS: '4000' }));
        assert.equal((await b.leases.status()).ttl, 4_000);
        assert.equal((await b.jsm.streams.info(`KV_${LEASE_BUCKET}`)).config.max_age, nanos(4_000));
      } finally {
        await nc.close();
      }
    },
  };

  it('every setting of the group has a check', () => {
    assert.deepEqual(Object.keys(checks).sort(), Object.keys(BUS_SETTINGS).sort());
  });

  for (const [name, check] of Object.entries(checks)) it(name, check);
});

describe('bus setup errors', () => {
  it('names a server without JetStream', async () => {
    const plain = await startNatsServer({ jetstream: false });
    try {
      const nc = await connectBus(bus({ FLOWRS_NATS_URL: plain.url }), 'x');
      try {
        await assert.rejects(
          ensureBus(nc, bus()),
          (e: BusSetupError) => e instanceof BusSetupError && e.code === 'jetstream_disabled' && /-js/.test(e.message),
        );
      } finally {
        await nc.close();
      }
    } finally {
      await plain.stop();
    }
  });
});
