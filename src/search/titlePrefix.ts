import type { Article } from '../articles/article.ts';
import { isStopWord, stem } from './analyzer.ts';
import { perCatalog, type Catalog } from './catalog.ts';
import { topK } from './scorer.ts';
import { FIELDS } from './textIndex.ts';

const TITLE_BIT = 1 << FIELDS.indexOf('title');

/**
 * For the answer being worked out: per doc, bits of how it matched (cleared after each answer), and
 * the docs found, in the order found. Kept per catalog, so an answer allocates next to nothing.
 */
const scratchFor = perCatalog((catalog) => ({
  marks: new Uint8Array(catalog.docCount),
  found: new Int32Array(catalog.docCount),
}));
const TAKEN = 1;
const AS_TYPED = 2;
const IN_TITLE = 4;

/**
 * Autocomplete of one word of four letters or more: the most popular live articles with a title word
 * starting with it (the word itself first, when the corpus writes it so), as the prefix table answers
 * shorter starts; when fewer titles have one, the most popular articles that mention such a word
 * follow. Read straight off the postings of the words it may be the start of, with no scoring: through
 * the full search a one-word autocomplete took 4–9 ms p50 and up to 50 ms at 100k, in an order (how
 * often the word recurs in excerpts and bodies) that said little about which title was wanted. Empty
 * when the corpus writes no word starting so (a typo): the caller then searches.
 */
export function popularArticlesStartingWith(catalog: Catalog, word: string, limit: number): Article[] {
  const { vocabulary, live, signals } = catalog;
  // The term of the word as typed, when the corpus writes it; a stop word has one from the titles that
  // hold it ("The Who"), though the written words that completions read leave stop words out.
  const exact =
    vocabulary.termOfWord(word) ?? (isStopWord(word) && vocabulary.has(stem(word)) ? stem(word) : undefined);
  const terms = new Set(vocabulary.completions(word).keys());
  if (exact !== undefined) terms.add(exact);
  const { marks, found } = scratchFor(catalog);
  let count = 0;
  /** Mark and gather the live docs of `terms` (only where a title holds one, with `titlesOnly`). */
  const gather = (titlesOnly: boolean) => {
    for (const term of terms) {
      const mark = TAKEN | (term === exact ? AS_TYPED : 0) | (titlesOnly ? IN_TITLE : 0);
      for (const { index, docBase, termIds } of catalog.segments) {
        const id = termIds.get(term);
        if (id === undefined) continue;
        const { postingStart, postingDocs, postingFields } = index;
        for (let p = postingStart[id]!, end = postingStart[id + 1]!; p < end; p++) {
          // Most postings are of excerpts and bodies: passed over at the cost of one byte read.
          if (titlesOnly && !(postingFields[p]! & TITLE_BIT)) continue;
          const doc = docBase + postingDocs[p]!;
          if (!live[doc]) continue;
          if (!marks[doc]) found[count++] = doc;
          else if (!titlesOnly && marks[doc]! & IN_TITLE) continue;
          marks[doc]! |= mark;
        }
      }
    }
  };
  try {
    gather(true);
    if (count < limit) gather(false);
    // Titles first, the word as typed before longer words, then by heat; equal ones in the order found.
    // One per story, as search shows them: syndicated copies would be the same title twice.
    const rank = (doc: number) => marks[doc]! * 1e6 + signals.heatRank(doc);
    for (let asked = limit; ; asked *= 4) {
      const best = topK(found.subarray(0, count), asked, rank);
      const stories = new Set<number>();
      const shown: Article[] = [];
      for (const doc of best) {
        const story = catalog.storyNumbers[doc]!;
        if (stories.has(story)) continue;
        stories.add(story);
        shown.push(catalog.list[doc]!);
        if (shown.length === limit) return shown;
      }
      if (best.length === count) return shown;
    }
  } finally {
    for (let i = 0; i < count; i++) marks[found[i]!] = 0;
  }
}
