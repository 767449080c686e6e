import type { Article } from '../articles/article.ts';
import { browseTopic, selectDigestArticles, trendingIn } from './browse.ts';
import {
  buildCatalog,
  resolveArticle,
  resolveTopic,
  type Catalog,
  type LibraryDerived,
  type LibraryOptions,
} from './catalog.ts';
import { RecentAnswers } from './recentAnswers.ts';
import { relatedTo } from './relatedReading.ts';
import { storyIdOf } from './stories.ts';
import type { TitleFinders } from './suggestions.ts';
import { popularArticlesStartingWith, prepareTitlePrefixes } from './titlePrefix.ts';
import type { TextIndexData } from './textIndex.ts';
import { searchText } from './textSearch.ts';
import type { DigestQuery, ResultPage, SearchOptions, Suggestion, TopicCount } from './types.ts';

export { deriveTables, type LibraryDerived, type LibraryOptions } from './catalog.ts';

/**
 * The article library: every question the front ends and the digest ask of the corpus. Plain data in,
 * plain data out (notices too); it knows nothing of Discord or the terminal. The work is done by one
 * module per kind of question over the shared `Catalog`: textSearch, browse, relatedReading.
 */
export class Library {
  /** Articles in the library. */
  readonly size: number;
  /** The tables behind every answer; a reload builds the next library's from these. */
  readonly catalog: Catalog;
  /** Autocomplete answers by what was typed: the same first letters come from everyone typing. */
  private readonly suggestions = new RecentAnswers<readonly Suggestion[]>();

  static fromArticles(articles: Article[], options: LibraryOptions = {}): Library {
    return new Library(articles, options);
  }

  /** A library over tables already built (a reload's next generation). */
  static fromCatalog(catalog: Catalog): Library {
    return new Library(catalog);
  }

  constructor(articles: Article[] | Catalog, options: LibraryOptions = {}) {
    this.catalog = Array.isArray(articles) ? buildCatalog(articles, options) : articles;
    this.size = this.catalog.size;
    // Here rather than on the first keystroke, which would wait ~110 ms at 100k (reloads keep the base's).
    prepareTitlePrefixes(this.catalog);
  }

  /** The base segment's index (the whole index unless the corpus changed while running). */
  get index(): TextIndexData {
    return this.catalog.segments[0]!.index;
  }

  /** Story ids and the autocomplete prefix table, to save beside the index for the next start. */
  derived(): LibraryDerived {
    return { stories: this.catalog.stories as string[], prefixTable: this.catalog.prefixTable };
  }

  articles(): readonly Article[] {
    const { list, removed, docCount } = this.catalog;
    if (!removed && list.length === docCount) return list;
    const present: Article[] = [];
    for (let doc = 0; doc < docCount; doc++) if (!removed?.[doc]) present.push(list[doc]!);
    return present;
  }

  /** Articles that may be recommended (the rest say `published: false`). */
  get liveCount(): number {
    return this.catalog.liveCount;
  }

  get(id: string): Article | undefined {
    const doc = this.catalog.byId.get(id);
    return doc === undefined ? undefined : this.catalog.list[doc];
  }

  /** The most recently published live article. */
  newest(): Article | undefined {
    const doc = this.catalog.dated.at(-1);
    return doc === undefined ? undefined : this.catalog.list[doc];
  }

  /** The story an article belongs to: syndicated copies share it. */
  storyOf(article: Article): string {
    const doc = this.catalog.byId.get(article.id);
    return doc === undefined ? storyIdOf(article) : this.catalog.stories[doc]!;
  }

  /** An article named by id, URL or exact title (what /related and the terminal accept). */
  resolve(ref: string): Article | undefined {
    const doc = resolveArticle(this.catalog, ref);
    return doc === undefined ? undefined : this.catalog.list[doc];
  }

  search(query: string, options: SearchOptions = {}): ResultPage {
    return searchText(this.catalog, query, options, false);
  }

  /** Like search, but the last word may be unfinished (autocomplete). */
  searchAsYouType(query: string, options: SearchOptions = {}): ResultPage {
    return searchText(this.catalog, query, options, true);
  }

  topics(): TopicCount[] {
    return [...this.catalog.topicIndex.entries()]
      .map(([key, entry]) => ({ key, name: entry.name, count: entry.docs.length }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  }

  /** A topic by key or name; failing that, the best topic whose words start with what was typed. */
  resolveTopic(name: string): { key: string; name: string; exact: boolean } | undefined {
    return resolveTopic(this.catalog, name);
  }

  topic(name: string, options: SearchOptions = {}): ResultPage {
    return browseTopic(this.catalog, name, options);
  }

  trending(period: 'day' | 'week' | 'month', options: SearchOptions = {}): ResultPage {
    return trendingIn(this.catalog, period, options);
  }

  /** The digest: the top `limit` live articles by heat in [since, until), one per story. */
  selectDigest(query: DigestQuery): Article[] {
    return selectDigestArticles(this.catalog, query);
  }

  /** Related reading for an article named by id, URL or exact title. */
  related(
    ref: string,
    options: { limit?: number; curated?: boolean } = {},
  ): ResultPage & { article?: Article } {
    const doc = resolveArticle(this.catalog, ref);
    if (doc === undefined) {
      return { results: [], total: 0, notices: [{ kind: 'unknown-article', ref: ref.trim() }] };
    }
    return relatedTo(this.catalog, doc, options);
  }

  /**
   * Autocomplete choices (≤ 25, names and values 1–100 characters) for what has been typed so far.
   * `query`: the text itself, matching topics, then matching titles; `topic`: topic names;
   * `article`: titles whose value is the article id.
   */
  suggest(
    prefix: string,
    options: { kind?: Suggestion['kind']; limit?: number; fresh?: boolean } = {},
  ): readonly Suggestion[] {
    const limit = Math.max(1, Math.min(25, options.limit ?? 25));
    const text = prefix.slice(0, 200);
    const kind = options.kind ?? 'query';
    // `fresh`: computed even when a recent answer is kept (benchmarks measure the work itself).
    if (options.fresh) return this.suggestNow(text, kind, limit);
    return this.suggestions.get(`${kind}\u0000${limit}\u0000${text}`, () =>
      this.suggestNow(text, kind, limit),
    );
  }

  private suggestNow(text: string, kind: Suggestion['kind'], limit: number): Suggestion[] {
    const titles: TitleFinders = {
      search: (typed, max) =>
        this.searchAsYouType(typed, { limit: max }).results.flatMap((result) =>
          result.kind === 'article' ? [result.article] : [],
        ),
      startingWith: (word, max, before) => popularArticlesStartingWith(this.catalog, word, max, before),
    };
    switch (kind) {
      case 'topic':
        return this.catalog.suggestions.topics(text, limit);
      case 'article':
        return this.catalog.suggestions.articles(text, limit, titles);
      case 'query':
        return this.catalog.suggestions.queries(text, limit, titles);
    }
  }
}
