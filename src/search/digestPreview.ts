import type { Article } from '../articles/article.ts';
import type { Library } from './library.ts';
import { DAY_MS } from './ranking.ts';

export interface DigestPreview {
  title: string;
  notice?: string;
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
  options: { day?: number; topic?: string; limit?: number; now?: number },
): DigestPreview {
  const limit = options.limit ?? 5;
  const topics = options.topic ? [options.topic] : undefined;
  let until = options.day !== undefined ? options.day + DAY_MS : (options.now ?? Date.now());
  let articles = library.selectDigest({ since: until - DAY_MS, until, limit, topics });
  let notice: string | undefined;
  if (!articles.length && options.day === undefined) {
    const newest = library.newest()?.publishedAt;
    if (newest) {
      until = newest + 1;
      articles = library.selectDigest({ since: until - DAY_MS, until, limit, topics });
      notice = `Nothing new in the last 24 hours; showing the 24 hours up to the newest article (${new Date(newest).toISOString().slice(0, 10)}).`;
    }
  }
  if (!articles.length) notice = 'Nothing to put in that digest: no live articles in that day.';
  const day = new Date(until - 1).toISOString().slice(0, 10);
  return { title: `Digest for ${day}${options.topic ? ` · ${options.topic}` : ''}`, notice, articles };
}
