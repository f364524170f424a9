import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { regenerate } from './generated.js';

describe('the README’s generated sections', () => {
  it('say exactly what the code says (run `npm run docs` after changing a setting or a venue)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    assert.equal(regenerate(readme), readme);
  });
});
