/**
 * The outside judge's query sets (issue 13), drawn from a corpus folder with a seed, independent of the
 * engine: the corpus is read here with js-yaml and tokenised here; only lunr's stop-word list is shared.
 *
 *   known item, title     2 ordinary title words (title order)                 → the target URL, MRR@10
 *   known item, excerpt   3 ordinary excerpt words that are not in the title   → the target URL, MRR@10
 *   typo                  2 title words, two adjacent letters swapped in one word of 5+ letters
 *   half-typed            2 title words, the last (5+ letters) cut to 3 … n−2 letters
 *   topical               24 natural phrases, P@10 judged by the curators' topic labels
 *   related               recall@10 of the curated `related` links that are live corpus articles
 *
 * "Ordinary" word: not a stop word (lunr's list), letters only (so no numbers), at least 3 letters, in the
 * text (title or excerpt) of at least 3 corpus articles, and not the rarest word of its title (excerpt words:
 * of its excerpt); the two or three words are picked at random among them and kept in text order. Targets:
 * live articles whose title no other corpus article has, with an excerpt of 20+ words. Word counts and title
 * uniqueness are over every file of the corpus; only live articles (`published` not false) are targets or
 * related: the bot never recommends the others.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import yaml from 'js-yaml';
import lunr from 'lunr';
import { Rng } from './random.ts';

// ---------------------------------------------------------------- the corpus, as the judge reads it

export interface JudgeArticle {
  /** File name relative to the corpus folder. */
  file: string;
  url: string;
  title: string;
  excerpt: string;
  topics: string[];
  provider: string;
  publishedAt: number | null;
  live: boolean;
  /** The curated `related` entries' URLs (mostly outside the corpus). */
  relatedUrls: string[];
}

interface FrontMatter {
  title?: unknown;
  excerpt?: unknown;
  webUrl?: unknown;
  originalUrl?: unknown;
  publishedDateTime?: unknown;
  provider?: { name?: unknown };
  topics?: unknown;
  published?: unknown;
  related?: unknown;
}

const ARTICLE_FILE = /\.(md|markdown|txt)$/i;

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function instant(value: unknown): number | null {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : null;
}

function splitFrontMatter(source: string): { yamlText: string; endLine: number; lines: string[] } | null {
  const lines = source.split('\n');
  if (lines[0]?.replace(/\r$/, '') !== '---') return null;
  const end = lines.findIndex((line, i) => i > 0 && line.replace(/\r$/, '') === '---');
  if (end < 0) return null;
  return { yamlText: lines.slice(1, end).join('\n'), endLine: end, lines };
}

/** Every article file of `dir` (recursively), parsed without the engine's loader. Unreadable files are skipped. */
export function readJudgeCorpus(dir: string): JudgeArticle[] {
  const out: JudgeArticle[] = [];
  const files = (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => ARTICLE_FILE.test(f) && !path.basename(f).startsWith('.'))
    .sort();
  for (const file of files) {
    const parts = splitFrontMatter(fs.readFileSync(path.join(dir, file), 'utf8'));
    if (!parts) continue;
    let data: FrontMatter;
    try {
      data = (yaml.load(parts.yamlText) ?? {}) as FrontMatter;
    } catch {
      continue;
    }
    const url = text(data.webUrl) || text(data.originalUrl);
    if (!url || !text(data.title)) continue;
    const related = Array.isArray(data.related) ? (data.related as { webUrl?: unknown }[]) : [];
    out.push({
      file,
      url,
      title: text(data.title),
      excerpt: text(data.excerpt),
      topics: Array.isArray(data.topics) ? data.topics.map(String) : [],
      provider: text(data.provider?.name),
      publishedAt: instant(data.publishedDateTime),
      live: data.published !== false,
      relatedUrls: related.map((r) => text(r?.webUrl)).filter(Boolean),
    });
  }
  return out;
}

/** The corpus README's URL key: lower-case host without www., no fragment, no utm_*, no trailing slash. */
export function urlKey(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase().replace(/^www\./, '');
  const params = [...url.searchParams].filter(([k]) => !k.toLowerCase().startsWith('utm_'));
  const query = params.length ? `?${new URLSearchParams(params).toString()}` : '';
  return `${host}${url.port ? `:${url.port}` : ''}${url.pathname.replace(/\/+$/, '')}${query}`;
}

/** Front matter without its top-level `related:` block (the key and every line up to the next key). */
export function stripRelated(source: string): string {
  const parts = splitFrontMatter(source);
  if (!parts) return source;
  const kept: string[] = [];
  let skipping = false;
  parts.lines.forEach((line, i) => {
    if (i > 0 && i < parts.endLine) {
      if (/^related\s*:/.test(line)) skipping = true;
      else if (skipping && /^[^\s#-]/.test(line)) skipping = false;
      if (skipping) return;
    }
    kept.push(line);
  });
  return kept.join('\n');
}

/**
 * A copy of the corpus with every `related:` block removed, in a temp folder named after the corpus (so
 * Broadsheet, its terminal pipe and the peers never see a curated list). Each stripped file is checked to
 * parse to the same front matter minus `related`. Returns the folder.
 */
export function writeStrippedCopy(corpusDir: string): { dir: string; files: number; stripped: number } {
  const absolute = path.resolve(corpusDir);
  const hash = createHash('sha1').update(absolute).digest('hex').slice(0, 10);
  const dir = path.join(os.tmpdir(), 'broadsheet-judge', `${path.basename(absolute)}-${hash}`);
  fs.rmSync(dir, { recursive: true, force: true });
  let files = 0;
  let stripped = 0;
  for (const file of fs.readdirSync(absolute, { recursive: true }) as string[]) {
    const from = path.join(absolute, file);
    if (!ARTICLE_FILE.test(file) || !fs.statSync(from).isFile()) continue;
    const source = fs.readFileSync(from, 'utf8');
    const result = stripRelated(source);
    if (result !== source) {
      stripped++;
      const before = yaml.load(splitFrontMatter(source)?.yamlText ?? '') as Record<string, unknown>;
      const after = yaml.load(splitFrontMatter(result)?.yamlText ?? '') as Record<string, unknown>;
      const { related: _related, ...rest } = before;
      if (JSON.stringify(rest) !== JSON.stringify(after) || 'related' in after) {
        throw new Error(`stripping related: changed more than the related block of ${file}`);
      }
    }
    const to = path.join(dir, file);
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.writeFileSync(to, result);
    files++;
  }
  return { dir, files, stripped };
}

// ---------------------------------------------------------------- words

/** Lower-case words as a person retypes them: letter/digit runs, `'s` dropped, other apostrophes kept inside. */
export function judgeTokens(textValue: string): string[] {
  return (textValue.toLowerCase().match(/[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu) ?? []).map((w) =>
    w.replace(/['’]s$/u, ''),
  );
}

/** Title identity: case, spacing and punctuation ignored. */
export function titleKey(title: string): string {
  return judgeTokens(title.normalize('NFKC')).join(' ');
}

export function isStopWord(word: string): boolean {
  return !lunr.stopWordFilter(new lunr.Token(word, {}));
}

/** Whitespace-separated words that hold a letter or digit. */
function wordCount(textValue: string): number {
  return textValue.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

/** Document frequency of each word in the title + excerpt of the given articles. */
export function documentFrequencies(articles: readonly JudgeArticle[]): Map<string, number> {
  const df = new Map<string, number>();
  for (const a of articles) {
    for (const w of new Set([...judgeTokens(a.title), ...judgeTokens(a.excerpt)])) {
      df.set(w, (df.get(w) ?? 0) + 1);
    }
  }
  return df;
}

/**
 * The ordinary words of a text, distinct, in order of first appearance: letters only, 3+ letters, not a
 * stop word, df ≥ 3, and not the text's rarest word (the first of its non-stop words with the lowest df).
 */
export function ordinaryWords(textValue: string, df: ReadonlyMap<string, number>): string[] {
  const words = [...new Set(judgeTokens(textValue))].filter((w) => !isStopWord(w));
  let rarest: string | undefined;
  for (const w of words) if (rarest === undefined || (df.get(w) ?? 0) < (df.get(rarest) ?? 0)) rarest = w;
  return words.filter((w) => w !== rarest && /^\p{L}{3,}$/u.test(w) && (df.get(w) ?? 0) >= 3);
}

/** `count` of the words at random, kept in their original order. */
function pickInOrder(rng: Rng, words: readonly string[], count: number): string[] | null {
  if (words.length < count) return null;
  const chosen = new Set(rng.sample(words, count));
  return words.filter((w) => chosen.has(w));
}

/** Two adjacent, different letters swapped at a random position; null when the word has none. */
export function swapAdjacent(rng: Rng, word: string): string | null {
  const chars = [...word];
  const positions = chars.flatMap((c, i) => (i + 1 < chars.length && c !== chars[i + 1] ? [i] : []));
  if (positions.length === 0) return null;
  const i = rng.pick(positions);
  [chars[i], chars[i + 1]] = [chars[i + 1]!, chars[i]!];
  return chars.join('');
}

/** The word cut to a random length in 3 … n−2 (so words of 5+ letters only). */
export function cutWord(rng: Rng, word: string): string | null {
  const chars = [...word];
  if (chars.length < 5) return null;
  return chars.slice(0, rng.int(3, chars.length - 2)).join('');
}

// ---------------------------------------------------------------- the sets

export type KnownItemKind = 'title' | 'excerpt' | 'typo' | 'half';

export interface KnownItemQuery {
  query: string;
  targetUrl: string;
  targetTitle: string;
  /** The words before the typo or the cut (for diagnosis). */
  intended: string;
}

export interface TopicalQuery {
  query: string;
  /** Labels as the curators write them; a result counts when it carries one (case and spacing ignored). */
  labels: string[];
}

export interface RelatedQuery {
  sourceUrl: string;
  sourceTitle: string;
  /** Live corpus articles the source's curated list links to. */
  relevantUrls: string[];
}

export interface JudgedSets {
  seed: number;
  known: Record<KnownItemKind, KnownItemQuery[]>;
  topical: TopicalQuery[];
  related: RelatedQuery[];
  stats: {
    live: number;
    targets: number;
    relatedSources: number;
    /** Curated related pairs whose two articles have the same title (another outlet's copy of the story). */
    relatedSameTitle: number;
  };
}

/**
 * Natural topical queries, written before looking at any engine's results: what a reader would type for
 * the topic, mostly not the topic's name. Labels in lower case stand for the same topic written in
 * the 2019 keyword style.
 */
export const TOPICAL_QUERIES: readonly TopicalQuery[] = [
  { query: 'medical diagnosis', labels: ['AI in Healthcare', 'artificial intelligence healthcare'] },
  { query: 'school closures', labels: ['Education Impact'] },
  {
    query: 'self-driving cars',
    labels: ['AI in Autos', 'artificial intelligence self driving', 'artificial intelligence driverless'],
  },
  { query: 'stock market sell-off', labels: ['Stock Impact'] },
  { query: 'airlines and tourism', labels: ['Travel Impact'] },
  { query: 'drugs and vaccine trials', labels: ['Treatment'] },
  { query: 'daily case counts', labels: ['New Cases'] },
  { query: 'banks fighting fraud', labels: ['AI in Finance', 'artificial intelligence bank'] },
  { query: 'facial recognition', labels: ['face recognition'] },
  { query: 'chatbots', labels: ['Bots'] },
  { query: 'image recognition', labels: ['Computer Vision', 'object recognition'] },
  { query: 'understanding human language', labels: ['Natural Language Processing'] },
  { query: 'warehouse robots', labels: ['AI in Robotics', 'Robotics', 'robotics artificial intelligence'] },
  { query: 'chips for AI', labels: ['AI Hardware'] },
  { query: 'algorithmic bias', labels: ['AI Ethics'] },
  { query: 'SQL databases', labels: ['Databases'] },
  { query: 'Kubernetes clusters', labels: ['Containers'] },
  { query: 'virtual machines', labels: ['Compute'] },
  { query: 'backup and file storage', labels: ['Storage'] },
  { query: 'cancelled concerts and sports events', labels: ['Events Impact'] },
  { query: 'Wuhan outbreak', labels: ['Coronavirus in China'] },
  { query: 'lockdown in Italy and Spain', labels: ['Coronavirus in Europe'] },
  { query: 'low-code apps', labels: ['Power Apps'] },
  { query: 'statistics and linear algebra', labels: ['Math for AI'] },
];

/** Topic label identity, as the curators' variants differ in case and spacing only. */
export function labelKey(label: string): string {
  return label.toLowerCase().replace(/\s+/g, ' ').trim();
}

export interface DrawOptions {
  seed: number;
  /** Queries per known-item set. */
  perSet: number;
  /** At most this many related-reading sources. */
  relatedCap: number;
}

/** Whether each live article may be a known-item target: a title no other file has, an excerpt of 20+ words. */
function targetTest(articles: readonly JudgeArticle[]): (a: JudgeArticle) => boolean {
  const titleCount = new Map<string, number>();
  for (const a of articles) titleCount.set(titleKey(a.title), (titleCount.get(titleKey(a.title)) ?? 0) + 1);
  return (a) => a.live && titleCount.get(titleKey(a.title)) === 1 && wordCount(a.excerpt) >= 20;
}

/** The words a title or excerpt query is drawn from: for excerpt queries, those not in the title. */
function drawableWords(
  a: JudgeArticle,
  field: 'title' | 'excerpt',
  df: ReadonlyMap<string, number>,
): string[] {
  if (field === 'title') return ordinaryWords(a.title, df);
  const inTitle = new Set(judgeTokens(a.title));
  return ordinaryWords(a.excerpt, df).filter((w) => !inTitle.has(w));
}

export function drawJudgedSets(articles: readonly JudgeArticle[], options: DrawOptions): JudgedSets {
  const live = articles.filter((a) => a.live);
  const df = documentFrequencies(articles);
  const targets = live.filter(targetTest(articles));

  const query = (a: JudgeArticle, words: string[], intended = words): KnownItemQuery => ({
    query: words.join(' '),
    targetUrl: a.url,
    targetTitle: a.title,
    intended: intended.join(' '),
  });
  const drawers: Record<KnownItemKind, (rng: Rng, a: JudgeArticle) => KnownItemQuery | null> = {
    title: (rng, a) => {
      const words = pickInOrder(rng, drawableWords(a, 'title', df), 2);
      return words && query(a, words);
    },
    excerpt: (rng, a) => {
      const words = pickInOrder(rng, drawableWords(a, 'excerpt', df), 3);
      return words && query(a, words);
    },
    typo: (rng, a) => {
      const words = pickInOrder(rng, ordinaryWords(a.title, df), 2);
      const long = (words ?? []).flatMap((w, i) => ([...w].length >= 5 ? [i] : []));
      if (!words || long.length === 0) return null;
      const i = rng.pick(long);
      const typo = swapAdjacent(rng, words[i]!);
      if (!typo) return null;
      return query(a, words.with(i, typo), words);
    },
    half: (rng, a) => {
      const words = pickInOrder(rng, ordinaryWords(a.title, df), 2);
      const cut = words && cutWord(rng, words[1]!);
      return cut ? query(a, [words[0]!, cut], words) : null;
    },
  };
  const known = {} as Record<KnownItemKind, KnownItemQuery[]>;
  for (const kind of Object.keys(drawers) as KnownItemKind[]) {
    const rng = new Rng(`judge:${options.seed}:${kind}`);
    const set: KnownItemQuery[] = [];
    for (const a of rng.sample(targets, targets.length)) {
      if (set.length >= options.perSet) break;
      const q = drawers[kind](rng, a);
      if (q) set.push(q);
    }
    known[kind] = set;
  }

  const byUrlKey = new Map<string, JudgeArticle>();
  for (const a of live) {
    const key = urlKey(a.url);
    if (key) byUrlKey.set(key, a);
  }
  const sources: RelatedQuery[] = [];
  for (const a of live) {
    const relevant = new Set<JudgeArticle>();
    for (const u of a.relatedUrls) {
      const b = byUrlKey.get(urlKey(u) ?? '');
      if (b && b !== a) relevant.add(b);
    }
    if (relevant.size === 0) continue;
    sources.push({ sourceUrl: a.url, sourceTitle: a.title, relevantUrls: [...relevant].map((b) => b.url) });
  }
  const related = new Rng(`judge:${options.seed}:related`).sample(sources, options.relatedCap);
  const titleOf = new Map(live.map((a) => [a.url, titleKey(a.title)]));
  const relatedSameTitle = related
    .map((r) => r.relevantUrls.filter((u) => titleOf.get(u) === titleOf.get(r.sourceUrl)).length)
    .reduce((x, y) => x + y, 0);

  return {
    seed: options.seed,
    known,
    topical: [...TOPICAL_QUERIES],
    related,
    stats: { live: live.length, targets: targets.length, relatedSources: sources.length, relatedSameTitle },
  };
}

// ---------------------------------------------------------------- reference points

/**
 * The issue's reference point: the live articles whose `field` holds every query word (the judge's tokens)
 * first, in random order. Returns, per query, the expected reciprocal rank of the target at cut-off `k`:
 * with m such articles, (1/m)·Σ_{r ≤ min(m, k)} 1/r; 0 when the target lacks a word.
 */
export function allWordsFirstExpectedRR(
  articles: readonly JudgeArticle[],
  field: 'title' | 'excerpt',
  queries: readonly { words: string[]; targetUrl: string }[],
  k = 10,
): number[] {
  const live = articles.filter((a) => a.live);
  const postings = new Map([...fieldPostings(live, field)].map(([w, list]) => [w, new Set(list)]));
  const indexOf = new Map(live.map((a, i) => [a.url, i]));
  return queries.map(({ words, targetUrl }) => {
    const lists = words.map((w) => postings.get(w) ?? new Set<number>()).sort((a, b) => a.size - b.size);
    const target = indexOf.get(targetUrl);
    if (target === undefined || !lists.every((l) => l.has(target))) return 0;
    let m = 0;
    for (const i of lists[0]!) if (lists.every((l) => l.has(i))) m++;
    let sum = 0;
    for (let r = 1; r <= Math.min(m, k); r++) sum += 1 / r;
    return sum / m;
  });
}

/**
 * The best any engine can expect on a title or excerpt set: articles ranked by the judge's own odds that
 * they were the target, ties in random order. Knowing how the sets are drawn, an article is the target of
 * a query of n words with odds 1 / C(m, n), m being the words it could have been drawn from (so 0 unless it
 * is a possible target holding the query's words in that order among them): a short title holding both
 * words is likelier than a long one. No ranking beats this on average over draws, as the target is drawn
 * uniformly. Per query, the expected reciprocal rank at cut-off `k`, as allWordsFirstExpectedRR.
 */
export function bestExpectedRR(
  articles: readonly JudgeArticle[],
  field: 'title' | 'excerpt',
  queries: readonly { words: string[]; targetUrl: string }[],
  k = 10,
): number[] {
  const df = documentFrequencies(articles);
  const isTarget = targetTest(articles);
  const live = articles.filter((a) => a.live);
  const postings = fieldPostings(live, field);
  const odds = (a: JudgeArticle, words: string[]): number => {
    if (!isTarget(a)) return 0;
    const drawable = drawableWords(a, field, df);
    let at = 0;
    for (const w of drawable) if (w === words[at]) at++;
    return at === words.length ? 1 / choose(drawable.length, words.length) : 0;
  };
  const indexOf = new Map(live.map((a, i) => [a.url, i]));
  return queries.map(({ words, targetUrl }) => {
    const target = indexOf.get(targetUrl);
    if (target === undefined) return 0;
    const mine = odds(live[target]!, words);
    if (mine === 0) return 0;
    const shortest = words.map((w) => postings.get(w) ?? []).sort((a, b) => a.length - b.length)[0]!;
    let above = 0;
    let tied = 0;
    for (const i of shortest) {
      const theirs = odds(live[i]!, words);
      if (theirs > mine) above++;
      else if (theirs === mine) tied++;
    }
    let sum = 0;
    for (let r = above + 1; r <= Math.min(above + tied, k); r++) sum += 1 / r;
    return sum / tied;
  });
}

function choose(n: number, r: number): number {
  let value = 1;
  for (let i = 0; i < r; i++) value = (value * (n - i)) / (i + 1);
  return value;
}

/** For each of the judge's tokens, the positions in `live` of the articles whose `field` holds it. */
function fieldPostings(live: readonly JudgeArticle[], field: 'title' | 'excerpt'): Map<string, number[]> {
  const postings = new Map<string, number[]>();
  live.forEach((a, i) => {
    for (const w of new Set(judgeTokens(a[field]))) {
      const list = postings.get(w);
      if (list) list.push(i);
      else postings.set(w, [i]);
    }
  });
  return postings;
}
