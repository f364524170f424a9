import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Serves a built directory (the dashboard) from memory: files are read once at start, so a request
 * never touches the disk and no path from a request is ever joined onto the filesystem.
 * Returns undefined when the directory has not been built.
 */
export function staticFiles(dir: string): ((path: string, res: ServerResponse) => boolean) | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(`/${name}`, { body: readFileSync(join(dir, name)), type });
  }
  return (path, res) => {
    const file = files.get(path === '/' ? '/index.html' : path);
    if (!file) return false;
    res.writeHead(200, { 'Content-Type': file.type, 'Content-Length': file.body.length, 'Cache-Control': 'no-cache' });
    res.end(file.body);
    return true;
  };
}

/** Where `npm run build` puts the dashboard, from either src/ (tsx) or dist/ (compiled). */
export const DASHBOARD_DIR = new URL('../../dist/dashboard/', import.meta.url).pathname;
