/**
 * The digest delivery port over Discord's REST API: opens DMs, renders the content, posts with the run's
 * nonce and `enforce_nonce` (Discord answers a repeat with the message it already created), and turns
 * Discord's errors into problems as data with the retry decision the protocol needs.
 */
import { DiscordAPIError, HTTPError, RateLimitError, REST, type RESTOptions } from '@discordjs/rest';
import { Routes, type APIChannel, type APIMessage } from 'discord-api-types/v10';

import type { DigestContent } from '../digest/content.ts';
import type { DeliveryFailure, DeliveryTarget, DigestDelivery } from '../digest/delivery.ts';
import { DEFAULT_RETRY_POLICY } from '../digest/retry.ts';
import { renderDigestMessage, renderDmsClosedNotice, type DigestMessageBody } from './renderDigest.ts';

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

export interface DiscordDeliveryOptions {
  rest: REST;
  /** How content becomes a message; tests may pass a simpler one. Must be deterministic. */
  render?: (content: DigestContent) => DigestMessageBody;
}

export function createDiscordDelivery({
  rest,
  render = renderDigestMessage,
}: DiscordDeliveryOptions): DigestDelivery {
  return {
    async deliver(content, to) {
      let channelId: string | null = to.kind === 'channel' ? to.channelId : null;
      try {
        if (to.kind === 'direct-message') {
          const dm = (await rest.post(Routes.userChannels(), {
            body: { recipient_id: to.userId },
          })) as APIChannel;
          channelId = dm.id;
        }
        const body = withAllowedMentions(render(content), content.mentionRoleId);
        const message = (await rest.post(Routes.channelMessages(channelId!), {
          body: { ...body, nonce: content.nonce, enforce_nonce: true },
        })) as APIMessage;
        return { ok: true, channelId: channelId!, messageId: message.id };
      } catch (error) {
        return classifyDiscordError(error, channelId, to);
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
