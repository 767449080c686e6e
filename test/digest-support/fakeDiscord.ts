/**
 * A tiny Discord REST fake on loopback, just enough for digests: create messages (with `enforce_nonce`
 * dedupe, as Discord does for the same author and nonce), open DM channels, and fail on demand with the
 * errors digests must handle. It speaks HTTP, so the real @discordjs/rest client is exercised.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMessage {
  id: string;
  channelId: string;
  nonce: string | null;
  content: string;
  embeds: unknown[];
  allowedMentions: unknown;
  body: Record<string, unknown>;
}

export interface FakeRequest {
  method: string;
  path: string;
  body: unknown;
}

export type FakeFailure =
  | { kind: 'error'; status: number; code: number; message: string }
  | { kind: 'server-error'; status: number }
  | { kind: 'rate-limit'; retryAfterSeconds: number }
  /** The message is created, but the response is lost (answered 503): the client cannot know it worked. */
  | { kind: 'lose-response' };

export const FAILURES = {
  missingPermissions: { kind: 'error', status: 403, code: 50013, message: 'Missing Permissions' },
  missingAccess: { kind: 'error', status: 403, code: 50001, message: 'Missing Access' },
  unknownChannel: { kind: 'error', status: 404, code: 10003, message: 'Unknown Channel' },
  cannotDm: { kind: 'error', status: 403, code: 50007, message: 'Cannot send messages to this user' },
  unavailable: { kind: 'server-error', status: 503 },
  loseResponse: { kind: 'lose-response' },
} as const satisfies Record<string, FakeFailure>;

export interface FakeDiscord {
  /** Pass as `new REST({ api: fake.api })`. */
  api: string;
  messages: FakeMessage[];
  requests: FakeRequest[];
  /** Fails the next `times` message posts to the channel (every post when times is omitted). */
  failChannel(channelId: string, failure: FakeFailure, times?: number): void;
  clearFailures(): void;
  /** Posting into this user's DM channel answers 50007. */
  closeDms(userId: string): void;
  dmChannelOf(userId: string): string;
  /** Awaited after a message is created and before it is answered (a test can kill the poster here). */
  onMessageCreated: ((message: FakeMessage) => void | Promise<void>) | undefined;
  messagesIn(channelId: string): FakeMessage[];
  messagesWithNonce(nonce: string): FakeMessage[];
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeDiscord(): Promise<FakeDiscord> {
  const failures = new Map<string, { failure: FakeFailure; remaining: number }>();
  const closedDms = new Set<string>();
  const dmChannels = new Map<string, string>();
  const byNonce = new Map<string, FakeMessage>();
  let nextId = 1_200_000_000_000_000_000n;
  const snowflake = () => String(nextId++);

  const fake: FakeDiscord = {
    api: '',
    messages: [],
    requests: [],
    failChannel(channelId, failure, times = Number.POSITIVE_INFINITY) {
      failures.set(channelId, { failure, remaining: times });
    },
    clearFailures() {
      failures.clear();
    },
    closeDms(userId) {
      closedDms.add(userId);
    },
    dmChannelOf(userId) {
      let channelId = dmChannels.get(userId);
      if (!channelId) {
        channelId = snowflake();
        dmChannels.set(userId, channelId);
      }
      return channelId;
    },
    onMessageCreated: undefined,
    messagesIn(channelId) {
      return fake.messages.filter((message) => message.channelId === channelId);
    },
    messagesWithNonce(nonce) {
      return fake.messages.filter((message) => message.nonce === nonce);
    },
    reset() {
      fake.messages.length = 0;
      fake.requests.length = 0;
      failures.clear();
      closedDms.clear();
      byNonce.clear();
      fake.onMessageCreated = undefined;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  function takeFailure(channelId: string): FakeFailure | undefined {
    const entry = failures.get(channelId);
    if (!entry || entry.remaining <= 0) return undefined;
    entry.remaining--;
    return entry.failure;
  }

  function dmOwner(channelId: string): string | undefined {
    for (const [userId, dm] of dmChannels) if (dm === channelId) return userId;
    return undefined;
  }

  async function createMessage(channelId: string, body: Record<string, unknown>) {
    const failure = takeFailure(channelId);
    const owner = dmOwner(channelId);
    if (owner && closedDms.has(owner)) return { status: 403, json: errorBody(FAILURES.cannotDm) };
    if (failure?.kind === 'error') return { status: failure.status, json: errorBody(failure) };
    if (failure?.kind === 'server-error') return { status: failure.status, text: 'upstream unavailable' };
    if (failure?.kind === 'rate-limit') {
      return {
        status: 429,
        json: {
          message: 'You are being rate limited.',
          retry_after: failure.retryAfterSeconds,
          global: false,
        },
        headers: { 'retry-after': String(failure.retryAfterSeconds), 'x-ratelimit-scope': 'user' },
      };
    }

    const nonce =
      typeof body.nonce === 'string' || typeof body.nonce === 'number' ? String(body.nonce) : null;
    // Discord: with enforce_nonce, a nonce seen recently from the same author returns that message.
    const existing = nonce !== null && body.enforce_nonce === true ? byNonce.get(nonce) : undefined;
    if (existing) return { status: 200, json: toApiMessage(existing) };

    const message: FakeMessage = {
      id: snowflake(),
      channelId,
      nonce,
      content: typeof body.content === 'string' ? body.content : '',
      embeds: Array.isArray(body.embeds) ? body.embeds : [],
      allowedMentions: body.allowed_mentions,
      body,
    };
    fake.messages.push(message);
    if (nonce !== null) byNonce.set(nonce, message);
    await fake.onMessageCreated?.(message);
    if (failure?.kind === 'lose-response') return { status: 503, text: 'response lost' };
    return { status: 200, json: toApiMessage(message) };
  }

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const path = (request.url ?? '').split('?')[0] ?? '';
        const text = Buffer.concat(chunks).toString('utf8');
        const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        fake.requests.push({ method: request.method ?? '', path, body });

        let result: { status: number; json?: unknown; text?: string; headers?: Record<string, string> };
        const messagesRoute = /^\/api\/v10\/channels\/(\d+)\/messages$/.exec(path);
        if (!request.headers.authorization?.startsWith('Bot ')) {
          result = { status: 401, json: { message: '401: Unauthorized', code: 0 } };
        } else if (request.method === 'POST' && messagesRoute) {
          result = await createMessage(messagesRoute[1]!, body);
        } else if (request.method === 'POST' && path === '/api/v10/users/@me/channels') {
          const userId = String(body.recipient_id);
          result = {
            status: 200,
            json: { id: fake.dmChannelOf(userId), type: 1, recipients: [{ id: userId }] },
          };
        } else {
          result = { status: 404, json: { message: '404: Not Found', code: 0 } };
        }
        if (response.destroyed) return;
        const payload = result.json !== undefined ? JSON.stringify(result.json) : (result.text ?? '');
        response.writeHead(result.status, {
          'content-type': result.json !== undefined ? 'application/json' : 'text/plain',
          ...result.headers,
        });
        response.end(payload);
      })().catch((error: unknown) => {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(String(error));
      });
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  return fake;
}

function errorBody(failure: { code: number; message: string }) {
  return { message: failure.message, code: failure.code };
}

function toApiMessage(message: FakeMessage) {
  return {
    id: message.id,
    channel_id: message.channelId,
    content: message.content,
    embeds: message.embeds,
    nonce: message.nonce ?? undefined,
    type: 0,
  };
}
