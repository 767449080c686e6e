import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';

export const FEED_FIXTURES = path.resolve(import.meta.dirname, '../fixtures/feeds');

export const fixture = (name: string): Buffer => fs.readFileSync(path.join(FEED_FIXTURES, name));

export type Route = (request: http.IncomingMessage, response: http.ServerResponse) => void;

export interface FeedServer {
  url: (route: string) => string;
  /** Requests seen per path, with their headers. */
  requests: { path: string; headers: http.IncomingHttpHeaders }[];
  hits: (route: string) => number;
  route: (route: string, handler: Route) => void;
  close: () => Promise<void>;
}

/** A feed as a server sends it: the bytes, with a Content-Type (and optional extra headers). */
export const serve =
  (body: Buffer | string, contentType = 'application/rss+xml', headers: Record<string, string> = {}): Route =>
  (_request, response) => {
    response.writeHead(200, { 'content-type': contentType, ...headers });
    response.end(body);
  };

/** A loopback HTTP server for feed tests; it never reaches beyond 127.0.0.1. */
export async function startFeedServer(routes: Record<string, Route> = {}): Promise<FeedServer> {
  const table = new Map(Object.entries(routes));
  const requests: FeedServer['requests'] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((request, response) => {
    const route = new URL(request.url ?? '/', 'http://localhost').pathname;
    requests.push({ path: route, headers: request.headers });
    const handler = table.get(route);
    if (handler) handler(request, response);
    else {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (route) => `http://127.0.0.1:${port}${route}`,
    requests,
    hits: (route) => requests.filter((request) => request.path === route).length,
    route: (route, handler) => table.set(route, handler),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
