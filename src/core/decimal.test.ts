import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  classifyQuantity,
  decimalMid,
  decimalMul,
  decimalSub,
  decimalSum,
  priceKey,
  significantDigits,
} from './decimal.js';

describe('decimal strings', () => {
  it('classifies every spelling of zero as zero', () => {
    for (const z of ['0', '0.0', '0.000', '0.00000000', '00.0']) assert.equal(classifyQuantity(z), 0, z);
    for (const p of ['1', '0.001', '0.00100000', '37000.10']) assert.equal(classifyQuantity(p), 1, p);
  });

  it('rejects what no supported venue writes', () => {
    for (const bad of ['', '1e-8', '-1', '+1', '.5', '5.', '1.2.3', ' 1', '1 ', 'NaN', 'Infinity', '0x10', '1,5']) {
      assert.equal(classifyQuantity(bad), -1, JSON.stringify(bad));
      assert.ok(Number.isNaN(priceKey(bad)), JSON.stringify(bad));
    }
    assert.equal(classifyQuantity('1'.repeat(65)), -1, 'longer than MAX_DECIMAL_LENGTH');
  });

  it('gives equal keys to equal values and ordered keys to ordered values', () => {
    assert.equal(priceKey('37000.1'), priceKey('37000.10'));
    assert.ok(priceKey('0.00000001') < priceKey('0.00000002'));
    assert.ok(priceKey('99999999.9999999') < priceKey('100000000.000000'));
    assert.ok(Number.isNaN(priceKey('0')), 'a zero price is not a price');
  });

  it('rejects prices with more than 15 significant digits, which could share a key', () => {
    assert.equal(significantDigits('123456789.123456'), 15);
    assert.ok(!Number.isNaN(priceKey('123456789.123456')));
    assert.equal(significantDigits('1234567890.1234567'), 17);
    assert.ok(Number.isNaN(priceKey('1234567890.1234567')));
    assert.equal(significantDigits('0.000000012345678900'), 9, 'leading and trailing zeros do not count');
    assert.ok(!Number.isNaN(priceKey('0.000000012345678900')));
    assert.equal(significantDigits('37000'), 2, 'trailing integer zeros need no precision');
    assert.equal(significantDigits('37000.5'), 6);
  });

  it('computes the same key as Number() for every valid price of up to 15 significant digits', () => {
    const price = fc
      .tuple(
        fc.stringMatching(/^[0-9]{1,12}$/),
        fc.option(fc.stringMatching(/^[0-9]{1,12}$/), { nil: undefined }),
        fc.nat({ max: 10 }),
      )
      .map(([int, frac, zeros]) => (frac === undefined ? int : `${int}.${frac}${'0'.repeat(zeros)}`));
    fc.assert(
      fc.property(price, (p) => {
        const key = priceKey(p);
        if (classifyQuantity(p) !== 1 || significantDigits(p) > 15) return Number.isNaN(key);
        return key === Number(p);
      }),
      { numRuns: 20_000 },
    );
    for (const p of [
      '0.00000001',
      '37000.10',
      '99999999.9999999',
      '1.000000000000000000000000',
      '123456789012345',
      '9007199254740993',
    ]) {
      if (significantDigits(p) <= 15) assert.equal(priceKey(p), Number(p), p);
      else assert.ok(Number.isNaN(priceKey(p)), p);
    }
  });

  it('does exact arithmetic on strings', () => {
    assert.equal(decimalSub('37000.10', '36999.9'), '0.20');
    assert.equal(decimalSub('0.1', '0.3'), '-0.2');
    assert.equal(decimalSum(['0.1', '0.2', '0.00000001']), '0.30000001');
    assert.equal(decimalSum([]), '0');
    assert.equal(decimalMid('100.1', '100.2'), '100.15');
    assert.equal(decimalMid('100', '102'), '101');
  });
});

describe('decimalMul', () => {
  it('multiplies exactly, as venues need for contract sizes', () => {
    assert.equal(decimalMul('129', '0.01'), '1.29');
    assert.equal(decimalMul('3', '0.0001'), '0.0003');
    assert.equal(decimalMul('509392', '0.0001'), '50.9392');
    assert.equal(decimalMul('0', '0.01'), '0');
    assert.equal(decimalMul('0.000', '0.01'), '0');
    assert.equal(decimalMul('0.10', '10'), '1');
    assert.equal(decimalMul('12345678901234567890', '0.000000001'), '12345678901.23456789');
  });
});

describe('decimalMul, property', () => {
  it('equals the BigInt product of the scaled values', () => {
    const dec = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 18n }), fc.integer({ min: 0, max: 12 })).map(([d, s]) => {
      const t = d.toString().padStart(s + 1, '0');
      return s === 0 ? t : `${t.slice(0, t.length - s)}.${t.slice(t.length - s)}`;
    });
    fc.assert(
      fc.property(dec, dec, (a, b) => {
        const scaled = (x: string) => {
          const [i, f = ''] = x.split('.');
          return { v: BigInt(i + f), s: f.length };
        };
        const p = scaled(decimalMul(a, b));
        const x = scaled(a);
        const y = scaled(b);
        // p.v / 10^p.s == x.v*y.v / 10^(x.s+y.s)
        assert.equal(p.v * 10n ** BigInt(x.s + y.s), x.v * y.v * 10n ** BigInt(p.s));
      }),
      { numRuns: 2000 },
    );
  });
});
