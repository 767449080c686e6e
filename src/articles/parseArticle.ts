import yaml from 'js-yaml';
import type { z } from 'zod';
import type { Article, ArticleImage, RelatedLink } from './article.ts';
import { articleIdFromUrl, isHttpUrl, normalizeUrl, topicDisplay, topicKey } from './normalize.ts';
import { frontMatterSchema, imageSchema, LIMITS, relatedEntrySchema, type FrontMatter } from './schema.ts';

/** Search reads the lead of a body; the link carries the rest. Keeps caches and memory small. */
export const INDEXED_BODY_CHARS = 4_000;

export type ParseOutcome = { ok: true; article: Article; warnings: string[] } | { ok: false; reason: string };

const CLOSING_FENCE = /\r?\n---\r?(\n|$)/;

/**
 * Front matter and body, split exactly as gray-matter 4 splits a text whose first line is `---` (the
 * only texts that get here), without what it costs per call: a Buffer copy of the whole file, option
 * objects, a cache lookup keyed by the whole text (a fifth of parsing an article, measured). The front
 * matter runs to the first `\n---`, the body from after that line's break; front matter of nothing but
 * comments, or YAML that reads as nothing, is no fields. gray-matter would `eval` front matter opening
 * with `---js`; here there is no engine but YAML, through js-yaml 4's default schema (no
 * `!!js/function`, `__proto__` stays a plain key). test/parallelParse.test.ts compares the two.
 */
function onlyComments(front: string): boolean {
  // Its first visible character is kept unless it opens a comment: the replace is rarely needed.
  const first = front.search(/\S/);
  return first < 0 || (front[first] === '#' && front.replace(/^\s*#[^\n]+/gm, '').trim() === '');
}

export function splitFrontMatter(text: string): { data: unknown; content: string } {
  const afterOpening = text.slice(3);
  let closeIndex = afterOpening.indexOf('\n---');
  if (closeIndex === -1) closeIndex = afterOpening.length;
  const front = afterOpening.slice(0, closeIndex);
  const data: unknown = onlyComments(front) ? {} : yaml.load(front, { schema: yaml.DEFAULT_SCHEMA });
  let content = closeIndex === afterOpening.length ? '' : afterOpening.slice(closeIndex + 4);
  if (content[0] === '\r') content = content.slice(1);
  if (content[0] === '\n') content = content.slice(1);
  return { data: data ?? {}, content };
}

const EXPECTED_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of fields',
  date: 'a date',
};

function describeExpected(expected: readonly string[]): string {
  if (expected.includes('date')) return 'a date';
  if (expected.includes('string')) return 'text';
  return expected.map((type) => EXPECTED_WORDS[type] ?? type).join(' or ');
}

/** One zod issue as a sentence a corpus editor can act on: "title is missing", "topics must be a list". */
function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.join('.') || 'front matter';
  const missing = (message: string) => /received undefined/.test(message);
  switch (issue.code) {
    case 'invalid_type':
      return missing(issue.message)
        ? `${field} is missing`
        : `${field} must be ${describeExpected([issue.expected])}`;
    case 'invalid_union': {
      const alternatives = issue.errors.flat();
      if (alternatives.some((alternative) => missing(alternative.message))) return `${field} is missing`;
      const expected = alternatives.flatMap((alternative) =>
        alternative.code === 'invalid_type' ? [alternative.expected] : [],
      );
      return `${field} must be ${expected.length ? describeExpected(expected) : 'something else'}`;
    }
    case 'too_big':
      return issue.origin === 'array'
        ? `${field} has more than ${String(issue.maximum)} entries`
        : issue.message.startsWith('is ')
          ? `${field} ${issue.message}`
          : `${field} is too long (at most ${String(issue.maximum)})`;
    case 'too_small':
      return issue.origin === 'string'
        ? `${field} is empty`
        : `${field} is too small (at least ${String(issue.minimum)})`;
    default:
      return `${field} ${issue.message.replace(/^Invalid input:?\s*/i, 'is not valid ').trim()}`;
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 3).map(describeIssue).join('; ');
}

function describeYamlError(error: unknown): string {
  if (error instanceof RangeError) return 'front matter is nested too deeply to read';
  if (error instanceof yaml.YAMLException)
    return `front matter is not valid YAML: ${error.reason} (line ${error.mark.line + 1})`;
  return `front matter could not be read: ${error instanceof Error ? error.message : String(error)}`;
}

export interface ParseOptions {
  /**
   * `skip`: leave the curated `related` block out of the YAML parse and only count its entries. The
   * block is most of a real file's front matter (6× the parse time) and is read again on demand.
   */
  related?: 'parse' | 'skip';
}

/**
 * Cut a top-level `related:` block out of the front matter. A key at column 0 can only be a top-level
 * key in YAML (continuation lines of scalars are indented), so the block runs from that line to the
 * next line at column 0 or the closing `---`. Returns the shorter text and how many entries it had.
 */
function withoutRelatedBlock(text: string): { text: string; entries: number } {
  const start = text.includes('related:') ? text.search(/^related:/m) : -1;
  if (start < 0) return { text, entries: 0 };
  const rest = text.slice(start);
  const firstLineEnd = rest.indexOf('\n');
  const after = firstLineEnd < 0 ? '' : rest.slice(firstLineEnd + 1);
  const nextTopLevel = after.search(/^\S/m);
  const blockBody = nextTopLevel < 0 ? after : after.slice(0, nextTopLevel);
  const inline = (firstLineEnd < 0 ? rest : rest.slice(0, firstLineEnd)).slice('related:'.length).trim();
  const entries = (blockBody.match(/^ {0,4}- /gm) ?? []).length + (inline && inline !== '[]' ? 1 : 0);
  const end = start + (firstLineEnd < 0 ? rest.length : firstLineEnd + 1) + blockBody.length;
  return { text: text.slice(0, start) + text.slice(end), entries };
}

/** Parse one article file's text. Never throws: a bad file yields a reason a person can act on. */
export function parseArticle(source: string, path: string, options: ParseOptions = {}): ParseOutcome {
  const unmarked = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const firstLine = unmarked.slice(0, 200).split('\n', 1)[0]?.replace(/\r$/, '') ?? '';
  if (firstLine !== '---') {
    const shown = firstLine.length > 40 ? firstLine.slice(0, 40) + '…' : firstLine;
    return {
      ok: false,
      reason: `the first line must be exactly "---" to open the front matter (found ${JSON.stringify(shown)})`,
    };
  }

  const closing = unmarked.search(CLOSING_FENCE);
  if (closing < 0) {
    return {
      ok: false,
      reason: 'the front matter is never closed: add a line with exactly "---" after the last field',
    };
  }

  let text = unmarked;
  let skippedRelated: number | null = null;
  if (options.related === 'skip') {
    const cut = withoutRelatedBlock(unmarked.slice(0, closing + 1));
    text = cut.text + unmarked.slice(closing + 1);
    skippedRelated = cut.entries;
  }

  let data: unknown;
  let body: string;
  try {
    const parsed = splitFrontMatter(text);
    data = parsed.data;
    body = parsed.content;
  } catch (error) {
    return { ok: false, reason: describeYamlError(error) };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, reason: 'front matter is not a mapping of fields (title: …, webUrl: …)' };
  }

  const result = frontMatterSchema.safeParse(data);
  if (!result.success) return { ok: false, reason: describeIssues(result.error) };
  const outcome = buildArticle(result.data, body, path);
  if (outcome.ok && skippedRelated !== null) outcome.article.relatedCount = skippedRelated;
  return outcome;
}

function pickUrl(front: FrontMatter): { url: string; normalized: string } | null {
  for (const candidate of [front.webUrl, front.originalUrl]) {
    if (!candidate) continue;
    const normalized = normalizeUrl(candidate);
    if (normalized) return { url: candidate.trim(), normalized };
  }
  return null;
}

function buildArticle(front: FrontMatter, rawBody: string, path: string): ParseOutcome {
  const url = pickUrl(front);
  if (!url) {
    const given = front.webUrl ?? front.originalUrl;
    return {
      ok: false,
      reason: given
        ? `webUrl ${JSON.stringify(given.slice(0, 80))} is not an absolute http(s) URL`
        : 'webUrl is missing (an http(s) webUrl or originalUrl is required)',
    };
  }
  const warnings: string[] = [];
  const body = rawBody.trim();
  if (body.length > LIMITS.body)
    warnings.push(`body is over ${LIMITS.body} characters; only the start is searched`);

  const topics: string[] = [];
  const topicKeys: string[] = [];
  for (const raw of front.topics ?? []) {
    const key = topicKey(raw);
    if (!key || topicKeys.includes(key)) continue;
    topicKeys.push(key);
    topics.push(topicDisplay(raw));
  }

  const images: ArticleImage[] = [];
  for (const raw of (front.images ?? []).slice(0, LIMITS.images)) {
    const parsed = imageSchema.safeParse(raw);
    if (parsed.success && isHttpUrl(parsed.data.url)) {
      images.push({ url: parsed.data.url, width: parsed.data.width, height: parsed.data.height });
    }
  }

  const related: RelatedLink[] = [];
  let droppedRelated = 0;
  for (const raw of (front.related ?? []).slice(0, LIMITS.related)) {
    const parsed = relatedEntrySchema.safeParse(raw);
    if (!parsed.success || !isHttpUrl(parsed.data.webUrl) || !parsed.data.title.trim()) {
      droppedRelated++;
      continue;
    }
    related.push({
      title: parsed.data.title.trim(),
      webUrl: parsed.data.webUrl,
      excerpt: parsed.data.excerpt?.trim() || undefined,
      providerName: parsed.data.provider?.name?.trim() || undefined,
      publishedAt: parsed.data.publishedDateTime,
    });
  }
  if (droppedRelated)
    warnings.push(
      `${droppedRelated} related entr${droppedRelated === 1 ? 'y' : 'ies'} without a title or http(s) webUrl skipped`,
    );

  const host = new URL(url.url).hostname.replace(/^www\./, '');
  const heat = front.heat !== undefined && front.heat >= 0 ? front.heat : null;
  return {
    ok: true,
    warnings,
    article: {
      id: articleIdFromUrl(url.normalized),
      title: front.title,
      excerpt: front.excerpt ?? '',
      body: body.slice(0, INDEXED_BODY_CHARS),
      webUrl: url.url,
      publishedAt: front.publishedDateTime ?? null,
      provider: {
        name: front.provider?.name?.trim() || host,
        domain: front.provider?.domain?.trim() || host,
      },
      topics,
      topicKeys,
      images,
      quality: front.quality ?? null,
      heat,
      published: front.published ?? true,
      type: front.type ?? 'article',
      related,
      relatedCount: related.length,
      path,
    },
  };
}
