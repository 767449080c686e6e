import { createHash } from 'node:crypto';
import type { Clock } from './clock.ts';
import type { EmulatorConfig } from './types.ts';

/** A scripted 429: the next `count` matching requests are rate limited (no violation: it is injected). */
export interface ForcedRateLimit {
  /** Route template (`/channels/:channel_id/messages`) or a RegExp tested against template and path. */
  route: string | RegExp;
  method?: string;
  count?: number;
  retryAfterMs?: number;
  global?: boolean;
  scope?: 'user' | 'shared';
}

export interface RateLimitDecision {
  headers: Record<string, string>;
  /** Set when the request must be answered with 429. */
  limited?: { retryAfterMs: number; global: boolean; forced: boolean; scope: 'user' | 'shared' };
}

interface Bucket {
  count: number;
  resetAt: number;
}

/** 429s the emulator answered, by cause. */
export interface RateLimitCounts {
  /** Past the bot's global limit (all processes together): the bot's fault, also a `rate-limit` violation. */
  global: number;
  /** Past a route bucket's advertised `remaining`: also a `rate-limit` violation. */
  route: number;
  /** Scripted by a test (`emu.rateLimit`). */
  forced: number;
}

/** Routes Discord leaves out of the global limit: interaction callbacks and interaction webhooks. */
const GLOBAL_EXEMPT = /^\/(interactions|webhooks)\//;

/**
 * Per-route buckets that advertise realistic `x-ratelimit-*` headers. A bot that keeps sending after the
 * advertised `remaining` hit 0 gets a 429 (recorded as a `rate-limit` violation by the REST layer).
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly forced: Array<Required<Omit<ForcedRateLimit, 'method'>> & { method?: string }> = [];
  /** Discord's global limit as a token bucket: `limit` tokens, refilled at `limit` per `windowMs`. */
  private global: { tokens: number; at: number } | null = null;
  readonly counts: RateLimitCounts = { global: 0, route: 0, forced: 0 };

  constructor(
    private readonly clock: Clock,
    private readonly config: () => EmulatorConfig,
  ) {}

  force(spec: ForcedRateLimit): void {
    this.forced.push({
      route: spec.route,
      method: spec.method?.toUpperCase(),
      count: spec.count ?? 1,
      retryAfterMs: spec.retryAfterMs ?? 250,
      global: spec.global ?? false,
      scope: spec.scope ?? 'user',
    });
  }

  clearForced(): void {
    this.forced.length = 0;
  }

  /**
   * The bot's global limit, shared by every process that uses its token. Null when the request may go on;
   * otherwise the 429 to answer (Discord sends `retry_after` and `X-RateLimit-Global`, no bucket headers).
   */
  checkGlobal(route: string): RateLimitDecision | null {
    const global = this.config().globalRateLimit;
    if (!global || GLOBAL_EXEMPT.test(route)) return null;
    const now = this.clock.now();
    const perMs = global.limit / global.windowMs;
    const bucket = this.global ?? { tokens: global.limit, at: now };
    bucket.tokens = Math.min(global.limit, bucket.tokens + Math.max(0, now - bucket.at) * perMs);
    bucket.at = now;
    this.global = bucket;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return null;
    }
    this.counts.global++;
    const retryAfterMs = Math.max(1, Math.ceil((1 - bucket.tokens) / perMs));
    return {
      headers: {
        'retry-after': (retryAfterMs / 1000).toFixed(3),
        'x-ratelimit-global': 'true',
        'x-ratelimit-scope': 'global',
      },
      limited: { retryAfterMs, global: true, forced: false, scope: 'user' },
    };
  }

  check(method: string, route: string, path: string, majorParameter: string): RateLimitDecision {
    const { limit, windowMs } = this.config().rateLimit;
    const hash = createHash('sha1').update(`${method} ${route}`).digest('hex').slice(0, 16);
    const now = this.clock.now();

    const forced = this.forced.find(
      (f) =>
        f.count > 0 &&
        (!f.method || f.method === method) &&
        (typeof f.route === 'string' ? f.route === route : f.route.test(route) || f.route.test(path)),
    );
    if (forced) {
      forced.count--;
      this.counts.forced++;
      const seconds = forced.retryAfterMs / 1000;
      return {
        headers: {
          'retry-after': seconds.toFixed(3),
          'x-ratelimit-limit': String(limit),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': ((now + forced.retryAfterMs) / 1000).toFixed(3),
          'x-ratelimit-reset-after': seconds.toFixed(3),
          'x-ratelimit-bucket': hash,
          'x-ratelimit-scope': forced.scope,
          ...(forced.global ? { 'x-ratelimit-global': 'true' } : {}),
        },
        limited: {
          retryAfterMs: forced.retryAfterMs,
          global: forced.global,
          forced: true,
          scope: forced.scope,
        },
      };
    }

    const key = `${hash}:${majorParameter}`;
    let bucket = this.buckets.get(key);
    if (!bucket || now >= bucket.resetAt) {
      bucket = { count: 0, resetAt: now + windowMs };
      this.buckets.set(key, bucket);
    }
    const resetAfterMs = Math.max(0, bucket.resetAt - now);
    const base = {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-reset': (bucket.resetAt / 1000).toFixed(3),
      'x-ratelimit-reset-after': (resetAfterMs / 1000).toFixed(3),
      'x-ratelimit-bucket': hash,
    };
    if (bucket.count >= limit) {
      this.counts.route++;
      return {
        headers: {
          ...base,
          'x-ratelimit-remaining': '0',
          'retry-after': (resetAfterMs / 1000).toFixed(3),
          'x-ratelimit-scope': 'user',
        },
        limited: { retryAfterMs: resetAfterMs, global: false, forced: false, scope: 'user' },
      };
    }
    bucket.count++;
    return { headers: { ...base, 'x-ratelimit-remaining': String(limit - bucket.count) } };
  }
}
