import { FeedError } from './problems.ts';
import { isHttpUrl } from '../articles/normalize.ts';

export const FETCH_DEFAULTS = {
  timeoutMs: 10_000,
  maxBytes: 5 * 1024 * 1024,
  maxRedirects: 5,
} as const;

export interface FetchFeedOptions {
  fetch?: typeof fetch;
  /** For the whole exchange: every redirect and the body. */
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  /** Validators from the last successful fetch, sent as If-None-Match / If-Modified-Since. */
  etag?: string;
  lastModified?: string;
  /** The clock for Retry-After dates. */
  now?: number;
  /** Aborts the exchange from outside (the bot shutting down): a FeedError with code `aborted`. */
  signal?: AbortSignal;
}

export type FetchedFeed =
  | {
      status: 'ok';
      /** Where the body came from after redirects. */
      url: string;
      bytes: Uint8Array;
      contentType: string | null;
      etag?: string;
      lastModified?: string;
    }
  | { status: 'not-modified'; url: string };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5';

/** A Retry-After header (seconds or an HTTP date) as an instant, or null. */
export function retryAfterOf(header: string | null, now: number): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return now + seconds * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? at : null;
}

/** An HTTP failure that tells when to come back (429 and 503 with Retry-After). */
export class HttpStatusError extends FeedError {
  constructor(
    readonly statusCode: number,
    readonly retryAt: number | null,
  ) {
    super('http-status', `the server answered HTTP ${statusCode}`);
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new FeedError('too-large', `the feed is over the ${Math.round(maxBytes / 1024)} KiB limit`);
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function describeNetworkError(error: unknown, stopped: boolean): FeedError {
  if (stopped) return new FeedError('aborted', 'the import was stopped before this feed was read');
  if (error instanceof FeedError) return error;
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError')
    return new FeedError('timeout', 'the server did not answer in time');
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  const detail = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new FeedError('network', `the feed could not be fetched: ${detail}`);
}

/**
 * GET a feed with Node's fetch: only http(s), redirects followed by hand (so each hop is checked and
 * counted, and a loop is recognised), one deadline for the whole exchange, the body counted as it
 * streams and refused past the cap. Throws a FeedError with a code; never hangs past the deadline.
 */
export async function fetchFeed(url: string, options: FetchFeedOptions = {}): Promise<FetchedFeed> {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? FETCH_DEFAULTS.timeoutMs;
  const maxBytes = options.maxBytes ?? FETCH_DEFAULTS.maxBytes;
  const maxRedirects = options.maxRedirects ?? FETCH_DEFAULTS.maxRedirects;
  if (!isHttpUrl(url)) throw new FeedError('not-http', `${url} is not an http(s) URL`);

  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  const headers: Record<string, string> = {
    accept: ACCEPT,
    'user-agent': 'Broadsheet feed importer',
  };
  if (options.etag) headers['if-none-match'] = options.etag;
  if (options.lastModified) headers['if-modified-since'] = options.lastModified;

  const visited = new Set<string>();
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      visited.add(current);
      const response = await doFetch(current, { headers, redirect: 'manual', signal });
      if (REDIRECTS.has(response.status)) {
        await response.body?.cancel().catch(() => undefined);
        const location = response.headers.get('location');
        if (!location) throw new FeedError('bad-redirect', `HTTP ${response.status} without a Location`);
        let next: string;
        try {
          next = new URL(location, current).href;
        } catch {
          throw new FeedError('bad-redirect', `redirect to an invalid URL ${JSON.stringify(location)}`);
        }
        if (!isHttpUrl(next)) throw new FeedError('bad-redirect', `redirect to ${next}: not http(s)`);
        if (visited.has(next)) throw new FeedError('redirect-loop', `redirect loop back to ${next}`);
        if (hop + 1 > maxRedirects)
          throw new FeedError('too-many-redirects', `more than ${maxRedirects} redirects`);
        current = next;
        continue;
      }
      if (response.status === 304) {
        await response.body?.cancel().catch(() => undefined);
        return { status: 'not-modified', url: current };
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw new HttpStatusError(
          response.status,
          retryAfterOf(response.headers.get('retry-after'), options.now ?? Date.now()),
        );
      }
      const bytes = await readCapped(response, maxBytes);
      const etag = response.headers.get('etag');
      const lastModified = response.headers.get('last-modified');
      return {
        status: 'ok',
        url: current,
        bytes,
        contentType: response.headers.get('content-type'),
        ...(etag ? { etag } : {}),
        ...(lastModified ? { lastModified } : {}),
      };
    }
  } catch (error) {
    throw describeNetworkError(deadline.aborted ? deadline.reason : error, Boolean(options.signal?.aborted));
  }
}
