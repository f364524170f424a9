/**
 * Turns a failed venue connection into words a user can act on: the DNS name that did not resolve,
 * the address that refused, the TLS check that failed, the HTTP status that refused the upgrade.
 */

/** Printed with the first connection failure: most of them are the local network, not the venue. */
export const CONNECT_FAILURE_HINT = 'check network/proxy settings; `npm run demo` works offline';

type SystemError = Error & { code?: string; address?: string; port?: number };

const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME/;

/**
 * One line for a connection error, e.g. `getaddrinfo ENOTFOUND fstream.binance.com`,
 * `connect ECONNREFUSED 127.0.0.1:9443`, `TLS CERT_HAS_EXPIRED: certificate has expired`,
 * `Unexpected server response: 403`, `Opening handshake has timed out`.
 */
export function describeConnectError(error: Error): string {
  const e = error as SystemError;
  // Node's happy-eyeballs connect (a name with several addresses) fails with an AggregateError
  // whose own message is empty: name every address it tried.
  if (error instanceof AggregateError && error.message === '') {
    const tried = (error.errors as SystemError[])
      .map((inner) => (inner.address === undefined ? inner.message : `${inner.address}:${inner.port}`))
      .join(', ');
    return `connect ${e.code ?? 'failed'} ${tried}`;
  }
  const code = e.code;
  if (code !== undefined && TLS_CODE.test(code)) return `TLS ${code}: ${error.message}`;
  if (code !== undefined && !error.message.includes(code)) return `${error.message} (${code})`;
  return error.message;
}

/** What repeats when the same failure repeats: the error code if it has one, else the text. */
export function failureCause(error: Error | undefined, detail: string): string {
  return (error as SystemError | undefined)?.code ?? detail;
}
