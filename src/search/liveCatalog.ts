import type { Article, RelatedLink } from '../articles/article.ts';
import { curatedLinksReader } from './curatedLinks.ts';
import { popularDocs, prefixArticles, titleLookup, type Catalog, type TopicEntry } from './catalog.ts';
import { Scorer, topK } from './scorer.ts';
import { makeSegment } from './segments.ts';
import { POPULAR_SIZE, SuggestionIndex, type PrefixTable } from './suggestions.ts';
import type { TextIndexData } from './textIndex.ts';
import { Vocabulary } from './vocabulary.ts';

/**
 * What one reload changes, as the reload worker describes it. Fresh articles live in slots: the fresh
 * segment's docs, in the order they came. A changed article's old slot dies and its new version takes a
 * new slot, so a slot keeps its doc number until the worker compacts the slots (many dead ones).
 */
export interface GenerationChange {
  /** Base articles (by id) that left the library or changed: tombstoned on the base for good. */
  tombstones: readonly string[];
  /** Fresh slots whose article left or changed. */
  deadSlots: readonly number[];
  /** Articles in the new slots, in slot order, with their story ids. */
  appended: ReadonlyArray<{ article: Article; story: string }>;
  /** The slots were renumbered: `appended` is every live fresh article and slots start again at 0. */
  compacted: boolean;
  /** The fresh segment over every slot (dead slots are empty docs); null: no slot; absent: unchanged. */
  segment?: { index: TextIndexData; prefixTable: PrefixTable } | null;
}

/** Prefix-table rows keep this many titles (as the base table does). */
const PREFIX_ROW = 25;
const RELATED_CACHE_SIZE = 200;
/** Appended articles handled per task when a change is prepared in slices. */
const APPEND_SLICE = 1_000;
/** Base docs copied per task when the builder prepares its tables. */
const PREPARE_SLICE = 10_000;
const RESERVE_SIZE = 250;

/**
 * Builds each generation of a library that changes while running. The base catalog (as loaded, one
 * segment) stays; articles that left or changed are tombstoned on it; the fresh segment sits after it.
 * Nothing here costs a pass over a plain array of every article: the article list and story ids are
 * shared by the generations and only grow (each generation reads its own first `docCount`), per-doc
 * flags and numbers are typed arrays copied whole (a memcpy), and the rest is in proportion to what
 * changed: a few milliseconds on the main thread at 100k articles.
 */
export class LiveCatalogBuilder {
  private readonly base: Catalog;
  private readonly baseSize: number;
  private prepared: Promise<void> | null = null;
  // Set by prepare():
  private list!: Article[];
  private stories!: string[];
  private live!: Uint8Array;
  private removed!: Uint8Array;
  private storyNumbers!: Int32Array;
  private dated!: Int32Array;
  private topicDocs!: Map<string, TopicEntry>;
  private liveCount!: number;
  /**
   * The base's hottest live docs, hottest first, less tombstones: the popular list and the base's
   * part of the maximum heat come from it, so removing a hot article costs no pass over the base.
   */
  private baseReserve!: number[];
  private baseStoryIds!: ReadonlyMap<string, number>;
  /** The highest heat among live fresh docs. */
  private freshMaxHeat = 0;
  /** Stories first seen in a fresh slot, numbered after the base's. */
  private readonly newStories = new Map<string, number>();
  private tombstoned = 0;
  private freshDocs = new Map<string, number>();
  private segment: GenerationChange['segment'] = null;
  private scorer: Scorer | undefined;
  /** Prefix-table rows already turned into articles (unchanged rows keep their doc arrays). */
  private readonly prefixRows = new WeakMap<readonly number[], Article[]>();

  constructor(
    base: Catalog,
    /** The corpus folder, to read fresh articles' curated links on demand; null when they are in memory. */
    private readonly articlesDir: string | null,
  ) {
    if (base.segments.length !== 1 || base.removed)
      throw new Error('a live library starts from a loaded one');
    this.base = base;
    this.baseSize = base.docCount;
  }

  /**
   * The builder's own copy of the base's tables (one pass over the base, in slices with `pause`
   * between them); started early by the caller, awaited by the first apply.
   */
  ready(pause?: () => Promise<void>): Promise<void> {
    return (this.prepared ??= this.prepare(pause));
  }

  private async prepare(pause?: () => Promise<void>): Promise<void> {
    const base = this.base;
    const B = this.baseSize;
    const heat = (doc: number) => base.list[doc]!.heat ?? 0;
    const list: Article[] = [];
    const stories: string[] = [];
    const storyIds = new Map<string, number>();
    const hottest: number[] = [];
    for (let start = 0; start < B; start += PREPARE_SLICE) {
      const end = Math.min(B, start + PREPARE_SLICE);
      const liveHere: number[] = [];
      for (let doc = start; doc < end; doc++) {
        list.push(base.list[doc]!);
        stories.push(base.stories[doc]!);
        storyIds.set(base.stories[doc]!, base.storyNumbers[doc]!);
        if (base.live[doc]) liveHere.push(doc);
      }
      hottest.push(...topK(liveHere, RESERVE_SIZE, heat));
      if (pause && end < B) await pause();
    }
    this.list = list;
    this.stories = stories;
    this.baseStoryIds = storyIds;
    this.baseReserve = topK(hottest, RESERVE_SIZE, heat);
    this.live = base.live.slice();
    this.removed = new Uint8Array(B);
    this.storyNumbers = base.storyNumbers.slice();
    this.dated = base.dated.slice();
    this.topicDocs = new Map(base.topicIndex);
    this.liveCount = base.liveCount;
  }

  /**
   * The next generation's catalog, with `change` applied. With `pause`, a large change is prepared in
   * slices with a pause between them (the list only grows past what the current generation reads, so
   * it keeps answering meanwhile); the last step, building the catalog, is one short task.
   */
  async apply(change: GenerationChange, pause?: () => Promise<void>): Promise<Catalog> {
    await this.ready(pause);
    const B = this.baseSize;
    const gone: number[] = [];
    for (const id of change.tombstones) {
      const doc = this.base.byId.get(id);
      if (doc === undefined || this.removed[doc]) continue;
      gone.push(doc);
    }
    if (change.compacted) this.restartFresh(gone);
    const freshDocs = change.compacted ? new Map<string, number>() : new Map(this.freshDocs);
    if (!change.compacted) {
      for (const slot of change.deadSlots) {
        const doc = B + slot;
        if (this.removed[doc]) continue;
        gone.push(doc);
        const id = this.list[doc]!.id;
        if (freshDocs.get(id) === doc) freshDocs.delete(id);
      }
    }

    const first = this.list.length;
    const appendedNumbers = new Int32Array(change.appended.length);
    const liveAdded: number[] = [];
    const datedAdded: number[] = [];
    const topicsAdded = new Map<string, { name: string; docs: number[] }>();
    let heatAdded = 0;
    for (let i = 0; i < change.appended.length; i++) {
      if (pause && i > 0 && i % APPEND_SLICE === 0) await pause();
      const { article, story } = change.appended[i]!;
      const doc = first + i;
      this.list.push(article);
      this.stories.push(story);
      freshDocs.set(article.id, doc);
      let number = this.baseStoryIds.get(story) ?? this.newStories.get(story);
      if (number === undefined)
        this.newStories.set(story, (number = this.base.storyCount + this.newStories.size));
      appendedNumbers[i] = number;
      if (!article.published) continue;
      liveAdded.push(doc);
      heatAdded = Math.max(heatAdded, article.heat ?? 0);
      if (article.publishedAt !== null) datedAdded.push(doc);
      article.topicKeys.forEach((key, t) => {
        let entry = topicsAdded.get(key);
        if (!entry) topicsAdded.set(key, (entry = { name: article.topics[t] ?? key, docs: [] }));
        entry.docs.push(doc);
      });
    }
    const list = this.list;
    datedAdded.sort((a, b) => list[a]!.publishedAt! - list[b]!.publishedAt!);
    // A big change gets its last two steps as tasks of their own too.
    const big = change.appended.length > APPEND_SLICE || gone.length > APPEND_SLICE;
    if (pause && big) await pause();

    const total = first + change.appended.length;
    const live = grow(this.live, total);
    const removed = grow(this.removed, total);
    const storyNumbers = grow(this.storyNumbers, total);
    storyNumbers.set(appendedNumbers, first);
    const touchedTopics = new Set<string>();
    let freshHeatGone = false;
    for (const doc of gone) {
      removed[doc] = 1;
      if (!live[doc]) continue;
      live[doc] = 0;
      this.liveCount--;
      if (doc >= B && (this.list[doc]!.heat ?? 0) >= this.freshMaxHeat) freshHeatGone = true;
      for (const key of this.list[doc]!.topicKeys) touchedTopics.add(key);
    }
    this.tombstoned += gone.filter((doc) => doc < B).length;
    for (const doc of liveAdded) live[doc] = 1;
    this.liveCount += liveAdded.length;
    for (const key of topicsAdded.keys()) touchedTopics.add(key);
    if (freshHeatGone) this.freshMaxHeat = this.highestHeat(freshDocs.values(), live);
    this.freshMaxHeat = Math.max(this.freshMaxHeat, heatAdded);
    this.dropFromReserve(removed);
    this.dated = mergeDated(this.dated, removed, datedAdded, (doc) => list[doc]!.publishedAt!);
    this.topicDocs = this.updateTopics(touchedTopics, removed, topicsAdded);
    this.live = live;
    this.removed = removed;
    this.storyNumbers = storyNumbers;
    this.freshDocs = freshDocs;
    if (change.segment !== undefined) this.segment = change.segment;
    if (pause && big) await pause();
    return this.catalog(total);
  }

  /** A fresh article the current generation holds, by id. */
  freshArticle(id: string): Article | undefined {
    const doc = this.freshDocs.get(id);
    return doc === undefined || this.removed[doc] ? undefined : this.list[doc];
  }

  private catalog(total: number): Catalog {
    const base = this.base;
    const B = this.baseSize;
    const { list, live, removed, segment, freshDocs } = this;
    const heat = (doc: number) => list[doc]!.heat ?? 0;
    const prefixTable = mergePrefixTables(base.prefixTable, removed, segment?.prefixTable ?? [], B, heat);
    const freshLive: number[] = [];
    for (const doc of freshDocs.values()) if (live[doc]) freshLive.push(doc);
    const popular = topK([...this.baseReserve.slice(0, POPULAR_SIZE), ...freshLive], POPULAR_SIZE, heat);
    const baseTop = this.baseReserve[0];
    const maxHeat = Math.max(baseTop === undefined ? 0 : heat(baseTop), this.freshMaxHeat);
    const segments = segment ? [base.segments[0]!, makeSegment(segment.index, B, 'sorted')] : base.segments;
    this.scorer = new Scorer(segments, total, this.scorer ?? base.scorer);
    const baseLookup = base.byId;
    const baseTitles = base.byTitle;
    const freshTitles = titleLookup(list, live, null, [...freshDocs.values()]);
    const topicIndex = this.topicDocs;
    return {
      list,
      docCount: total,
      segments,
      size: B - this.tombstoned + freshDocs.size,
      removed: this.tombstoned || total > B ? removed : null,
      byId: {
        get: (id) => {
          const doc = freshDocs.get(id) ?? baseLookup.get(id);
          return doc === undefined || removed[doc] ? undefined : doc;
        },
      },
      byTitle: (title) => {
        const doc = freshTitles(title) ?? baseTitles(title);
        return doc === undefined || removed[doc] ? undefined : doc;
      },
      live,
      liveCount: this.liveCount,
      stories: this.stories,
      storyNumbers: this.storyNumbers,
      storyCount: base.storyCount + this.newStories.size,
      maxHeat,
      dated: this.dated,
      topicIndex,
      vocabulary: new Vocabulary(segments),
      scorer: this.scorer,
      suggestions: new SuggestionIndex(
        prefixArticles(list, prefixTable, this.prefixRows),
        popular.map((doc) => list[doc]!),
        [...topicIndex.entries()],
      ),
      prefixTable,
      popular,
      curatedLinksOf: this.curatedLinks(freshDocs),
    };
  }

  /**
   * Slots renumbered: the fresh docs start again right after the base, in new arrays (generations
   * already handed out keep theirs). Every fresh doc of before leaves; the base's tombstones stay.
   */
  private restartFresh(gone: number[]): void {
    const B = this.baseSize;
    for (const doc of this.freshDocs.values()) if (!this.removed[doc]) gone.push(doc);
    // Mark them gone (in copies: generations handed out keep their arrays) so the tables drop them.
    const live = this.live.slice();
    const removed = this.removed.slice();
    for (const doc of gone) {
      removed[doc] = 1;
      if (live[doc]) {
        live[doc] = 0;
        this.liveCount--;
      }
    }
    const touched = new Set<string>();
    for (const doc of gone) for (const key of this.list[doc]!.topicKeys) touched.add(key);
    this.dated = mergeDated(this.dated, removed, [], () => 0);
    this.topicDocs = this.updateTopics(touched, removed, new Map());
    this.tombstoned += gone.filter((doc) => doc < B).length;
    this.dropFromReserve(removed);
    this.freshMaxHeat = 0;
    this.list = this.list.slice(0, B);
    this.stories = this.stories.slice(0, B);
    this.live = live.slice(0, B);
    this.removed = removed.slice(0, B);
    this.storyNumbers = this.storyNumbers.slice(0, B);
    gone.length = 0;
  }

  private highestHeat(docs: Iterable<number>, live: Uint8Array): number {
    let max = 0;
    for (const doc of docs) if (live[doc]) max = Math.max(max, this.list[doc]!.heat ?? 0);
    return max;
  }

  /** Tombstoned docs leave the reserve; one left shorter than the popular list is refilled (rare). */
  private dropFromReserve(removed: Uint8Array): void {
    if (!this.baseReserve.some((doc) => removed[doc])) return;
    const full = this.baseReserve.length === RESERVE_SIZE;
    this.baseReserve = this.baseReserve.filter((doc) => !removed[doc]);
    if (full && this.baseReserve.length < POPULAR_SIZE)
      this.baseReserve = popularDocs(
        this.list,
        this.base.live,
        removed,
        range(0, this.baseSize),
        RESERVE_SIZE,
      );
  }

  /** Topics whose docs changed: gone docs left out, appended live docs added at the end (docs ascend). */
  private updateTopics(
    touched: ReadonlySet<string>,
    removed: Uint8Array,
    added: ReadonlyMap<string, { name: string; docs: number[] }>,
  ): Map<string, TopicEntry> {
    if (!touched.size) return this.topicDocs;
    const topics = new Map(this.topicDocs);
    for (const key of touched) {
      const known = topics.get(key);
      const fresh = added.get(key)?.docs ?? [];
      const kept = known ? known.docs.filter((doc) => !removed[doc]) : new Int32Array(0);
      if (!kept.length && !fresh.length) {
        topics.delete(key);
        continue;
      }
      const docs = new Int32Array(kept.length + fresh.length);
      docs.set(kept);
      docs.set(fresh, kept.length);
      topics.set(key, { name: known?.name ?? added.get(key)!.name, docs });
    }
    return topics;
  }

  /** Fresh articles' curated links come from their current files, never from the base's cache. */
  private curatedLinks(freshDocs: ReadonlyMap<string, number>): (article: Article) => RelatedLink[] {
    const baseLinks = this.base.curatedLinksOf;
    if (!this.articlesDir) return baseLinks;
    const readLinks = curatedLinksReader(this.articlesDir, RELATED_CACHE_SIZE);
    return (article) => (freshDocs.has(article.id) ? readLinks(article) : baseLinks(article));
  }
}

function* range(from: number, to: number): Generator<number> {
  for (let doc = from; doc < to; doc++) yield doc;
}

/** A copy of `array` with room for `length` entries (new ones zero). */
function grow<T extends Uint8Array | Int32Array>(array: T, length: number): T {
  const next = new (array.constructor as new (length: number) => T)(length);
  next.set(array.subarray(0, Math.min(array.length, length)));
  return next;
}

/**
 * The dated docs less those now `removed`, with `added` (sorted by date) merged in: runs between the
 * insertion points are copied as blocks, so the cost is a memcpy plus a binary search per added doc.
 */
function mergeDated(
  dated: Int32Array,
  removed: Uint8Array,
  added: readonly number[],
  time: (doc: number) => number,
): Int32Array {
  let kept = dated;
  let dropped = 0;
  for (const doc of dated) if (removed[doc]) dropped++;
  if (dropped) {
    kept = new Int32Array(dated.length - dropped);
    let at = 0;
    for (const doc of dated) if (!removed[doc]) kept[at++] = doc;
  }
  if (!added.length) return kept;
  const merged = new Int32Array(kept.length + added.length);
  let from = 0;
  let out = 0;
  for (const doc of added) {
    const when = time(doc);
    let lo = from;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (time(kept[mid]!) <= when) lo = mid + 1;
      else hi = mid;
    }
    merged.set(kept.subarray(from, lo), out);
    out += lo - from;
    merged[out++] = doc;
    from = lo;
  }
  merged.set(kept.subarray(from), out);
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
  const extra = new Map(
    fresh.map(([prefix, docs]) => [prefix, docs.map((doc) => doc + docBase).filter((doc) => !removed[doc])]),
  );
  const merged: PrefixTable = [];
  for (const [prefix, docs] of base) {
    const added = extra.get(prefix);
    extra.delete(prefix);
    const hit = docs.some((doc) => removed[doc]);
    if (!added?.length && !hit) {
      merged.push([prefix, docs]);
      continue;
    }
    const pool = hit ? docs.filter((doc) => !removed[doc]) : [...docs];
    if (added) pool.push(...added);
    if (pool.length) merged.push([prefix, topK(pool, PREFIX_ROW, heat)]);
  }
  for (const row of extra) if (row[1].length) merged.push(row);
  return merged;
}
