import type { Article, RelatedLink } from '../articles/article.ts';
import { articleIdFromUrl, normalizeUrl, topicKey } from '../articles/normalize.ts';
import { splitWords } from './analyzer.ts';
import { SearchSignals } from './ranking.ts';
import { Scorer, topK } from './scorer.ts';
import { makeSegment, type Segment } from './segments.ts';
import { storyIdOf } from './stories.ts';
import { buildPrefixTable, POPULAR_SIZE, SuggestionIndex, type PrefixTable } from './suggestions.ts';
import { buildTextIndex, type TextIndexData } from './textIndex.ts';
import { Vocabulary } from './vocabulary.ts';

/** What the library derives from the articles alone; saved with the warm-start snapshot. */
export interface LibraryDerived {
  stories: string[];
  prefixTable: PrefixTable;
  /** The catalog's per-doc tables, when they were worked out already (a snapshot saves them). */
  tables?: CatalogTables;
}

/**
 * The catalog's tables that are pure functions of the articles and their stories. A build works them
 * out (catalogTables) and the snapshot saves them, so a warm start computes none of them: at 100k
 * articles they were a third of a second on the main thread, and most of the garbage it collected.
 */
export interface CatalogTables {
  /** 1 for a published doc. */
  live: Uint8Array;
  liveCount: number;
  maxHeat: number;
  /** Live docs with a date, oldest first. */
  dated: Int32Array;
  storyNumbers: Int32Array;
  storyCount: number;
  /** Docs in order of their ids (equal ids by doc), for lookups by id without a table. */
  idOrder: Uint32Array;
  /** Docs in order of their story ids (equal ones by doc), for lookups by story. */
  storyOrder: Uint32Array;
  /** Each topic's key, display name and live docs (ascending), in the order topics first appear. */
  topics: Array<{ key: string; name: string; docs: Int32Array }>;
  /** The most popular live docs, best first. */
  popular: number[];
  /** Each doc's heat and publication time, NaN where it has none (what search ranks by). */
  heat: Float64Array;
  publishedAt: Float64Array;
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
  /** Live docs in the topic, ascending. */
  docs: Int32Array;
}

/** Article id → doc. */
export interface DocLookup {
  get(id: string): number | undefined;
}

/**
 * The library's tables, shared by search, browsing and related reading. Docs are positions in `list`;
 * `live` says which may be recommended (`published: false` articles are kept for lookups only).
 * A library that changed while running lists its base segment's docs first, then its fresh segment's;
 * docs whose articles left or changed since are `removed` (tombstones): never live, never looked up.
 */
export interface Catalog {
  /** Article per doc, docs `0 .. docCount-1` (a reloaded library shares a longer list with later ones). */
  readonly list: readonly Article[];
  readonly docCount: number;
  readonly segments: readonly Segment[];
  /** Articles in the library: `list` less the removed docs. */
  readonly size: number;
  /** 1 for a doc whose article left the library or changed since; null when none did. */
  readonly removed: Uint8Array | null;
  readonly byId: DocLookup;
  /** A doc by exact title (case, accents and punctuation aside). */
  readonly byTitle: (title: string) => number | undefined;
  readonly live: Uint8Array;
  readonly liveCount: number;
  /** Story id per doc: syndicated copies share one. */
  readonly stories: readonly string[];
  /** A doc of the loaded library (the base segment, once reloaded) with this story id. */
  readonly byStory: DocLookup;
  /** The same stories as small numbers, so counting distinct stories needs no strings. */
  readonly storyNumbers: Int32Array;
  readonly storyCount: number;
  readonly maxHeat: number;
  /** Each doc's heat and date as search ranks them. */
  readonly signals: SearchSignals;
  /** Live docs with a date, oldest first: time windows are binary searches. */
  readonly dated: Int32Array;
  readonly topicIndex: ReadonlyMap<string, TopicEntry>;
  readonly vocabulary: Vocabulary;
  readonly scorer: Scorer;
  readonly suggestions: SuggestionIndex;
  readonly prefixTable: PrefixTable;
  /** The most popular live docs, best first (autocomplete with nothing typed). */
  readonly popular: readonly number[];
  readonly curatedLinksOf: (article: Article) => RelatedLink[];
}

/** A table made from a catalog when first asked for, and kept as long as the catalog lives. */
export function perCatalog<T>(make: (catalog: Catalog) => T): (catalog: Catalog) => T {
  const made = new WeakMap<Catalog, T>();
  return (catalog) => {
    let table = made.get(catalog);
    if (table === undefined) made.set(catalog, (table = make(catalog)));
    return table;
  };
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

/** Story ids as small numbers, and the table that numbered them (a reload numbers new stories on). */
export function numberStories(stories: readonly string[]): {
  numbers: Int32Array;
  ids: Map<string, number>;
} {
  const ids = new Map<string, number>();
  const numbers = new Int32Array(stories.length);
  for (let doc = 0; doc < stories.length; doc++) {
    const story = stories[doc]!;
    let id = ids.get(story);
    if (id === undefined) ids.set(story, (id = ids.size));
    numbers[doc] = id;
  }
  return { numbers, ids };
}

function buildTopics(articles: readonly Article[]): CatalogTables['topics'] {
  const topicDocs = new Map<string, { name: string; docs: number[] }>();
  const spellings = new Map<string, Map<string, number>>();
  articles.forEach((article, doc) => {
    if (!article.published) return;
    article.topicKeys.forEach((key, i) => {
      const form = article.topics[i] ?? key;
      let entry = topicDocs.get(key);
      if (!entry) topicDocs.set(key, (entry = { name: form, docs: [] }));
      entry.docs.push(doc);
      const forms = spellings.get(key) ?? new Map<string, number>();
      forms.set(form, (forms.get(form) ?? 0) + 1);
      spellings.set(key, forms);
    });
  });
  // The display name of a topic is its most common spelling in the corpus.
  return [...topicDocs].map(([key, { name, docs }]) => {
    const best = [...spellings.get(key)!].sort((a, b) => b[1] - a[1])[0];
    return { key, name: best?.[0] ?? name, docs: Int32Array.from(docs) };
  });
}

/** The catalog's tables for `articles` (in order) with their story ids. */
export function catalogTables(articles: readonly Article[], stories: readonly string[]): CatalogTables {
  const live = new Uint8Array(articles.length);
  let maxHeat = 0;
  const dated: number[] = [];
  let liveCount = 0;
  const heat = new Float64Array(articles.length);
  const publishedAt = new Float64Array(articles.length);
  articles.forEach((article, doc) => {
    heat[doc] = article.heat ?? NaN;
    publishedAt[doc] = article.publishedAt ?? NaN;
    if (!article.published) return;
    live[doc] = 1;
    liveCount++;
    maxHeat = Math.max(maxHeat, article.heat ?? 0);
    if (article.publishedAt !== null) dated.push(doc);
  });
  dated.sort((a, b) => articles[a]!.publishedAt! - articles[b]!.publishedAt!);
  const { numbers, ids } = numberStories(stories);
  const idOrder = Uint32Array.from(articles.keys()).sort(
    (a, b) => compareIds(articles[a]!.id, articles[b]!.id) || a - b,
  );
  const storyOrder = Uint32Array.from(articles.keys()).sort(
    (a, b) => compareIds(stories[a]!, stories[b]!) || a - b,
  );
  return {
    live,
    liveCount,
    maxHeat,
    dated: Int32Array.from(dated),
    storyNumbers: numbers,
    storyCount: ids.size,
    idOrder,
    storyOrder,
    topics: buildTopics(articles),
    popular: popularDocs(articles, live, null),
    heat,
    publishedAt,
  };
}

const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Lookups by a key through `order` (docs sorted by `keyOf`, equal keys by doc): a binary search,
 * nothing to build. Gives the last doc with the key, as a table filled in doc order keeps it.
 */
export function sortedLookup(order: Uint32Array, keyOf: (doc: number) => string): DocLookup {
  return {
    get(key) {
      let lo = 0;
      let hi = order.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareIds(keyOf(order[mid]!), key) <= 0) lo = mid + 1;
        else hi = mid;
      }
      const doc = lo > 0 ? order[lo - 1]! : undefined;
      return doc !== undefined && keyOf(doc) === key ? doc : undefined;
    },
  };
}

export function buildCatalog(articles: Article[], options: LibraryOptions = {}): Catalog {
  const index = options.index ?? buildTextIndex(articles);
  const derived = options.derived ?? deriveTables(articles);
  const tables = derived.tables ?? catalogTables(articles, derived.stories);
  const { live, popular } = tables;
  const topicIndex = new Map<string, TopicEntry>(
    tables.topics.map(({ key, name, docs }) => [key, { name, docs }]),
  );
  const segments = [makeSegment(index, 0)];
  const catalog: Catalog = {
    list: articles,
    docCount: articles.length,
    segments,
    size: articles.length,
    removed: null,
    byId: sortedLookup(tables.idOrder, (doc) => articles[doc]!.id),
    byTitle: titleLookup(articles, live, null),
    live,
    liveCount: tables.liveCount,
    stories: derived.stories,
    byStory: sortedLookup(tables.storyOrder, (doc) => derived.stories[doc]!),
    storyNumbers: tables.storyNumbers,
    storyCount: tables.storyCount,
    maxHeat: tables.maxHeat,
    signals: SearchSignals.of(tables.heat, tables.publishedAt),
    dated: tables.dated,
    topicIndex,
    vocabulary: new Vocabulary(segments),
    scorer: new Scorer(segments, articles.length),
    suggestions: new SuggestionIndex(
      prefixArticles(articles, derived.prefixTable, tables.storyNumbers),
      articlesOnePerStory(articles, popular, tables.storyNumbers),
      [...topicIndex.entries()],
    ),
    prefixTable: derived.prefixTable,
    popular,
    curatedLinksOf: options.curatedLinks ?? ((article) => article.related),
  };
  return catalog;
}

/**
 * The prefix table with articles in place of doc numbers, as the suggestion index reads it. A row whose
 * doc array was seen before (a reload keeps the rows it did not change) reuses its articles.
 */
export function prefixArticles(
  list: readonly Article[],
  table: PrefixTable,
  storyNumbers: ArrayLike<number>,
  seen?: WeakMap<readonly number[], Article[]>,
): Map<string, Article[]> {
  return new Map(
    table.map(([prefix, docs]) => {
      let articles = seen?.get(docs);
      if (!articles) {
        articles = articlesOnePerStory(list, docs, storyNumbers);
        seen?.set(docs, articles);
      }
      return [prefix, articles];
    }),
  );
}

/** The articles of `docs` in order, each story's first only: syndicated copies are one title twice. */
export function articlesOnePerStory(
  list: readonly Article[],
  docs: readonly number[],
  storyNumbers: ArrayLike<number>,
): Article[] {
  const stories = new Set<number>();
  const articles: Article[] = [];
  for (const doc of docs) {
    const story = storyNumbers[doc]!;
    if (stories.has(story)) continue;
    stories.add(story);
    articles.push(list[doc]!);
  }
  return articles;
}

/** The `count` most popular live docs among `docs` (those marked in `removed` left out), best first. */
export function popularDocs(
  list: readonly Article[],
  live: Uint8Array,
  removed: Uint8Array | null,
  docs: Iterable<number> = list.keys(),
  count = POPULAR_SIZE,
): number[] {
  const candidates: number[] = [];
  for (const doc of docs) if (live[doc] && !removed?.[doc]) candidates.push(doc);
  return topK(candidates, count, (doc) => list[doc]!.heat ?? 0);
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
  return Array.from(dated.subarray(lowerBound(since), lowerBound(until)));
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

/**
 * Exact-title lookups are rare (ids come from autocomplete): the table is built on first use, over
 * `docs` (all of `list` by default) less the `removed` ones.
 */
export function titleLookup(
  list: readonly Article[],
  live: Uint8Array,
  removed: Uint8Array | null,
  docs: Iterable<number> = list.keys(),
): (title: string) => number | undefined {
  let byTitle: Map<string, number> | null = null;
  return (title) => {
    if (!byTitle) {
      byTitle = new Map<string, number>();
      for (const doc of docs) {
        if (removed?.[doc]) continue;
        const key = splitWords(list[doc]!.title).join(' ');
        const known = byTitle.get(key);
        // Prefer a live article when several share a title.
        if (known === undefined || (!live[known] && live[doc])) byTitle.set(key, doc);
      }
    }
    return byTitle.get(splitWords(title).join(' '));
  };
}

/** An article named by id, URL or exact title (what /related and the terminal accept). */
export function resolveArticle(catalog: Catalog, ref: string): number | undefined {
  const text = ref.trim().replace(/^<(.+)>$/, '$1');
  if (!text) return undefined;
  const byId = catalog.byId.get(text);
  if (byId !== undefined) return byId;
  const normalized = /^https?:\/\//i.test(text) ? normalizeUrl(text) : null;
  if (normalized) return catalog.byId.get(articleIdFromUrl(normalized));
  return catalog.byTitle(text);
}
