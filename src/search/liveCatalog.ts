import type { Article, RelatedLink } from '../articles/article.ts';
import { curatedLinksReader } from './curatedLinks.ts';
import {
  articlesOnePerStory,
  popularDocs,
  prefixArticles,
  titleLookup,
  type Catalog,
  type TopicEntry,
} from './catalog.ts';
import type { SearchSignals } from './ranking.ts';
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
/** A prefix row worked out again: from how many base docs left after tombstones, and which fresh ones. */
interface MergedRow {
  kept: number;
  added: string;
  docs: number[];
}

/** Loops offer `pause` a turn this often (it yields only once its task has run long enough). */
const PAUSE_EVERY = 256;
/** The builder offers `pause` a turn every this many base docs while it prepares its tables. */
const PREPARE_SLICE = 2_048;
const RESERVE_SIZE = 250;
/**
 * The scorer's per-doc arrays get this much room beyond the docs: one article added at a time then
 * reuses them for thousands of reloads instead of allocating (and later collecting) 800 KB each time.
 */
const SCORER_HEADROOM = 4_096;

/**
 * Offered between the steps of a change and every few hundred items of its loops. The caller decides
 * whether to yield (liveLibrary yields once a task has run a few ms), so a big batch never holds the
 * event loop for long and a small one costs no extra turns.
 */
export type Pause = () => Promise<void>;
const noPause: Pause = () => Promise.resolve();

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
  /** The highest heat among live fresh docs. */
  private freshMaxHeat = 0;
  /** Stories first seen in a fresh slot, numbered after the base's. */
  private readonly newStories = new Map<string, number>();
  private tombstoned = 0;
  private freshDocs = new Map<string, number>();
  private segment: GenerationChange['segment'] = null;
  private scorer: Scorer | undefined;
  private signals!: SearchSignals;
  /** The docs the scorer's arrays have room for. */
  private scorerCapacity = 0;
  /** The last generation's prefix rows that were worked out again (see mergePrefixTables). */
  private mergedRows = new Map<string, MergedRow>();
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
   * The builder's own copy of the base's tables (one pass over the base, offering `pause` a turn every
   * few thousand docs); started early by the caller, awaited by the first apply.
   */
  ready(pause: Pause = noPause): Promise<void> {
    return (this.prepared ??= this.prepare(pause));
  }

  private async prepare(pause: Pause): Promise<void> {
    const base = this.base;
    const B = this.baseSize;
    const heat = (doc: number) => base.list[doc]!.heat ?? 0;
    const list: Article[] = [];
    const stories: string[] = [];
    const hottest: number[] = [];
    for (let start = 0; start < B; start += PREPARE_SLICE) {
      const end = Math.min(B, start + PREPARE_SLICE);
      const liveHere: number[] = [];
      for (let doc = start; doc < end; doc++) {
        list.push(base.list[doc]!);
        stories.push(base.stories[doc]!);
        if (base.live[doc]) liveHere.push(doc);
      }
      hottest.push(...topK(liveHere, RESERVE_SIZE, heat));
      if (end < B) await pause();
    }
    this.list = list;
    this.stories = stories;
    this.baseReserve = topK(hottest, RESERVE_SIZE, heat);
    this.live = base.live.slice();
    this.removed = new Uint8Array(B);
    this.storyNumbers = base.storyNumbers.slice();
    this.dated = base.dated.slice();
    this.topicDocs = new Map(base.topicIndex);
    this.liveCount = base.liveCount;
    this.signals = base.signals;
  }

  /**
   * The next generation's catalog, with `change` applied, prepared in steps with `pause` offered
   * between them and within their loops (the list only grows past what the current generation reads,
   * and every table the current generation holds is left as it is, so it keeps answering meanwhile);
   * the last step, building the catalog, is one short task.
   */
  async apply(change: GenerationChange, pause: Pause = noPause): Promise<Catalog> {
    await this.ready(pause);
    const B = this.baseSize;
    const gone: number[] = [];
    // A base lookup is a binary search over the snapshot's ids (about 6 µs): a burst of 5,000 files
    // brings 5,000 of them, 30 ms in one task unless it pauses.
    for (const [i, id] of change.tombstones.entries()) {
      if (i > 0 && i % PAUSE_EVERY === 0) await pause();
      const doc = this.base.byId.get(id);
      if (doc === undefined || this.removed[doc]) continue;
      gone.push(doc);
    }
    if (change.compacted) await this.restartFresh(gone, pause);
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
      if (i > 0 && i % PAUSE_EVERY === 0) await pause();
      const { article, story } = change.appended[i]!;
      const doc = first + i;
      this.list.push(article);
      this.stories.push(story);
      freshDocs.set(article.id, doc);
      const baseDoc = this.base.byStory.get(story);
      let number = baseDoc !== undefined ? this.base.storyNumbers[baseDoc] : this.newStories.get(story);
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
    await pause();

    const total = first + change.appended.length;
    const live = grow(this.live, total);
    const removed = grow(this.removed, total);
    const storyNumbers = grow(this.storyNumbers, total);
    storyNumbers.set(appendedNumbers, first);
    await pause();
    const touchedTopics = new Set<string>();
    /** Topics that lost a doc: only their doc lists are filtered (the others are appended to, or kept). */
    const lostTopics = new Set<string>();
    let liveGone = 0;
    let freshHeatGone = false;
    for (const doc of gone) {
      removed[doc] = 1;
      if (!live[doc]) continue;
      live[doc] = 0;
      liveGone++;
      this.liveCount--;
      if (doc >= B && (this.list[doc]!.heat ?? 0) >= this.freshMaxHeat) freshHeatGone = true;
      for (const key of this.list[doc]!.topicKeys) {
        touchedTopics.add(key);
        lostTopics.add(key);
      }
    }
    this.tombstoned += gone.filter((doc) => doc < B).length;
    for (const doc of liveAdded) live[doc] = 1;
    this.liveCount += liveAdded.length;
    for (const key of topicsAdded.keys()) touchedTopics.add(key);
    if (freshHeatGone) this.freshMaxHeat = this.highestHeat(freshDocs.values(), live);
    this.freshMaxHeat = Math.max(this.freshMaxHeat, heatAdded);
    this.dropFromReserve(removed);
    await pause();
    if (liveGone || datedAdded.length)
      this.dated = mergeDated(
        this.dated,
        liveGone ? removed : null,
        datedAdded,
        (doc) => list[doc]!.publishedAt!,
      );
    await pause();
    this.topicDocs = await this.updateTopics(touchedTopics, lostTopics, removed, topicsAdded, pause);
    this.live = live;
    this.removed = removed;
    this.storyNumbers = storyNumbers;
    this.freshDocs = freshDocs;
    if (change.segment !== undefined) this.segment = change.segment;
    await pause();
    const prefixTable = this.mergePrefixTables();
    await pause();
    // The rows' articles too: after a big batch most rows changed.
    const prefixes = prefixArticles(this.list, prefixTable, this.storyNumbers, this.prefixRows);
    await pause();
    return this.catalog(total, prefixTable, prefixes);
  }

  /** A fresh article the current generation holds, by id. */
  freshArticle(id: string): Article | undefined {
    const doc = this.freshDocs.get(id);
    return doc === undefined || this.removed[doc] ? undefined : this.list[doc];
  }

  private catalog(total: number, prefixTable: PrefixTable, prefixes: Map<string, Article[]>): Catalog {
    const base = this.base;
    const B = this.baseSize;
    const { list, live, removed, segment, freshDocs } = this;
    const heat = (doc: number) => list[doc]!.heat ?? 0;
    const freshLive: number[] = [];
    for (const doc of freshDocs.values()) if (live[doc]) freshLive.push(doc);
    const popular = topK([...this.baseReserve.slice(0, POPULAR_SIZE), ...freshLive], POPULAR_SIZE, heat);
    const baseTop = this.baseReserve[0];
    const maxHeat = Math.max(baseTop === undefined ? 0 : heat(baseTop), this.freshMaxHeat);
    const segments = segment ? [base.segments[0]!, makeSegment(segment.index, B, 'sorted')] : base.segments;
    if (this.scorerCapacity < total) this.scorerCapacity = total + SCORER_HEADROOM;
    this.scorer = new Scorer(segments, this.scorerCapacity, this.scorer ?? base.scorer);
    const baseLookup = base.byId;
    const baseTitles = base.byTitle;
    const freshTitles = titleLookup(list, live, null, [...freshDocs.values()]);
    const topicIndex = this.topicDocs;
    this.signals = this.signals.resized(list, total);
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
      byStory: base.byStory,
      storyNumbers: this.storyNumbers,
      storyCount: base.storyCount + this.newStories.size,
      maxHeat,
      signals: this.signals,
      dated: this.dated,
      topicIndex,
      vocabulary: new Vocabulary(segments),
      scorer: this.scorer,
      suggestions: new SuggestionIndex(prefixes, articlesOnePerStory(list, popular, this.storyNumbers), [
        ...topicIndex.entries(),
      ]),
      prefixTable,
      popular,
      curatedLinksOf: this.curatedLinks(freshDocs),
    };
  }

  /**
   * Slots renumbered: the fresh docs start again right after the base, in new arrays (generations
   * already handed out keep theirs). Every fresh doc of before leaves; the base's tombstones stay.
   */
  private async restartFresh(gone: number[], pause: Pause): Promise<void> {
    const B = this.baseSize;
    for (const doc of this.freshDocs.values()) if (!this.removed[doc]) gone.push(doc);
    // Mark them gone (in copies: generations handed out keep their arrays) so the tables drop them.
    const live = this.live.slice();
    const removed = this.removed.slice();
    const touched = new Set<string>();
    for (const doc of gone) {
      removed[doc] = 1;
      if (live[doc]) {
        live[doc] = 0;
        this.liveCount--;
      }
    }
    for (const doc of gone) for (const key of this.list[doc]!.topicKeys) touched.add(key);
    await pause();
    this.dated = mergeDated(this.dated, removed, [], () => 0);
    this.topicDocs = await this.updateTopics(touched, touched, removed, new Map(), pause);
    this.tombstoned += gone.filter((doc) => doc < B).length;
    this.dropFromReserve(removed);
    this.freshMaxHeat = 0;
    // Fresh doc numbers now name other articles: no merged prefix row of before holds.
    this.mergedRows = new Map();
    await pause();
    this.list = this.list.slice(0, B);
    this.signals = this.signals.resized(this.list, B);
    this.stories = this.stories.slice(0, B);
    this.live = live.slice(0, B);
    this.removed = removed.slice(0, B);
    this.storyNumbers = this.storyNumbers.slice(0, B);
    gone.length = 0;
    await pause();
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

  /**
   * Topics whose docs changed: gone docs left out of the topics in `lost` (the others lost none, so
   * their lists are not filtered), appended live docs added at the end (docs ascend).
   */
  private async updateTopics(
    touched: ReadonlySet<string>,
    lost: ReadonlySet<string>,
    removed: Uint8Array,
    added: ReadonlyMap<string, { name: string; docs: number[] }>,
    pause: Pause,
  ): Promise<Map<string, TopicEntry>> {
    if (!touched.size) return this.topicDocs;
    const topics = new Map(this.topicDocs);
    let work = 0;
    for (const key of touched) {
      const known = topics.get(key);
      const fresh = added.get(key)?.docs ?? [];
      const kept = !known
        ? new Int32Array(0)
        : lost.has(key)
          ? known.docs.filter((doc) => !removed[doc])
          : known.docs;
      if (!kept.length && !fresh.length) {
        topics.delete(key);
        continue;
      }
      const docs = new Int32Array(kept.length + fresh.length);
      docs.set(kept);
      docs.set(fresh, kept.length);
      topics.set(key, { name: known?.name ?? added.get(key)!.name, docs });
      // A big topic's list is tens of thousands of docs: offer a turn every few of them.
      if ((work += docs.length) > PAUSE_EVERY * 64) {
        work = 0;
        await pause();
      }
    }
    return topics;
  }

  /**
   * Each prefix's best titles over the base (less tombstones) and the fresh docs together. A row is
   * worked out again only when its base docs or its fresh docs differ from the last generation's; the
   * others are the same arrays as before (so their articles are not looked up again either).
   */
  private mergePrefixTables(): PrefixTable {
    const { removed, list } = this;
    const docBase = this.baseSize;
    const heat = (doc: number) => list[doc]!.heat ?? 0;
    const fresh = this.segment?.prefixTable ?? [];
    const extra = new Map(
      fresh.map(([prefix, docs]) => [
        prefix,
        docs.map((doc) => doc + docBase).filter((doc) => !removed[doc]),
      ]),
    );
    const merged: PrefixTable = [];
    const rows = new Map<string, MergedRow>();
    for (const [prefix, docs] of this.base.prefixTable) {
      const added = extra.get(prefix);
      extra.delete(prefix);
      const hit = docs.some((doc) => removed[doc]);
      if (!added?.length && !hit) {
        merged.push([prefix, docs]);
        continue;
      }
      const kept = hit ? docs.filter((doc) => !removed[doc]) : docs;
      const addedKey = added?.join(',') ?? '';
      const known = this.mergedRows.get(prefix);
      const row =
        known && known.kept === kept.length && known.added === addedKey
          ? known
          : {
              kept: kept.length,
              added: addedKey,
              docs: topK(added ? [...kept, ...added] : [...kept], PREFIX_ROW, heat),
            };
      rows.set(prefix, row);
      if (row.docs.length) merged.push([prefix, row.docs]);
    }
    for (const row of extra) if (row[1].length) merged.push(row);
    this.mergedRows = rows;
    return merged;
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
  /** Null when no dated doc left. */
  removed: Uint8Array | null,
  added: readonly number[],
  time: (doc: number) => number,
): Int32Array {
  let kept = dated;
  let dropped = 0;
  if (removed) for (const doc of dated) if (removed[doc]) dropped++;
  if (removed && dropped) {
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
