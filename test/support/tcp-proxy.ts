import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A loopback port nothing listens on (yet): taken from the OS, then let go. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A TCP relay on 127.0.0.1:`port` to `target`, started and stopped at will: stopped, the port
 * refuses connections and open ones are cut — a database that went away, as its clients see it.
 */
export function tcpProxy(port: number, target: { host: string; port: number }) {
  let server: net.Server | undefined;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  return {
    async start(): Promise<void> {
      server = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        track(client);
        track(upstream);
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    },
    async stop(): Promise<void> {
      const closing = server ? new Promise((resolve) => server!.close(resolve)) : undefined;
      for (const socket of sockets) socket.destroy();
      await closing;
      server = undefined;
    },
  };
}
