// Builds the dashboard into dist/dashboard/: app.ts bundled with esbuild (no framework, nothing fetched
// at run time), plus the page and its stylesheet. Fast enough to run before every `npm start`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const out = `${root}dist/dashboard`;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [`${root}src/dashboard/app.ts`],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  outfile: `${out}/app.js`,
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) copyFileSync(`${root}src/dashboard/${file}`, `${out}/${file}`);
