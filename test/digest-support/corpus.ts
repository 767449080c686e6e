/**
 * A deterministic article corpus and a stand-in for the engine's `selectDigest`, shared by the digest
 * tests and the crash child process (which must see exactly the same articles).
 */
import type { APIEmbed } from 'discord-api-types/v10';

import type { Article } from '../../src/articles/article.ts';
import type { DigestContent } from '../../src/digest/content.ts';
import type { DigestEngine } from '../../src/digest/selection.ts';
import { digestReference, type DigestMessageBody } from '../../src/discord/renderDigest.ts';
import type { DigestQuery } from '../../src/search/types.ts';

const HOUR_MS = 3_600_000;

export interface CorpusOptions {
  /** First publication instant. */
  start: number;
  /** Articles published, one every `everyMs`. */
  count: number;
  everyMs?: number;
}

/**
 * Articles `a0…` published every `everyMs` (default 1 h), alternating topics Science / Politics. Every
 * article with an odd index shares its story with the article before it (a follow-up of the same story).
 */
export function makeCorpus({ start, count, everyMs = HOUR_MS }: CorpusOptions): Article[] {
  return Array.from({ length: count }, (_, index): Article => {
    const topic = index % 2 === 0 ? 'Science' : 'Politics';
    return {
      id: `a${index}`,
      title: `Article ${index}`,
      excerpt: `Excerpt of article ${index}`,
      body: '',
      webUrl: `https://news.example/${index}`,
      publishedAt: start + index * everyMs,
      provider: { name: 'Example News', domain: 'news.example' },
      topics: [topic],
      topicKeys: [topic.toLowerCase()],
      images: [],
      quality: (index * 37) % 101,
      heat: (index * 7919) % 1000,
      published: true,
      type: 'article',
      related: [],
      relatedCount: 0,
      path: `story-${Math.floor(index / 2)}/a${index}.md`,
    };
  });
}

/** The story id is the folder of the article's path in this corpus. */
export function storyOf(article: Article): string {
  return article.path.split('/')[0] ?? article.id;
}

/** What the engine's selectDigest does, simply: window, topics, quality, exclusions, hottest first, one per story. */
export function selectFrom(articles: readonly Article[]) {
  return (query: DigestQuery): Article[] => {
    const topics = new Set((query.topics ?? []).map((topic) => topic.toLowerCase()));
    return articles
      .filter((article) => article.published)
      .filter(
        (article) =>
          article.publishedAt !== null &&
          article.publishedAt >= query.since &&
          article.publishedAt < query.until,
      )
      .filter((article) => topics.size === 0 || article.topicKeys.some((key) => topics.has(key)))
      .filter((article) => query.minQuality === undefined || (article.quality ?? 0) >= query.minQuality)
      .filter((article) => !query.excludeIds?.has(article.id))
      .filter((article) => !query.excludeStories?.has(storyOf(article)))
      .sort((a, b) => (b.heat ?? 0) - (a.heat ?? 0) || a.id.localeCompare(b.id))
      .filter(
        (article, index, sorted) =>
          sorted.findIndex((other) => storyOf(other) === storyOf(article)) === index,
      )
      .slice(0, query.limit);
  };
}

/** The engine port over a fixed list of articles. */
export function engineOver(articles: readonly Article[]): DigestEngine {
  return {
    selectDigest: selectFrom(articles),
    storyOf,
    get: (id) => articles.find((article) => article.id === id),
  };
}

/** A plain renderer, so these tests read the selection, not the real renderer's layout. */
export function renderDigest(content: DigestContent): DigestMessageBody {
  const heading =
    content.title.kind === 'server' ? 'Today in the news' : `Your ${content.title.topic} digest`;
  const embeds: APIEmbed[] = content.articles.map((article) => ({
    title: article.title,
    url: article.webUrl,
  }));
  // The reference the delivery looks for after a restart, as the real renderer writes it.
  const last = embeds.at(-1);
  if (last) embeds[embeds.length - 1] = { ...last, footer: { text: digestReference(content) } };
  return { content: heading, embeds };
}
