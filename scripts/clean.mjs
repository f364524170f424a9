// `npm run clean`: removes dist/, so a package never ships outputs of sources that no longer exist.
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
