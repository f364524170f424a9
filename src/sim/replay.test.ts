import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mergeRecordings, readRecording } from './recording.js';
import { Replay } from './replay.js';
import { Simulator } from './simulator.js';
import { realFixture } from './test-support/fixtures.js';
import { BinanceReferenceClient, BybitReferenceClient, sortedLevels } from './test-support/reference-clients.js';
import { waitFor } from './test-support/wait.js';

describe('replaying real recordings through the simulator', () => {
  let sim: Simulator;
  before(async () => {
    sim = await Simulator.start();
  });
  after(async () => {
    await sim.stop();
  });

  it('reads all three recorder formats', () => {
    const cf = readRecording(realFixture('binance/cryptofeed_2021-07-22_combined_4sym.ws.txt'));
    assert.equal(cf.venue, 'binance');
    assert.equal(cf.frames.length, 1535);
    const http = readRecording(realFixture('binance/cryptofeed_2021-07-22_depth_snapshots.http.txt'));
    assert.deepEqual([...http.snapshots.keys()].sort(), ['AKROUSDT', 'CTKUSDT', 'KEEPUSDT', 'SUSHIUSDT']);
    const hft = readRecording(realFixture('binance/hftbacktest_ethusdt_2024-08-08_part1_all_streams.txt'));
    assert.equal(hft.snapshots.size, 1);
    assert.ok(hft.snapshots.get('ETHUSDT')?.startsWith('{"lastUpdateId":5123107856276,'));
    const bybit = readRecording(realFixture('bybit/cryptofeed_2026-08-09_v5_linear_orderbook200_trades.jsonl'));
    assert.equal(bybit.venue, 'bybit');
    assert.ok(bybit.frames.some((f) => f.startsWith('{"topic":"orderbook.200.BTCUSDT","type":"snapshot"')));
  });

  it('a real Binance capture (4 symbols, legacy combined stream) syncs with no gap through the simulator', async () => {
    const recording = mergeRecordings(
      readRecording(realFixture('binance/cryptofeed_2021-07-22_combined_4sym.ws.txt')),
      readRecording(realFixture('binance/cryptofeed_2021-07-22_depth_snapshots.http.txt')),
    );
    const replay = new Replay(sim, recording);
    assert.deepEqual(replay.symbols().sort(), ['AKROUSDT', 'CTKUSDT', 'KEEPUSDT', 'SUSHIUSDT']);
    const clients = replay
      .symbols()
      .map((s) => new BinanceReferenceClient(sim.binance.wsBaseUrl, sim.binance.restBaseUrl, s));
    const opened = sim.binance.stats.connectionsOpened;
    for (const c of clients) c.connect();
    await waitFor(() => sim.binance.stats.connectionsOpened >= opened + clients.length, 'clients connected');
    replay.step(recording.frames.length);
    assert.ok(replay.done);
    const lastU = new Map<string, number>();
    for (const f of recording.frames) {
      const m = /"e":"depthUpdate".*"s":"([A-Z]+)".*"u":(\d+),"pu"/.exec(f);
      if (m) lastU.set(m[1], Number(m[2]));
    }
    for (const c of clients) {
      await waitFor(() => c.lastU === lastU.get(c.symbol), `${c.symbol} applied its last recorded event`);
      assert.equal(c.resyncs, 0, `${c.symbol}: no pu break in real data`);
      const top = sortedLevels(c.book, 1);
      assert.ok(Number(top.bids[0][0]) < Number(top.asks[0][0]), `${c.symbol} is not crossed`);
      c.close();
    }
  });

  it('a real Binance capture whose snapshot arrives after seven buffered events syncs on u == lastUpdateId', async () => {
    const recording = readRecording(realFixture('binance/hftbacktest_ethusdt_2024-08-08_part1_all_streams.txt'));
    const replay = new Replay(sim, recording);
    const client = new BinanceReferenceClient(sim.binance.wsBaseUrl, sim.binance.restBaseUrl, 'ETHUSDT');
    const opened = sim.binance.stats.connectionsOpened;
    client.connect();
    await waitFor(() => sim.binance.stats.connectionsOpened > opened, 'the client connected');
    replay.step(recording.frames.length);
    const depthFrames = recording.frames.filter((f) => f.includes('"e":"depthUpdate"'));
    const last = Number(/"u":(\d+),"pu"/.exec(depthFrames[depthFrames.length - 1])![1]);
    await waitFor(() => client.lastU === last, 'the last recorded event applied');
    assert.equal(client.resyncs, 0);
    assert.ok(client.book.bids.size > 1000, 'deep levels appear as they are touched');
    client.close();
  });

  it('a real Bybit linear capture replays byte-exact: u rises by one on every delta of every topic', async () => {
    const recording = readRecording(realFixture('bybit/cryptofeed_2026-08-09_v5_linear_orderbook200_trades.jsonl'));
    const replay = new Replay(sim, recording);
    assert.deepEqual(replay.symbols().sort(), ['BTCUSDT', 'DOGEUSDT', 'ETHUSDT', 'SOLUSDT']);
    const clients = replay.symbols().map((s) => new BybitReferenceClient(sim.bybit.wsUrl, s, 200));
    await Promise.all(clients.map((c) => c.connect()));
    await waitFor(() => clients.every((c) => c.acks.length === 1), 'subscriptions acknowledged');
    replay.step(recording.frames.length);
    for (const c of clients) {
      const deltas = recording.frames.filter((f) => f.startsWith(`{"topic":"${c.topic}"`));
      const lastU = Number(/"u":(\d+)/.exec(deltas[deltas.length - 1])![1]);
      await waitFor(() => c.lastU === lastU, `${c.symbol} applied its last recorded delta`);
      assert.equal(c.resyncs, 0);
      assert.ok(c.book.bids.size <= 200 && c.book.asks.size <= 200);
      c.close();
    }
  });
});
