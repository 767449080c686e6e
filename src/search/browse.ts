import type { Article } from '../articles/article.ts';
import { topicKey } from '../articles/normalize.ts';
import { docsInWindow, resolveTopic, type Catalog } from './catalog.ts';
import { clampLimit, clampOffset, countStories, pageOfStories } from './paging.ts';
import { browseScore } from './ranking.ts';
import { PERIOD_MS } from './textSearch.ts';
import type { DigestQuery, Recommendation, ResultPage, SearchOptions } from './types.ts';

function explainBrowse(catalog: Catalog, doc: number, reason: string): string {
  const heat = catalog.list[doc]!.heat;
  return heat ? `${reason} · heat ${heat.toLocaleString('en-US')}` : reason;
}

function recommend(catalog: Catalog, doc: number, why: string, score: number): Recommendation {
  return { kind: 'article', article: catalog.list[doc]!, why, score };
}

/** The best articles of a topic by popularity and recency, one per story. */
export function browseTopic(catalog: Catalog, name: string, options: SearchOptions = {}): ResultPage {
  if (!topicKey(name)) return { results: [], total: 0, notices: [{ kind: 'no-topic-named' }] };
  const found = resolveTopic(catalog, name);
  if (!found) return { results: [], total: 0, notices: [{ kind: 'unknown-topic', name: name.trim() }] };
  const now = options.now ?? Date.now();
  const docs = catalog.topicIndex.get(found.key)!.docs;
  const rank = (doc: number) => browseScore(catalog.list[doc]!, catalog.maxHeat, now);
  const page = pageOfStories(catalog, docs, clampOffset(options.offset), clampLimit(options.limit), rank);
  return {
    results: page.map((doc) =>
      recommend(catalog, doc, explainBrowse(catalog, doc, `in ${found.name}`), rank(doc)),
    ),
    total: countStories(catalog, docs),
    notices: found.exact ? [] : [{ kind: 'topic-guessed', typed: name.trim(), name: found.name }],
  };
}

/** The most popular articles of the last day, week or month (or of the newest such period in an archive). */
export function trendingIn(
  catalog: Catalog,
  period: 'day' | 'week' | 'month',
  options: SearchOptions = {},
): ResultPage {
  const span = PERIOD_MS[period];
  let until = options.now ?? Date.now();
  let docs = docsInWindow(catalog, until - span, until + 1);
  const notices: ResultPage['notices'] = [];
  const newest = catalog.dated.at(-1);
  if (docs.length === 0 && newest !== undefined) {
    // An archive corpus has nothing from today: show the latest `period` it has rather than nothing.
    until = catalog.list[newest]!.publishedAt!;
    docs = docsInWindow(catalog, until - span, until + 1);
    notices.push({ kind: 'archive-period', period, until });
  }
  if (!docs.length) return { results: [], total: 0, notices: [{ kind: 'no-dated-articles' }] };
  const heat = (doc: number) => catalog.list[doc]!.heat ?? 0;
  const page = pageOfStories(catalog, docs, clampOffset(options.offset), clampLimit(options.limit), heat);
  return {
    results: page.map((doc) =>
      recommend(catalog, doc, explainBrowse(catalog, doc, `trending this ${period}`), heat(doc)),
    ),
    total: countStories(catalog, docs),
    notices,
  };
}

/** The digest: the top `limit` live articles by heat in [since, until), one per story. */
export function selectDigestArticles(catalog: Catalog, query: DigestQuery): Article[] {
  const topicKeys = (query.topics ?? []).map(topicKey).filter(Boolean);
  const candidates = docsInWindow(catalog, query.since, query.until).filter((doc) => {
    const article = catalog.list[doc]!;
    if (query.excludeIds?.has(article.id) || query.excludeStories?.has(catalog.stories[doc]!)) return false;
    if (topicKeys.length && !article.topicKeys.some((key) => topicKeys.includes(key))) return false;
    if (query.minQuality !== undefined && (article.quality ?? 0) < query.minQuality) return false;
    return true;
  });
  const heat = (doc: number) => catalog.list[doc]!.heat ?? 0;
  return pageOfStories(catalog, candidates, 0, Math.max(0, Math.floor(query.limit)), heat).map(
    (doc) => catalog.list[doc]!,
  );
}
