import type { Article } from '../articles/article.ts';
import { DAY_MS } from './ranking.ts';
import { topK } from './scorer.ts';
import {
  documentFrequency,
  fieldsOfTerm,
  localDf,
  postingOf,
  segmentOf,
  termWordOf,
  type Segment,
} from './segments.ts';
import { isAddressWord, surfaceForms } from './surfaceWords.ts';

/** The terms that best characterise an article; more cost time and add mostly noise. */
const QUERY_TERMS = 25;
/** Terms in more than this share of articles say little about similarity ("ai" in an AI corpus). */
const COMMON_TERM_SHARE = 0.2;
const RERANK_POOL = 400;
/** How much shared topics and closeness in time lift a candidate's text similarity (bench/quality.ts). */
export const RELATED_WEIGHTS = { topics: 0.3, time: 3, timeHalfLifeDays: 7, pool: RERANK_POOL };

export interface SimilarMatch {
  doc: number;
  score: number;
  /** Worked out on each read. */
  readonly why: string;
}

interface QueryTerm {
  term: string;
  weight: number;
}

/**
 * More-like-this over the impact index: the source article's strongest terms become a weighted
 * query, scored over their posting lists in every segment, then the best candidates are re-ranked by
 * shared curator topics (rarer shared topics count more). Cost: the postings of ≤ 25 terms.
 */
export function findSimilar(
  segments: readonly Segment[],
  docCount: number,
  doc: number,
  accept: (candidate: number) => boolean,
  articles: readonly Article[],
  limit: number,
): SimilarMatch[] {
  const own = segmentOf(segments, doc);
  const { index } = own;
  const local = doc - own.docBase;
  const start = index.docTermStart[local]!;
  const end = index.docTermStart[local + 1]!;
  const maxDf = Math.max(10, docCount * COMMON_TERM_SHARE);
  const sourceTerms: QueryTerm[] = [];
  for (let i = start; i < end; i++) {
    const termId = index.docTerms[i]!;
    const term = index.terms[termId]!;
    const df = segments.length === 1 ? localDf(index, termId) : documentFrequency(segments, term);
    if (df > 1 && df <= maxDf)
      sourceTerms.push({ term, weight: index.postingImpact[postingOf(index, termId, local)]! });
  }
  const queryTerms = topK(sourceTerms, QUERY_TERMS, (entry) => entry.weight);

  const scores = scratchScores(docCount);
  const touched: number[] = [];
  const source = articles[doc]!;
  let kept: { doc: number; score: number }[];
  try {
    for (const { term, weight } of queryTerms) {
      for (const segment of segments) {
        const termId = segment.termIds.get(term);
        if (termId === undefined) continue;
        const { postingStart, postingDocs, postingImpact } = segment.index;
        for (let p = postingStart[termId]!, last = postingStart[termId + 1]!; p < last; p++) {
          const candidate = segment.docBase + postingDocs[p]!;
          if (scores[candidate] === 0) touched.push(candidate);
          scores[candidate]! += weight * postingImpact[p]!;
        }
      }
    }
    // The best by text first, then the caller's filter, which is costly per candidate (withheld
    // articles, often most of a corpus, are rejected): fetched again while too few passed.
    let pool: number[];
    for (let fetch = RELATED_WEIGHTS.pool + 32; ;) {
      const best = topK(touched, fetch, (candidate) => scores[candidate]!);
      pool = best.filter((candidate) => accept(candidate));
      if (pool.length >= RELATED_WEIGHTS.pool || best.length < fetch) break;
      // As many more as the share accepted so far says fill the pool, with a margin.
      const accepted = Math.max(pool.length, 1) / best.length;
      fetch = Math.ceil((RELATED_WEIGHTS.pool / accepted) * 1.25) + 32;
    }
    pool = pool.slice(0, RELATED_WEIGHTS.pool);

    const sourceTopics = new Set(source.topicKeys);
    // Read once per candidate: an article's topic list is built on each read.
    const poolTopics = pool.map((candidate) => articles[candidate]!.topicKeys);
    const topicCounts = new Map<string, number>();
    for (const keys of poolTopics)
      for (const key of keys) topicCounts.set(key, (topicCounts.get(key) ?? 0) + 1);
    const topicBonus = (at: number) => {
      let bonus = 0;
      for (const key of poolTopics[at]!) {
        if (sourceTopics.has(key)) bonus += 1 / Math.log2(2 + (topicCounts.get(key) ?? 0));
      }
      return bonus;
    };
    const w = RELATED_WEIGHTS;
    // Related reading is mostly the same week's news: closeness in time counts, with a half-life of days.
    const sourceAt = source.publishedAt;
    const closeness = (candidate: number) => {
      const at = articles[candidate]!.publishedAt;
      if (sourceAt === null || at === null) return 0;
      return Math.pow(0.5, Math.abs(sourceAt - at) / (w.timeHalfLifeDays * DAY_MS));
    };
    const ranked = topK(
      pool.map((_, at) => at),
      limit,
      (at) => {
        const candidate = pool[at]!;
        return scores[candidate]! * (1 + w.topics * topicBonus(at)) * (1 + w.time * closeness(candidate));
      },
    ).map((at) => pool[at]!);
    kept = ranked.map((candidate) => ({ doc: candidate, score: scores[candidate]! }));
  } finally {
    // Back to zeros for the next call: only the touched entries changed.
    for (const candidate of touched) scores[candidate] = 0;
  }
  // Explained only when read: callers keep about a third of these (one per story).
  return kept.map(({ doc: candidate, score }) => ({
    doc: candidate,
    score,
    get why() {
      return explainSimilarity(segments, queryTerms, source, articles[candidate]!, candidate);
    },
  }));
}

/**
 * One score per article, all zero, shared by every call: allocating (and zeroing) 400 kB per related
 * lookup at 100k articles cost more than the lookup's own arithmetic. Calls never overlap (one thread).
 */
let scratch = new Float32Array(0);
function scratchScores(docCount: number): Float32Array {
  if (scratch.length < docCount) scratch = new Float32Array(docCount);
  return scratch;
}

function explainSimilarity(
  segments: readonly Segment[],
  queryTerms: QueryTerm[],
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
  const sharedWords = queryTerms
    .filter(
      ({ term }) =>
        fieldsOfTerm(segments, term, candidateDoc) !== 0 && !isAddressWord(termWordOf(segments, term)),
    )
    .slice(0, 3)
    .map(({ term }) => termWordOf(segments, term));
  const words = surfaceForms(sharedWords, [candidate.title, candidate.excerpt, source.title]);
  const parts: string[] = [];
  if (shared.length) parts.push(`shares ${shared.join(', ')}`);
  if (words.length) parts.push(`also about ${words.join(', ')}`);
  return parts.join(' · ') || 'similar wording';
}
