import type { Article } from '../articles/article.ts';

/**
 * How text relevance, popularity (heat) and recency combine. One place, so every list is ranked
 * the same way and the formula is documented once (README "Ranking"):
 *
 *   popularity = ln(1 + heat) / ln(1 + maxHeat)            0..1, unknown heat = 0
 *   freshness  = 0.5 ^ (age / halfLife)                    1 for brand new, 0.5 after one half-life
 *   search     = text × (1 + 0.25·popularity + 0.15·freshness)   (text relevance dominates)
 *   browse     = 0.6·popularity + 0.3·freshness + 0.1·quality/100  (topic lists have no text score)
 */
export const DAY_MS = 86_400_000;
export const SEARCH_HALF_LIFE_MS = 30 * DAY_MS;
export const BROWSE_HALF_LIFE_MS = 14 * DAY_MS;

export function popularity(article: Article, maxHeat: number): number {
  if (!article.heat || maxHeat <= 0) return 0;
  return Math.log1p(article.heat) / Math.log1p(maxHeat);
}

export function freshness(article: Article, now: number, halfLifeMs: number): number {
  if (article.publishedAt === null) return 0;
  const age = Math.max(0, now - article.publishedAt);
  return Math.pow(0.5, age / halfLifeMs);
}

/**
 * The search formula above, with every doc's popularity and date kept in typed arrays: a query matching
 * 100k docs reads these instead of 100k article objects of assorted shapes (about ten times slower per doc).
 */
export class SearchSignals {
  private readonly popularity: Float64Array;
  private readonly publishedAt: Float64Array;

  constructor(list: readonly Article[], docCount: number, maxHeat: number) {
    this.popularity = new Float64Array(docCount);
    this.publishedAt = new Float64Array(docCount);
    for (let doc = 0; doc < docCount; doc++) {
      const article = list[doc]!;
      this.popularity[doc] = popularity(article, maxHeat);
      this.publishedAt[doc] = article.publishedAt ?? NaN;
    }
  }

  /** `search` for a doc whose text relevance is `text`. */
  score(text: number, doc: number, now: number): number {
    const published = this.publishedAt[doc]!;
    const fresh = Number.isNaN(published)
      ? 0
      : Math.pow(0.5, Math.max(0, now - published) / SEARCH_HALF_LIFE_MS);
    return text * (1 + 0.25 * this.popularity[doc]! + 0.15 * fresh);
  }
}

export function browseScore(article: Article, maxHeat: number, now: number): number {
  const quality = article.quality === null ? 0 : Math.min(1, article.quality / 100);
  return (
    0.6 * popularity(article, maxHeat) + 0.3 * freshness(article, now, BROWSE_HALF_LIFE_MS) + 0.1 * quality
  );
}
