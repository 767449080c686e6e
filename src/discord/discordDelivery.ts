/**
 * The digest delivery port over Discord's REST API: opens DMs, renders the content, posts with the run's
 * nonce and `enforce_nonce` (Discord answers a repeat with the message it already created), and turns
 * Discord's errors into problems as data with the retry decision the protocol needs.
 */
import { DiscordAPIError, HTTPError, RateLimitError, REST, type RESTOptions } from '@discordjs/rest';
import { Routes, type APIChannel, type APIMessage, type APIUser } from 'discord-api-types/v10';

import type { DigestContent } from '../digest/content.ts';
import type { DeliveryFailure, DeliveryTarget, DigestDelivery, FoundDelivery } from '../digest/delivery.ts';
import { DEFAULT_RETRY_POLICY } from '../digest/retry.ts';
import { shardIdentityFromEnv } from '../ops/shardIdentity.ts';
import { digestRequestsPerSecond } from './client.ts';
import {
  carriesDigestReference,
  digestReference,
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

  return {
    async deliver(content, to) {
      let channelId: string | null = to.kind === 'channel' ? to.channelId : null;
      try {
        if (to.kind === 'direct-message') channelId = await openDm(to.userId);
        const body = withAllowedMentions(render(content), content.mentionRoleId);
        const message = (await rest.post(Routes.channelMessages(channelId!), {
          body: { ...body, nonce: content.nonce, enforce_nonce: true },
        })) as APIMessage;
        return { ok: true, channelId: channelId!, messageId: message.id };
      } catch (error) {
        return classifyDiscordError(error, channelId, to);
      }
    },

    async findDelivered(content, to): Promise<FoundDelivery> {
      const reference = digestReference(content);
      // A renderer that does not write the reference leaves nothing to recognise.
      if (!carriesDigestReference(render(content), reference)) return 'unknown';
      try {
        const channelId = to.kind === 'channel' ? to.channelId : await openDm(to.userId);
        const author = await ownId();
        let before: string | undefined;
        for (let page = 0; page < HISTORY_PAGES; page++) {
          const query = new URLSearchParams({ limit: String(HISTORY_PAGE_SIZE) });
          if (before) query.set('before', before);
          const messages = (await rest.get(Routes.channelMessages(channelId), { query })) as APIMessage[];
          const mine = messages.find(
            (message) => message.author.id === author && carriesDigestReference(message, reference),
          );
          if (mine) return { channelId, messageId: mine.id };
          // A short page is the start of the channel: the post is certainly not there.
          if (messages.length < HISTORY_PAGE_SIZE) return null;
          before = messages.at(-1)!.id;
        }
        return 'unknown';
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
