import net from 'node:net';

/**
 * A loopback port that was free a moment ago (the OS picked it, then it was released): for a listener the
 * test starts next, or as a port nothing listens on.
 */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
