import type { Article } from '../articles/article.ts';
import type { Library } from '../search/library.ts';
import type { Notice } from '../search/notices.ts';
import { DEFAULT_LIMIT } from '../search/paging.ts';
import { DAY_MS } from '../search/ranking.ts';

export interface DigestPreview {
  title: string;
  notices: Notice[];
  articles: Article[];
}

/** Parse a `YYYY-MM-DD` calendar day as UTC midnight; null when it is not a real date. */
export function parseDay(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().slice(0, 10) === value.trim() ? ms : null;
}

/**
 * What the daily digest holds for a day (UTC) or, without a day, for the last 24 hours. An archive
 * corpus has nothing that recent, so the preview then shows the 24 hours up to its newest article.
 */
export function previewDigest(
  library: Library,
  options: {
    day?: number | undefined;
    topic?: string | undefined;
    limit?: number | undefined;
    now?: number | undefined;
  },
): DigestPreview {
  const limit = options.limit ?? DEFAULT_LIMIT;
  const typedTopic = options.topic?.trim() || undefined;
  const topic = typedTopic === undefined ? undefined : library.resolveTopic(typedTopic);
  let until = options.day !== undefined ? options.day + DAY_MS : (options.now ?? Date.now());
  const dayOf = (end: number) => new Date(end - 1).toISOString().slice(0, 10);
  if (typedTopic !== undefined && !topic) {
    return {
      title: `Digest for ${dayOf(until)} · ${typedTopic}`,
      notices: [{ kind: 'unknown-topic', name: typedTopic }],
      articles: [],
    };
  }
  const notices: Notice[] = [];
  if (typedTopic !== undefined && topic && !topic.exact) {
    notices.push({ kind: 'topic-guessed', typed: typedTopic, name: topic.name });
  }
  const topics = topic ? [topic.name] : undefined;
  let articles = library.selectDigest({ since: until - DAY_MS, until, limit, topics });
  if (!articles.length && options.day === undefined) {
    const newest = library.newest()?.publishedAt;
    if (newest) {
      until = newest + 1;
      articles = library.selectDigest({ since: until - DAY_MS, until, limit, topics });
      notices.push({ kind: 'digest-newest-day', newest });
    }
  }
  if (!articles.length) notices.splice(0, notices.length, { kind: 'digest-empty' });
  return { title: `Digest for ${dayOf(until)}${topic ? ` · ${topic.name}` : ''}`, notices, articles };
}
