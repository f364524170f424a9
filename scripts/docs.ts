// `npm run docs`: rewrites the README sections generated from the code (settings, venue matrix).
import { readFileSync, writeFileSync } from 'node:fs';
import { regenerate } from '../src/docs/generated.js';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = regenerate(before);
writeFileSync(path, after);
console.log(after === before ? 'README.md is up to date' : 'README.md regenerated');
