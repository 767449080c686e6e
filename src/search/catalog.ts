import type { Article, RelatedLink } from '../articles/article.ts';
import { articleIdFromUrl, normalizeUrl, topicKey } from '../articles/normalize.ts';
import { splitWords } from './analyzer.ts';
import { Scorer } from './scorer.ts';
import { storyIdOf } from './stories.ts';
import { buildPrefixTable, SuggestionIndex, type PrefixTable } from './suggestions.ts';
import { buildTextIndex, type TextIndexData } from './textIndex.ts';
import { Vocabulary } from './vocabulary.ts';

/** What the library derives from the articles alone; saved with the warm-start snapshot. */
export interface LibraryDerived {
  stories: string[];
  prefixTable: PrefixTable;
}

export interface LibraryOptions {
  /** Prebuilt index for `articles` (same order); built when absent. */
  index?: TextIndexData;
  /** Precomputed story ids and prefix table for `articles` (same order); computed when absent. */
  derived?: LibraryDerived;
  /** Reads an article's curated related list; defaults to `article.related`. */
  curatedLinks?: (article: Article) => RelatedLink[];
}

export interface TopicEntry {
  name: string;
  /** Live docs in the topic. */
  docs: number[];
}

/**
 * The library's tables, shared by search, browsing and related reading. Docs are positions in `list`;
 * `live` says which may be recommended (`published: false` articles are kept for lookups only).
 */
export interface Catalog {
  readonly list: readonly Article[];
  readonly index: TextIndexData;
  readonly byId: ReadonlyMap<string, number>;
  readonly live: Uint8Array;
  readonly liveCount: number;
  /** Story id per doc: syndicated copies share one. */
  readonly stories: readonly string[];
  /** The same stories as small numbers, so counting distinct stories needs no strings. */
  readonly storyNumbers: Int32Array;
  readonly storyCount: number;
  readonly maxHeat: number;
  /** Live docs with a date, oldest first: time windows are binary searches. */
  readonly dated: readonly number[];
  readonly topicIndex: ReadonlyMap<string, TopicEntry>;
  readonly vocabulary: Vocabulary;
  readonly scorer: Scorer;
  readonly suggestions: SuggestionIndex;
  readonly prefixTable: PrefixTable;
  readonly curatedLinksOf: (article: Article) => RelatedLink[];
}

/** Story ids and the autocomplete prefix table: pure functions of the articles, so they can be cached. */
export function deriveTables(articles: readonly Article[]): LibraryDerived {
  const titleWords = articles.map((article) => splitWords(article.title));
  const live = Uint8Array.from(articles, (article) => (article.published ? 1 : 0));
  return {
    stories: articles.map((article, doc) => storyIdOf(article, titleWords[doc])),
    prefixTable: buildPrefixTable(articles, titleWords, live),
  };
}

function numberStories(stories: readonly string[]): { numbers: Int32Array; count: number } {
  const ids = new Map<string, number>();
  const numbers = new Int32Array(stories.length);
  stories.forEach((story, doc) => {
    let id = ids.get(story);
    if (id === undefined) ids.set(story, (id = ids.size));
    numbers[doc] = id;
  });
  return { numbers, count: ids.size };
}

function buildTopicIndex(articles: readonly Article[]): Map<string, TopicEntry> {
  const topicIndex = new Map<string, TopicEntry>();
  const spellings = new Map<string, Map<string, number>>();
  articles.forEach((article, doc) => {
    if (!article.published) return;
    article.topicKeys.forEach((key, i) => {
      const form = article.topics[i] ?? key;
      let entry = topicIndex.get(key);
      if (!entry) topicIndex.set(key, (entry = { name: form, docs: [] }));
      entry.docs.push(doc);
      const forms = spellings.get(key) ?? new Map<string, number>();
      forms.set(form, (forms.get(form) ?? 0) + 1);
      spellings.set(key, forms);
    });
  });
  // The display name of a topic is its most common spelling in the corpus.
  for (const [key, forms] of spellings) {
    const best = [...forms].sort((a, b) => b[1] - a[1])[0];
    if (best) topicIndex.get(key)!.name = best[0];
  }
  return topicIndex;
}

export function buildCatalog(articles: Article[], options: LibraryOptions = {}): Catalog {
  const index = options.index ?? buildTextIndex(articles);
  const derived = options.derived ?? deriveTables(articles);
  const live = Uint8Array.from(articles, (article) => (article.published ? 1 : 0));
  const byId = new Map<string, number>();
  let maxHeat = 0;
  const dated: number[] = [];
  let liveCount = 0;
  articles.forEach((article, doc) => {
    byId.set(article.id, doc);
    if (!article.published) return;
    liveCount++;
    maxHeat = Math.max(maxHeat, article.heat ?? 0);
    if (article.publishedAt !== null) dated.push(doc);
  });
  dated.sort((a, b) => articles[a]!.publishedAt! - articles[b]!.publishedAt!);
  const topicIndex = buildTopicIndex(articles);
  const { numbers, count } = numberStories(derived.stories);
  return {
    list: articles,
    index,
    byId,
    live,
    liveCount,
    stories: derived.stories,
    storyNumbers: numbers,
    storyCount: count,
    maxHeat,
    dated,
    topicIndex,
    vocabulary: new Vocabulary(index),
    scorer: new Scorer(index),
    suggestions: new SuggestionIndex(articles, derived.prefixTable, live, [...topicIndex.entries()]),
    prefixTable: derived.prefixTable,
    curatedLinksOf: options.curatedLinks ?? ((article) => article.related),
  };
}

/** Live dated docs published in [since, until). */
export function docsInWindow(catalog: Catalog, since: number, until: number): number[] {
  const { dated, list } = catalog;
  const at = (doc: number) => list[doc]!.publishedAt!;
  const lowerBound = (time: number) => {
    let lo = 0;
    let hi = dated.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (at(dated[mid]!) < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return dated.slice(lowerBound(since), lowerBound(until));
}

/** A topic by key or name, and whether the name was exact; failing that, the best topic whose words start with what was typed. */
export function resolveTopic(
  catalog: Catalog,
  name: string,
): { key: string; name: string; exact: boolean } | undefined {
  const key = topicKey(name);
  const found = catalog.topicIndex.get(key);
  if (found) return { key, name: found.name, exact: true };
  const guess = catalog.suggestions.topics(name, 1)[0];
  return guess ? { key: topicKey(guess.value), name: guess.value, exact: false } : undefined;
}

/** Exact-title lookups are rare (ids come from autocomplete): the table is built on first use. */
export function titleLookup(catalog: Catalog): (title: string) => number | undefined {
  let byTitle: Map<string, number> | null = null;
  return (title) => {
    if (!byTitle) {
      byTitle = new Map<string, number>();
      catalog.list.forEach((article, doc) => {
        const key = splitWords(article.title).join(' ');
        const known = byTitle!.get(key);
        // Prefer a live article when several share a title.
        if (known === undefined || (!catalog.live[known] && catalog.live[doc])) byTitle!.set(key, doc);
      });
    }
    return byTitle.get(splitWords(title).join(' '));
  };
}

/** An article named by id, URL or exact title (what /related and the terminal accept). */
export function resolveArticle(
  catalog: Catalog,
  byTitle: (title: string) => number | undefined,
  ref: string,
): number | undefined {
  const text = ref.trim().replace(/^<(.+)>$/, '$1');
  if (!text) return undefined;
  const byId = catalog.byId.get(text);
  if (byId !== undefined) return byId;
  const normalized = /^https?:\/\//i.test(text) ? normalizeUrl(text) : null;
  if (normalized) return catalog.byId.get(articleIdFromUrl(normalized));
  return byTitle(text);
}
