import type { Library } from '../search/library.ts';
import type { Recommendation, ResultPage } from '../search/types.ts';
import { clampLimit, clampOffset } from '../search/paging.ts';
import { previewDigest } from './digestPreview.ts';
import { shorten } from './noticeWording.ts';
import type { ResultList, TopicList, VerbRequest, VerbResult } from './types.ts';

/** What the user typed is cut in titles: a 16k-character query is not echoed back whole. */
const TITLE_QUERY_CHARS = 100;

type Input<V extends VerbRequest['verb']> = Omit<Extract<VerbRequest, { verb: V }>, 'verb'>;

/** Options every verb accepts from its caller but never from the user: the clock. */
export interface VerbContext {
  now?: number;
}

function resultList(
  verb: ResultList['verb'],
  title: string,
  page: ResultPage,
  input: { limit?: number; offset?: number },
): ResultList {
  return {
    kind: 'results',
    verb,
    title,
    items: page.results,
    notices: page.notices,
    paging: { offset: clampOffset(input.offset), limit: clampLimit(input.limit), total: page.total },
  };
}

export function search(library: Library, input: Input<'search'>, context: VerbContext = {}): ResultList {
  const query = input.query.trim();
  const page = library.search(query, { ...input, now: context.now });
  return resultList('search', `Search: ${shorten(query, TITLE_QUERY_CHARS)}`, page, input);
}

export function topic(library: Library, input: Input<'topic'>, context: VerbContext = {}): ResultList {
  const page = library.topic(input.name, { ...input, now: context.now });
  const name = library.resolveTopic(input.name)?.name ?? shorten(input.name, TITLE_QUERY_CHARS);
  return resultList('topic', `Topic: ${name}`, page, input);
}

export function topics(library: Library): TopicList {
  const list = library.topics();
  return { kind: 'topics', verb: 'topics', title: `Topics (${list.length})`, topics: list };
}

export function related(library: Library, input: Input<'related'>): ResultList {
  const page = library.related(input.ref, { limit: input.limit });
  const result = resultList(
    'related',
    page.article ? `Related to: ${page.article.title}` : 'Related reading',
    page,
    input,
  );
  return page.article ? { ...result, about: page.article } : result;
}

export function trending(library: Library, input: Input<'trending'>, context: VerbContext = {}): ResultList {
  const page = library.trending(input.period, { ...input, now: context.now });
  return resultList('trending', `Trending this ${input.period}`, page, input);
}

export function digest(library: Library, input: Input<'digest'>, context: VerbContext = {}): ResultList {
  const preview = previewDigest(library, { ...input, now: context.now });
  return {
    kind: 'results',
    verb: 'digest',
    title: preview.title,
    notices: preview.notices,
    items: preview.articles.map((article, i) => ({
      kind: 'article',
      article,
      why: `#${i + 1} by heat that day${article.heat ? ` (heat ${article.heat.toLocaleString('en-US')})` : ''}`,
      score: article.heat ?? 0,
    })),
    paging: { offset: 0, limit: clampLimit(input.limit), total: preview.articles.length },
  };
}

/**
 * An earlier result list as the library is now, for paging it: each article still recommendable in its
 * current version (a changed file shows its new title), and the positions of those that left the library
 * (or were withdrawn with `published: false`) since. Curated links outside the library always stay.
 */
export function stillInLibrary(
  library: Library,
  results: readonly Recommendation[],
): { results: Recommendation[]; removed: ReadonlySet<number> } {
  const removed = new Set<number>();
  const current = results.map((result, position) => {
    if (result.kind !== 'article') return result;
    const now = library.get(result.article.id);
    if (!now?.published) removed.add(position);
    return now && now !== result.article ? { ...result, article: now } : result;
  });
  return { results: current, removed };
}

/** The one router from a request to its verb: every front end ends up here. */
export function runVerb(library: Library, request: VerbRequest, context: VerbContext = {}): VerbResult {
  switch (request.verb) {
    case 'search':
      return search(library, request, context);
    case 'topic':
      return topic(library, request, context);
    case 'topics':
      return topics(library);
    case 'related':
      return related(library, request);
    case 'trending':
      return trending(library, request, context);
    case 'digest':
      return digest(library, request, context);
    case 'help':
      return { kind: 'help', verb: 'help' };
  }
}
