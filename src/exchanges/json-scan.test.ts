import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { detachedSlice, JsonScanner, NO_INT } from './json-scan.js';

/** Characters numbers and their look-alikes are made of. */
const NUMBER_CHARS = fc.constantFrom(...'0123456789-+.eE'.split(''));
/** Characters that matter inside a JSON string. */
const STRING_CHARS = fc.constantFrom(
  ...['a', 'Z', '0', ' ', '"', '\\', '/', '\u0000', '\u001f', '\u007f', 'é', '\ud800'],
);

function scanner(text: string): JsonScanner {
  const s = new JsonScanner();
  s.reset(text);
  return s;
}

/** What JSON.parse makes of `text` as a value, or undefined when it is not JSON. */
function jsonValue(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

describe('JsonScanner', () => {
  it('uint reads every safe integer in its JSON spelling, and nothing else that JSON.parse would not read as one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        const s = scanner(`${n},`);
        assert.equal(s.uint(), n);
        assert.equal(s.pos, String(n).length);
      }),
      { numRuns: 5_000 },
    );
    fc.assert(
      fc.property(
        fc.array(NUMBER_CHARS, { maxLength: 20 }).map((cs) => cs.join('')),
        (spelled) => {
          // The scanners only take a number when the next character is the expected punctuation.
          const s = scanner(`${spelled},`);
          const value = s.uint();
          if (value === NO_INT || s.peek() !== 44) return;
          const parsed = jsonValue(spelled);
          assert.ok(parsed !== undefined, `${spelled} is JSON`);
          assert.equal(parsed.value, value);
          assert.ok(Number.isSafeInteger(value));
        },
      ),
      { numRuns: 20_000 },
    );
    for (const refused of ['-1', '-0', '01', '9007199254740992', '12345678901234567', '', 'x', '+1']) {
      assert.equal(scanner(`${refused},`).uint(), NO_INT, refused);
    }
    assert.equal(scanner('9007199254740991]').uint(), Number.MAX_SAFE_INTEGER);
    assert.equal(scanner('0,').uint(), 0);
  });

  it('string reads strings without escapes or control characters, exactly as JSON.parse does', () => {
    fc.assert(
      fc.property(
        fc.array(STRING_CHARS, { maxLength: 30 }).map((cs) => cs.join('')),
        (body) => {
          const text = `"${body}"`;
          const s = scanner(text);
          const value = s.string();
          if (value === undefined) {
            assert.equal(s.pos, 0, 'a refused string leaves the cursor where it was');
            return;
          }
          // It may stop at an inner quote: what it consumed must be that JSON string.
          const parsed = jsonValue(text.slice(0, s.pos));
          assert.ok(parsed !== undefined, `${JSON.stringify(text.slice(0, s.pos))} is JSON`);
          assert.equal(value, parsed.value);
        },
      ),
      { numRuns: 20_000 },
    );
    assert.equal(scanner('"a\\u0062"').string(), undefined, 'escapes go to the JSON path');
    assert.equal(scanner('"a\nb"').string(), undefined, 'a raw control character is not JSON');
    assert.equal(scanner('"abc').string(), undefined, 'unterminated');
    assert.equal(scanner('"65114.20","x"').string(), '65114.20');
  });

  it('skipScalar consumes exactly one JSON scalar of the subset, never an object or an array', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
          fc.integer().map(String),
          fc.constantFrom('true', 'false', 'null', '"PlusTick"', '""', '1e5', '-0.5E-3', '0'),
          fc.array(NUMBER_CHARS, { maxLength: 12 }).map((cs) => cs.join('')),
        ),
        (token) => {
          const s = scanner(`${token},`);
          const skipped = s.skipScalar();
          const parsed = jsonValue(token);
          if (skipped && s.peek() === 44) {
            assert.ok(parsed !== undefined, `${token} is JSON`);
            assert.equal(s.pos, token.length);
          } else if (parsed !== undefined && typeof parsed.value !== 'object') {
            assert.fail(`${token} is a JSON scalar the scanner did not skip`);
          }
        },
      ),
      { numRuns: 20_000 },
    );
    for (const refused of ['{}', '[]', '-', '1.', '.5', '1e', 'tru', 'nul', '"a\\"b"']) {
      const s = scanner(`${refused},`);
      assert.ok(!s.skipScalar() || s.peek() !== 44, refused);
    }
  });

  it('levels reads [] and [["price","size"],…] and refuses any other shape', () => {
    assert.deepEqual(scanner('[]').levels(), []);
    assert.deepEqual(scanner('[["1.5","2"],["1.4","0"]]').levels(), [
      ['1.5', '2'],
      ['1.4', '0'],
    ]);
    for (const refused of [
      '[["1.5"]]',
      '[["1.5","2","3"]]',
      '[[1.5,"2"]]',
      '[["1.5","2"],]',
      '[ ]',
      '[["1.5","2"]',
      '{}',
    ]) {
      assert.equal(scanner(refused).levels(), undefined, refused);
    }
  });

  it('literal matches only the exact text, and never past the end', () => {
    const s = scanner('{"e":"depthUpdate"');
    assert.equal(s.literal('{"e":"depthUpdate","E":'), false);
    assert.equal(s.pos, 0);
    assert.equal(s.literal('{"e":'), true);
    assert.equal(s.pos, 5);
  });

  it('detachedSlice gives the same text as slice, long strings included', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), fc.nat(), fc.nat(), (text, a, b) => {
        const start = Math.min(a, b) % (text.length + 1);
        const end = Math.max(start, Math.max(a, b) % (text.length + 1));
        assert.equal(detachedSlice(text, start, end), text.slice(start, end));
      }),
      { numRuns: 5_000 },
    );
    const uuid = 'a9188a0a-82bc-50de-be60-03eedbe3cdd7';
    assert.equal(detachedSlice(`"${uuid}"`, 1, uuid.length + 1), uuid);
  });
});
