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

/** Popularity from ln(1 + heat), 0 for unknown heat (what SearchSignals keeps). */
function popularityFromLog(heatLog: number, maxHeat: number): number {
  return heatLog === 0 || maxHeat <= 0 ? 0 : heatLog / Math.log1p(maxHeat);
}

/** Freshness of a doc published at `publishedAt` (null or NaN: no date, so 0). */
function freshnessOf(publishedAt: number | null, now: number, halfLifeMs: number): number {
  if (publishedAt === null || Number.isNaN(publishedAt)) return 0;
  const age = Math.max(0, now - publishedAt);
  return Math.pow(0.5, age / halfLifeMs);
}

export function popularity(article: Article, maxHeat: number): number {
  return popularityFromLog(article.heat ? Math.log1p(article.heat) : 0, maxHeat);
}

export function freshness(article: Article, now: number, halfLifeMs: number): number {
  return freshnessOf(article.publishedAt, now, halfLifeMs);
}

/**
 * What the search formula above reads of each doc, in typed arrays: a query matching 100k docs reads
 * these instead of 100k article objects of assorted shapes (about ten times slower per doc). Made from
 * the catalog's heat and date columns (on a warm start, the snapshot's own), heat kept as ln(1 + heat).
 */
export class SearchSignals {
  private constructor(
    /** ln(1 + heat); 0 for unknown heat. */
    private readonly heatLog: Float64Array,
    /** NaN for a doc without a date. */
    private readonly publishedAt: Float64Array,
  ) {}

  /** From per-doc heat and publication time, NaN where a doc has none. */
  static of(heat: Float64Array, publishedAt: Float64Array): SearchSignals {
    return new SearchSignals(
      heat.map((value) => (value ? Math.log1p(value) : 0)),
      publishedAt,
    );
  }

  /**
   * Signals for docs `0 .. docCount-1` of `list`: this one's entries as far as they go, the rest read
   * from the articles. Doc numbers keep their article, except that a reload renumbering its fresh docs
   * first cuts the signals back to the docs it keeps.
   */
  resized(list: readonly Article[], docCount: number): SearchSignals {
    if (docCount === this.heatLog.length) return this;
    const kept = Math.min(docCount, this.heatLog.length);
    const heatLog = new Float64Array(docCount);
    const publishedAt = new Float64Array(docCount);
    heatLog.set(this.heatLog.subarray(0, kept));
    publishedAt.set(this.publishedAt.subarray(0, kept));
    for (let doc = kept; doc < docCount; doc++) {
      const { heat, publishedAt: at } = list[doc]!;
      heatLog[doc] = heat ? Math.log1p(heat) : 0;
      publishedAt[doc] = at ?? NaN;
    }
    return new SearchSignals(heatLog, publishedAt);
  }

  /** A number that orders docs by heat (unknown heat as 0). */
  heatRank(doc: number): number {
    return this.heatLog[doc]!;
  }

  /** `search` for a doc whose text relevance is `text` (popularity as against `maxHeat`). */
  score(text: number, doc: number, now: number, maxHeat: number): number {
    const popular = popularityFromLog(this.heatLog[doc]!, maxHeat);
    const fresh = freshnessOf(this.publishedAt[doc]!, now, SEARCH_HALF_LIFE_MS);
    return text * (1 + 0.25 * popular + 0.15 * fresh);
  }
}

export function browseScore(article: Article, maxHeat: number, now: number): number {
  const quality = article.quality === null ? 0 : Math.min(1, article.quality / 100);
  return (
    0.6 * popularity(article, maxHeat) + 0.3 * freshness(article, now, BROWSE_HALF_LIFE_MS) + 0.1 * quality
  );
}
