import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BookMessageKind, bookSubject, decodeToken, encodeToken, parseBookSubject } from './subjects.js';

const TOKEN = /^[A-Za-z0-9_-]+$/;
/** Symbols as venues write them, plus anything else a string can hold. */
const symbol = fc.oneof(
  fc.constantFrom('BTC/USD', '@107', 'xyz:MSTR', 'BTC_USDT', 'BTC-USDT-SWAP', 'BTC.P', 'a b', '*', '>', '_2F', 'Ω'),
  fc.string({ minLength: 1, maxLength: 24, unit: 'grapheme' }),
  fc.string({ minLength: 1, maxLength: 24, unit: fc.constantFrom('_', '2', 'F', '/', 'a', '-', '.') }),
);

describe('subject tokens', () => {
  it('every symbol maps to a non-empty token of safe characters', () => {
    fc.assert(fc.property(symbol, (s) => TOKEN.test(encodeToken(s))));
  });

  it('the mapping is injective: decoding gives the symbol back', () => {
    fc.assert(fc.property(symbol, (s) => decodeToken(encodeToken(s)) === s));
    fc.assert(fc.property(symbol, symbol, (a, b) => a === b || encodeToken(a) !== encodeToken(b)));
  });

  it('maps the venues’ awkward symbols to readable tokens', () => {
    assert.equal(encodeToken('BTC/USD'), 'BTC_2FUSD');
    assert.equal(encodeToken('@107'), '_40107');
    assert.equal(encodeToken('xyz:MSTR'), 'xyz_3AMSTR');
    assert.equal(encodeToken('BTC_USDT'), 'BTC__USDT');
    assert.equal(encodeToken('BTC-USDT-SWAP'), 'BTC-USDT-SWAP');
  });

  it('a book subject has five tokens and parses back to its book', () => {
    fc.assert(
      fc.property(symbol, fc.constantFrom(...Object.values(BookMessageKind)), (s, kind) => {
        const subject = bookSubject('hyperliquid', s, kind);
        assert.equal(subject.split('.').length, 5);
        assert.deepEqual(parseBookSubject(subject), { exchange: 'hyperliquid', symbol: s, kind });
      }),
    );
  });

  it('refuses tokens encodeToken cannot produce', () => {
    for (const bad of ['a_', 'a_2', 'a_zz', 'a.b', 'a b']) assert.throws(() => decodeToken(bad), RangeError, bad);
  });
});
