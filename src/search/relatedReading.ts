import type { Article } from '../articles/article.ts';
import { articleIdFromUrl, normalizeUrl } from '../articles/normalize.ts';
import type { Catalog } from './catalog.ts';
import { clampLimit } from './paging.ts';
import { findSimilar, type SimilarMatch } from './similar.ts';
import { storyIdOf } from './stories.ts';
import type { Recommendation, ResultPage } from './types.ts';

/**
 * Related reading for the article at `doc`: the curators' links first (deduplicated, never the article
 * itself, never an article its file withholds with `published: false`), then the most similar corpus
 * articles; one entry per story throughout.
 */
export function relatedTo(
  catalog: Catalog,
  doc: number,
  options: { limit?: number; curated?: boolean } = {},
): ResultPage & { article: Article } {
  const { list, live, stories, byId } = catalog;
  const article = list[doc]!;
  const limit = clampLimit(options.limit);
  const results: Recommendation[] = [];
  // The source's own story is shown once when another outlet covers it, or the same outlet at another
  // address (an edition for another country, a republished copy): the curators link such coverage.
  // Every other story once.
  const ownStory = stories[doc]!;
  const seenStories = new Set<string>();
  // Articles are keyed by their normalised URL, so ids compare URLs without parsing them again.
  const seenIds = new Set([article.id]);
  if (options.curated !== false) {
    for (const link of catalog.curatedLinksOf(article)) {
      if (results.length >= limit) break;
      const url = normalizeUrl(link.webUrl);
      const linkId = url ? articleIdFromUrl(url) : null;
      if (!linkId || seenIds.has(linkId)) continue;
      seenIds.add(linkId);
      const inCorpus = byId.get(linkId);
      // The library knows this article and withholds it: its link must not slip in as a curated one.
      if (inCorpus !== undefined && !live[inCorpus]) continue;
      const story =
        inCorpus !== undefined
          ? stories[inCorpus]!
          : storyIdOf({ title: link.title, provider: { name: link.providerName ?? '', domain: '' } });
      if (seenStories.has(story)) continue;
      seenStories.add(story);
      results.push(
        inCorpus !== undefined
          ? { kind: 'article', article: list[inCorpus]!, why: 'curated related reading', score: 1 }
          : { kind: 'link', link, why: 'curated related reading', score: 1 },
      );
    }
  }
  const similar = findSimilar(
    catalog.segments,
    catalog.docCount,
    doc,
    (candidate) =>
      live[candidate] === 1 && !seenStories.has(stories[candidate]!) && !seenIds.has(list[candidate]!.id),
    list,
    (limit - results.length) * 3 + 5,
  );
  for (const match of similar) {
    if (results.length >= limit) break;
    const story = stories[match.doc]!;
    if (seenStories.has(story)) continue;
    seenStories.add(story);
    const candidate = list[match.doc]!;
    if (story === ownStory) {
      const why =
        candidate.provider.name !== article.provider.name
          ? `the same story, as ${candidate.provider.name} tells it`
          : `the same story, at another ${candidate.provider.name} address`;
      results.push({ kind: 'article', article: candidate, why, score: match.score });
    } else {
      results.push(explainedOnRead(candidate, match));
    }
  }
  return {
    article,
    results,
    total: results.length,
    notices: results.length ? [] : [{ kind: 'nothing-related', title: article.title }],
  };
}

/**
 * A similar article whose "why" is worked out when first read and then kept: a list holds up to 25,
 * a page shows 5, and explaining costs more than finding.
 */
function explainedOnRead(article: Article, match: SimilarMatch): Recommendation {
  let why: string | undefined;
  return {
    kind: 'article',
    article,
    score: match.score,
    get why() {
      return (why ??= match.why);
    },
  };
}
