/** A prepared digest (data) as a Discord channel message, and the notice for a subscriber whose DMs are closed. */
import type { APIEmbed, RESTPostAPIChannelMessageJSONBody } from 'discord.js';

import type { Article } from '../articles/article.ts';
import type { DigestArticle, DigestContent, DigestTitle } from '../digest/content.ts';
import { formatLocalDay } from '../time/localTime.ts';
import { DEFAULT_DIGEST_NAME, digestNameKey } from '../store/types.ts';
import { LIMITS, truncate } from './limits.ts';
import { encodeCustomId } from './customIds.ts';
import { articleMenuRow, escapeText, fitMessage, resultEmbed, type RenderedMessage } from './render.ts';
import { voteRows } from './voteButtons.ts';

/** A channel message body; the delivery adds the nonce. */
export type DigestMessageBody = Omit<RESTPostAPIChannelMessageJSONBody, 'nonce' | 'enforce_nonce'>;

const DIGEST_WHY = 'top by heat since the last digest';

export function digestTitleText(title: DigestTitle): string {
  const day = formatLocalDay(title.at, title.timeZone);
  if (title.kind === 'subscription') return `Your ${title.topic} digest · ${day}`;
  const named = title.name && digestNameKey(title.name) !== DEFAULT_DIGEST_NAME;
  return named ? `${title.name} · ${day}` : `Daily digest · ${day}`;
}

/** A thread or forum post's name: the title, within Discord's 100 characters. */
export function digestThreadName(title: DigestTitle): string {
  return truncate(digestTitleText(title), THREAD_NAME_MAX);
}

export const THREAD_NAME_MAX = 100;

/** The embed builder takes articles; a digest article has every part an embed shows. */
function asArticle(article: DigestArticle): Article {
  return {
    id: article.id,
    title: article.title,
    excerpt: article.excerpt,
    body: '',
    webUrl: article.webUrl,
    publishedAt: article.publishedAt,
    provider: { name: article.providerName, domain: '' },
    topics: article.topics,
    topicKeys: [],
    images: article.imageUrl ? [{ url: article.imageUrl }] : [],
    quality: null,
    heat: article.heat,
    published: true,
    type: 'article',
    related: [],
    relatedCount: 0,
    path: '',
  };
}

/**
 * What marks a message as this run's digest, so a restart can find it in the channel's history after
 * Discord has forgotten the nonce: the run id (unique in one database) and the start of the nonce (a hash
 * of the target and due time), so two databases that number their runs alike still differ. The delivery
 * also checks the author, so another bot's digest in the same channel never counts.
 */
export function digestReference(content: Pick<DigestContent, 'runId' | 'nonce'>): string {
  return `run ${content.runId}·${content.nonce.slice(0, 8)}`;
}

const REFERENCE_SEPARATOR = ' · ';

/** The last embed's footer ends with the reference (added before fitting, so it counts in the limits). */
function withReference(embeds: APIEmbed[], reference: string): APIEmbed[] {
  const last = embeds.at(-1);
  if (!last) return embeds;
  const text = last.footer?.text ? `${last.footer.text}${REFERENCE_SEPARATOR}${reference}` : reference;
  return [...embeds.slice(0, -1), { ...last, footer: { ...last.footer, text } }];
}

/** True when a posted message (content and embed footers) carries this reference. */
export function carriesDigestReference(
  message: { content?: string | undefined; embeds?: readonly APIEmbed[] | undefined },
  reference: string,
): boolean {
  const marked = (text: string | undefined) =>
    text === reference || (text?.endsWith(`${REFERENCE_SEPARATOR}${reference}`) ?? false);
  return (
    (message.content?.split('\n').some(marked) ?? false) ||
    (message.embeds ?? []).some((embed) => marked(embed.footer?.text))
  );
}

/**
 * A digest as a channel message. Pure: the same content always renders the same message, so a resumed
 * run posts what the first attempt would have. Mentions only the role the server configured.
 */
export function renderDigestMessage(content: DigestContent): DigestMessageBody {
  const role = content.mentionRoleId;
  const message = fitMessage({
    content: `${role ? `<@&${role}> ` : ''}**${escapeText(digestTitleText(content.title))}**`,
    embeds: withReference(
      content.articles.slice(0, LIMITS.embedsPerMessage).map((article, i) =>
        resultEmbed(
          {
            kind: 'article',
            article: asArticle(article),
            why: article.why ? `${DIGEST_WHY}; ${article.why}` : DIGEST_WHY,
            score: 0,
          },
          i + 1,
        ),
      ),
      digestReference(content),
    ),
    components: digestComponents(content),
    allowedMentions: { parse: [] },
  });
  return {
    content: message.content,
    embeds: message.embeds,
    components: message.components,
    allowed_mentions: role ? { parse: [], roles: [role] } : { parse: [] },
  };
}

/**
 * Under a digest: 👍 👎 per article (server digests only: votes count per server; up to eight articles,
 * four rows), then a "More like this…" menu that answers privately with related reading.
 */
function digestComponents(content: DigestContent): RenderedMessage['components'] {
  const articles = content.articles.slice(0, LIMITS.embedsPerMessage);
  const rows: RenderedMessage['components'] =
    content.title.kind === 'server'
      ? voteRows(
          articles.map((article, i) => ({ id: article.id, position: i + 1 })),
          LIMITS.actionRows - 1,
        )
      : [];
  if (articles.length)
    rows.push(
      articleMenuRow(
        encodeCustomId({ action: 'more-like' }),
        'More like this…',
        articles.map((article, i) => ({
          position: i + 1,
          id: article.id,
          title: article.title,
          provider: article.providerName,
        })),
      ),
    );
  return rows;
}

/** Posted where the user subscribed; pings only them. */
export function renderDmsClosedNotice(userId: string, topic: string): DigestMessageBody {
  return {
    content:
      `<@${userId}> I couldn't send your **${escapeText(topic, 100)}** digest: your direct messages ` +
      'are closed to me. I paused that subscription. Allow direct messages from server members ' +
      '(Privacy Settings), then subscribe again to resume it.',
    allowed_mentions: { parse: [], users: [userId] },
  };
}
