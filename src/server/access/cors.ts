/** CORS for the HTTP API: which browser pages may read its answers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OriginPolicy } from './origins.js';
import { refuse } from './refusal.js';

/** How long a browser may reuse a preflight answer. */
export const DEFAULT_PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * Lets an allowed page read the answer: echoes its Origin. `Vary: Origin` always, so a cache never hands
 * one origin's answer to another.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, origins: OriginPolicy): void {
  res.setHeader('Vary', 'Origin');
  const origin = req.headers.origin;
  if (origin !== undefined && origins.allowsRequest(req)) res.setHeader('Access-Control-Allow-Origin', origin);
}

/** Answers an OPTIONS preflight: 204 allowing GET/HEAD with an Authorization header, or 403. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, origins: OriginPolicy): void {
  applyCors(req, res, origins);
  if (!origins.allowsRequest(req)) {
    refuse(res, 403, 'FLOWRS_FORBIDDEN_ORIGIN', `origin ${req.headers.origin} not allowed`);
    return;
  }
  res.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization',
    'Access-Control-Max-Age': String(DEFAULT_PREFLIGHT_MAX_AGE_SECONDS),
  });
  res.end();
}
