import type { QueryWord } from './analyzer.ts';
import type { Segment } from './segments.ts';
import type { TermMatch, Vocabulary } from './vocabulary.ts';

export interface WordPlan {
  word: QueryWord;
  matches: TermMatch[];
}

export interface ScoredDocs {
  /** Docs that matched at least one word, in no order. */
  docs: Uint32Array;
  /** Per doc (indexed by doc number): summed weighted impact. Valid for `docs` only. */
  scores: Float32Array;
  /** Per doc: bit j set when query word j matched. */
  masks: Uint32Array;
}

/**
 * Accumulates impacts over posting lists, segment by segment, into per-doc arrays indexed by global doc
 * number. The arrays are allocated once per library and only the touched entries are cleared, so a
 * query costs in proportion to the postings it reads.
 */
export class Scorer {
  private readonly scores: Float32Array;
  private readonly masks: Uint32Array;
  private touched: Uint32Array;

  /**
   * `previous`: the scorer of the library this one replaces; its arrays are taken over when they are
   * big enough (a query clears what it touched, so they are clean between queries, and queries never
   * overlap: each runs to the end on this thread).
   */
  constructor(
    private readonly segments: readonly Segment[],
    private readonly docCount: number,
    previous?: Scorer,
  ) {
    const reuse = previous && previous.scores.length >= docCount;
    this.scores = reuse ? previous.scores : new Float32Array(docCount);
    this.masks = reuse ? previous.masks : new Uint32Array(docCount);
    this.touched = reuse ? previous.touched : new Uint32Array(Math.min(docCount, 1024));
  }

  /**
   * Each word's terms. The last word may be unfinished (autocomplete, a search submitted half-typed);
   * any word may be unfinished or mistyped when the exact word is rare or absent (see Vocabulary.expand).
   */
  plan(words: QueryWord[], vocabulary: Vocabulary): WordPlan[] {
    const hasContent = words.some((word) => !word.stop);
    return words.map((word, i) => ({
      word,
      // People press Enter on half-typed words: the last word is completed in every search. A stop word
      // beside content words is there only as the start of one ("robotics for" → forum).
      matches: vocabulary.expand(word, {
        prefix: i === words.length - 1,
        complete: true,
        startOnly: word.stop && hasContent,
      }),
    }));
  }

  /**
   * Score every doc matching any planned word. For each word, a doc counts the first (best-weighted)
   * of the word's terms it contains, so a typo guess never adds to an exact match of the same word.
   * The result is valid until the next call.
   */
  run(plans: WordPlan[]): ScoredDocs {
    let count = 0;
    plans.forEach((plan, j) => {
      const bit = 1 << j;
      for (const match of plan.matches) {
        for (const { index, docBase, termIds } of this.segments) {
          const termId = termIds.get(match.term);
          if (termId === undefined) continue;
          const { postingStart, postingDocs, postingImpact } = index;
          for (let p = postingStart[termId]!, end = postingStart[termId + 1]!; p < end; p++) {
            const doc = docBase + postingDocs[p]!;
            const mask = this.masks[doc]!;
            if (mask & bit) continue;
            if (mask === 0) {
              if (count === this.touched.length) {
                const bigger = new Uint32Array(Math.min(this.docCount, this.touched.length * 4));
                bigger.set(this.touched);
                this.touched = bigger;
              }
              this.touched[count++] = doc;
              this.scores[doc] = 0;
            }
            this.masks[doc] = mask | bit;
            this.scores[doc]! += postingImpact[p]! * match.weight;
          }
        }
      }
    });
    return { docs: this.touched.subarray(0, count), scores: this.scores, masks: this.masks };
  }

  /** Forget the last run (cheap: only touched docs). Call after reading `run`'s result. */
  reset(docs: Uint32Array): void {
    for (const doc of docs) this.masks[doc] = 0;
  }
}

export function popcount(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0xf0f0f0f) * 0x1010101) >>> 24;
}

/**
 * The best `k` of `items` by `score` (descending), without sorting everything. Equal scores keep the
 * order the items came in, as a stable sort would: the answer depends on the scores alone, not on how
 * the heap happened to fill (so a list and any sublist holding its best agree).
 */
export function topK<T>(items: Iterable<T>, k: number, score: (item: T) => number): T[] {
  if (k <= 0) return [];
  const heap: Array<{ item: T; score: number; order: number }> = [];
  // The heap's root is its worst entry: the lowest score, and of equal scores the latest to come.
  const worse = (a: number, b: number) =>
    heap[a]!.score < heap[b]!.score || (heap[a]!.score === heap[b]!.score && heap[a]!.order > heap[b]!.order);
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < heap.length && worse(l, min)) min = l;
      if (r < heap.length && worse(r, min)) min = r;
      if (min === i) return;
      [heap[i], heap[min]] = [heap[min]!, heap[i]!];
      i = min;
    }
  };
  let order = 0;
  for (const item of items) {
    const s = score(item);
    const at = order++;
    if (heap.length < k) {
      heap.push({ item, score: s, order: at });
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >>> 1;
        if (!worse(i, parent)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    } else if (s > heap[0]!.score) {
      // A later item with an equal score ranks after the root, so only a higher score displaces it.
      heap[0] = { item, score: s, order: at };
      siftDown(0);
    }
  }
  return heap.sort((a, b) => b.score - a.score || a.order - b.order).map((entry) => entry.item);
}
