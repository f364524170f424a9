/**
 * A TCP relay between a NATS client and its server, on loopback: `cut()` destroys every relayed socket
 * and refuses new ones until `restore()`. A real connection loss for the client, with no mock involved.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

export interface TcpProxy {
  /** `nats://127.0.0.1:<port>` of the relay. */
  readonly url: string;
  /** Connections relayed so far. */
  readonly accepted: () => number;
  cut(): void;
  restore(): void;
  stop(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let blocked = false;
  let accepted = 0;
  const server: Server = createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the proxy has no port');
  return {
    url: `nats://127.0.0.1:${address.port}`,
    accepted: () => accepted,
    cut: () => {
      blocked = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    restore: () => {
      blocked = false;
    },
    stop: async () => {
      blocked = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
