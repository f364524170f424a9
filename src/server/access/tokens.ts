/** Bearer tokens: which are accepted, and the one a request presents. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { AccessSetupError } from './codes.js';

const DIGEST_HEX = /^[0-9a-f]{64}$/i;

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** The SHA-256 hex digest of a token, as FLOWRS_AUTH_TOKEN_FILE holds it. */
export const tokenDigest = (token: string): string => sha256(token).toString('hex');

/**
 * Reads a token file: one SHA-256 hex digest a line; blank lines and `#` comments are skipped.
 * @throws AccessSetupError when the file cannot be read, a line is not a digest, or it holds none
 */
export function readTokenFile(path: string, setting = 'FLOWRS_AUTH_TOKEN_FILE'): Buffer[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new AccessSetupError(setting, `cannot read ${path} (${reason})`, { cause: error });
  }
  const digests: Buffer[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    if (!DIGEST_HEX.test(line)) {
      throw new AccessSetupError(
        setting,
        `${path} line ${i + 1} is not a SHA-256 hex digest (64 hex characters; make one with: printf %s "$TOKEN" | sha256sum)`,
      );
    }
    digests.push(Buffer.from(line, 'hex'));
  }
  if (digests.length === 0) throw new AccessSetupError(setting, `${path} holds no token digest`);
  return digests;
}

/**
 * The accepted tokens, kept only as SHA-256 digests. A presented token is hashed and compared with
 * every digest in constant time, so neither a token's content nor which entry matched shows in timing.
 */
export class TokenVerifier {
  private readonly digests: readonly Buffer[];

  constructor(plain: readonly string[], digests: readonly Buffer[] = []) {
    this.digests = [...plain.map(sha256), ...digests];
  }

  /** Plain tokens plus, when a path is given, the digests in that file. @throws AccessSetupError */
  static from(plain: readonly string[], file?: string): TokenVerifier {
    return new TokenVerifier(plain, file === undefined ? [] : readTokenFile(file));
  }

  /** False when no token is configured: everything is open. */
  get required(): boolean {
    return this.digests.length > 0;
  }

  verify(token: string): boolean {
    const presented = sha256(token);
    let match = false;
    for (const digest of this.digests) match = timingSafeEqual(presented, digest) || match;
    return match;
  }

  /** Whether a request may pass: `ok`, or why not. */
  check(req: IncomingMessage): TokenCheck {
    if (!this.required) return { type: 'ok' };
    const token = presentedToken(req);
    if (token === undefined) return { type: 'missing' };
    return this.verify(token) ? { type: 'ok' } : { type: 'invalid' };
  }
}

export type TokenCheck = { readonly type: 'ok' } | { readonly type: 'missing' } | { readonly type: 'invalid' };

/**
 * The token a request carries: `Authorization: Bearer <token>`, else `?token=` (browsers cannot set
 * headers on a WebSocket). Undefined when neither is there.
 */
export function presentedToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
    if (match) return match[1];
  }
  const query = new URL(req.url ?? '/', 'http://flowrs').searchParams.get('token');
  return query === null || query === '' ? undefined : query;
}
