import { isStopWord, stem, splitWords } from './analyzer.ts';
import { perCatalog, type Catalog } from './catalog.ts';
import { topK } from './scorer.ts';

/**
 * Topics a query is about, read off its best text matches (pseudo-relevance feedback): "school
 * closures" names no topic, but the articles that match it best are mostly the curators' "Education
 * Impact". A topic counts by its share of those matches (weighted by score) beyond its share of the
 * whole library, so a topic on every other article ("Coronavirus") does not pass for the specific one.
 */
export const TOPIC_FEEDBACK = {
  matches: 30,
  minShare: 0.25,
  weight: 0.5,
  named: 0.8,
  /** Lift added for each specific topic a doc carries, times its share and specificity. */
  specificWeight: 1.5,
  /** A topic is specific when this many times commoner among the matches than in the library. */
  specificRatio: 60,
};

/** Each stem of a topic name → the topics it names, with how many content words each name has. */
const topicsByNameWord = perCatalog((catalog) => {
  const table = new Map<string, Array<{ key: string; words: number }>>();
  for (const [key, entry] of catalog.topicIndex) {
    const stems = [
      ...new Set(
        splitWords(entry.name)
          .filter((word) => !isStopWord(word))
          .map(stem),
      ),
    ];
    for (const word of stems) {
      const list = table.get(word) ?? [];
      list.push({ key, words: stems.length });
      table.set(word, list);
    }
  }
  return table;
});

/**
 * Topics whose names share words with the query ("banks fighting fraud" and the curators' "artificial
 * intelligence bank"), each by the share of its name's words the query has.
 */
export function topicsNamedBy(catalog: Catalog, queryStems: readonly string[]): Map<string, number> {
  const table = topicsByNameWord(catalog);
  const counts = new Map<string, { hits: number; words: number }>();
  for (const word of new Set(queryStems)) {
    for (const { key, words } of table.get(word) ?? []) {
      const known = counts.get(key) ?? { hits: 0, words };
      known.hits++;
      counts.set(key, known);
    }
  }
  return new Map([...counts].map(([key, { hits, words }]) => [key, hits / words]));
}

export function inferTopics(
  catalog: Catalog,
  docs: Iterable<number>,
  score: (doc: number) => number,
  queryStems: readonly string[] = [],
): Map<string, number> {
  const top = topK(docs, TOPIC_FEEDBACK.matches, score);
  const inferred = new Map<string, number>();
  for (const [key, share] of topicsNamedBy(catalog, queryStems))
    inferred.set(key, TOPIC_FEEDBACK.named * share);
  if (top.length < 3) return inferred;
  let total = 0;
  const weighted = new Map<string, number>();
  for (const doc of top) {
    const weight = Math.max(0, score(doc));
    total += weight;
    for (const key of catalog.list[doc]!.topicKeys) weighted.set(key, (weighted.get(key) ?? 0) + weight);
  }
  if (total <= 0) return inferred;
  for (const [key, sum] of weighted) {
    const share = sum / total;
    // Specific: it is far commoner among the matches than in the library as a whole.
    if (share >= TOPIC_FEEDBACK.minShare && share > 2 * libraryShare(catalog, key))
      inferred.set(key, Math.max(share, inferred.get(key) ?? 0));
  }
  return inferred;
}

/**
 * Each doc's lift for carrying the topics the query is about (its factor is 1 + the lift), by doc number;
 * null when the query is about none. The doc's best topic lifts it by weight × share; each specific topic
 * it carries adds its own. Without the second part a topic on a third of the library ("AI"), carried by
 * nearly every match, masked the specific one ("AI in Finance" for "banks fighting fraud": P@10 0.1, now
 * 0.5). Read off the topics' doc lists, so a query matching 100k docs looks up no topic key per doc.
 *
 * `use` reads the catalog's own array, zeroed again after it returns: a fresh one per query was 800 KiB at
 * 100k docs, allocated and zeroed whole for a few topics' docs.
 */
export function withTopicLifts<T>(
  catalog: Catalog,
  inferred: ReadonlyMap<string, number>,
  use: (lifts: Float64Array | null) => T,
): T {
  if (!inferred.size) return use(null);
  const lifts = liftsFor(catalog);
  const topics = [...inferred].map(([key, share]) => ({
    share,
    inLibrary: libraryShare(catalog, key),
    docs: catalog.topicIndex.get(key)?.docs ?? [],
  }));
  try {
    for (const { share, docs } of topics) {
      const lift = TOPIC_FEEDBACK.weight * share;
      for (const doc of docs) lifts[doc] = Math.max(lifts[doc]!, lift);
    }
    for (const { share, inLibrary, docs } of topics) {
      const extra = TOPIC_FEEDBACK.specificWeight * share * specificity(share, inLibrary);
      if (extra > 0) for (const doc of docs) lifts[doc] = lifts[doc]! + extra;
    }
    return use(lifts);
  } finally {
    for (const { docs } of topics) for (const doc of docs) lifts[doc] = 0;
  }
}

const liftsFor = perCatalog((catalog) => new Float64Array(catalog.docCount));

/**
 * 0 … 1: how far a topic's share of the query's best matches exceeds `specificRatio` times its share of
 * the library (tuned on bench/quality.ts's sets: topical P@10 0.65 → 0.73 over five seeds, every
 * known-item set within 0.001 of before). In a small library no topic is that rare: the best topic's lift
 * is then all there is.
 */
function specificity(share: number, inLibrary: number): number {
  return Math.max(0, 1 - (TOPIC_FEEDBACK.specificRatio * inLibrary) / share);
}

/** The share of the library's articles that carry the topic. */
function libraryShare(catalog: Catalog, key: string): number {
  return (catalog.topicIndex.get(key)?.docs.length ?? 0) / Math.max(1, catalog.list.length);
}
