/** The certificate and key FlowRS serves HTTPS and WSS with, read once at start. */
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { AccessSetupError } from './codes.js';

export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * Both files, or undefined when neither is set (plain HTTP and WS).
 * @throws AccessSetupError when only one is set, a file cannot be read, or they are not a PEM pair
 */
export function loadTls(certPath: string | undefined, keyPath: string | undefined): TlsFiles | undefined {
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined) throw new AccessSetupError('FLOWRS_TLS_CERT', 'must be set with FLOWRS_TLS_KEY');
  if (keyPath === undefined) throw new AccessSetupError('FLOWRS_TLS_KEY', 'must be set with FLOWRS_TLS_CERT');
  const files = { cert: read('FLOWRS_TLS_CERT', certPath), key: read('FLOWRS_TLS_KEY', keyPath) };
  try {
    // Parses both and checks the key matches the certificate, so a bad pair stops FlowRS at start.
    createSecureContext(files);
  } catch (error) {
    throw new AccessSetupError(
      'FLOWRS_TLS_CERT',
      `${certPath} and ${keyPath} are not a PEM certificate and its private key (${(error as Error).message})`,
      { cause: error },
    );
  }
  return files;
}

function read(setting: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new AccessSetupError(setting, `cannot read ${path} (${reason})`, { cause: error });
  }
}
