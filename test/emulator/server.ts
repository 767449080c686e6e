import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export interface HttpHandlers {
  request: (req: IncomingMessage, res: ServerResponse) => void;
  upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export interface RunningServer {
  server: Server;
  port: number;
  /** TCP connections accepted so far (REST and gateway): what a client's connection reuse saves. */
  connectionsAccepted(): number;
  close(): Promise<void>;
}

/** One HTTP server on 127.0.0.1 with a random port: REST under /api, WebSocket upgrades for /gateway. */
export async function listen(handlers: HttpHandlers): Promise<RunningServer> {
  const server = createServer(handlers.request);
  server.on('upgrade', handlers.upgrade);
  let accepted = 0;
  server.on('connection', () => accepted++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    connectionsAccepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
