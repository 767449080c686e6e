/**
 * The 👍 👎 buttons and the "More like this…" menu under digests and results. A vote counts in the server
 * it was cast in (one per reader and article, changeable), is acknowledged privately, and shifts that
 * server's next digests and `/topic` lists. Votes from a DM, from outside the message's server, or faster
 * than VOTES_PER_MINUTE are not counted, and the voter is told why.
 */
import { PermissionFlagsBits, type MessageComponentInteraction } from 'discord.js';

import { related } from '../app/verbs.ts';
import type { CommandContext } from './command.ts';
import { renderNotice } from './render.ts';
import { RateLimiter } from './rateLimiter.ts';
import { renderAnswer, RESULTS_PER_LIST } from './replies.ts';
import type { Responder } from './command.ts';
import { escapeText } from './render.ts';

/** A reader voting faster than this is refused until the minute has passed. */
export const VOTES_PER_MINUTE = 20;

export function createVoteLimiter(now: () => number = Date.now): RateLimiter {
  return new RateLimiter(VOTES_PER_MINUTE, 60_000, now);
}

export async function handleVote(
  interaction: MessageComponentInteraction,
  vote: { articleId: string; vote: 1 | -1 },
  context: CommandContext,
  limiter: RateLimiter,
  respond: Responder,
): Promise<void> {
  const say = (text: string) => respond.send(renderNotice(text), { ephemeral: true });
  // A vote belongs to the server the message is in, cast by a member there (not a user-installed copy elsewhere).
  const guildId = interaction.guildId;
  const fromThisServer =
    guildId !== null &&
    interaction.inGuild() &&
    (interaction.message.guildId ?? guildId) === guildId &&
    interaction.memberPermissions?.has(PermissionFlagsBits.ViewChannel) !== false;
  if (!fromThisServer || !guildId) {
    return say('Votes count in servers only: they tune that server’s digests. Nothing was recorded.');
  }
  const service = context.digest;
  if (!service?.vote) return say('Votes are not available: the bot is running without its database.');
  const allowed = limiter.take(`${guildId}:${interaction.user.id}`);
  if (!allowed.allowed) {
    return say(
      `You are voting very fast: votes are counted up to ${VOTES_PER_MINUTE} a minute. Try again in ${Math.ceil(allowed.retryAfterMs / 1000)} s.`,
    );
  }
  const article = context.library.current.get(vote.articleId);
  if (!article) return say('That article is no longer in the library, so the vote was not recorded.');
  const previous = await service.vote({
    guildId,
    userId: interaction.user.id,
    articleId: article.id,
    vote: vote.vote,
    topics: [...article.topics],
    provider: article.provider.name,
    votedAt: service.now(),
  });
  const mark = vote.vote > 0 ? '👍' : '👎';
  const title = `“${escapeText(article.title, 120)}”`;
  const text =
    previous === vote.vote
      ? `You had already voted ${mark} on ${title}.`
      : previous === null
        ? `Thanks: ${mark} on ${title}. This server’s next digests lean ${vote.vote > 0 ? 'towards' : 'away from'} its topics.`
        : `Changed your vote on ${title} to ${mark}.`;
  await say(text);
}

/**
 * Related reading for the article a menu picked (results' "Related reading for…", a digest's "More like
 * this…"); `ephemeral` for the digest's, which answers only the reader who asked.
 */
export async function sendRelatedReading(
  articleId: string | undefined,
  context: CommandContext,
  respond: Responder,
  { ephemeral }: { ephemeral: boolean },
): Promise<void> {
  const library = context.library.current;
  const article = articleId ? library.get(articleId) : undefined;
  if (!article) {
    await respond.send(
      renderNotice(
        'That article is no longer in the library (it changed since this message was posted). Try `/search`.',
      ),
      { ephemeral: true },
    );
    return;
  }
  await respond.send(renderAnswer(context, related(library, { ref: article.id, limit: RESULTS_PER_LIST })), {
    ephemeral,
  });
}
