import * as net from 'node:net';

/** A port nothing listens on right now on 127.0.0.1 (bound to port 0, then released): for a peer's config file or a refused dial. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
