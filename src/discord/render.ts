import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
} from 'discord.js';
import type { Recommendation, TopicCount } from '../search/types.ts';
import { encodeCustomId } from './customIds.ts';
import { voteRows } from './voteButtons.ts';
import { LIMITS, safeUrl, truncate } from './limits.ts';

/** What every reply and message is built as; discord.js accepts it for replies, edits and sends. */
export interface RenderedMessage {
  content?: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
  allowedMentions: { parse: []; roles?: string[] };
}

export const PAGE_SIZE = 5;
const BRAND_COLOR = 0x2b6cb0;
const EXCERPT_CHARS = 350;

const URL_PATTERN = /https?:\/\/\S+/g;
const INLINE_MARKUP = /[\\*_~`|[\]<>]/g;

/**
 * Article text is data, not markup: every character Discord would format is backslash-escaped
 * (emphasis, code, spoilers, masked links `[text](url)`, `<t:…>` and mention syntax) and a leading
 * heading, quote or list marker is escaped too. URLs are left whole so they still link. Linear time:
 * discord.js's escapeMarkdown is quadratic on hostile input (100k characters of `a\` take minutes).
 * The text is cut to `max` first; nothing longer than a field is ever shown.
 */
export function escapeText(text: string, max = 1_100): string {
  const flat = truncate(text.replace(/\s+/g, ' ').trim(), max);
  let escaped = '';
  let last = 0;
  for (const match of flat.matchAll(URL_PATTERN)) {
    escaped += flat.slice(last, match.index).replace(INLINE_MARKUP, '\\$&') + match[0];
    last = match.index + match[0].length;
  }
  escaped += flat.slice(last).replace(INLINE_MARKUP, '\\$&');
  // `-# ` is Discord's subtext marker; headings, quotes and list markers only count at the start.
  return escaped.replace(/^(-# |#{1,3} |> |[-*+] )/, '\\$1').replace(/^(\d+)\. /, '$1\\. ');
}

function timestamp(ms: number | null | undefined): string | undefined {
  return ms ? `<t:${Math.floor(ms / 1000)}:D>` : undefined;
}

/** What one result shows; corpus articles and curated links differ only in which parts they have. */
interface EmbedParts {
  title: string;
  webUrl: string;
  excerpt?: string;
  fields: Array<[name: string, value: string | undefined, inline?: boolean]>;
  thumbnail?: string;
  footer: string;
}

function partsOf(result: Recommendation): EmbedParts {
  if (result.kind === 'link') {
    const link = result.link;
    return {
      title: link.title,
      webUrl: link.webUrl,
      excerpt: link.excerpt,
      fields: [
        ['Provider', link.providerName ? escapeText(link.providerName) : undefined],
        ['Published', timestamp(link.publishedAt)],
        ['Why', escapeText(result.why), false],
      ],
      footer: 'Curated link (outside the library)',
    };
  }
  const article = result.article;
  return {
    title: article.title,
    webUrl: article.webUrl,
    excerpt: article.excerpt,
    fields: [
      ['Provider', escapeText(article.provider.name)],
      ['Published', timestamp(article.publishedAt)],
      ['Heat', article.heat === null ? undefined : article.heat.toLocaleString('en-US')],
      ['Topics', article.topics.length ? escapeText(article.topics.join(', ')) : undefined, false],
      ['Why', escapeText(result.why), false],
    ],
    thumbnail: article.images[0]?.url,
    footer: `id ${article.id}`,
  };
}

export function resultEmbed(result: Recommendation, position: number): APIEmbed {
  const parts = partsOf(result);
  const thumbnail = safeUrl(parts.thumbnail);
  return {
    title: truncate(`${position}. ${escapeText(parts.title, LIMITS.embedTitle)}`, LIMITS.embedTitle),
    url: safeUrl(parts.webUrl),
    description: parts.excerpt
      ? truncate(escapeText(parts.excerpt, EXCERPT_CHARS), EXCERPT_CHARS)
      : undefined,
    color: BRAND_COLOR,
    fields: parts.fields.flatMap(([name, value, inline = true]) =>
      value ? [{ name, value: truncate(value, LIMITS.fieldValue), inline }] : [],
    ),
    thumbnail: thumbnail ? { url: thumbnail } : undefined,
    footer: { text: parts.footer },
  };
}

export interface ResultsView {
  /** Plain text; escaped here. */
  title: string;
  /** Markdown lines already worded for Discord (user text inside them escaped by the idiom). */
  notices: string[];
  results: Recommendation[];
  page: number;
  /** Session behind the paging buttons; null when everything fits on one page. */
  sessionId: string | null;
  /** Positions in `results` no longer in the library: left out of the page, the others keep their numbers. */
  removed?: ReadonlySet<number>;
}

/** One page of results: up to 5 embeds, ◀ ▶ when there are more pages, a related-reading menu. */
export function renderResults(view: ResultsView): RenderedMessage {
  const pageCount = Math.max(1, Math.ceil(view.results.length / PAGE_SIZE));
  const page = Math.min(Math.max(0, view.page), pageCount - 1);
  const shown = view.results
    .slice(page * PAGE_SIZE, page * PAGE_SIZE + PAGE_SIZE)
    .map((result, i) => ({ result, position: page * PAGE_SIZE + i }))
    .filter(({ position }) => !view.removed?.has(position));
  const header = [`**${escapeText(view.title)}**`];
  header.push(...view.notices);
  if (!view.results.length && !view.notices.length) header.push('Nothing found.');
  const components: RenderedMessage['components'] = [];
  if (pageCount > 1 && view.sessionId) {
    const sessionId = view.sessionId;
    components.push({
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: '◀',
          custom_id: encodeCustomId({ action: 'page', sessionId, page: page - 1 }),
          disabled: page === 0,
        },
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: `${page + 1} / ${pageCount}`,
          custom_id: encodeCustomId({ action: 'page', sessionId, page }),
          disabled: true,
        },
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: '▶',
          custom_id: encodeCustomId({ action: 'page', sessionId, page: page + 1 }),
          disabled: page >= pageCount - 1,
        },
      ],
    });
  }
  // 👍 👎 for the articles shown, in the rows the pager and the menu leave free.
  const articlesShown = shown.flatMap(({ result, position }) =>
    result.kind === 'article' ? [{ id: result.article.id, position: position + 1 }] : [],
  );
  components.push(...voteRows(articlesShown, LIMITS.actionRows - components.length - 1));
  const articles = shown.flatMap(({ result, position }) =>
    result.kind === 'article' ? [{ position: position + 1, article: result.article }] : [],
  );
  if (articles.length)
    components.push(
      articleMenuRow(
        encodeCustomId({ action: 'related-menu' }),
        'Related reading for…',
        articles.map(({ position, article }) => ({
          position,
          id: article.id,
          title: article.title,
          provider: article.provider.name,
        })),
      ),
    );
  return fitMessage({
    content: header.join('\n'),
    embeds: shown.map(({ result, position }) => resultEmbed(result, position + 1)),
    components,
    allowedMentions: { parse: [] },
  });
}

export function renderNotice(text: string): RenderedMessage {
  return fitMessage({ content: text, embeds: [], components: [], allowedMentions: { parse: [] } });
}

export function renderTopics(topics: TopicCount[]): RenderedMessage {
  const lines = topics.map(
    (topic) => `**${escapeText(topic.name)}** · ${topic.count.toLocaleString('en-US')}`,
  );
  let description = '';
  let shown = 0;
  for (const line of lines) {
    if (description.length + line.length + 1 > LIMITS.embedDescription - 60) break;
    description += (description ? '\n' : '') + line;
    shown++;
  }
  if (shown < lines.length)
    description += `\n… and ${lines.length - shown} more; type a name in \`/topic\` to find it.`;
  return fitMessage({
    content: undefined,
    embeds: [
      {
        title: `Topics (${topics.length})`,
        description: description || 'No topics yet.',
        color: BRAND_COLOR,
        footer: { text: 'Articles per topic. Use /topic name:<topic> to browse one.' },
      },
    ],
    components: [],
    allowedMentions: { parse: [] },
  });
}

export const HELP_LINES = [
  '`/search query:` articles matching your words (filter by `topic:` and `period:`)',
  '`/topic name:` the best articles in a topic · `/topics` every topic',
  '`/related article:` related reading for an article (title, id or URL)',
  '`/trending period:` the most popular recent articles',
  '`/digest` a preview of the daily digest',
  '`/digest-settings` schedule the daily digest for this server (Manage Server)',
  '`/subscribe topic:` a personal daily digest by DM · `/subscriptions` · `/unsubscribe`',
  'In a DM, just type what you are looking for; `related <id>`, `topics` and `help` work as words.',
];

export function renderHelp(): RenderedMessage {
  return fitMessage({
    embeds: [
      {
        title: 'Broadsheet',
        description: `Finds the right article and says why.\n\n${HELP_LINES.map((line) => `• ${line}`).join('\n')}`,
        color: BRAND_COLOR,
      },
    ],
    components: [],
    allowedMentions: { parse: [] },
  });
}

function embedSize(embed: APIEmbed): number {
  let size = (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.footer?.text.length ?? 0);
  size += embed.author?.name.length ?? 0;
  for (const field of embed.fields ?? []) size += field.name.length + field.value.length;
  return size;
}

/**
 * The one place every limit is enforced, as a last line after the builders above: content, embed
 * count, each embed's parts, the 6,000-character total (descriptions shrink first, then embeds go),
 * action rows and buttons per row.
 */
export function fitMessage(message: RenderedMessage): RenderedMessage {
  const embeds = message.embeds.slice(0, LIMITS.embedsPerMessage).map((embed) => ({
    ...embed,
    title: embed.title === undefined ? undefined : truncate(embed.title, LIMITS.embedTitle),
    description:
      embed.description === undefined ? undefined : truncate(embed.description, LIMITS.embedDescription),
    url: safeUrl(embed.url),
    fields: embed.fields?.slice(0, LIMITS.embedFields).map((field) => ({
      ...field,
      name: truncate(field.name, LIMITS.fieldName),
      value: truncate(field.value, LIMITS.fieldValue),
    })),
    footer: embed.footer ? { ...embed.footer, text: truncate(embed.footer.text, LIMITS.footer) } : undefined,
  }));
  let total = embeds.reduce((sum, embed) => sum + embedSize(embed), 0);
  for (let budget = EXCERPT_CHARS; total > LIMITS.embedTotal && budget >= 50; budget -= 50) {
    for (const embed of embeds) {
      if (embed.description && embed.description.length > budget)
        embed.description = truncate(embed.description, budget);
    }
    total = embeds.reduce((sum, embed) => sum + embedSize(embed), 0);
  }
  while (total > LIMITS.embedTotal && embeds.length) total -= embedSize(embeds.pop()!);
  return {
    ...message,
    content: message.content === undefined ? undefined : truncate(message.content, LIMITS.content),
    embeds,
    components: message.components.slice(0, LIMITS.actionRows).map((row) => ({
      ...row,
      components: row.components.slice(0, LIMITS.buttonsPerRow),
    })),
  };
}

/** A select menu of numbered articles ("3. Title", provider below): related reading for the one picked. */
export function articleMenuRow(
  customId: string,
  placeholder: string,
  articles: ReadonlyArray<{ position: number; id: string; title: string; provider: string }>,
): APIActionRowComponent<APIComponentInMessageActionRow> {
  return {
    type: ComponentType.ActionRow,
    components: [
      {
        type: ComponentType.StringSelect,
        custom_id: customId,
        placeholder,
        options: articles.map((article) => ({
          label: truncate(`${article.position}. ${article.title}`, LIMITS.selectOptionText),
          value: article.id,
          description: truncate(article.provider, LIMITS.selectOptionText) || undefined,
        })),
      },
    ],
  };
}
