import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { BookManager } from '../../book/book-manager.js';
import type { MarketSink, ResyncReason } from '../../core/sink.js';
import { silentLogger } from '../../log.js';
import { MarketPipeline } from '../../pipeline/pipeline.js';
import { waitFor } from '../../sim/test-support/wait.js';
import type { VenueConnector } from '../connector.js';
import { top25Checksum } from '../kit/top25-checksum.js';
import { bitget } from './index.js';
import { BitgetSimVenue, type BitgetSimVenueOptions } from './sim/venue.js';

const running: { connector: VenueConnector; venue: BitgetSimVenue }[] = [];

afterEach(async () => {
  for (const { connector, venue } of running.splice(0)) {
    await connector.stop();
    await venue.stop();
  }
});

/** FlowRS's real path: the module's connector → pipeline → books, against the simulated venue. */
async function stack(options: Partial<BitgetSimVenueOptions> = {}) {
  const venue = new BitgetSimVenue({ seed: 11, ...options });
  await venue.listen();
  const books = new BookManager({ checksums: new Map([['bitget', top25Checksum]]) });
  const pipeline = new MarketPipeline(books, silentLogger);
  // The pipeline, recording every resync reason (the one path each resync is counted on).
  const resyncs: ResyncReason[] = [];
  const sink = new Proxy(pipeline, {
    get(target, key, receiver) {
      if (key === 'bookResyncing') {
        return (exchange: string, symbol: string, reason: ResyncReason) => {
          resyncs.push(reason);
          target.bookResyncing(exchange, symbol, reason);
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as MarketSink;
  const connector = bitget.createConnector({
    symbols: venue.symbols(),
    settings: { wsUrl: venue.wsUrl, restUrl: venue.restBaseUrl, pingIntervalMs: 1_000 },
    common: { dataTimeoutMs: 10_000, auditIntervalMs: 0 },
    log: silentLogger,
  });
  connector.start(sink);
  running.push({ connector, venue });
  const exact = async (what: string) => {
    for (const symbol of venue.symbols()) {
      await waitFor(
        () => {
          const book = books.find('bitget', symbol);
          if (book === undefined || book.status() !== 'live') return false;
          const truth = venue.truth(symbol);
          const held = book.levels(truth.bids.length + truth.asks.length);
          return (
            JSON.stringify(held.bids) === JSON.stringify(truth.bids) &&
            JSON.stringify(held.asks) === JSON.stringify(truth.asks)
          );
        },
        () => `${what}: bitget:${symbol} is ${books.find('bitget', symbol)?.status()}`,
      );
    }
  };
  return { venue, books, connector, exact, resyncs };
}

describe('Bitget through the connector base: exact books against the simulated venue', () => {
  it('holds every book exactly through steps, a gap (pseq), duplicates and symbol maintenance', async () => {
    const { venue, connector, exact } = await stack();
    await exact('after the snapshots');
    for (let i = 0; i < 50; i++) venue.step();
    await exact('after 50 steps');
    venue.faults.withholdNext('BTCUSDT');
    for (let i = 0; i < 3; i++) venue.step('BTCUSDT');
    await exact('after a gap');
    assert.ok(connector.status().counters.gaps >= 1);
    venue.faults.duplicateNext('ETHUSDT', 2);
    for (let i = 0; i < 3; i++) venue.step('ETHUSDT');
    await exact('after duplicates');
    venue.venueReset('PEPEUSDT');
    for (let i = 0; i < 3; i++) venue.step('PEPEUSDT');
    await exact('after symbol maintenance');
  });

  it('verifies a non-zero checksum: with seq only, a lost update is repaired', async () => {
    const { venue, exact, resyncs } = await stack({ sequence: 'seq', checksum: 'crc' });
    await exact('after the snapshots');
    // A lost update often leaves a crossed book (caught before the checksum); repeat until one does not.
    for (let round = 0; round < 10 && !resyncs.includes('checksum'); round++) {
      venue.faults.withholdNext('ETHUSDT');
      venue.step('ETHUSDT');
      // The next update is judged on the book the lost one left: its checksum cannot match.
      venue.step('ETHUSDT');
      await exact(`after a lost update (round ${round})`);
    }
    assert.ok(resyncs.includes('checksum'), `resyncs: ${resyncs.join(', ')}`);
  });

  it('marks an instrument the venue answers 30001 for as unknown, without retrying it', async () => {
    const venue = new BitgetSimVenue({ seed: 3 });
    await venue.listen();
    // No instrument list: the connector subscribes every configured symbol and learns from the answer.
    venue.rateLimitNext(1_000_000);
    const books = new BookManager();
    const pipeline = new MarketPipeline(books, silentLogger);
    const connector = bitget.createConnector({
      symbols: ['BTCUSDT', 'NOPEUSDT'],
      settings: { wsUrl: venue.wsUrl, restUrl: venue.restBaseUrl, pingIntervalMs: 1_000 },
      common: { dataTimeoutMs: 10_000, auditIntervalMs: 0 },
      log: silentLogger,
    });
    connector.start(pipeline);
    running.push({ connector, venue });
    await waitFor(() => books.find('bitget', 'BTCUSDT')?.status() === 'live', 'BTCUSDT live');
    await waitFor(
      () => books.find('bitget', 'NOPEUSDT')?.resyncReason() === 'unknown_symbol',
      () => `NOPEUSDT is ${books.find('bitget', 'NOPEUSDT')?.resyncReason()}`,
    );
    assert.equal(venue.stats.doesNotExist, 2);
    for (let i = 0; i < 20; i++) venue.step();
    await waitFor(() => books.find('bitget', 'BTCUSDT')?.status() === 'live', 'BTCUSDT still live');
    // Never retried: still the book and trade answers of the first subscription only.
    assert.equal(venue.stats.doesNotExist, 2);
  });
});
