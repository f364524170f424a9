import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { exactDecimal } from '../core/test-support/exact-decimal.js';
import type { Exchange, PriceLevel } from '../core/types.js';
import { consolidateLevels, type VenueLevels } from './consolidate.js';

const exact = exactDecimal;

/** A venue's whole side: distinct prices in ticks of 0.01, written with 2 or 3 decimals, quantities in 0.001. */
const sideArb = fc
  .uniqueArray(fc.integer({ min: 1, max: 400 }), { minLength: 0, maxLength: 40 })
  .chain((ticks) =>
    fc.tuple(
      fc.constant(ticks),
      fc.array(fc.integer({ min: 1, max: 99_999 }), { minLength: ticks.length, maxLength: ticks.length }),
      fc.array(fc.boolean(), { minLength: ticks.length, maxLength: ticks.length }),
    ),
  )
  .map(([ticks, lots, longForm]) =>
    ticks.map((t, i): PriceLevel => {
      const price = `${Math.floor(t / 100)}.${String(t % 100).padStart(2, '0')}${longForm[i] ? '0' : ''}`;
      const quantity = `${Math.floor(lots[i] / 1000)}.${String(lots[i] % 1000).padStart(3, '0')}`;
      return [price, quantity];
    }),
  );

const venueArb = fc.record({
  bids: sideArb,
  asks: sideArb,
  bidsShown: fc.integer({ min: 0, max: 45 }),
  asksShown: fc.integer({ min: 0, max: 45 }),
});

const sortSide = (levels: PriceLevel[], side: 'bids' | 'asks') =>
  [...levels].sort((a, b) => {
    const d = exact(a[0]) - exact(b[0]);
    return (side === 'bids' ? d > 0n : d < 0n) ? -1 : d === 0n ? 0 : 1;
  });

describe('consolidateLevels', () => {
  it('equals a naive exact merge of the venues’ whole books, or a prefix of it where a venue lists too few', () => {
    fc.assert(
      fc.property(
        fc.array(venueArb, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 30 }),
        (venues, depth) => {
          const exchanges: Exchange[] = ['binance', 'bybit', 'binance'];
          const sources: VenueLevels[] = venues.map((v, i) => {
            const bids = sortSide(v.bids, 'bids');
            const asks = sortSide(v.asks, 'asks');
            return {
              exchange: exchanges[i],
              bids: bids.slice(0, v.bidsShown),
              asks: asks.slice(0, v.asksShown),
              bidsComplete: v.bidsShown >= bids.length,
              asksComplete: v.asksShown >= asks.length,
            };
          });
          const merged = consolidateLevels(sources, depth);
          for (const side of ['bids', 'asks'] as const) {
            // The truth: every venue's whole side, summed per exact price.
            const totals = new Map<bigint, bigint>();
            for (const v of venues) {
              for (const [p, q] of v[side]) totals.set(exact(p), (totals.get(exact(p)) ?? 0n) + exact(q));
            }
            const truth = [...totals.entries()]
              .sort((a, b) => (side === 'bids' ? (a[0] > b[0] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
              .slice(0, depth);
            const got = merged[side];
            assert.ok(got.length <= truth.length);
            got.forEach((level, i) => {
              assert.equal(exact(level.price), truth[i][0], `${side}[${i}] price`);
              assert.equal(exact(level.quantity), truth[i][1], `${side}[${i}] quantity`);
              assert.equal(
                level.venues.reduce((sum, v) => sum + exact(v.quantity), 0n),
                truth[i][1],
                'the venues’ shares add up',
              );
            });
            // Complete whenever every venue listed its best `depth` levels (or all it has).
            const everyVenueVouches = sources.every(
              (s, i) => s[side].length >= Math.min(depth, venues[i][side].length),
            );
            if (everyVenueVouches) assert.equal(got.length, truth.length, `${side}: nothing missing`);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('keeps the venues’ exact strings and sums quantities at the larger scale', () => {
    const { bids, asks } = consolidateLevels(
      [
        {
          exchange: 'binance',
          bids: [['100.10', '1.200']],
          asks: [['100.20', '0.5']],
          bidsComplete: true,
          asksComplete: true,
        },
        {
          exchange: 'bybit',
          bids: [['100.1', '0.05']],
          asks: [['100.30', '2']],
          bidsComplete: true,
          asksComplete: true,
        },
      ],
      5,
    );
    assert.deepEqual(bids, [
      {
        price: '100.10',
        quantity: '1.250',
        venues: [
          { exchange: 'binance', quantity: '1.200' },
          { exchange: 'bybit', quantity: '0.05' },
        ],
      },
    ]);
    assert.deepEqual(
      asks.map((l) => [l.price, l.quantity]),
      [
        ['100.20', '0.5'],
        ['100.30', '2'],
      ],
    );
  });

  it('stops at the last level a venue vouches for when more may lie beyond it', () => {
    const { bids } = consolidateLevels(
      [
        {
          exchange: 'binance',
          bids: [
            ['100', '1'],
            ['99', '1'],
            ['98', '1'],
          ],
          asks: [],
          bidsComplete: true,
          asksComplete: true,
        },
        // Trusted down to 99.5 only: anything below it on Bybit is unknown.
        { exchange: 'bybit', bids: [['99.5', '2']], asks: [], bidsComplete: false, asksComplete: true },
      ],
      3,
    );
    assert.deepEqual(
      bids.map((l) => l.price),
      ['100', '99.5'],
    );
  });
});
