/**
 * The digest delivery port over Discord's REST API: opens DMs, renders the content, posts with the run's
 * nonce and `enforce_nonce` (Discord answers a repeat with the message it already created), and turns
 * Discord's errors into problems as data with the retry decision the protocol needs.
 */
import { DiscordAPIError, HTTPError, RateLimitError, REST, type RESTOptions } from '@discordjs/rest';
import {
  ChannelType,
  Routes,
  ThreadAutoArchiveDuration,
  type APIChannel,
  type APIGuildForumTag,
  type APIMessage,
  type APIThreadChannel,
  type APIThreadList,
  type APIUser,
} from 'discord-api-types/v10';

import type { DigestContent } from '../digest/content.ts';
import type { RunProblem } from '../store/types.ts';
import type { DeliveryFailure, DeliveryTarget, DigestDelivery, FoundDelivery } from '../digest/delivery.ts';
import { DEFAULT_RETRY_POLICY } from '../digest/retry.ts';
import { shardIdentityFromEnv } from '../ops/shardIdentity.ts';
import { digestRequestsPerSecond } from './client.ts';
import {
  carriesDigestReference,
  digestReference,
  digestThreadName,
  renderDigestMessage,
  renderDmsClosedNotice,
  type DigestMessageBody,
} from './renderDigest.ts';

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
  // Under the shard manager each shard gets its part of Discord's global limit (see digestRequestsPerSecond).
  const globalRequestsPerSecond = digestRequestsPerSecond(shardIdentityFromEnv());
  return new REST({ ...DIGEST_REST_OPTIONS, globalRequestsPerSecond, ...options }).setToken(token);
}

const DISCORD_MISSING_ACCESS = 50001;
const DISCORD_MISSING_PERMISSIONS = 50013;
const DISCORD_UNKNOWN_CHANNEL = 10003;
const DISCORD_CANNOT_DM_USER = 50007;
/** Starting a thread from a message that already has one: it exists, which is all a retry wants. */
const DISCORD_THREAD_ALREADY_CREATED = 160004;
/** Discord applies at most five tags to a forum post. */
export const MAX_APPLIED_TAGS = 5;
/** How many of its own active posts in the forum a restart opens to look for the run's reference. */
export const FORUM_POSTS_LOOKED_AT = 25;

/**
 * The forum's tags that match the digest's topics (or, for a digest of every topic, its articles'
 * topics), in the forum's order, at most five. Moderated tags need Manage Threads: left out.
 */
export function forumTagsFor(content: DigestContent, available: readonly APIGuildForumTag[]): string[] {
  const norm = (text: string) => text.trim().toLowerCase().replace(/\s+/g, ' ');
  const topics = content.topics?.length
    ? content.topics
    : content.articles.flatMap((article) => article.topics);
  const wanted = new Set(topics.map(norm));
  return available
    .filter((tag) => !tag.moderated && wanted.has(norm(tag.name)))
    .slice(0, MAX_APPLIED_TAGS)
    .map((tag) => tag.id);
}

const refused = (problem: DeliveryFailure['problem']): DeliveryFailure => ({
  ok: false,
  problem,
  retryable: false,
  refused: true,
});
const outage = (problem: DeliveryFailure['problem'], retryAfterMs?: number): DeliveryFailure => ({
  ok: false,
  problem,
  retryable: true,
  refused: false,
  ...(retryAfterMs !== undefined && { retryAfterMs }),
});

/** Discord's error codes, as problems: a refusal counts toward pausing; an outage is retried. */
export function classifyDiscordError(
  error: unknown,
  channelId: string | null,
  to: DeliveryTarget,
): DeliveryFailure {
  if (error instanceof DiscordAPIError) {
    if (error.status === 429 || error.status >= 500)
      return outage({ kind: 'unavailable', status: error.status });
    // A rejected token concerns the whole bot, not this target: it must not pause every schedule.
    if (error.status === 401)
      return { ok: false, problem: { kind: 'token-rejected' }, retryable: false, refused: false };
    const code = Number(error.code);
    // 50007 for a server channel is an ordinary refusal.
    if (code === DISCORD_CANNOT_DM_USER && to.kind === 'direct-message') {
      return refused({ kind: 'dms-closed', userId: to.userId });
    }
    switch (code) {
      case DISCORD_MISSING_PERMISSIONS:
        return refused({ kind: 'missing-permissions', channelId });
      case DISCORD_MISSING_ACCESS:
        return refused({ kind: 'missing-access', channelId });
      case DISCORD_UNKNOWN_CHANNEL:
        return refused({ kind: 'unknown-channel', channelId });
      default:
        return refused({
          kind: 'refused',
          status: error.status,
          code: String(error.code),
          message: error.message,
          channelId,
        });
    }
  }
  if (error instanceof HTTPError) return outage({ kind: 'unavailable', status: error.status });
  if (error instanceof RateLimitError) {
    return outage({ kind: 'rate-limited', retryAfterMs: error.retryAfter }, error.retryAfter);
  }
  return outage({ kind: 'unreachable', message: error instanceof Error ? error.message : String(error) });
}

/** A missing permission while starting a thread or a forum post: the wording names that mode's permissions. */
function withMode(problem: RunProblem, mode: 'thread' | 'forum'): RunProblem {
  return problem.kind === 'missing-permissions' ? { ...problem, mode } : problem;
}

/** Only a configured role may ever be pinged; everything else is mentioned silently. */
function withAllowedMentions(body: DigestMessageBody, mentionRoleId: string | null): DigestMessageBody {
  if (mentionRoleId !== null) {
    const mention = `<@&${mentionRoleId}>`;
    const content = body.content?.includes(mention)
      ? body.content
      : `${mention} ${body.content ?? ''}`.trim();
    return { ...body, content, allowed_mentions: { parse: [], roles: [mentionRoleId] } };
  }
  return { ...body, allowed_mentions: { parse: [] } };
}

/**
 * How far back a restart looks for its own earlier post: pages of Discord's largest size, newest first.
 * A post that more than this many messages have followed is not looked for (the nonce is the fallback).
 */
export const HISTORY_PAGE_SIZE = 100;
export const HISTORY_PAGES = 2;

export interface DiscordDeliveryOptions {
  rest: REST;
  /** How content becomes a message; tests may pass a simpler one. Must be deterministic. */
  render?: (content: DigestContent) => DigestMessageBody;
}

export function createDiscordDelivery({
  rest,
  render = renderDigestMessage,
}: DiscordDeliveryOptions): DigestDelivery {
  const openDm = async (userId: string): Promise<string> => {
    const dm = (await rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as APIChannel;
    return dm.id;
  };
  let botUserId: Promise<string> | undefined;
  /** The bot's own user id, asked once (and again after a failure). */
  const ownId = async (): Promise<string> => {
    botUserId ??= (rest.get(Routes.user()) as Promise<APIUser>).then((user) => user.id);
    try {
      return await botUserId;
    } catch (error) {
      botUserId = undefined;
      throw error;
    }
  };

  /** The bot's own message carrying the reference among the channel's newest, null, or 'unknown'. */
  const findInHistory = async (
    channelId: string,
    reference: string,
  ): Promise<{ channelId: string; messageId: string; hasThread: boolean } | null | 'unknown'> => {
    const author = await ownId();
    let before: string | undefined;
    for (let page = 0; page < HISTORY_PAGES; page++) {
      const query = new URLSearchParams({ limit: String(HISTORY_PAGE_SIZE) });
      if (before) query.set('before', before);
      const messages = (await rest.get(Routes.channelMessages(channelId), { query })) as APIMessage[];
      const mine = messages.find(
        (message) => message.author.id === author && carriesDigestReference(message, reference),
      );
      if (mine) return { channelId, messageId: mine.id, hasThread: mine.thread !== undefined };
      // A short page is the start of the channel: the post is certainly not there.
      if (messages.length < HISTORY_PAGE_SIZE) return null;
      before = messages.at(-1)!.id;
    }
    return 'unknown';
  };

  /**
   * The forum post this content became, among the server's active threads: the bot's own posts in that
   * forum, newest first, whose first message (it has the post's id) carries the run reference.
   */
  const findForumPost = async (
    forumId: string,
    guildId: string,
    reference: string,
  ): Promise<FoundDelivery> => {
    const author = await ownId();
    const active = (await rest.get(Routes.guildActiveThreads(guildId))) as APIThreadList;
    const mine = (active.threads as APIThreadChannel[])
      .filter((thread) => thread.parent_id === forumId && thread.owner_id === author)
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1))
      .slice(0, FORUM_POSTS_LOOKED_AT);
    for (const thread of mine) {
      const starter = (await rest.get(Routes.channelMessage(thread.id, thread.id))) as APIMessage;
      if (carriesDigestReference(starter, reference)) return { channelId: thread.id, messageId: starter.id };
    }
    return null;
  };

  const startThread = async (channelId: string, messageId: string, content: DigestContent) => {
    try {
      await rest.post(Routes.threads(channelId, messageId), {
        body: {
          name: digestThreadName(content.title),
          auto_archive_duration: ThreadAutoArchiveDuration.OneDay,
        },
      });
    } catch (error) {
      if (!(error instanceof DiscordAPIError && Number(error.code) === DISCORD_THREAD_ALREADY_CREATED))
        throw error;
    }
  };

  const postForum = async (content: DigestContent, forumId: string, guildId: string | undefined) => {
    const reference = digestReference(content);
    // No nonce for posts: look first, so a retry or a resumed run never makes a second post.
    if (guildId) {
      const found = await findForumPost(forumId, guildId, reference);
      if (found && found !== 'unknown') return found;
    }
    const forum = (await rest.get(Routes.channel(forumId))) as APIChannel;
    if (forum.type !== ChannelType.GuildForum) {
      return null;
    }
    const body = withAllowedMentions(render(content), content.mentionRoleId);
    const post = (await rest.post(Routes.threads(forumId), {
      body: {
        name: digestThreadName(content.title),
        auto_archive_duration: ThreadAutoArchiveDuration.OneWeek,
        applied_tags: forumTagsFor(content, forum.available_tags),
        message: body,
      },
    })) as APIThreadChannel & { message?: APIMessage };
    return { channelId: post.id, messageId: post.message?.id ?? post.id };
  };

  return {
    async deliver(content, to) {
      let channelId: string | null = to.kind === 'channel' ? to.channelId : null;
      try {
        if (to.kind === 'channel' && to.mode === 'forum') {
          const posted = await postForum(content, to.channelId, to.guildId);
          if (!posted) {
            return refused({
              kind: 'refused',
              status: 400,
              code: 'not-a-forum',
              message: 'the digest channel is not a forum any more: choose a forum, or another delivery',
              channelId,
            });
          }
          return { ok: true, ...posted };
        }
        if (to.kind === 'direct-message') channelId = await openDm(to.userId);
        const body = withAllowedMentions(render(content), content.mentionRoleId);
        const message = (await rest.post(Routes.channelMessages(channelId!), {
          body: { ...body, nonce: content.nonce, enforce_nonce: true },
        })) as APIMessage;
        // The message is out: a thread that cannot be started must not make the run post it again.
        const warning =
          to.kind === 'channel' && to.mode === 'thread'
            ? await startThread(channelId!, message.id, content).then(
                () => undefined,
                (error: unknown): RunProblem => ({
                  kind: 'thread-not-started',
                  channelId,
                  cause: withMode(classifyDiscordError(error, channelId, to).problem, 'thread'),
                }),
              )
            : undefined;
        return { ok: true, channelId: channelId!, messageId: message.id, ...(warning && { warning }) };
      } catch (error) {
        const failure = classifyDiscordError(error, channelId, to);
        return to.kind === 'channel' && to.mode === 'forum'
          ? { ...failure, problem: withMode(failure.problem, 'forum') }
          : failure;
      }
    },

    async findDelivered(content, to): Promise<FoundDelivery> {
      const reference = digestReference(content);
      // A renderer that does not write the reference leaves nothing to recognise.
      if (!carriesDigestReference(render(content), reference)) return 'unknown';
      try {
        if (to.kind === 'channel' && to.mode === 'forum') {
          return to.guildId ? await findForumPost(to.channelId, to.guildId, reference) : 'unknown';
        }
        const channelId = to.kind === 'channel' ? to.channelId : await openDm(to.userId);
        const found = await findInHistory(channelId, reference);
        if (!found || found === 'unknown') return found;
        // The message was posted; its thread may not have been started yet.
        if (to.kind === 'channel' && to.mode === 'thread' && !found.hasThread) {
          await startThread(found.channelId, found.messageId, content).catch(() => undefined);
        }
        return { channelId: found.channelId, messageId: found.messageId };
      } catch {
        return 'unknown';
      }
    },

    async tellDmsClosed(notice) {
      try {
        await rest.post(Routes.channelMessages(notice.channelId), {
          body: {
            ...renderDmsClosedNotice(notice.userId, notice.topic),
            nonce: notice.nonce,
            enforce_nonce: true,
          },
        });
        return true;
      } catch {
        return false;
      }
    },
  };
}
