/**
 * One digest for one due time, exactly once: claim the run (a row unique per target and due time), select
 * and record the content before anything is posted, deliver it with a nonce derived from the run (a
 * repeated post returns the existing message), then record the message and the sent articles in one
 * transaction. A process that dies anywhere in between resumes the claimed run with the same content;
 * once its post had started, the resume first looks for that post (the platform keeps nonces only for
 * minutes, an outage may last hours) and records the message it finds instead of posting again.
 */
import type { Logger } from 'pino';

import type { Article } from '../articles/article.ts';
import {
  targetKey,
  type DigestRun,
  type DigestTargetRef,
  type DigestTargetSettings,
  type PauseReason,
  type RunProblem,
  type RunState,
  type SentArticle,
  type Store,
} from '../store/types.ts';
import { digestContent, parseDigestContent, type DigestContent } from './content.ts';
import type { DeliveryFailure, DeliveryTarget, DigestDelivery } from './delivery.ts';
import { digestNonce } from './nonce.ts';
import { deliverWithRetry, StoppedWhileRetrying, type RetryContext } from './retry.ts';
import { digestWindow, selectDigestArticles, type DigestEngine, type SelectionOptions } from './selection.ts';

/** Where a test process may be killed to prove a run survives it. */
export const CRASH_POINTS = [
  'after-claim',
  'after-select',
  'after-post-before-record',
  'after-record',
] as const;
export type CrashPointName = (typeof CRASH_POINTS)[number];

/** Final failures in a row (the platform refused the post) before the schedule is paused. */
export const FAILURES_BEFORE_PAUSE = 3;

export type RunOutcome =
  | { state: 'posted'; channelId: string; messageId: string; articleIds: string[]; resumed: boolean }
  | { state: 'empty' }
  | {
      state: 'failed';
      problem: RunProblem;
      /** Counted toward pausing (the platform refused), as opposed to an outage. */
      final: boolean;
      paused: boolean;
      pauseReason: PauseReason | null;
    }
  /** The run for this due time had already finished; nothing was done. */
  | { state: 'already-finished'; previous: RunState }
  /** Stopped while retrying; the run stays claimed and resumes at the next start. */
  | { state: 'interrupted' }
  /** The target no longer exists. */
  | { state: 'gone' };

export type RunReport = RunOutcome & { target: string; dueAt: number };

export interface ProtocolDeps {
  store: Store;
  delivery: DigestDelivery;
  engine: () => DigestEngine;
  now: () => number;
  log: Logger;
  retry: RetryContext;
  failuresBeforePause: number;
  selection: SelectionOptions;
  crashPoint?: ((name: CrashPointName) => void) | undefined;
}

interface Prepared {
  content: DigestContent;
  articles: SentArticle[];
}

/** Runs (or resumes, or ignores if already finished) the digest due at `dueAt`, covering up to `until`. */
export async function runDigest(
  deps: ProtocolDeps,
  ref: DigestTargetRef,
  dueAt: number,
  until: number,
): Promise<RunReport> {
  const { store, now } = deps;
  const key = targetKey(ref);
  const report = (outcome: RunOutcome): RunReport => ({ ...outcome, target: key, dueAt });
  const log = deps.log.child({ target: key, dueAt: new Date(dueAt).toISOString() });

  const target = await store.getTarget(ref);
  if (!target) return report({ state: 'gone' });

  const window = digestWindow(target, until, deps.selection.maxWindowMs);
  const { run, created } = await store.claimRun({
    target: ref,
    dueAt,
    nonce: digestNonce(key, dueAt),
    windowStart: window.since,
    windowEnd: window.until,
    now: now(),
  });
  if (run.state !== 'claimed') return report({ state: 'already-finished', previous: run.state });
  if (!created) log.warn({ runId: run.id }, 'resuming a digest run left claimed by a stopped process');
  deps.crashPoint?.('after-claim');

  let prepared: Prepared | null;
  try {
    prepared = run.preparedContent ? restore(deps, run, target) : await prepare(deps, run, target);
  } catch (error) {
    log.error({ err: error }, 'digest selection or preparation failed');
    const problem: RunProblem = { kind: 'internal-error' };
    const result = await store.finishRun({
      runId: run.id,
      state: 'failed',
      problem,
      countsTowardPause: false,
      pauseAfter: deps.failuresBeforePause,
      pauseReason: { kind: 'failures-in-a-row', count: deps.failuresBeforePause, last: problem },
      now: now(),
    });
    return report({
      state: 'failed',
      problem,
      final: false,
      paused: result.paused,
      pauseReason: result.pauseReason,
    });
  }
  if (!prepared) {
    await store.finishRun({ runId: run.id, state: 'empty', now: now() });
    log.info('nothing new for this digest');
    return report({ state: 'empty' });
  }
  deps.crashPoint?.('after-select');

  const to: DeliveryTarget =
    target.kind === 'guild'
      ? { kind: 'channel', channelId: run.channelId ?? target.channelId }
      : { kind: 'direct-message', userId: target.userId };
  // A stopped process may have posted, and Discord forgets nonces within minutes: look before posting.
  const earlier =
    run.postStartedAt !== null ? await findEarlierPost(deps, run, prepared.content, to, log) : null;
  let delivered;
  if (earlier) {
    delivered = { ok: true as const, ...earlier };
  } else {
    await store.markPostStarted(run.id, to.kind === 'channel' ? to.channelId : null, now());
    try {
      const content = prepared.content;
      delivered = await deliverWithRetry(() => deps.delivery.deliver(content, to), deps.retry);
    } catch (error) {
      if (error instanceof StoppedWhileRetrying) return report({ state: 'interrupted' });
      throw error;
    }
  }
  if (!delivered.ok) return report(await recordFailure(deps, run, target, delivered, log));
  deps.crashPoint?.('after-post-before-record');

  const { channelId, messageId } = delivered;
  await store.finishRun({ runId: run.id, state: 'posted', channelId, messageId, now: now() });
  log.info({ channelId, messageId, articles: prepared.articles.length }, 'digest posted');
  deps.crashPoint?.('after-record');
  return report({
    state: 'posted',
    channelId,
    messageId,
    articleIds: prepared.articles.map((article) => article.articleId),
    resumed: !created,
  });
}

/**
 * The message a stopped process posted for this run, if the platform shows it. When it cannot tell
 * ('unknown'), the post goes ahead with the run's nonce, which Discord still honours for a few minutes.
 */
async function findEarlierPost(
  deps: ProtocolDeps,
  run: DigestRun,
  content: DigestContent,
  to: DeliveryTarget,
  log: Logger,
): Promise<{ channelId: string; messageId: string } | null> {
  const found = await deps.delivery.findDelivered(content, to);
  if (found === 'unknown') {
    log.warn({ runId: run.id }, 'could not read the channel history; posting again, relying on the nonce');
    return null;
  }
  if (found)
    log.info({ runId: run.id, ...found }, 'the stopped process had posted this digest; recording it');
  else log.info({ runId: run.id }, 'the stopped process had not posted this digest; posting it');
  return found;
}

/** Selects what is new for the target and records it, as content, before anything is posted. */
async function prepare(
  deps: ProtocolDeps,
  run: DigestRun,
  target: DigestTargetSettings,
): Promise<Prepared | null> {
  const engine = deps.engine();
  const history = await deps.store.sentArticles(run.target);
  const window = { since: run.windowStart!, until: run.windowEnd! };
  const selected = await selectDigestArticles(engine, target, window, history, deps.selection);
  if (selected.length === 0) return null;

  const content = digestContent({
    runId: run.id,
    nonce: run.nonce,
    target,
    articles: selected,
    at: deps.now(),
  });
  const articles = selected.map((article) => ({ articleId: article.id, storyId: engine.storyOf(article) }));
  await deps.store.prepareRun({
    runId: run.id,
    channelId: target.kind === 'guild' ? target.channelId : null,
    articles,
    content: JSON.stringify(content),
  });
  return { content, articles };
}

/**
 * The content a claimed run recorded. A run prepared by an older build recorded a rendered message
 * instead: its content is rebuilt from the articles it recorded, so it still sends (and records) those.
 */
function restore(deps: ProtocolDeps, run: DigestRun, target: DigestTargetSettings): Prepared {
  const content = parseDigestContent(run.preparedContent!);
  if (content) return { content, articles: run.articles };
  const engine = deps.engine();
  const found = run.articles
    .map((sent) => engine.get(sent.articleId))
    .filter((article): article is Article => article !== undefined);
  if (found.length === 0) throw new Error(`Run ${run.id}: none of its recorded articles is in the library`);
  const rebuilt = digestContent({ runId: run.id, nonce: run.nonce, target, articles: found, at: run.dueAt });
  return { content: rebuilt, articles: run.articles };
}

async function recordFailure(
  deps: ProtocolDeps,
  run: DigestRun,
  target: DigestTargetSettings,
  failure: DeliveryFailure,
  log: Logger,
): Promise<RunOutcome> {
  let problem = failure.problem;
  let pauseNow: PauseReason | undefined;
  if (problem.kind === 'dms-closed' && target.kind === 'subscription') {
    const delivered = await deps.delivery.tellDmsClosed({
      userId: target.userId,
      topic: target.topic,
      channelId: target.originChannelId,
      nonce: digestNonce(targetKey(run.target), run.dueAt, 'dm-closed'),
    });
    if (!delivered)
      log.warn({ channelId: target.originChannelId }, 'could not tell the user their DMs are closed');
    problem = { ...problem, notice: { channelId: target.originChannelId, delivered } };
    pauseNow = { kind: 'dms-closed', userId: target.userId };
  }
  const counts = failure.refused || pauseNow !== undefined;
  const result = await deps.store.finishRun({
    runId: run.id,
    state: 'failed',
    problem,
    countsTowardPause: counts,
    pauseAfter: deps.failuresBeforePause,
    pauseReason: { kind: 'failures-in-a-row', count: deps.failuresBeforePause, last: failure.problem },
    ...(pauseNow !== undefined && { pauseNow }),
    now: deps.now(),
  });
  log[counts ? 'error' : 'warn'](
    { problem, paused: result.paused, failures: result.consecutiveFailures },
    'digest delivery failed',
  );
  return {
    state: 'failed',
    problem,
    final: counts,
    paused: result.paused,
    pauseReason: result.pauseReason,
  };
}
