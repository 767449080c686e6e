import type { Article, RelatedLink } from '../articles/article.ts';
import { readRelatedLinks } from '../articles/loadCorpus.ts';
import { popularDocs, prefixArticles, titleLookup, type Catalog, type TopicEntry } from './catalog.ts';
import { Scorer, topK } from './scorer.ts';
import { makeSegment } from './segments.ts';
import { POPULAR_SIZE, SuggestionIndex, type PrefixTable } from './suggestions.ts';
import type { TextIndexData } from './textIndex.ts';
import { Vocabulary } from './vocabulary.ts';

/** The articles added or changed since the base was loaded, indexed on their own (by the reload worker). */
export interface FreshSegment {
  /** In index order. */
  articles: Article[];
  index: TextIndexData;
  /** Story id per fresh doc. */
  stories: string[];
  /** The 1–2 letter autocomplete table over the fresh docs alone (fresh doc numbers). */
  prefixTable: PrefixTable;
}

/** Prefix-table rows keep this many titles (as the base table does). */
const PREFIX_ROW = 25;
const RELATED_CACHE_SIZE = 200;

/**
 * Builds each generation of a library that changes while running: the base catalog (as loaded, one
 * segment) stays; articles that left or changed are tombstoned on it for good; the fresh segment of
 * the moment sits after it. A generation costs copies of a few per-doc arrays and work in proportion
 * to the tombstones and the fresh segment, never a re-index of the base: at 100k articles, a few
 * milliseconds on the main thread.
 */
export class LiveCatalogBuilder {
  private readonly baseSize: number;
  /** Base docs tombstoned so far (1), cumulative. */
  private readonly removedBase: Uint8Array;
  private readonly removedDocs: number[] = [];
  /** Base tables less the tombstones, recomputed only when a tombstone touches them. */
  private baseDated: readonly number[];
  private basePopular: readonly number[];
  private baseMaxHeat: number;
  private baseLiveCount: number;
  /** Stories first seen in a fresh segment, numbered after the base's. */
  private readonly newStories = new Map<string, number>();
  private readonly baseStoryIds: ReadonlyMap<string, number>;
  private readonly baseTitles: (title: string) => number | undefined;

  constructor(
    private readonly base: Catalog,
    /** The corpus folder, to read fresh articles' curated links on demand; null when they are in memory. */
    private readonly articlesDir: string | null,
  ) {
    if (base.segments.length !== 1 || base.removed)
      throw new Error('a live library starts from a loaded one');
    this.baseSize = base.list.length;
    this.removedBase = new Uint8Array(this.baseSize);
    this.baseDated = base.dated;
    this.basePopular = base.popular;
    this.baseMaxHeat = base.maxHeat;
    this.baseLiveCount = base.liveCount;
    const storyIds = new Map<string, number>();
    base.storyNumbers.forEach((number, doc) => storyIds.set(base.stories[doc]!, number));
    this.baseStoryIds = storyIds;
    this.baseTitles = base.byTitle;
  }

  /** Base articles with these ids (removed, or replaced by a fresh version) leave the base for good. */
  tombstone(ids: Iterable<string>): void {
    const { list, live } = this.base;
    const fresh: number[] = [];
    for (const id of ids) {
      const doc = this.base.byId.get(id);
      if (doc === undefined || this.removedBase[doc]) continue;
      this.removedBase[doc] = 1;
      this.removedDocs.push(doc);
      fresh.push(doc);
    }
    if (!fresh.length) return;
    const gone = new Set(fresh);
    this.baseDated = this.baseDated.filter((doc) => !gone.has(doc));
    if (this.basePopular.some((doc) => gone.has(doc)))
      this.basePopular = popularDocs(list, live, this.removedBase);
    const liveGone = fresh.filter((doc) => live[doc]);
    this.baseLiveCount -= liveGone.length;
    if (liveGone.some((doc) => (list[doc]!.heat ?? 0) >= this.baseMaxHeat)) {
      let max = 0;
      for (let doc = 0; doc < this.baseSize; doc++)
        if (live[doc] && !this.removedBase[doc]) max = Math.max(max, list[doc]!.heat ?? 0);
      this.baseMaxHeat = max;
    }
  }

  /** The next generation: the base less its tombstones, plus `fresh`. */
  build(fresh: FreshSegment | null): Catalog {
    const base = this.base;
    const B = this.baseSize;
    const freshArticles = fresh?.articles ?? [];
    const F = freshArticles.length;
    const total = B + F;
    const list = F ? base.list.concat(freshArticles) : base.list;
    const removed = new Uint8Array(total);
    removed.set(this.removedBase);
    const live = new Uint8Array(total);
    live.set(base.live);
    for (const doc of this.removedDocs) live[doc] = 0;

    const freshIds = new Map<string, number>();
    const stories = F ? (base.stories as string[]).concat(fresh!.stories) : base.stories;
    const storyNumbers = new Int32Array(total);
    storyNumbers.set(base.storyNumbers);
    let liveCount = this.baseLiveCount;
    let maxHeat = this.baseMaxHeat;
    const freshDated: number[] = [];
    const freshByTopic = new Map<string, { name: string; docs: number[] }>();
    freshArticles.forEach((article, i) => {
      const doc = B + i;
      freshIds.set(article.id, doc);
      const story = fresh!.stories[i]!;
      let number = this.baseStoryIds.get(story) ?? this.newStories.get(story);
      if (number === undefined) this.newStories.set(story, (number = base.storyCount + this.newStories.size));
      storyNumbers[doc] = number;
      if (!article.published) return;
      live[doc] = 1;
      liveCount++;
      maxHeat = Math.max(maxHeat, article.heat ?? 0);
      if (article.publishedAt !== null) freshDated.push(doc);
      article.topicKeys.forEach((key, t) => {
        let entry = freshByTopic.get(key);
        if (!entry) freshByTopic.set(key, (entry = { name: article.topics[t] ?? key, docs: [] }));
        entry.docs.push(doc);
      });
    });
    freshDated.sort((a, b) => list[a]!.publishedAt! - list[b]!.publishedAt!);
    const dated = mergeSorted(this.baseDated, freshDated, (doc) => list[doc]!.publishedAt!);
    const topicIndex = this.topics(removed, freshByTopic);
    const heat = (doc: number) => list[doc]!.heat ?? 0;
    const prefixTable = mergePrefixTables(base.prefixTable, removed, fresh?.prefixTable ?? [], B, heat);
    const popular = topK(
      [...this.basePopular, ...freshDated, ...freshUndated(freshArticles, B)],
      POPULAR_SIZE,
      heat,
    );
    const segments = fresh ? [base.segments[0]!, makeSegment(fresh.index, B)] : base.segments;
    const removedBase = this.removedBase.slice();
    const baseLookup = base.byId;
    const baseTitles = this.baseTitles;
    const freshTitles = titleLookup(list, live, null, [...freshIds.values()]);
    return {
      list,
      segments,
      size: B - this.removedDocs.length + F,
      removed: this.removedDocs.length ? removed : null,
      byId: {
        get: (id) => {
          const doc = freshIds.get(id) ?? baseLookup.get(id);
          return doc === undefined || removed[doc] ? undefined : doc;
        },
      },
      byTitle: (title) => {
        const doc = freshTitles(title) ?? baseTitles(title);
        return doc === undefined || (doc < B && removedBase[doc]) ? undefined : doc;
      },
      live,
      liveCount,
      stories,
      storyNumbers,
      storyCount: base.storyCount + this.newStories.size,
      maxHeat,
      dated,
      topicIndex,
      vocabulary: new Vocabulary(segments),
      scorer: new Scorer(segments, total),
      suggestions: new SuggestionIndex(
        prefixArticles(list, prefixTable),
        popular.map((doc) => list[doc]!),
        [...topicIndex.entries()],
      ),
      prefixTable,
      popular,
      curatedLinksOf: this.curatedLinks(freshIds),
    };
  }

  /** The base's topics less tombstoned docs, plus the fresh docs; topics left empty disappear. */
  private topics(
    removed: Uint8Array,
    freshByTopic: ReadonlyMap<string, { name: string; docs: number[] }>,
  ): Map<string, TopicEntry> {
    const topicIndex = new Map(this.base.topicIndex);
    const touched = new Set(freshByTopic.keys());
    for (const doc of this.removedDocs) for (const key of this.base.list[doc]!.topicKeys) touched.add(key);
    for (const key of touched) {
      const known = this.base.topicIndex.get(key);
      const docs = known ? known.docs.filter((doc) => !removed[doc]) : [];
      const added = freshByTopic.get(key);
      if (added) docs.push(...added.docs);
      if (docs.length) topicIndex.set(key, { name: known?.name ?? added!.name, docs });
      else topicIndex.delete(key);
    }
    return topicIndex;
  }

  /** Fresh articles' curated links come from their current files, never from the base's cache. */
  private curatedLinks(freshIds: ReadonlyMap<string, number>): (article: Article) => RelatedLink[] {
    const baseLinks = this.base.curatedLinksOf;
    const dir = this.articlesDir;
    const recent = new Map<string, RelatedLink[]>();
    return (article) => {
      if (!freshIds.has(article.id) || !dir) return baseLinks(article);
      if (article.related.length || article.relatedCount === 0) return article.related;
      let links = recent.get(article.id);
      if (!links) {
        links = readRelatedLinks(dir, article) ?? [];
        recent.set(article.id, links);
        if (recent.size > RELATED_CACHE_SIZE) recent.delete(recent.keys().next().value!);
      }
      return links;
    };
  }
}

function* freshUndated(articles: readonly Article[], docBase: number): Generator<number> {
  for (const [i, article] of articles.entries())
    if (article.published && article.publishedAt === null) yield docBase + i;
}

/** Two ascending doc lists merged by `key`: one pass, slices between the (few) insertion points. */
function mergeSorted(
  large: readonly number[],
  small: readonly number[],
  key: (doc: number) => number,
): readonly number[] {
  if (!small.length) return large;
  const merged: number[] = [];
  let from = 0;
  for (const doc of small) {
    const at = key(doc);
    let lo = from;
    let hi = large.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (key(large[mid]!) <= at) lo = mid + 1;
      else hi = mid;
    }
    for (let i = from; i < lo; i++) merged.push(large[i]!);
    merged.push(doc);
    from = lo;
  }
  for (let i = from; i < large.length; i++) merged.push(large[i]!);
  return merged;
}

/** Each prefix's best titles over the base (less tombstones) and the fresh docs together. */
function mergePrefixTables(
  base: PrefixTable,
  removed: Uint8Array,
  fresh: PrefixTable,
  docBase: number,
  heat: (doc: number) => number,
): PrefixTable {
  const extra = new Map(fresh.map(([prefix, docs]) => [prefix, docs.map((doc) => doc + docBase)]));
  const merged: PrefixTable = [];
  for (const [prefix, docs] of base) {
    const added = extra.get(prefix);
    extra.delete(prefix);
    const hit = docs.some((doc) => removed[doc]);
    if (!added && !hit) {
      merged.push([prefix, docs]);
      continue;
    }
    const pool = hit ? docs.filter((doc) => !removed[doc]) : [...docs];
    if (added) pool.push(...added);
    if (pool.length) merged.push([prefix, topK(pool, PREFIX_ROW, heat)]);
  }
  for (const row of extra) merged.push(row);
  return merged;
}
