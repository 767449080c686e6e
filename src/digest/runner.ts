import { DiscordAPIError, HTTPError, RateLimitError, REST, type RESTOptions } from '@discordjs/rest';
import {
  Routes,
  type APIChannel,
  type APIMessage,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord-api-types/v10';
import { pino, type Logger } from 'pino';

import type { Article } from '../articles/article.ts';
import type { DigestQuery } from '../search/types.ts';
import {
  targetKey,
  type DigestRun,
  type DigestTargetRef,
  type DigestTargetSettings,
  type RunState,
  type SentArticle,
  type Store,
  type Subscription,
} from '../store/types.ts';
import { digestNonce } from './nonce.ts';
import { DAY_MS, formatLocal, nextDueAt } from '../time/localTime.ts';

/** Where a test process may be killed to prove a run survives it. */
export const CRASH_POINTS = [
  'after-claim',
  'after-select',
  'after-post-before-record',
  'after-record',
] as const;
export type CrashPointName = (typeof CRASH_POINTS)[number];

/** What `render` produces; the runner adds the nonce and the allowed mentions. */
export type DigestMessageBody = Omit<RESTPostAPIChannelMessageJSONBody, 'nonce' | 'enforce_nonce'>;

export interface RetryPolicy {
  /** Attempts in all for a transient failure (5xx, network, long rate limit), including the first. */
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

/** Final failures in a row (Discord refused the post) before the schedule is paused. */
export const FAILURES_BEFORE_PAUSE = 3;

/**
 * REST options for the digest's REST instance. @discordjs/rest retries 5xx and timeouts immediately and
 * waits out every 429; the runner adds exponential backoff on top, so the library gets one quick retry
 * for a blip (not three: 3 × our attempts would be a storm) and long rate limits are handed back to us.
 */
export const DIGEST_REST_OPTIONS = {
  retries: 1,
  timeout: 15_000,
  rejectOnRateLimit: (limit) => limit.retryAfter > DEFAULT_RETRY_POLICY.maxRateLimitWaitMs,
} satisfies Partial<RESTOptions>;

export function createDigestRest(token: string, options: Partial<RESTOptions> = {}): REST {
  return new REST({ ...DIGEST_REST_OPTIONS, ...options }).setToken(token);
}

export interface DigestRunnerDeps {
  store: Store;
  rest: REST;
  /** The engine's `library.selectDigest`. */
  select: (query: DigestQuery) => Article[] | Promise<Article[]>;
  /** The story an article belongs to, so one story is never sent twice to a target. */
  storyOf: (article: Article) => string;
  render: (articles: Article[], target: DigestTargetSettings) => DigestMessageBody;
  now: () => number;
  logger?: Logger;
  /** Called between steps; a test process kills itself here. */
  crashPoint?: (name: CrashPointName) => void;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  failuresBeforePause?: number;
  /** Articles in a personal digest. */
  subscriptionSize?: number;
  /** The longest window a digest covers, however long ago the last one was (e.g. after a long pause). */
  maxWindowMs?: number;
}

export type RunOutcome =
  | { state: 'posted'; channelId: string; messageId: string; articleIds: string[]; resumed: boolean }
  | { state: 'empty' }
  | { state: 'failed'; reason: string; final: boolean; paused: boolean; pauseReason: string | null }
  | { state: 'skipped'; reason: string }
  /** The run for this due time had already finished; nothing was done. */
  | { state: 'already-finished'; previous: RunState }
  /** Stopped while retrying; the run stays claimed and resumes at the next start. */
  | { state: 'interrupted' }
  /** The target no longer exists. */
  | { state: 'gone' };

export type RunReport = RunOutcome & { target: string; dueAt: number };

export interface DigestStatus {
  channelId: string;
  time: string;
  timeZone: string;
  paused: boolean;
  pauseReason: string | null;
  consecutiveFailures: number;
  /** Null while paused. */
  nextRunAt: number | null;
  nextRunLocal: string | null;
  lastRun: {
    state: RunState;
    dueAt: number;
    dueLocal: string;
    finishedAt: number | null;
    channelId: string | null;
    messageId: string | null;
    reason: string | null;
  } | null;
  lastError: { reason: string; at: number; atLocal: string } | null;
}

type Failure =
  | { kind: 'final'; reason: string }
  | { kind: 'dm-closed'; reason: string }
  | { kind: 'transient'; reason: string };

class StoppedWhileRetrying extends Error {
  override name = 'StoppedWhileRetrying';
}

const DISCORD_MISSING_ACCESS = 50001;
const DISCORD_MISSING_PERMISSIONS = 50013;
const DISCORD_UNKNOWN_CHANNEL = 10003;
const DISCORD_CANNOT_DM_USER = 50007;

function describeFailure(error: unknown, channelId: string | null, target: DigestTargetSettings): Failure {
  const channel = channelId ? `<#${channelId}>` : 'the digest channel';
  if (error instanceof DiscordAPIError) {
    if (error.status === 429 || error.status >= 500) {
      return { kind: 'transient', reason: `Discord was unavailable (HTTP ${error.status}).` };
    }
    // A rejected token concerns the whole bot, not this target: it must not pause every schedule.
    if (error.status === 401)
      return { kind: 'transient', reason: 'Discord rejected the bot token (HTTP 401).' };
    switch (Number(error.code)) {
      case DISCORD_MISSING_PERMISSIONS:
        return {
          kind: 'final',
          reason: `Missing permissions in ${channel}: the bot needs View Channel, Send Messages and Embed Links there.`,
        };
      case DISCORD_MISSING_ACCESS:
        return {
          kind: 'final',
          reason: `The bot cannot see ${channel} (missing access): give it View Channel or choose another channel.`,
        };
      case DISCORD_UNKNOWN_CHANNEL:
        return { kind: 'final', reason: `The channel ${channel} no longer exists: choose another channel.` };
      case DISCORD_CANNOT_DM_USER:
        if (target.kind === 'subscription') {
          return {
            kind: 'dm-closed',
            reason: `Cannot send DMs to <@${target.userId}> (their DMs are closed).`,
          };
        }
        return { kind: 'final', reason: `Discord refused to deliver to ${channel} (code 50007).` };
      default:
        return {
          kind: 'final',
          reason: `Discord refused the digest (HTTP ${error.status}, code ${String(error.code)}): ${error.message}`,
        };
    }
  }
  if (error instanceof HTTPError) {
    return { kind: 'transient', reason: `Discord had a server error (HTTP ${error.status}).` };
  }
  if (error instanceof RateLimitError) {
    return {
      kind: 'transient',
      reason: `Discord rate-limited the bot for ${Math.ceil(error.retryAfter / 1000)} s.`,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'transient', reason: `Could not reach Discord: ${message}` };
}

function isTransient(error: unknown): boolean {
  if (error instanceof DiscordAPIError) return error.status === 429 || error.status >= 500;
  return true;
}

function dmClosedNotice(subscription: Subscription): DigestMessageBody {
  return {
    content:
      `<@${subscription.userId}> I couldn't send your **${subscription.topic}** digest: your direct messages ` +
      'are closed to me. I paused that subscription. Allow direct messages from server members ' +
      '(Privacy Settings), then subscribe again to resume it.',
    allowed_mentions: { parse: [], users: [subscription.userId] },
  };
}

/**
 * Runs one digest for one due time, exactly once: claim the run (a row unique per target and due time),
 * select and render, record the prepared message, post it with a nonce derived from the run (Discord
 * returns the existing message for a repeated nonce), then record the message and the sent articles in one
 * transaction. A process that dies anywhere in between resumes the claimed run with the same message.
 */
export class DigestRunner {
  readonly #deps: DigestRunnerDeps;
  readonly #log: Logger;
  readonly #retry: RetryPolicy;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #failuresBeforePause: number;
  readonly #subscriptionSize: number;
  readonly #maxWindowMs: number;
  /** One run at a time per target, so a "post now" and a scheduled run cannot pick the same articles. */
  readonly #targetLocks = new Map<string, Promise<unknown>>();
  readonly #inFlight = new Set<Promise<unknown>>();
  #stopping = false;

  constructor(deps: DigestRunnerDeps) {
    this.#deps = deps;
    this.#log = deps.logger ?? pino({ level: 'silent' });
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...deps.retry };
    this.#sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#failuresBeforePause = deps.failuresBeforePause ?? FAILURES_BEFORE_PAUSE;
    this.#subscriptionSize = deps.subscriptionSize ?? 5;
    this.#maxWindowMs = deps.maxWindowMs ?? 7 * DAY_MS;
  }

  /** Runs (or resumes, or ignores if already finished) the digest due at `dueAt`. */
  runDue(ref: DigestTargetRef, dueAt: number): Promise<RunReport> {
    return this.#exclusive(ref, () => this.#run(ref, dueAt, dueAt));
  }

  /** Posts a digest now, outside the schedule; the window ends now. */
  postNow(ref: DigestTargetRef): Promise<RunReport> {
    return this.#exclusive(ref, () => {
      const now = this.#deps.now();
      return this.#run(ref, now, now);
    });
  }

  /** Stops retrying and waits for runs in flight. */
  async drain(): Promise<void> {
    this.#stopping = true;
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** What `/digest status` shows: next run in the server's time, last run, last error, pause reason. */
  async statusFor(guildId: string, now: number): Promise<DigestStatus | null> {
    const { store } = this.#deps;
    const settings = await store.getGuildDigest(guildId);
    if (!settings) return null;
    const ref: DigestTargetRef = { kind: 'guild', guildId };
    const [lastRun, lastFailure] = await Promise.all([
      store.latestRun(ref),
      store.latestRun(ref, ['failed']),
    ]);
    const nextRunAt = settings.paused
      ? null
      : (settings.nextDueAt ?? nextDueAt(now, settings.time, settings.timeZone));
    const zone = settings.timeZone;
    return {
      channelId: settings.channelId,
      time: settings.time,
      timeZone: zone,
      paused: settings.paused,
      pauseReason: settings.pauseReason,
      consecutiveFailures: settings.consecutiveFailures,
      nextRunAt,
      nextRunLocal: nextRunAt === null ? null : formatLocal(nextRunAt, zone),
      lastRun: lastRun && {
        state: lastRun.state,
        dueAt: lastRun.dueAt,
        dueLocal: formatLocal(lastRun.dueAt, zone),
        finishedAt: lastRun.finishedAt,
        channelId: lastRun.channelId,
        messageId: lastRun.messageId,
        reason: lastRun.errorReason,
      },
      lastError:
        lastFailure?.errorReason != null
          ? {
              reason: lastFailure.errorReason,
              at: lastFailure.finishedAt ?? lastFailure.dueAt,
              atLocal: formatLocal(lastFailure.finishedAt ?? lastFailure.dueAt, zone),
            }
          : null,
    };
  }

  #exclusive(ref: DigestTargetRef, work: () => Promise<RunReport>): Promise<RunReport> {
    const key = targetKey(ref);
    const previous = this.#targetLocks.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const settled = result.catch(() => undefined);
    this.#targetLocks.set(key, settled);
    this.#inFlight.add(settled);
    void settled.then(() => {
      this.#inFlight.delete(settled);
      if (this.#targetLocks.get(key) === settled) this.#targetLocks.delete(key);
    });
    return result;
  }

  async #run(ref: DigestTargetRef, dueAt: number, until: number): Promise<RunReport> {
    const { store, now } = this.#deps;
    const key = targetKey(ref);
    const report = (outcome: RunOutcome): RunReport => ({ ...outcome, target: key, dueAt });
    const log = this.#log.child({ target: key, dueAt: new Date(dueAt).toISOString() });

    const target = await store.getTarget(ref);
    if (!target) return report({ state: 'gone' });

    const since = Math.max(target.lastDigestAt ?? dueAt - DAY_MS, until - this.#maxWindowMs);
    const { run, created } = await store.claimRun({
      target: ref,
      dueAt,
      nonce: digestNonce(key, dueAt),
      windowStart: Math.min(since, until),
      windowEnd: until,
      now: now(),
    });
    if (run.state !== 'claimed') return report({ state: 'already-finished', previous: run.state });
    if (!created) log.warn({ runId: run.id }, 'resuming a digest run left claimed by a stopped process');
    this.#crash('after-claim');

    let prepared: { body: DigestMessageBody; articles: SentArticle[] } | null;
    try {
      prepared = run.preparedBody
        ? { body: JSON.parse(run.preparedBody) as DigestMessageBody, articles: run.articles }
        : await this.#prepare(run, target);
    } catch (error) {
      log.error({ err: error }, 'digest selection or rendering failed');
      const reason = 'Internal error while preparing the digest; see the bot logs.';
      const result = await store.finishRun({
        runId: run.id,
        state: 'failed',
        reason,
        countsTowardPause: false,
        pauseAfter: this.#failuresBeforePause,
        pauseReason: reason,
        now: now(),
      });
      return report({
        state: 'failed',
        reason,
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
    this.#crash('after-select');

    let channelId = run.channelId ?? (target.kind === 'guild' ? target.channelId : null);
    let message: APIMessage;
    try {
      if (channelId === null) channelId = await this.#openDm((target as Subscription).userId, log);
      await store.markPostStarted(run.id, channelId, now());
      const postTo = channelId;
      message = await this.#withRetry(
        log,
        () =>
          this.#deps.rest.post(Routes.channelMessages(postTo), {
            body: { ...prepared.body, nonce: run.nonce, enforce_nonce: true },
          }) as Promise<APIMessage>,
      );
    } catch (error) {
      if (error instanceof StoppedWhileRetrying) return report({ state: 'interrupted' });
      return report(await this.#recordFailure(run, target, channelId, error, log));
    }
    this.#crash('after-post-before-record');

    await store.finishRun({ runId: run.id, state: 'posted', channelId, messageId: message.id, now: now() });
    log.info({ channelId, messageId: message.id, articles: prepared.articles.length }, 'digest posted');
    this.#crash('after-record');
    return report({
      state: 'posted',
      channelId,
      messageId: message.id,
      articleIds: prepared.articles.map((article) => article.articleId),
      resumed: !created,
    });
  }

  /** Selects what is new for the target, renders it and records both before anything is posted. */
  async #prepare(
    run: DigestRun,
    target: DigestTargetSettings,
  ): Promise<{ body: DigestMessageBody; articles: SentArticle[] } | null> {
    const { store, select, storyOf, render } = this.#deps;
    const history = await store.sentArticles(run.target);
    const limit = target.kind === 'guild' ? target.size : this.#subscriptionSize;
    const query: DigestQuery = {
      since: run.windowStart!,
      until: run.windowEnd!,
      limit,
      topics: target.kind === 'guild' ? target.topics : [target.topicKey],
      excludeIds: history.articleIds,
      excludeStories: history.storyIds,
    };
    if (target.kind === 'guild' && target.minQuality !== null) query.minQuality = target.minQuality;

    // The engine promises to honour the exclusions; checking again is cheap and keeps "never repeat" here.
    const stories = new Set(history.storyIds);
    const selected: Article[] = [];
    for (const article of await select(query)) {
      const story = storyOf(article);
      if (history.articleIds.has(article.id) || stories.has(story)) continue;
      stories.add(story);
      selected.push(article);
      if (selected.length === limit) break;
    }
    if (selected.length === 0) return null;

    const body = this.#withAllowedMentions(render(selected, target), target);
    const articles = selected.map((article) => ({ articleId: article.id, storyId: storyOf(article) }));
    await store.prepareRun({
      runId: run.id,
      channelId: target.kind === 'guild' ? target.channelId : null,
      articles,
      body: JSON.stringify(body),
    });
    return { body, articles };
  }

  /** Only a configured role may ever be pinged; everything else is mentioned silently. */
  #withAllowedMentions(body: DigestMessageBody, target: DigestTargetSettings): DigestMessageBody {
    if (target.kind === 'guild' && target.mentionRoleId !== null) {
      const mention = `<@&${target.mentionRoleId}>`;
      const content = body.content?.includes(mention)
        ? body.content
        : `${mention} ${body.content ?? ''}`.trim();
      return { ...body, content, allowed_mentions: { parse: [], roles: [target.mentionRoleId] } };
    }
    return { ...body, allowed_mentions: { parse: [] } };
  }

  async #openDm(userId: string, log: Logger): Promise<string> {
    const channel = (await this.#withRetry(log, () =>
      this.#deps.rest.post(Routes.userChannels(), { body: { recipient_id: userId } }),
    )) as APIChannel;
    return channel.id;
  }

  async #recordFailure(
    run: DigestRun,
    target: DigestTargetSettings,
    channelId: string | null,
    error: unknown,
    log: Logger,
  ): Promise<RunOutcome> {
    const { store, now } = this.#deps;
    const failure = describeFailure(error, channelId, target);
    let reason = failure.reason;
    let pauseNow: string | undefined;
    if (failure.kind === 'dm-closed' && target.kind === 'subscription') {
      const told = await this.#tellDmsClosed(run, target, log);
      reason += told
        ? ` Paused; they were told in <#${target.originChannelId}>.`
        : ` Paused; telling them in <#${target.originChannelId}> failed too.`;
      pauseNow = 'Your direct messages are closed to the bot.';
    }
    const counts = failure.kind !== 'transient';
    const result = await store.finishRun({
      runId: run.id,
      state: 'failed',
      reason,
      countsTowardPause: counts,
      pauseAfter: this.#failuresBeforePause,
      pauseReason: `Paused after ${this.#failuresBeforePause} failed digests in a row. Last error: ${failure.reason}`,
      ...(pauseNow !== undefined && { pauseNow }),
      now: now(),
    });
    const level = failure.kind === 'transient' ? 'warn' : 'error';
    log[level](
      { err: error, channelId, paused: result.paused, failures: result.consecutiveFailures },
      reason,
    );
    return { state: 'failed', reason, final: counts, paused: result.paused, pauseReason: result.pauseReason };
  }

  /** Tells the user where they subscribed; its own nonce keeps a resumed run from telling them twice. */
  async #tellDmsClosed(run: DigestRun, subscription: Subscription, log: Logger): Promise<boolean> {
    try {
      await this.#deps.rest.post(Routes.channelMessages(subscription.originChannelId), {
        body: {
          ...dmClosedNotice(subscription),
          nonce: digestNonce(targetKey(run.target), run.dueAt, 'dm-closed'),
          enforce_nonce: true,
        },
      });
      return true;
    } catch (error) {
      log.warn(
        { err: error, channelId: subscription.originChannelId },
        'could not tell the user their DMs are closed',
      );
      return false;
    }
  }

  async #withRetry<T>(log: Logger, attempt: () => Promise<T>): Promise<T> {
    for (let attemptNumber = 1; ; attemptNumber++) {
      try {
        return await attempt();
      } catch (error) {
        if (!isTransient(error) || attemptNumber >= this.#retry.attempts) throw error;
        if (error instanceof RateLimitError && error.retryAfter > this.#retry.maxRateLimitWaitMs) throw error;
        if (this.#stopping) throw new StoppedWhileRetrying();
        let delayMs = Math.min(this.#retry.maxDelayMs, this.#retry.baseDelayMs * 4 ** (attemptNumber - 1));
        if (error instanceof RateLimitError) delayMs = Math.max(delayMs, error.retryAfter);
        log.warn({ err: error, attempt: attemptNumber, delayMs }, 'digest delivery failed, retrying');
        await this.#sleep(delayMs);
        if (this.#stopping) throw new StoppedWhileRetrying();
      }
    }
  }

  #crash(name: CrashPointName): void {
    this.#deps.crashPoint?.(name);
  }
}
