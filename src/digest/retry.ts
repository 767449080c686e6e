import type { Logger } from 'pino';

import type { DeliveryResult } from './delivery.ts';

export interface RetryPolicy {
  /** Attempts in all for a retryable failure (5xx, network, rate limit), including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A rate limit longer than this is not waited out: the run fails (transiently) instead. */
  maxRateLimitWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 2_000,
  maxDelayMs: 30_000,
  maxRateLimitWaitMs: 60_000,
};

/** The runner is stopping: the run stays claimed and resumes at the next start. */
export class StoppedWhileRetrying extends Error {
  override name = 'StoppedWhileRetrying';
}

export interface RetryContext {
  policy: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  stopping: () => boolean;
  log: Logger;
}

/** Exponential backoff (×4) for retryable failures, never shorter than a rate limit asks; stops on drain. */
export async function deliverWithRetry(
  attempt: () => Promise<DeliveryResult>,
  { policy, sleep, stopping, log }: RetryContext,
): Promise<DeliveryResult> {
  for (let attemptNumber = 1; ; attemptNumber++) {
    const result = await attempt();
    if (result.ok || !result.retryable || attemptNumber >= policy.attempts) return result;
    const rateLimitMs = result.retryAfterMs ?? 0;
    if (rateLimitMs > policy.maxRateLimitWaitMs) return result;
    if (stopping()) throw new StoppedWhileRetrying();
    const delayMs = Math.max(
      rateLimitMs,
      Math.min(policy.maxDelayMs, policy.baseDelayMs * 4 ** (attemptNumber - 1)),
    );
    log.warn(
      { problem: result.problem, attempt: attemptNumber, delayMs },
      'digest delivery failed, retrying',
    );
    await sleep(delayMs);
    if (stopping()) throw new StoppedWhileRetrying();
  }
}
