import type { Article, RelatedLink } from '../articles/article.ts';
import { normalizeUrl, articleIdFromUrl, topicKey } from '../articles/normalize.ts';
import { analyzeQuery, MAX_QUERY_CHARS, splitWords, type QueryWord } from './analyzer.ts';
import { browseScore, DAY_MS, searchScore } from './ranking.ts';
import { fieldsOf, popcount, Scorer, topK, type WordPlan } from './scorer.ts';
import { storyIdOf } from './stories.ts';
import { buildTextIndex, FIELDS, type TextIndexData } from './textIndex.ts';
import type {
  DigestQuery,
  Period,
  Recommendation,
  ResultPage,
  SearchOptions,
  Suggestion,
  TopicCount,
} from './types.ts';
import { Vocabulary } from './vocabulary.ts';
import { findSimilar } from './similar.ts';
import { buildPrefixTable, SuggestionIndex, type PrefixTable } from './suggestions.ts';

export const DEFAULT_LIMIT = 5;
export const MAX_LIMIT = 25;
const PERIOD_MS: Record<Exclude<Period, 'all'>, number> = {
  day: DAY_MS,
  week: 7 * DAY_MS,
  month: 30 * DAY_MS,
  year: 365 * DAY_MS,
};

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

interface TopicEntry {
  name: string;
  /** Live docs in the topic. */
  docs: number[];
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

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.max(1, Math.min(MAX_LIMIT, Math.floor(limit)));
}

function quoted(text: string): string {
  const short = text.length > 60 ? text.slice(0, 59) + '…' : text;
  return `“${short}”`;
}

/**
 * The article library: every question the bot, the terminal and the digest ask of the corpus.
 * Plain data in, plain data out; it knows nothing of Discord.
 */
export class Library {
  readonly size: number;
  readonly index: TextIndexData;
  private readonly list: Article[];
  private readonly byId = new Map<string, number>();
  /** Exact-title lookups are rare (ids come from autocomplete): built on first use. */
  private byTitle: Map<string, number> | null = null;
  private readonly prefixTable: PrefixTable;
  private readonly stories: string[];
  private readonly live: Uint8Array;
  private readonly maxHeat: number;
  /** Live docs with a date, oldest first: time windows are binary searches. */
  private readonly dated: number[];
  private readonly topicIndex = new Map<string, TopicEntry>();
  private readonly vocabulary: Vocabulary;
  private readonly scorer: Scorer;
  private readonly suggestions: SuggestionIndex;
  private readonly curatedLinksOf: (article: Article) => RelatedLink[];

  static fromArticles(articles: Article[], options: LibraryOptions = {}): Library {
    return new Library(articles, options);
  }

  constructor(articles: Article[], options: LibraryOptions = {}) {
    this.list = articles;
    this.size = articles.length;
    this.index = options.index ?? buildTextIndex(articles);
    this.curatedLinksOf = options.curatedLinks ?? ((article) => article.related);
    const derived = options.derived ?? deriveTables(articles);
    this.stories = derived.stories;
    this.prefixTable = derived.prefixTable;
    this.live = Uint8Array.from(articles, (article) => (article.published ? 1 : 0));
    let maxHeat = 0;
    const topicNames = new Map<string, Map<string, number>>();
    articles.forEach((article, doc) => {
      this.byId.set(article.id, doc);
      if (!article.published) return;
      maxHeat = Math.max(maxHeat, article.heat ?? 0);
      article.topicKeys.forEach((key, i) => {
        let entry = this.topicIndex.get(key);
        if (!entry) this.topicIndex.set(key, (entry = { name: article.topics[i] ?? key, docs: [] }));
        entry.docs.push(doc);
        const forms = topicNames.get(key) ?? new Map<string, number>();
        const form = article.topics[i] ?? key;
        forms.set(form, (forms.get(form) ?? 0) + 1);
        topicNames.set(key, forms);
      });
    });
    // The display name of a topic is its most common spelling in the corpus.
    for (const [key, forms] of topicNames) {
      const best = [...forms].sort((a, b) => b[1] - a[1])[0];
      if (best) this.topicIndex.get(key)!.name = best[0];
    }
    this.maxHeat = maxHeat;
    this.dated = [];
    articles.forEach((article, doc) => {
      if (article.published && article.publishedAt !== null) this.dated.push(doc);
    });
    this.dated.sort((a, b) => articles[a]!.publishedAt! - articles[b]!.publishedAt!);
    this.vocabulary = new Vocabulary(this.index);
    this.scorer = new Scorer(this.index);
    this.suggestions = new SuggestionIndex(articles, this.prefixTable, this.live, [
      ...this.topicIndex.entries(),
    ]);
  }

  /** Story ids and the autocomplete prefix table, to save beside the index for the next start. */
  derived(): LibraryDerived {
    return { stories: this.stories, prefixTable: this.prefixTable };
  }

  private titleLookup(): Map<string, number> {
    if (!this.byTitle) {
      const byTitle = new Map<string, number>();
      this.list.forEach((article, doc) => {
        const key = splitWords(article.title).join(' ');
        const known = byTitle.get(key);
        // Prefer a live article when several share a title.
        if (known === undefined || (!this.live[known] && this.live[doc])) byTitle.set(key, doc);
      });
      this.byTitle = byTitle;
    }
    return this.byTitle;
  }

  articles(): readonly Article[] {
    return this.list;
  }

  get(id: string): Article | undefined {
    const doc = this.byId.get(id);
    return doc === undefined ? undefined : this.list[doc];
  }

  /** The most recently published live article. */
  newest(): Article | undefined {
    const doc = this.dated.at(-1);
    return doc === undefined ? undefined : this.list[doc];
  }

  /** The story an article belongs to: syndicated copies share it. */
  storyOf(article: Article): string {
    const doc = this.byId.get(article.id);
    return doc === undefined ? storyIdOf(article) : this.stories[doc]!;
  }

  /** An article named by id, URL or exact title (what /related and the terminal accept). */
  resolve(ref: string): Article | undefined {
    const text = ref.trim().replace(/^<(.+)>$/, '$1');
    if (!text) return undefined;
    const byId = this.get(text);
    if (byId) return byId;
    const normalized = /^https?:\/\//i.test(text) ? normalizeUrl(text) : null;
    if (normalized) return this.get(articleIdFromUrl(normalized));
    const doc = this.titleLookup().get(splitWords(text).join(' '));
    return doc === undefined ? undefined : this.list[doc];
  }

  // ---- full-text search -------------------------------------------------------------------------

  search(query: string, options: SearchOptions = {}): ResultPage {
    return this.searchText(query, options, false);
  }

  /** Like search, but the last word may be unfinished (autocomplete). */
  searchAsYouType(query: string, options: SearchOptions = {}): ResultPage {
    return this.searchText(query, options, true);
  }

  private searchText(query: string, options: SearchOptions, prefixLast: boolean): ResultPage {
    const limit = clampLimit(options.limit);
    const offset = Number.isFinite(options.offset) ? Math.max(0, Math.floor(options.offset!)) : 0;
    const now = options.now ?? Date.now();
    // `-word` leaves a word out; `word*` asks for completions, as people type them in search boxes.
    const tokens = query.slice(0, 2 * MAX_QUERY_CHARS).split(/\s+/);
    const isExclusion = (token: string) => /^-[\p{L}\p{N}]/u.test(token);
    const excludedText = tokens.filter(isExclusion).join(' ');
    const includedText = tokens.filter((token) => !isExclusion(token)).join(' ');
    const allWords = analyzeQuery(includedText);
    if (allWords.length === 0) {
      return {
        results: [],
        total: 0,
        notice: excludedText
          ? 'Add a word to search for: `-word` only leaves articles out.'
          : 'Type a word or two to search for, e.g. `deep learning`.',
      };
    }
    const completeLast = prefixLast || /\*\s*$/.test(includedText);
    // Stop words only count when the query has nothing else ("The Who"): titles index them.
    const content = allWords.filter((word) => !word.stop);
    const words = content.length ? content : allWords;
    const allPlans = this.scorer.plan(words, this.vocabulary, completeLast);
    // Words the corpus lacks entirely cannot be matched; they are named in the notice instead.
    const plans = allPlans.filter((plan) => plan.matches.length);
    const topicFilter = options.topic ? this.resolveTopic(options.topic) : undefined;
    if (options.topic && !topicFilter) {
      return {
        results: [],
        total: 0,
        notice: `There is no topic ${quoted(options.topic)}. Try \`/topics\`.`,
      };
    }
    const since = options.period && options.period !== 'all' ? now - PERIOD_MS[options.period] : null;
    const excluded = this.docsWithAny(analyzeQuery(excludedText));
    // A query that names a topic ("deep learning") also means the articles the curators tagged so.
    const namedKey = topicKey(includedText.replace(/\*\s*$/, ''));
    const namedTopic = this.topicIndex.get(namedKey);
    const tagged = (doc: number) => namedTopic !== undefined && this.list[doc]!.topicKeys.includes(namedKey);

    const { docs, scores, masks } = this.scorer.run(plans);
    try {
      // The scorer clears masks after each query, so a doc matched a word of this one iff its mask is set.
      const matched = { has: (doc: number) => masks[doc] !== 0 };
      const candidates = namedTopic ? [...docs, ...namedTopic.docs.filter((doc) => masks[doc] === 0)] : docs;
      let bestText = 0;
      for (const doc of docs) bestText = Math.max(bestText, scores[doc]!);
      const topicBonus = bestText * 0.5;
      const textOf = (doc: number) => (matched.has(doc) ? scores[doc]! : 0) + (tagged(doc) ? topicBonus : 0);
      const coverageOf = (doc: number) =>
        tagged(doc) ? plans.length : matched.has(doc) ? popcount(masks[doc]!) : 0;

      const accepted: number[] = [];
      let filteredOut = 0;
      let bestCoverage = 0;
      for (const doc of candidates) {
        if (!this.live[doc] || excluded.has(doc)) continue;
        const article = this.list[doc]!;
        if (
          (topicFilter && !article.topicKeys.includes(topicFilter.key)) ||
          (since !== null && (article.publishedAt === null || article.publishedAt < since))
        ) {
          filteredOut++;
          continue;
        }
        accepted.push(doc);
        bestCoverage = Math.max(bestCoverage, coverageOf(doc));
      }
      // Results that match every word come first; a partial match only fills in after them.
      const rank = (doc: number) =>
        coverageOf(doc) * 1e6 + Math.min(searchScore(textOf(doc), this.list[doc]!, this.maxHeat, now), 9e5);
      const page = this.pageOfStories(accepted, offset, limit, rank);
      const results = page.map((doc) => {
        const mask = matched.has(doc) ? masks[doc]! : 0;
        const why = this.explainMatch(
          doc,
          plans,
          mask,
          topicFilter?.name ?? (tagged(doc) ? namedTopic!.name : undefined),
        );
        return this.recommend(doc, why, rank(doc));
      });
      const missing = allPlans.filter((plan) => !plan.matches.length).map((plan) => plan.word.raw);
      let notice = this.searchNotice(query, accepted.length, missing, plans.length > bestCoverage);
      if (!accepted.length && filteredOut) {
        notice = `${filteredOut} article${filteredOut === 1 ? '' : 's'} match ${quoted(includedText.trim())}, but none ${
          since !== null ? `from the last ${options.period}` : ''
        }${since !== null && topicFilter ? ' and ' : ''}${topicFilter ? `in ${topicFilter.name}` : ''}. Widen the period or drop the topic.`;
      }
      return { results, total: accepted.length, notice };
    } finally {
      this.scorer.reset(docs);
    }
  }

  /** Live or not, every doc containing any of `words` exactly (for `-word` exclusions). */
  private docsWithAny(words: QueryWord[]): Set<number> {
    const found = new Set<number>();
    for (const word of words) {
      const term = this.vocabulary.id(word.stem) ?? this.vocabulary.id(word.raw);
      if (term === undefined) continue;
      const { postingStart, postingDocs } = this.index;
      for (let p = postingStart[term]!; p < postingStart[term + 1]!; p++) found.add(postingDocs[p]!);
    }
    return found;
  }

  private searchNotice(
    query: string,
    found: number,
    missing: string[],
    partial: boolean,
  ): string | undefined {
    if (found === 0) {
      return `No articles match ${quoted(query.trim())}. Try fewer or different words, or a topic (\`/topics\`).`;
    }
    if (missing.length)
      return `No article mentions ${missing.map(quoted).join(', ')}; showing the closest matches.`;
    if (partial) return 'No article matches every word; showing the closest.';
    return undefined;
  }

  private explainMatch(doc: number, plans: WordPlan[], mask: number, topicName?: string): string {
    const inTitle: string[] = [];
    const elsewhere: string[] = [];
    const guesses: string[] = [];
    plans.forEach((plan, j) => {
      if (!(mask & (1 << j))) return;
      for (const match of plan.matches) {
        const fields = fieldsOf(this.index, match.termId, doc);
        if (!fields) continue;
        const word = match.kind === 'exact' ? plan.word.raw : this.index.termWords[match.termId]!;
        if (match.kind === 'typo') guesses.push(`${quoted(plan.word.raw)} read as ${quoted(word)}`);
        if (fields & (1 << FIELDS.indexOf('title'))) inTitle.push(word);
        else elsewhere.push(word);
        break;
      }
    });
    const parts: string[] = [];
    if (inTitle.length) parts.push(`title matches ${inTitle.join(', ')}`);
    if (elsewhere.length) parts.push(`mentions ${elsewhere.join(', ')}`);
    parts.push(...guesses);
    if (topicName) parts.push(`in ${topicName}`);
    return parts.join(' · ') || 'matches your words';
  }

  // ---- topics, trending, digest -----------------------------------------------------------------

  topics(): TopicCount[] {
    return [...this.topicIndex.entries()]
      .map(([key, entry]) => ({ key, name: entry.name, count: entry.docs.length }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  }

  /** A topic by key or name; failing that, the best topic whose words start with what was typed. */
  resolveTopic(name: string): { key: string; name: string } | undefined {
    const key = topicKey(name);
    const exact = this.topicIndex.get(key);
    if (exact) return { key, name: exact.name };
    const guess = this.suggestions.topics(name, 1)[0];
    return guess ? { key: topicKey(guess.value), name: guess.value } : undefined;
  }

  topic(name: string, options: SearchOptions = {}): ResultPage {
    if (!topicKey(name))
      return { results: [], total: 0, notice: 'Name a topic, e.g. `AI`. `/topics` lists them all.' };
    const found = this.resolveTopic(name);
    if (!found) {
      return {
        results: [],
        total: 0,
        notice: `There is no topic ${quoted(name.trim())}. \`/topics\` lists them all.`,
      };
    }
    const now = options.now ?? Date.now();
    const docs = this.topicIndex.get(found.key)!.docs;
    const rank = (doc: number) => browseScore(this.list[doc]!, this.maxHeat, now);
    const page = this.pageOfStories(docs, options.offset ?? 0, clampLimit(options.limit), rank);
    const exact = topicKey(name) === found.key;
    return {
      results: page.map((doc) => this.recommend(doc, this.explainBrowse(doc, `in ${found.name}`), rank(doc))),
      total: docs.length,
      notice: exact ? undefined : `Showing the topic ${quoted(found.name)}.`,
    };
  }

  trending(period: 'day' | 'week' | 'month', options: SearchOptions = {}): ResultPage {
    const span = PERIOD_MS[period];
    let until = options.now ?? Date.now();
    let docs = this.window(until - span, until + 1);
    let notice: string | undefined;
    const newest = this.dated.at(-1);
    if (docs.length === 0 && newest !== undefined) {
      // An archive corpus has nothing from today: show the latest `period` it has rather than nothing.
      until = this.list[newest]!.publishedAt!;
      docs = this.window(until - span, until + 1);
      notice = `Nothing was published in the last ${period}; showing the ${period} up to ${new Date(until).toISOString().slice(0, 10)}, the newest in the library.`;
    }
    const heat = (doc: number) => this.list[doc]!.heat ?? 0;
    const page = this.pageOfStories(docs, options.offset ?? 0, clampLimit(options.limit), heat);
    return {
      results: page.map((doc) =>
        this.recommend(doc, this.explainBrowse(doc, `trending this ${period}`), heat(doc)),
      ),
      total: docs.length,
      notice: docs.length ? notice : 'The library has no dated articles yet.',
    };
  }

  /** The digest: the top `limit` live articles by heat in [since, until), one per story. */
  selectDigest(query: DigestQuery): Article[] {
    const topicKeys = (query.topics ?? []).map(topicKey).filter(Boolean);
    const candidates = this.window(query.since, query.until).filter((doc) => {
      const article = this.list[doc]!;
      if (query.excludeIds?.has(article.id) || query.excludeStories?.has(this.stories[doc]!)) return false;
      if (topicKeys.length && !article.topicKeys.some((key) => topicKeys.includes(key))) return false;
      if (query.minQuality !== undefined && (article.quality ?? 0) < query.minQuality) return false;
      return true;
    });
    const heat = (doc: number) => this.list[doc]!.heat ?? 0;
    return this.pageOfStories(candidates, 0, Math.max(0, Math.floor(query.limit)), heat).map(
      (doc) => this.list[doc]!,
    );
  }

  /** Live dated docs published in [since, until). */
  private window(since: number, until: number): number[] {
    const at = (doc: number) => this.list[doc]!.publishedAt!;
    const lowerBound = (time: number) => {
      let lo = 0;
      let hi = this.dated.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (at(this.dated[mid]!) < time) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    return this.dated.slice(lowerBound(since), lowerBound(until));
  }

  private explainBrowse(doc: number, reason: string): string {
    const article = this.list[doc]!;
    return article.heat ? `${reason} · heat ${article.heat.toLocaleString('en-US')}` : reason;
  }

  // ---- related reading --------------------------------------------------------------------------

  /**
   * Related reading: the curators' links first (deduplicated, never the article itself), then the
   * most similar corpus articles; one entry per story throughout.
   */
  related(
    ref: string,
    options: { limit?: number; curated?: boolean } = {},
  ): ResultPage & { article?: Article } {
    const article = this.resolve(ref);
    if (!article) {
      return {
        results: [],
        total: 0,
        notice: `No article ${quoted(ref.trim())} in the library. Use an id from a search result, its URL or its exact title.`,
      };
    }
    const doc = this.byId.get(article.id)!;
    const limit = clampLimit(options.limit);
    const results: Recommendation[] = [];
    const seenStories = new Set([this.stories[doc]!]);
    // Articles are keyed by their normalised URL, so ids compare URLs without parsing them again.
    const seenIds = new Set([article.id]);
    if (options.curated !== false) {
      for (const link of this.curatedLinksOf(article)) {
        if (results.length >= limit) break;
        const url = normalizeUrl(link.webUrl);
        const linkId = url ? articleIdFromUrl(url) : null;
        if (!linkId || seenIds.has(linkId)) continue;
        seenIds.add(linkId);
        const inCorpus = this.byId.get(linkId);
        const story =
          inCorpus !== undefined
            ? this.stories[inCorpus]!
            : storyIdOf({ title: link.title, provider: { name: link.providerName ?? '', domain: '' } });
        if (seenStories.has(story)) continue;
        seenStories.add(story);
        if (inCorpus !== undefined && this.live[inCorpus]) {
          results.push(this.recommend(inCorpus, 'curated related reading', 1));
        } else {
          results.push({ kind: 'link', link, why: 'curated related reading', score: 1 });
        }
      }
    }
    const similar = findSimilar(
      this.index,
      doc,
      (candidate) =>
        this.live[candidate] === 1 &&
        !seenStories.has(this.stories[candidate]!) &&
        !seenIds.has(this.list[candidate]!.id),
      this.list,
      (limit - results.length) * 3 + 5,
    );
    for (const match of similar) {
      if (results.length >= limit) break;
      const story = this.stories[match.doc]!;
      if (seenStories.has(story)) continue;
      seenStories.add(story);
      results.push(this.recommend(match.doc, match.why, match.score));
    }
    return {
      article,
      results,
      total: results.length,
      notice: results.length ? undefined : `Nothing related to ${quoted(article.title)} yet.`,
    };
  }

  // ---- autocomplete -----------------------------------------------------------------------------

  /**
   * Autocomplete choices (≤ 25, names and values 1–100 characters) for what has been typed so far.
   * `query`: the text itself, matching topics, then matching titles; `topic`: topic names;
   * `article`: titles whose value is the article id.
   */
  suggest(prefix: string, options: { kind?: Suggestion['kind']; limit?: number } = {}): Suggestion[] {
    const limit = Math.max(1, Math.min(25, options.limit ?? 25));
    const text = prefix.slice(0, 200);
    switch (options.kind ?? 'query') {
      case 'topic':
        return this.suggestions.topics(text, limit);
      case 'article':
        return this.suggestions.articles(text, limit, (typed, max) => this.titleMatches(typed, max));
      case 'query':
        return this.suggestions.queries(text, limit, (typed, max) => this.titleMatches(typed, max));
    }
  }

  private titleMatches(typed: string, max: number): Article[] {
    return this.searchAsYouType(typed, { limit: max }).results.flatMap((result) =>
      result.kind === 'article' ? [result.article] : [],
    );
  }

  // ---- shared helpers ---------------------------------------------------------------------------

  /** Docs `offset .. offset+limit` of `docs` ranked by `rank`, keeping only each story's best. */
  private pageOfStories(
    docs: Iterable<number>,
    offset: number,
    limit: number,
    rank: (doc: number) => number,
  ): number[] {
    const wanted = offset + limit;
    let pool = Math.max(wanted * 2, 16);
    const all = Array.isArray(docs) ? docs : [...docs];
    for (;;) {
      const best = topK(all, pool, rank);
      const seen = new Set<string>();
      const distinct = best.filter((doc) => {
        const story = this.stories[doc]!;
        if (seen.has(story)) return false;
        seen.add(story);
        return true;
      });
      if (distinct.length >= wanted || best.length < pool) return distinct.slice(offset, wanted);
      pool *= 4;
    }
  }

  private recommend(doc: number, why: string, score: number): Recommendation {
    return { kind: 'article', article: this.list[doc]!, why, score };
  }
}
