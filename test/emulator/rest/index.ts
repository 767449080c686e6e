import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, DiscordErrors } from '../errors.ts';
import { parseBody, Router, sendJson, type UploadedFile } from '../http.ts';
import type { RateLimiter } from '../ratelimit.ts';
import type { RecordedRequest } from '../types.ts';
import { registerChannelRoutes } from './channels.ts';
import { registerCommandRoutes } from './commands.ts';
import type { RestContext, RestRequest, RestResult, RouteHandler } from './context.ts';
import { registerInteractionRoutes } from './interactions.ts';
import { registerMiscRoutes } from './misc.ts';
import { registerThreadRoutes } from './threads.ts';

export interface RestDeps extends RestContext {
  token: () => string;
  rateLimiter: RateLimiter;
  /** Non-null while `emu.outage(true)` is on. */
  outage: () => { status: number } | null;
  /** Milliseconds to hold the answer of a handled request back (`emu.delayResponses`); 0 for none. */
  responseDelay: (method: string, route: string) => number;
}

const API_PREFIX = '/api/v10';

export function buildRouter(): Router<RouteHandler> {
  const router = new Router<RouteHandler>();
  registerMiscRoutes(router);
  registerChannelRoutes(router);
  registerThreadRoutes(router);
  registerInteractionRoutes(router);
  registerCommandRoutes(router);
  return router;
}

function majorParameter(route: string, params: Record<string, string>): string {
  if (params.channel_id) return `channel:${params.channel_id}`;
  if (params.guild_id) return `guild:${params.guild_id}`;
  if (params.interaction_token) return `webhook:${params.application_id ?? ''}:${params.interaction_token}`;
  return `global:${route}`;
}

/** The HTTP request listener for everything under `/api`. */
export function createRestListener(deps: RestDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const router = buildRouter();
  return (req, res) => {
    handle(deps, router, req, res).catch((error: unknown) => {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      deps.recorder.violation({
        kind: 'rejected',
        reason: `emulator crashed handling ${req.method} ${req.url}: ${text}`,
        status: 500,
      });
      if (!res.headersSent) sendJson(res, 500, { message: '500: Internal Server Error', code: 0 });
      else res.end();
    });
  };
}

async function handle(
  deps: RestDeps,
  router: Router<RouteHandler>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://localhost');
  const at = deps.clock.now();
  const seq = deps.recorder.nextRequestSeq();
  const fullPath = url.pathname;
  const path = fullPath.startsWith(`${API_PREFIX}/`) ? fullPath.slice(API_PREFIX.length) : fullPath;
  const query: Record<string, string> = Object.fromEntries(url.searchParams.entries());
  const authHeader = req.headers.authorization;
  const auth: RecordedRequest['auth'] =
    authHeader === undefined ? 'none' : authHeader === `Bot ${deps.token()}` ? 'bot' : 'invalid';

  let route = '(unknown)';
  let body: unknown = undefined;
  let files: UploadedFile[] = [];
  let contentType: string | undefined = req.headers['content-type'];
  let interactionId: string | undefined;

  const finish = (status: number, responseBody: unknown, headers: Record<string, string> = {}) => {
    sendJson(res, status, responseBody, headers);
    deps.recorder.request({
      seq,
      at,
      method,
      path,
      route,
      query,
      auth,
      contentType,
      body,
      files: files.map(({ data: _data, ...meta }) => meta),
      status,
      response: responseBody,
    });
  };

  const reject = (
    error: ApiError,
    kind: 'rejected' | 'unknown-route' | 'rate-limit' = 'rejected',
    headers: Record<string, string> = {},
  ) => {
    deps.recorder.violation({
      kind,
      reason: error.reason,
      method,
      route,
      path,
      status: error.status,
      code: error.body.code,
      body,
      ...(error.body.errors ? { errors: error.body.errors } : {}),
      ...(interactionId ? { interactionId } : {}),
    });
    finish(error.status, error.body, headers);
  };

  try {
    const parsed = await parseBody(req);
    body = parsed.body;
    files = parsed.files;
    contentType = parsed.contentType;
  } catch (error) {
    if (error instanceof ApiError) return reject(error);
    throw error;
  }

  if (!fullPath.startsWith(`${API_PREFIX}/`)) {
    return reject(
      DiscordErrors.notFound(`${method} ${fullPath}: not under ${API_PREFIX} (discord.js must use API v10)`),
      'unknown-route',
    );
  }

  const outage = deps.outage();
  if (outage) {
    return finish(outage.status, {
      message: `${outage.status}: ${outage.status === 502 ? 'Bad Gateway' : 'Service Unavailable'}`,
      code: 0,
    });
  }

  const match = router.match(method, path);
  if (match === undefined)
    return reject(DiscordErrors.notFound(`no route for ${method} ${path}`), 'unknown-route');
  if (match === 'method')
    return reject(DiscordErrors.methodNotAllowed(`${method} is not allowed on ${path}`), 'unknown-route');
  route = match.route;

  if (match.auth && auth !== 'bot') {
    return reject(
      DiscordErrors.unauthorized(auth === 'none' ? 'missing Authorization header' : 'invalid bot token'),
    );
  }

  const globalLimit = auth === 'bot' ? deps.rateLimiter.checkGlobal(route) : null;
  if (globalLimit?.limited) {
    const { retryAfterMs } = globalLimit.limited;
    const limit = deps.config().globalRateLimit;
    const retryBody = {
      message: 'You are being rate limited.',
      retry_after: retryAfterMs / 1000,
      global: true,
    };
    const error = new ApiError(
      429,
      { ...retryBody, code: 0 },
      `global rate limit exceeded on ${method} ${route} (${limit?.limit} requests per ${limit?.windowMs} ms for the bot, all processes together)`,
    );
    return reject(error, 'rate-limit', globalLimit.headers);
  }

  let rateHeaders: Record<string, string> = {};
  if (!route.startsWith('/interactions/')) {
    const decision = deps.rateLimiter.check(method, route, path, majorParameter(route, match.params));
    rateHeaders = decision.headers;
    if (decision.limited) {
      const limited = decision.limited;
      const retryBody = {
        message: 'You are being rate limited.',
        retry_after: limited.retryAfterMs / 1000,
        global: limited.global,
      };
      if (limited.forced) return finish(429, retryBody, rateHeaders);
      const error = new ApiError(
        429,
        { ...retryBody, code: 0 },
        `rate limit exceeded on ${method} ${route} (bucket of ${deps.config().rateLimit.limit})`,
      );
      return reject(error, 'rate-limit', rateHeaders);
    }
  }

  const restRequest: RestRequest = {
    method,
    path,
    route,
    params: match.params,
    query: url.searchParams,
    body,
    files,
  };
  let result: RestResult;
  try {
    result = await match.handler(deps, restRequest);
  } catch (error) {
    interactionId = restRequest.interactionId;
    if (error instanceof ApiError) return reject(error, 'rejected', rateHeaders);
    throw error;
  }
  // A slow Discord: the request has taken effect (a message exists), only its answer is late.
  const delayMs = deps.responseDelay(method, route);
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  finish(result.status, result.body, { ...rateHeaders, ...result.headers });
}
