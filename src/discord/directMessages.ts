import type { Message } from 'discord.js';
import { requestFromText } from '../app/textRequests.ts';
import { runVerb } from '../app/verbs.ts';
import type { CommandContext } from './command.ts';
import { discordNotices, DM_IDIOM } from './discordIdiom.ts';
import { renderNotice, type RenderedMessage } from './render.ts';
import { RESULTS_PER_LIST, renderAnswer } from './replies.ts';
import type { RateLimiter } from './rateLimiter.ts';
import { RESTARTING } from './dispatcher.ts';

/** What a DM asks for: the first word may name a command (`topics`, `related <id>`…); anything else is a search. */
export function answerDirectMessage(text: string, context: CommandContext): RenderedMessage | null {
  const trimmed = text.trim().replace(/^\//, '');
  if (!trimmed) return null;
  const [word = '', ...rest] = trimmed.split(/\s+/);
  const parsed = requestFromText({ word, argument: rest.join(' ') }, RESULTS_PER_LIST);
  if (!parsed.ok && parsed.problem.kind === 'usage' && parsed.problem.verb === 'related') {
    return renderNotice(discordNotices([{ kind: 'no-article-named' }], DM_IDIOM).join('\n'));
  }
  const request = parsed.ok
    ? parsed.request
    : { verb: 'search' as const, query: trimmed, limit: RESULTS_PER_LIST };
  return renderAnswer(context, runVerb(context.library.current, request), DM_IDIOM);
}

/**
 * Plain-text lookups in DMs with the bot. Bots (the bot itself included) and server messages are
 * ignored; each user gets `perMinute` lookups a minute and one notice when over it. Once `accepting`
 * turns false (shutdown) a lookup gets the short restarting notice instead, within the same limit.
 */
export function createDirectMessageHandler(
  context: CommandContext,
  limiter: RateLimiter,
  options: { accepting?: () => boolean } = {},
) {
  const accepting = options.accepting ?? (() => true);
  return async function handleDirectMessage(message: Message): Promise<void> {
    if (message.author.bot || message.inGuild() || message.system) return;
    const channel = message.channel;
    if (!channel.isSendable()) return;
    const started = performance.now();
    const log = { user: message.author.id, channel: message.channelId };
    try {
      if (!accepting()) {
        if (limiter.take(message.author.id).allowed) await channel.send(renderNotice(RESTARTING));
        context.logger.info(log, 'dm refused: restarting');
        return;
      }
      const verdict = limiter.take(message.author.id);
      if (!verdict.allowed) {
        if (verdict.firstRefusal) {
          const seconds = Math.ceil(verdict.retryAfterMs / 1000);
          await channel.send(renderNotice(`You are sending lookups quickly. Try again in ${seconds} s.`));
        }
        context.logger.info(log, 'dm rate limited');
        return;
      }
      const answer = answerDirectMessage(message.content.slice(0, 1_000), context);
      if (answer) await channel.send(answer);
      context.logger.info({ ...log, ms: Math.round(performance.now() - started) }, 'dm answered');
    } catch (error) {
      context.logger.error({ err: error, ...log }, 'dm lookup failed');
    }
  };
}
