import type { Message } from 'discord.js';
import type { CommandContext } from './command.ts';
import { renderHelp, renderNotice, renderTopics, type RenderedMessage } from './render.ts';
import { firstPage, RESULTS_PER_LIST } from './replies.ts';
import type { RateLimiter } from './rateLimiter.ts';
import type { ResultPage } from '../search/types.ts';

/** What a DM asks for: the first word may name a command; anything else is a search. */
export function answerDirectMessage(text: string, context: CommandContext): RenderedMessage | null {
  const trimmed = text.trim().replace(/^\//, '');
  if (!trimmed) return null;
  const [first = '', ...rest] = trimmed.split(/\s+/);
  const argument = rest.join(' ');
  const word = first.toLowerCase();
  const page = (title: string, result: ResultPage) => firstPage(context, title, result);
  const library = context.library;
  switch (word) {
    case 'help':
      if (!argument) return renderHelp();
      break;
    case 'topics':
      if (!argument) return renderTopics(library.topics());
      break;
    case 'related': {
      if (!argument)
        return renderNotice('Write `related` and an article id, URL or title, e.g. `related iFzLrUS8`.');
      const related = library.related(argument, { limit: RESULTS_PER_LIST });
      return related.article
        ? page(`Related to: ${related.article.title}`, related)
        : renderNotice(related.notice ?? '');
    }
    case 'topic':
      if (argument)
        return page(
          `Topic: ${library.resolveTopic(argument)?.name ?? argument}`,
          library.topic(argument, { limit: RESULTS_PER_LIST }),
        );
      break;
    case 'trending': {
      const period =
        (['day', 'week', 'month'] as const).find((value) => value === argument.toLowerCase()) ?? 'week';
      return page(`Trending this ${period}`, library.trending(period, { limit: RESULTS_PER_LIST }));
    }
  }
  return page(`Search: ${trimmed}`, library.search(trimmed, { limit: RESULTS_PER_LIST }));
}

/**
 * Plain-text lookups in DMs with the bot. Bots (the bot itself included) and server messages are
 * ignored; each user gets `perMinute` lookups a minute and one notice when over it.
 */
export function createDirectMessageHandler(context: CommandContext, limiter: RateLimiter) {
  return async function handleDirectMessage(message: Message): Promise<void> {
    if (message.author.bot || message.inGuild() || message.system) return;
    const channel = message.channel;
    if (!channel.isSendable()) return;
    const started = performance.now();
    const log = { user: message.author.id, channel: message.channelId };
    try {
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
