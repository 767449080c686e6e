import type { Article } from '../articles/article.ts';
import { fieldsOf, postingOf, topK } from './scorer.ts';
import { isAddressWord, surfaceForm } from './surfaceWords.ts';
import type { TextIndexData } from './textIndex.ts';

/** The terms that best characterise an article; more cost time and add mostly noise. */
const QUERY_TERMS = 25;
/** Terms in more than this share of articles say little about similarity ("ai" in an AI corpus). */
const COMMON_TERM_SHARE = 0.2;
const RERANK_POOL = 200;

export interface SimilarMatch {
  doc: number;
  score: number;
  why: string;
}

/**
 * More-like-this over the impact index: the source article's strongest terms become a weighted
 * query, scored over their posting lists, then the best candidates are re-ranked by shared curator
 * topics (rarer shared topics count more). Cost: the postings of ≤ 25 terms.
 */
export function findSimilar(
  index: TextIndexData,
  doc: number,
  accept: (candidate: number) => boolean,
  articles: readonly Article[],
  limit: number,
): SimilarMatch[] {
  const start = index.docTermStart[doc]!;
  const end = index.docTermStart[doc + 1]!;
  const maxDf = Math.max(10, index.docCount * COMMON_TERM_SHARE);
  const sourceTerms: Array<{ term: number; weight: number }> = [];
  for (let i = start; i < end; i++) {
    const term = index.docTerms[i]!;
    const df = index.postingStart[term + 1]! - index.postingStart[term]!;
    if (df > 1 && df <= maxDf)
      sourceTerms.push({ term, weight: index.postingImpact[postingOf(index, term, doc)]! });
  }
  const queryTerms = topK(sourceTerms, QUERY_TERMS, (entry) => entry.weight);

  const scores = new Float32Array(index.docCount);
  const touched: number[] = [];
  for (const { term, weight } of queryTerms) {
    for (let p = index.postingStart[term]!, last = index.postingStart[term + 1]!; p < last; p++) {
      const candidate = index.postingDocs[p]!;
      if (scores[candidate] === 0) touched.push(candidate);
      scores[candidate]! += weight * index.postingImpact[p]!;
    }
  }
  const pool = topK(
    touched.filter((candidate) => accept(candidate)),
    RERANK_POOL,
    (candidate) => scores[candidate]!,
  );

  const source = articles[doc]!;
  const topicCounts = new Map<string, number>();
  for (const candidate of pool) {
    for (const key of articles[candidate]!.topicKeys) topicCounts.set(key, (topicCounts.get(key) ?? 0) + 1);
  }
  const topicBonus = (candidate: number) => {
    let bonus = 0;
    for (const key of articles[candidate]!.topicKeys) {
      if (source.topicKeys.includes(key)) bonus += 1 / Math.log2(2 + (topicCounts.get(key) ?? 0));
    }
    return bonus;
  };
  const ranked = topK(pool, limit, (candidate) => scores[candidate]! * (1 + 0.5 * topicBonus(candidate)));
  return ranked.map((candidate) => ({
    doc: candidate,
    score: scores[candidate]!,
    why: explainSimilarity(index, queryTerms, source, articles[candidate]!, candidate),
  }));
}

function explainSimilarity(
  index: TextIndexData,
  queryTerms: Array<{ term: number; weight: number }>,
  source: Article,
  candidate: Article,
  candidateDoc: number,
): string {
  // Named as the source article spells them: that is the article the reader is looking at.
  const shared = source.topicKeys
    .map((key, i) => (candidate.topicKeys.includes(key) ? source.topics[i] : undefined))
    .filter((name): name is string => Boolean(name))
    .slice(0, 2);
  // Words a reader can see in both articles, spelled as the candidate writes them; never URL parts.
  const words = queryTerms
    .filter(({ term }) => fieldsOf(index, term, candidateDoc) !== 0 && !isAddressWord(index.termWords[term]!))
    .slice(0, 3)
    .map(({ term }) =>
      surfaceForm(index.termWords[term]!, [candidate.title, candidate.excerpt, source.title]),
    );
  const parts: string[] = [];
  if (shared.length) parts.push(`shares ${shared.join(', ')}`);
  if (words.length) parts.push(`also about ${words.join(', ')}`);
  return parts.join(' · ') || 'similar wording';
}
