/** The address a connection comes from, one spelling per address. */
import type { Socket } from 'node:net';

/** `::ffff:10.0.0.1` (IPv4 on a dual-stack socket) is `10.0.0.1`. Unknown when the socket is already gone. */
export function clientAddress(socket: Pick<Socket, 'remoteAddress'>): string {
  const address = socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
}
