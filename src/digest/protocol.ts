/**
 * One digest for one due time, exactly once: claim the run (a row unique per target and due time), select
 * and record the content before anything is posted, deliver it with a nonce derived from the run (a
 * repeated post returns the existing message), then record the message and the sent articles in one
 * transaction. A process that dies anywhere in between resumes the claimed run with the same content;
 * once its post had started, the resume first looks for that post (the platform keeps nonces only for
 * minutes, an outage may last hours) and records the message it finds instead of posting again.
 *
 * Several processes may share the store: a claim is a lease (`lease.ts`) renewed while the run is worked
 * on, and every write after the claim is fenced by its owner, so a process that lost its claim (it stalled
 * past the lease and another took over) writes nothing and posts nothing.
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
import type { DeliveryFailure, DeliveryResult, DeliveryTarget, DigestDelivery } from './delivery.ts';
import { feedbackWhy } from './feedback.ts';
import { holdLease, type ClaimSettings, type HeldLease } from './lease.ts';
import { digestNonce } from './nonce.ts';
import { deliverWithRetry, StoppedWhileRetrying, type RetryContext } from './retry.ts';
import {
  digestWindow,
  exclusionHistory,
  feedbackFor,
  selectDigestArticles,
  type DigestEngine,
  type SelectionOptions,
} from './selection.ts';

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
  /** Stopped while retrying; the run stays claimed (its lease released) and the next start resumes it. */
  | { state: 'interrupted' }
  /**
   * Another live process holds the claim on this run and finishes it; nothing was done here. Its claim
   * holds until `leaseUntil` unless renewed; if it is not, the run is taken over after that.
   */
  | { state: 'claimed-elsewhere'; owner: string | null; leaseUntil: number }
  /** This process lost its claim mid-run (it stalled past the lease); the process that took over finishes. */
  | { state: 'claim-lost' }
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
  claim: ClaimSettings;
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
  const claimed = await store.claimRun({
    target: ref,
    dueAt,
    nonce: digestNonce(key, dueAt),
    windowStart: window.since,
    windowEnd: window.until,
    now: now(),
    owner: deps.claim.owner,
    leaseUntil: now() + deps.claim.timeoutMs,
  });
  const { run } = claimed;
  if (run.state !== 'claimed') return report({ state: 'already-finished', previous: run.state });
  if (!claimed.acquired) {
    log.info({ runId: run.id, owner: run.claimedBy }, 'another process is running this digest; leaving it');
    return report({ state: 'claimed-elsewhere', owner: run.claimedBy, leaseUntil: run.leaseUntil });
  }
  if (claimed.takenOverFrom !== null) {
    log.warn(
      { runId: run.id, previousOwner: claimed.takenOverFrom },
      'taking over a digest run whose process stopped renewing its claim',
    );
  } else if (!claimed.created) {
    log.warn({ runId: run.id }, 'resuming a digest run left claimed by a stopped process');
  }
  const lease = holdLease(store, run.id, deps.claim, now, log);
  try {
    return report(await runClaimed(deps, run, target, claimed.created, lease, log));
  } finally {
    lease.stop();
  }
}

/** The steps after a successful claim, each write fenced by the claim's owner. */
async function runClaimed(
  deps: ProtocolDeps,
  run: DigestRun,
  target: DigestTargetSettings,
  created: boolean,
  lease: HeldLease,
  log: Logger,
): Promise<RunOutcome> {
  const { store, now } = deps;
  const owner = deps.claim.owner;
  deps.crashPoint?.('after-claim');

  let prepared: Prepared | null | 'claim-lost';
  try {
    prepared = run.preparedContent ? restore(deps, run, target) : await prepare(deps, run, target);
  } catch (error) {
    log.error({ err: error }, 'digest selection or preparation failed');
    const problem: RunProblem = { kind: 'internal-error' };
    const result = await store.finishRun({
      runId: run.id,
      owner,
      state: 'failed',
      problem,
      countsTowardPause: false,
      pauseAfter: deps.failuresBeforePause,
      pauseReason: { kind: 'failures-in-a-row', count: deps.failuresBeforePause, last: problem },
      now: now(),
    });
    if (!result.applied) return claimLost(log, run);
    return { state: 'failed', problem, final: false, paused: result.paused, pauseReason: result.pauseReason };
  }
  if (prepared === 'claim-lost') return claimLost(log, run);
  if (!prepared) {
    const result = await store.finishRun({ runId: run.id, owner, state: 'empty', now: now() });
    if (!result.applied) return claimLost(log, run);
    log.info('nothing new for this digest');
    return { state: 'empty' };
  }
  deps.crashPoint?.('after-select');

  const to: DeliveryTarget =
    target.kind === 'guild'
      ? {
          kind: 'channel',
          // A forum post records the post as its channel; the forum is where to post (and look) again.
          channelId: target.delivery === 'forum' ? target.channelId : (run.channelId ?? target.channelId),
          mode: target.delivery,
          guildId: target.guildId,
        }
      : { kind: 'direct-message', userId: target.userId };
  // A stopped process may have posted, and Discord forgets nonces within minutes: look before posting.
  const earlier =
    run.postStartedAt !== null ? await findEarlierPost(deps, run, prepared.content, to, log) : null;
  let delivered: DeliveryResult;
  if (earlier) {
    delivered = { ok: true as const, ...earlier };
  } else {
    const channelId = to.kind === 'channel' ? to.channelId : null;
    // From here a post may exist: a restart looks for it (the run reference) before posting again.
    if (!(await store.markPostStarted(run.id, channelId, now(), owner))) return claimLost(log, run);
    try {
      const content = prepared.content;
      // Retrying stops on a shutdown, and when the claim is lost: the new owner posts, not this process.
      const retry = { ...deps.retry, stopping: () => deps.retry.stopping() || lease.lost };
      delivered = await deliverWithRetry(() => deps.delivery.deliver(content, to), retry);
    } catch (error) {
      if (!(error instanceof StoppedWhileRetrying)) throw error;
      if (lease.lost) return claimLost(log, run);
      // Shutting down: let the claim lapse now so the next process resumes at once.
      await lease.release();
      return { state: 'interrupted' };
    }
  }
  if (!delivered.ok) return recordFailure(deps, run, target, delivered, log);
  deps.crashPoint?.('after-post-before-record');

  const { channelId, messageId } = delivered;
  if (delivered.warning) log.warn({ problem: delivered.warning }, 'digest posted, but not all of it');
  const finished = await store.finishRun({
    runId: run.id,
    owner,
    state: 'posted',
    channelId,
    messageId,
    ...(delivered.warning && { problem: delivered.warning }),
    now: now(),
  });
  if (!finished.applied) {
    // The process that took over finds this message by its run reference and records it.
    log.warn({ channelId, messageId, runId: run.id }, 'posted, but the claim had passed to another process');
    return { state: 'claim-lost' };
  }
  log.info({ channelId, messageId, articles: prepared.articles.length }, 'digest posted');
  deps.crashPoint?.('after-record');
  return {
    state: 'posted',
    channelId,
    messageId,
    articleIds: prepared.articles.map((article) => article.articleId),
    resumed: !created,
  };
}

function claimLost(log: Logger, run: DigestRun): RunOutcome {
  log.warn({ runId: run.id }, 'the claim on this digest run passed to another process; stopping here');
  return { state: 'claim-lost' };
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
): Promise<Prepared | null | 'claim-lost'> {
  const engine = deps.engine();
  const history = await exclusionHistory(deps.store, target);
  const window = { since: run.windowStart!, until: run.windowEnd! };
  const feedback = await feedbackFor(deps.store, target, deps.now());
  const selected = await selectDigestArticles(engine, target, window, history, {
    ...deps.selection,
    feedback,
  });
  if (selected.length === 0) return null;

  const content = digestContent({
    runId: run.id,
    nonce: run.nonce,
    target,
    articles: selected,
    at: deps.now(),
    why: (article) => feedbackWhy(feedback, article),
  });
  const articles = selected.map((article) => ({ articleId: article.id, storyId: engine.storyOf(article) }));
  const recorded = await deps.store.prepareRun({
    runId: run.id,
    owner: deps.claim.owner,
    channelId: target.kind === 'guild' ? target.channelId : null,
    articles,
    content: JSON.stringify(content),
  });
  return recorded ? { content, articles } : 'claim-lost';
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
    owner: deps.claim.owner,
    state: 'failed',
    problem,
    countsTowardPause: counts,
    pauseAfter: deps.failuresBeforePause,
    pauseReason: { kind: 'failures-in-a-row', count: deps.failuresBeforePause, last: failure.problem },
    ...(pauseNow !== undefined && { pauseNow }),
    now: deps.now(),
  });
  if (!result.applied) return claimLost(log, run);
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
