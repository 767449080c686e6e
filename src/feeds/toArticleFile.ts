import yaml from 'js-yaml';
import { articleIdFromUrl, normalizeUrl, topicDisplay, topicKey } from '../articles/normalize.ts';
import { parseArticle } from '../articles/parseArticle.ts';
import { LIMITS } from '../articles/schema.ts';
import type { FeedItem } from './parseFeed.ts';
import type { ItemProblem } from './problems.ts';
import { cutAtWord, htmlToPlainText, slugOf } from './text.ts';

export const EXCERPT_MAX = 400;
/** Dates outside these are typos (year 0, year 20240) and would not print as four-digit years. */
const EARLIEST = Date.UTC(1900, 0, 1);
const LATEST = Date.UTC(10_000, 0, 1);

/** What the feed's entry adds to every item, and where relative links are resolved. */
export interface FeedContext {
  feedTitle: string | null;
  /** The provider name the feeds list gives; the feed's title otherwise. */
  providerName?: string;
  topics?: readonly string[];
  /** The feed's own URL (after redirects): relative item links resolve against it. */
  baseUrl?: string;
}

/** An item made safe and complete, except its date, which the caller may have to supply. */
export interface ArticleFields {
  id: string;
  title: string;
  excerpt: string;
  webUrl: string;
  /** ms since the epoch; null when the item has no usable date. */
  publishedAt: number | null;
  provider: { name: string; domain: string };
  topics: string[];
  images: { url: string; width?: number; height?: number }[];
}

export type ItemOutcome =
  { ok: true; fields: ArticleFields; warnings: ItemProblem[] } | { ok: false; problem: ItemProblem };

/** How an item is named in the report: its title as text (converted once, by the caller), else its link. */
function label(item: FeedItem, plainTitle: string): string {
  if (plainTitle) return cutAtWord(plainTitle, 80);
  if (item.link) return cutAtWord(item.link, 120);
  return `item ${item.position}`;
}

/** An absolute http(s) URL within the length limit, or the reason it is not one. */
function httpUrl(raw: string, base: string | undefined): { url: string } | { reason: string } {
  let url: URL;
  try {
    url = new URL(raw.trim(), base);
  } catch {
    const relative = !base && !/^[a-z][a-z0-9+.-]*:/i.test(raw.trim());
    return {
      reason: relative
        ? `${JSON.stringify(raw.slice(0, 80))} is a relative link, and a feed read from a file has no URL to resolve it against`
        : `${JSON.stringify(raw.slice(0, 80))} is not a URL`,
    };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { reason: `${JSON.stringify(raw.slice(0, 80))} is not an http(s) link` };
  if (url.href.length > LIMITS.url) return { reason: `the link is longer than ${LIMITS.url} characters` };
  return { url: url.href };
}

function topicsOf(categories: readonly string[], configured: readonly string[]): string[] {
  const seen = new Set<string>();
  const topics: string[] = [];
  for (const raw of [...categories, ...configured]) {
    const topic = cutAtWord(topicDisplay(htmlToPlainText(raw)), LIMITS.topic);
    const key = topicKey(topic);
    if (!key || seen.has(key)) continue;
    seen.add(key);
    topics.push(topic);
    if (topics.length === LIMITS.topics) break;
  }
  return topics;
}

/**
 * One feed item → the fields of an article file. Rejected (with the reason) when it has no title
 * left once markup is stripped, or no http(s) link; links with other schemes (`javascript:`, `data:`)
 * never reach a file. Images that are not http(s) are dropped with a warning.
 */
export function articleFromItem(item: FeedItem, context: FeedContext): ItemOutcome {
  const plainTitle = item.title?.trim() ? htmlToPlainText(item.title) : '';
  const name = label(item, plainTitle);
  const reject = (code: ItemProblem['code'], message: string): ItemOutcome => ({
    ok: false,
    problem: { code, severity: 'rejected', item: name, message },
  });
  const warnings: ItemProblem[] = [];
  const warn = (code: ItemProblem['code'], message: string) =>
    warnings.push({ code, severity: 'warning', item: name, message });

  if (!item.title?.trim()) return reject('no-title', 'the item has no title');
  const title = cutAtWord(plainTitle, LIMITS.title);
  if (!title) return reject('markup-only-title', 'the title is only markup: no text is left without it');

  if (!item.link?.trim()) return reject('no-link', 'the item has no link');
  const link = httpUrl(item.link, context.baseUrl);
  if ('reason' in link) return reject('bad-link', link.reason);
  const normalized = normalizeUrl(link.url);
  if (!normalized)
    return reject('bad-link', `${JSON.stringify(link.url.slice(0, 80))} is not an http(s) link`);

  let publishedAt: number | null = null;
  if (item.date) {
    const ms = Date.parse(item.date);
    if (Number.isFinite(ms) && ms >= EARLIEST && ms < LATEST) publishedAt = Math.floor(ms / 1000) * 1000;
    else
      warn(
        'bad-date',
        `the date ${JSON.stringify(item.date.slice(0, 60))} is not a date; the fetch time is used`,
      );
  }

  const images: ArticleFields['images'] = [];
  let badImages = 0;
  for (const candidate of item.images) {
    const resolved = httpUrl(candidate.url, context.baseUrl);
    if ('reason' in resolved) {
      badImages++;
      continue;
    }
    if (images.length < LIMITS.images && !images.some((image) => image.url === resolved.url))
      images.push({ ...candidate, url: resolved.url });
  }
  if (badImages) warn('bad-image', `${badImages} image link(s) that are not http(s) dropped`);

  const domain = new URL(link.url).hostname.replace(/^www\./, '');
  const providerName =
    context.providerName?.trim() || (context.feedTitle ? htmlToPlainText(context.feedTitle) : '') || domain;
  return {
    ok: true,
    warnings,
    fields: {
      id: articleIdFromUrl(normalized),
      title,
      excerpt: item.summary ? cutAtWord(htmlToPlainText(item.summary), EXCERPT_MAX) : '',
      webUrl: link.url,
      publishedAt,
      provider: { name: cutAtWord(providerName, 200), domain },
      topics: topicsOf(item.categories, context.topics ?? []),
      images,
    },
  };
}

/** `2026-09-01T08:00:00Z`: UTC to the second, as the corpus writes instants. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `<YYYY-MM-DD>-<slug>-<id>.md`: the id makes the name unique and lets a re-import find the file. */
export function fileNameFor(fields: ArticleFields, publishedAt: number): string {
  return `${isoSeconds(publishedAt).slice(0, 10)}-${slugOf(fields.title)}-${fields.id}.md`;
}

/** An imported file's name: the id is its last eight characters before `.md`. */
export const IMPORTED_FILE_NAME = /^\d{4}-\d{2}-\d{2}-.+-([A-Za-z0-9_-]{8})\.md$/;

/** Double-quoted YAML (js-yaml escapes what YAML needs escaped: quotes, controls, U+2028…). */
const quoted = (value: string) =>
  yaml.dump(value, { quotingType: '"', forceQuotes: true, lineWidth: -1 }).trimEnd();

/** Plain where js-yaml would write it plain (names, topics), as the reference article does. */
const plainIfSafe = (value: string) => {
  const plain = yaml.dump(value, { lineWidth: -1 }).trimEnd();
  return plain === value ? plain : quoted(value);
};

/** The article file, field for field in the order of the reference article. */
export function renderArticleFile(fields: ArticleFields, publishedAt: number): string {
  const lines = ['---', 'category: news', `title: ${quoted(fields.title)}`];
  if (fields.excerpt) lines.push(`excerpt: ${quoted(fields.excerpt)}`);
  lines.push(
    `publishedDateTime: ${isoSeconds(publishedAt)}`,
    `webUrl: ${quoted(fields.webUrl)}`,
    'type: article',
    'heat: -1',
    'published: true',
    '',
    'provider:',
    `  name: ${plainIfSafe(fields.provider.name)}`,
    `  domain: ${plainIfSafe(fields.provider.domain)}`,
  );
  if (fields.topics.length)
    lines.push('', 'topics:', ...fields.topics.map((topic) => `  - ${plainIfSafe(topic)}`));
  if (fields.images.length) {
    lines.push('', 'images:');
    for (const image of fields.images) {
      lines.push(`  - url: ${quoted(image.url)}`);
      if (image.width) lines.push(`    width: ${image.width}`);
      if (image.height) lines.push(`    height: ${image.height}`);
    }
  }
  lines.push('---', '');
  return lines.join('\n');
}

/**
 * The loader's verdict on a rendered file, so nothing is written that `check-corpus` would refuse
 * (a cap we did not foresee, a host name over the provider limit): null when it loads as `fields.id`.
 */
export function loaderRejection(text: string, fileName: string, fields: ArticleFields): string | null {
  const outcome = parseArticle(text, fileName);
  if (!outcome.ok) return outcome.reason;
  if (outcome.article.id !== fields.id) return `the loader reads it as article ${outcome.article.id}`;
  return outcome.warnings[0] ?? null;
}
