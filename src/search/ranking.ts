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
 * What the search formula above reads of each doc, in typed arrays: a query matching 100k docs reads
 * these instead of 100k article objects of assorted shapes (about ten times slower per doc). Doc numbers
 * never change their article, so a reloaded library keeps its predecessor's entries and adds its own.
 */
export class SearchSignals {
  private constructor(
    /** ln(1 + heat); 0 for unknown heat. */
    private readonly heatLog: Float64Array,
    /** NaN for a doc without a date. */
    private readonly publishedAt: Float64Array,
  ) {}

  static of(list: readonly Article[], docCount: number): SearchSignals {
    return new SearchSignals(new Float64Array(0), new Float64Array(0)).grownTo(list, docCount, 0);
  }

  /** Signals for docs `0 .. docCount-1` of `list`, keeping this one's first `keep` (the same articles). */
  grownTo(list: readonly Article[], docCount: number, keep: number): SearchSignals {
    const kept = Math.min(keep, docCount, this.heatLog.length);
    if (kept === docCount && this.heatLog.length === docCount) return this;
    const heatLog = new Float64Array(docCount);
    const publishedAt = new Float64Array(docCount);
    heatLog.set(this.heatLog.subarray(0, kept));
    publishedAt.set(this.publishedAt.subarray(0, kept));
    for (let doc = kept; doc < docCount; doc++) {
      const article = list[doc]!;
      heatLog[doc] = article.heat ? Math.log1p(article.heat) : 0;
      publishedAt[doc] = article.publishedAt ?? NaN;
    }
    return new SearchSignals(heatLog, publishedAt);
  }

  /** `search` for a doc whose text relevance is `text` (popularity as against `maxHeat`). */
  score(text: number, doc: number, now: number, maxHeat: number): number {
    const heat = this.heatLog[doc]!;
    const popular = heat === 0 || maxHeat <= 0 ? 0 : heat / Math.log1p(maxHeat);
    const published = this.publishedAt[doc]!;
    const fresh = Number.isNaN(published)
      ? 0
      : Math.pow(0.5, Math.max(0, now - published) / SEARCH_HALF_LIFE_MS);
    return text * (1 + 0.25 * popular + 0.15 * fresh);
  }
}

export function browseScore(article: Article, maxHeat: number, now: number): number {
  const quality = article.quality === null ? 0 : Math.min(1, article.quality / 100);
  return (
    0.6 * popularity(article, maxHeat) + 0.3 * freshness(article, now, BROWSE_HALF_LIFE_MS) + 0.1 * quality
  );
}
