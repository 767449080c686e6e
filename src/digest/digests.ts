/**
 * The digest module assembled: store, delivery port and engine in; runner, scheduler and the read side
 * (status, preview) out. Front ends wire a delivery and call this; nothing here knows the platform.
 */
import type { Logger } from 'pino';

import type { Article } from '../articles/article.ts';
import type { DigestTargetRef, DigestTargetSettings, Store } from '../store/types.ts';
import type { DigestDelivery } from './delivery.ts';
import type { CrashPointName, RunReport } from './protocol.ts';
import type { RetryPolicy } from './retry.ts';
import { loadFeedback, type FeedbackWeights } from './feedback.ts';
import { DigestRunner } from './runner.ts';
import { DigestScheduler, type TickReport } from './scheduler.ts';
import { DIGEST_MAX_WINDOW_MS, previewDigestAt, type DigestEngine } from './selection.ts';
import { readDigestStatus, readServerStatus, type DigestStatus } from './status.ts';

export interface DigestModuleOptions {
  store: Store;
  delivery: DigestDelivery;
  /** The engine as it is now: read at every run, since the library may be swapped. */
  engine: () => DigestEngine;
  /** The digests' only clock; tests inject one. */
  now: () => number;
  logger?: Logger;
  catchUpMs?: number;
  /** When node-cron wakes the scheduler; tests pass one that never fires and call `tick()` themselves. */
  cronExpression?: string;
  crashPoint?: (name: CrashPointName) => void;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  maxWindowMs?: number;
  /** Told of every finished run (metrics). */
  onRun?: (report: RunReport) => void;
  /** This process as the owner of its claims (default: host, pid, random). */
  claimOwner?: string;
  /** A claim not renewed for this long is taken over by another process (DIGEST_CLAIM_TIMEOUT_SECONDS). */
  claimTimeoutMs?: number;
}

export interface DigestModule {
  readonly store: Store;
  readonly runner: DigestRunner;
  readonly scheduler: DigestScheduler;
  /** Posts a digest for the target now, outside its schedule. */
  postNow(ref: DigestTargetRef): Promise<RunReport>;
  /** One digest's schedule, last run and last error (default the server's first); null when absent. */
  status(guildId: string, slot?: number): Promise<DigestStatus | null>;
  /** The same for every digest of the server. */
  serverStatus(guildId: string): Promise<DigestStatus[]>;
  /** What a run now would post: the runner's own selection, without posting or recording. */
  preview(target: DigestTargetSettings): Promise<Article[]>;
  /** What the server's readers' votes weigh now (re-ranks its digests and lists). */
  feedback(guildId: string): Promise<FeedbackWeights>;
  /** Resumes interrupted runs, catches up on what is due, then starts the ticker. */
  start(): Promise<TickReport>;
  /** Stops the ticker and waits for runs in flight. Does not close the store. */
  stop(): Promise<void>;
}

export function createDigestModule(options: DigestModuleOptions): DigestModule {
  const { store, now, engine } = options;
  const maxWindowMs = options.maxWindowMs ?? DIGEST_MAX_WINDOW_MS;
  const runner = new DigestRunner({
    store,
    delivery: options.delivery,
    engine,
    now,
    maxWindowMs,
    ...(options.logger && { logger: options.logger }),
    ...(options.crashPoint && { crashPoint: options.crashPoint }),
    ...(options.retry && { retry: options.retry }),
    ...(options.sleep && { sleep: options.sleep }),
    ...(options.onRun && { onRun: options.onRun }),
    ...(options.claimOwner !== undefined && { claimOwner: options.claimOwner }),
    ...(options.claimTimeoutMs !== undefined && { claimTimeoutMs: options.claimTimeoutMs }),
  });
  const scheduler = new DigestScheduler({
    store,
    runner,
    now,
    ...(options.logger && { logger: options.logger }),
    ...(options.catchUpMs !== undefined && { catchUpMs: options.catchUpMs }),
    ...(options.cronExpression !== undefined && { cronExpression: options.cronExpression }),
  });
  return {
    store,
    runner,
    scheduler,
    postNow: (ref) => runner.postNow(ref),
    status: (guildId, slot) => readDigestStatus(store, guildId, now(), slot),
    serverStatus: (guildId) => readServerStatus(store, guildId, now()),
    preview: (target) => previewDigestAt(store, engine(), target, now(), { maxWindowMs }),
    feedback: (guildId) => loadFeedback(store, guildId, now()),
    start: () => scheduler.start(),
    stop: () => scheduler.stop(),
  };
}
