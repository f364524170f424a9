/**
 * Who may use the client server, in one place: the WebSocket admission (limits before the handshake,
 * origin and token right after it) and the guard in front of the HTTP API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../log.js';
import { clientAddress } from './client-address.js';
import { CLOSE_FORBIDDEN_ORIGIN, CLOSE_UNAUTHORIZED, type RefusalCode } from './codes.js';
import { ConnectionLimits } from './connection-limits.js';
import { answerPreflight, applyCors } from './cors.js';
import { HandshakeRateLimiter } from './handshake-rate.js';
import { ANY_ORIGIN, OriginPolicy } from './origins.js';
import { refuse, refuseUpgrade } from './refusal.js';
import { type RejectionReason, Rejections } from './rejections.js';
import type { AccessConfig } from './settings.js';
import { type TokenCheck, TokenVerifier } from './tokens.js';

/** `Retry-After` of a refusal for too many connections (from one address, or in total). */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;
/** A refused client that does not answer the close frame is cut off after this long. */
export const DEFAULT_REFUSED_CLOSE_GRACE_MS = 2_000;
/** Longest origin quoted in a close reason (a close reason holds at most 123 bytes). */
const MAX_QUOTED_ORIGIN = 90;

/** Why a connection is closed right after its handshake. */
export interface ConnectionDenial {
  readonly closeCode: number;
  readonly reason: string;
}

type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;

export class AccessGate {
  readonly tokens: TokenVerifier;
  readonly metricsTokens: TokenVerifier;
  readonly origins: OriginPolicy;
  readonly limits: ConnectionLimits;
  /** Undefined without a configuration: no handshake limit. */
  readonly handshakes: HandshakeRateLimiter | undefined;
  readonly rejections: Rejections;

  /** Without a configuration everything is open and unlimited. @throws AccessSetupError (token file) */
  constructor(config: AccessConfig | undefined, log: Logger) {
    this.tokens = TokenVerifier.from(config?.authTokens ?? [], config?.authTokenFile);
    this.metricsTokens = new TokenVerifier(config?.metricsTokens ?? []);
    this.origins = new OriginPolicy(config?.allowedOrigins ?? [ANY_ORIGIN]);
    this.limits = new ConnectionLimits(
      config?.maxClients ?? Number.POSITIVE_INFINITY,
      config?.maxClientsPerIp ?? Number.POSITIVE_INFINITY,
    );
    this.handshakes = config && new HandshakeRateLimiter(config.handshakesPerIpPerMinute);
    this.rejections = new Rejections(log);
  }

  /**
   * Before any WebSocket work: the handshake rate, then the total and per-address client limits. A refused
   * upgrade is answered here (429 or 503 with Retry-After) and false returned; an admitted one holds its
   * place until its socket closes.
   */
  admitUpgrade(req: IncomingMessage, socket: Duplex): boolean {
    const address = clientAddress(req.socket);
    const rate = this.handshakes?.take(address);
    if (rate?.type === 'limited') {
      const seconds = Math.max(1, Math.ceil(rate.retryAfterMs / 1000));
      const message = `too many handshakes from ${address}: at most ${this.handshakes?.perWindow} a minute`;
      return this.refuse(socket, 'rate', address, 429, 'FLOWRS_TOO_MANY_HANDSHAKES', message, seconds);
    }
    const admission = this.limits.admit(address);
    if (admission.type === 'full') {
      const message = `server full: ${this.limits.maxClients} clients connected`;
      return this.refuse(socket, 'full', address, 503, 'FLOWRS_SERVER_FULL', message, DEFAULT_RETRY_AFTER_SECONDS);
    }
    if (admission.type === 'per_ip') {
      const message = `too many connections from ${address}: at most ${this.limits.maxClientsPerIp}`;
      return this.refuse(
        socket,
        'per_ip',
        address,
        429,
        'FLOWRS_TOO_MANY_CONNECTIONS',
        message,
        DEFAULT_RETRY_AFTER_SECONDS,
      );
    }
    socket.once('close', () => this.limits.release(address));
    return true;
  }

  /**
   * After the handshake: the page's origin, then the token. Undefined when the client may stay; otherwise
   * the close code and reason it gets (browsers see nothing of a refused handshake but a close code).
   */
  denyConnection(req: IncomingMessage): ConnectionDenial | undefined {
    const address = clientAddress(req.socket);
    if (!this.origins.allowsRequest(req)) {
      const reason = `origin ${quoted(req.headers.origin ?? '')} not allowed`;
      this.rejections.record('origin', address, reason);
      return { closeCode: CLOSE_FORBIDDEN_ORIGIN, reason };
    }
    const check = this.tokens.check(req);
    if (check.type === 'ok') return undefined;
    const reason = unauthorized(check);
    this.rejections.record('unauthorized', address, reason);
    return { closeCode: CLOSE_UNAUTHORIZED, reason };
  }

  /**
   * The HTTP API behind CORS and tokens: `/api/…` needs a token (when tokens are set), `/metrics` a metrics
   * token (when those are set), everything else (`/health`, the dashboard's files) is open.
   */
  guardHttp(handler: HttpHandler): HttpHandler {
    return (req, res) => {
      if (req.method === 'OPTIONS') {
        answerPreflight(req, res, this.origins);
        return;
      }
      applyCors(req, res, this.origins);
      // Parsed exactly as the API parses it, so both see the same path.
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const verifier =
        path === '/metrics'
          ? this.metricsTokens
          : path === '/api' || path.startsWith('/api/')
            ? this.tokens
            : undefined;
      const check = verifier?.check(req);
      if (check !== undefined && check.type !== 'ok') {
        const challenge =
          check.type === 'invalid' ? 'Bearer realm="flowrs", error="invalid_token"' : 'Bearer realm="flowrs"';
        refuse(res, 401, 'FLOWRS_UNAUTHORIZED', unauthorized(check), { 'WWW-Authenticate': challenge });
        return;
      }
      handler(req, res);
    };
  }

  private refuse(
    socket: Duplex,
    reason: RejectionReason,
    address: string,
    status: number,
    code: RefusalCode,
    message: string,
    retryAfterSeconds: number,
  ): false {
    this.rejections.record(reason, address, message);
    refuseUpgrade(socket, status, code, message, { 'Retry-After': String(retryAfterSeconds) });
    return false;
  }
}

const unauthorized = (check: Exclude<TokenCheck, { type: 'ok' }>) =>
  check.type === 'missing' ? 'unauthorized: missing token' : 'unauthorized: invalid token';

/** An origin as it can appear in a close reason: printable ASCII, bounded. */
function quoted(origin: string): string {
  const printable = origin.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > MAX_QUOTED_ORIGIN ? `${printable.slice(0, MAX_QUOTED_ORIGIN)}…` : printable;
}
