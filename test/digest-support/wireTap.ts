/**
 * A loopback HTTP proxy in front of a Discord API (the emulator). It forwards everything, and can hold the
 * answer to a successful message post: the test kills the posting process there, so Discord has created
 * the message but the bot never learns it (a crash "on the wire").
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WireTap {
  /** Pass as `new REST({ api: tap.api })`. */
  api: string;
  /** Awaited after upstream created a message and before the answer is relayed; cleared after one use. */
  onMessageCreated: (() => Promise<void>) | undefined;
  /**
   * Awaited when a message post arrives, before upstream sees it; the post is then dropped (the test
   * kills the process there: the post had started, Discord never got it). Cleared after one use.
   */
  onMessagePost: (() => Promise<void>) | undefined;
  close(): Promise<void>;
}

/** A message post, or a forum post (a thread with its first message). */
const MESSAGE_POST = /^\/api\/v\d+\/channels\/\d+\/(messages|threads)$/;

export async function startWireTap(upstreamApi: string): Promise<WireTap> {
  const upstream = new URL(upstreamApi);
  const tap: WireTap = {
    api: '',
    onMessageCreated: undefined,
    onMessagePost: undefined,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(request.headers)) {
          if (typeof value === 'string' && name !== 'host' && name !== 'connection') headers.set(name, value);
        }
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const dropHook = tap.onMessagePost;
        if (dropHook && request.method === 'POST' && MESSAGE_POST.test(request.url ?? '')) {
          tap.onMessagePost = undefined;
          await dropHook();
          response.destroy();
          return;
        }
        const answer = await fetch(new URL(request.url ?? '/', upstream.origin), {
          method: request.method ?? 'GET',
          headers,
          ...(body && { body }),
        });
        const payload = Buffer.from(await answer.arrayBuffer());
        const hook = tap.onMessageCreated;
        if (hook && request.method === 'POST' && MESSAGE_POST.test(request.url ?? '') && answer.ok) {
          tap.onMessageCreated = undefined;
          await hook();
        }
        if (response.destroyed || request.socket.destroyed) return;
        const relayed: Record<string, string> = {};
        answer.headers.forEach((value, name) => {
          if (name !== 'content-encoding' && name !== 'content-length' && name !== 'transfer-encoding') {
            relayed[name] = value;
          }
        });
        response.writeHead(answer.status, relayed);
        response.end(payload);
      })().catch(() => {
        if (!response.headersSent && !response.destroyed) {
          response.writeHead(502);
          response.end();
        }
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tap.api = `http://127.0.0.1:${(server.address() as AddressInfo).port}${upstream.pathname}`;
  return tap;
}
