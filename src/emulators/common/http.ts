import type { Server } from 'node:net';

/** Listens on `host:port` (port 0: any free one) and resolves with the port bound. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // Left attached once listening: a later error is then not an uncaught one.
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** The host clients put into URLs: a wildcard address is listened on, not connected to. */
export function clientHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
}
