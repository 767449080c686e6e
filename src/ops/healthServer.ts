import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthCheck } from './health.ts';

export interface HealthServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  host: string;
  health: () => HealthCheck;
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** Called when rendering the metrics throws; the scraper gets a 500. */
  onError?: (error: unknown) => void;
}

export interface HealthServer {
  /** The port actually bound. */
  port: number;
  close(): Promise<void>;
}

/**
 * `GET /healthz` (200 `{ "status": "ok" }`, or 503 `{ "status": "unavailable", "reason": … }`) and
 * `GET /metrics` (Prometheus text). HEAD answers the same without a body; other methods 405, other
 * paths 404. Plain node:http: two routes do not need a framework.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = http.createServer((request, response) => {
    void answer(request, response, options);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(
  request: http.IncomingMessage,
  response: http.ServerResponse,
  options: HealthServerOptions,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const head = request.method === 'HEAD';
  const send = (status: number, contentType: string, body: string, headers: Record<string, string> = {}) => {
    response.writeHead(status, {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      ...headers,
    });
    response.end(head ? undefined : body);
  };
  const json = (status: number, value: unknown, headers?: Record<string, string>) =>
    send(status, 'application/json; charset=utf-8', `${JSON.stringify(value)}\n`, headers);

  if (path !== '/healthz' && path !== '/metrics') return json(404, { status: 'not found' });
  if (request.method !== 'GET' && !head)
    return json(405, { status: 'method not allowed' }, { allow: 'GET, HEAD' });
  if (path === '/healthz') {
    const check = options.health();
    return check.healthy
      ? json(200, { status: 'ok' })
      : json(503, { status: 'unavailable', reason: check.reason });
  }
  try {
    const { contentType, body } = await options.metrics();
    send(200, contentType, body);
  } catch (error) {
    options.onError?.(error);
    json(500, { status: 'error', reason: 'metrics could not be rendered' });
  }
}
