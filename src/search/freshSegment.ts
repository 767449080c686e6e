import type { Article } from '../articles/article.ts';
import { deriveTables } from './catalog.ts';
import type { PrefixTable } from './suggestions.ts';
import {
  buildTextIndex,
  FIELDS,
  TextAnalyzer,
  type CollectionStats,
  type TextIndexData,
} from './textIndex.ts';

/** The base segment as the fresh one's scores must see it (BM25 statistics), known to the reload worker. */
export interface BaseStatistics {
  docCount: number;
  df: ReadonlyMap<string, number>;
  /** Average words per field (FIELDS order). */
  averageLengths: readonly number[];
}

export interface BuiltFreshSegment {
  index: TextIndexData;
  stories: string[];
  prefixTable: PrefixTable;
}

/**
 * The fresh segment over the articles added or changed since the base was loaded. Its impacts use the
 * collection's statistics, base and fresh together (document count, each term's document frequency,
 * average field lengths), so a fresh article scores as it would in a full rebuild and results from both
 * segments rank on one scale. (The base keeps the statistics it was built with until the next start.)
 */
export function buildFreshSegment(articles: readonly Article[], base: BaseStatistics): BuiltFreshSegment {
  const collection: CollectionStats = {
    docCount: base.docCount,
    df: (term) => base.df.get(term) ?? 0,
    averageLengths: base.averageLengths,
  };
  const index = buildTextIndex(articles, collection);
  const { stories, prefixTable } = deriveTables(articles);
  return { index, stories, prefixTable };
}

/**
 * Average words per field over `articles`, counted as the index counts them. The base's own lengths
 * are not kept with its index, so the worker measures them on an even sample of the corpus.
 */
export function averageFieldLengths(articles: readonly Article[]): number[] {
  const analyzer = new TextAnalyzer();
  for (const article of articles) analyzer.analyze(article);
  const { fieldLengths } = analyzer.take();
  const totals = FIELDS.map(() => 0);
  for (let i = 0; i < fieldLengths.length; i++) totals[i % FIELDS.length]! += fieldLengths[i]!;
  return totals.map((total) => Math.max(1, total / Math.max(1, articles.length)));
}
