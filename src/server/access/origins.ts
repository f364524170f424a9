/** Which browser pages may use the server: the defence against cross-site WebSocket hijacking. */
import type { IncomingMessage } from 'node:http';

/** `FLOWRS_ALLOWED_ORIGINS=*`: any origin. */
export const ANY_ORIGIN = '*';

/**
 * With no list, requests without an `Origin` (non-browser clients) and pages served by this server
 * (the Origin's host is the request's Host) are allowed; `*` allows any; otherwise the listed origins,
 * exactly (scheme, host and port; `https://app.example.com`), and still requests without an Origin.
 */
export class OriginPolicy {
  private readonly any: boolean;
  private readonly listed: ReadonlySet<string>;

  constructor(allowed: readonly string[]) {
    this.any = allowed.includes(ANY_ORIGIN);
    this.listed = new Set(allowed.filter((o) => o !== ANY_ORIGIN).map(normalizeOrigin));
  }

  /** Whether a request with this Origin (undefined: none) and Host header may pass. */
  allows(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined || this.any) return true;
    const normalized = normalizeOrigin(origin);
    if (this.listed.has(normalized)) return true;
    return this.listed.size === 0 && sameOrigin(origin, host);
  }

  allowsRequest(req: IncomingMessage): boolean {
    return this.allows(req.headers.origin, req.headers.host);
  }
}

/** `HTTPS://App.Example.com:443` and `https://app.example.com` are one origin. */
function normalizeOrigin(origin: string): string {
  try {
    const url = new URL(origin);
    return url.origin === 'null' ? origin : url.origin;
  } catch {
    return origin;
  }
}

/** The page's host and port are the ones the request was sent to. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    const page = new URL(origin);
    if (page.protocol !== 'http:' && page.protocol !== 'https:') return false;
    return page.host === new URL(`${page.protocol}//${host}`).host;
  } catch {
    return false;
  }
}
