import type { Article } from '../articles/article.ts';
import { isStopWord, MemoStemmer, splitWords } from './analyzer.ts';
import type { WordPlan } from './scorer.ts';

/**
 * Where the query's words stand in an article, beyond how often they occur (which BM25F already
 * counts): all in the title, in the order typed, close together, and how much of the title they make
 * up; or close together in the excerpt. A remembered title or sentence is typed in its own order and
 * from few words, so these separate the article meant from the many that merely share two words.
 */
export interface Placement {
  /** Every word in the title, in the order typed. */
  titleInOrder: boolean;
  /**
   * When every word is in the title: the chance that this many words, picked from the title's content
   * words, are these (1 / C(k, q)): a query made of most of a short title points at it (else 0).
   */
  titleShare: number;
  /** Query words over the shortest stretch of the excerpt holding them all (0 when it lacks one). */
  excerptCloseness: number;
  /**
   * When every word is in the title: the share of them it spells exactly as typed, not only as a word
   * of the same stem ("reveals" in "… Reveals …", not "… Revealed …"): people retype what they read.
   */
  titleExact: number;
  /** The same for the excerpt, when it holds every word. */
  excerptExact: number;
}

/** An article's words with their stems, and what placementOf asks of them. */
interface ArticleWords {
  title: string[][];
  excerpt: string[][];
  titleWords: Set<string>;
  excerptWords: Set<string>;
  /** Distinct title words a reader would pick to recall it: not stop words, letters only, 3+ of them. */
  titleContentWords: number;
}

/**
 * Read afresh each time, never cached: a cache of the last 5,000 ranked articles kept each query's 80
 * analyses alive until they were old, and collecting them paused later queries (half-typed p50 at 100k
 * articles, searched alone, 5.0 → 3.4 ms without it; re-reading costs less than the collections did).
 */
const stemmer = new MemoStemmer();
const CONTENT_WORD = /^\p{L}{3,}$/u;

function wordsOf(article: Article): ArticleWords {
  const split = (text: string) => splitWords(text).map((word) => [word, stemmer.stem(word)]);
  const title = split(article.title);
  const excerpt = split(article.excerpt);
  const titleWords = new Set(title.map(([word]) => word!));
  let titleContentWords = 0;
  for (const word of titleWords) if (CONTENT_WORD.test(word) && !isStopWord(word)) titleContentWords++;
  return {
    title,
    excerpt,
    titleWords,
    excerptWords: new Set(excerpt.map(([word]) => word!)),
    titleContentWords,
  };
}

/** For each query word, the positions in `words` of any term it may stand for. */
function positionsOf(words: string[][], plans: readonly WordPlan[]): number[][] {
  return plans.map((plan) => {
    const terms = new Set(plan.matches.map((match) => match.term));
    const at: number[] = [];
    words.forEach(([word, stem], i) => {
      if (terms.has(stem!) || terms.has(word!)) at.push(i);
    });
    return at;
  });
}

/** Whether one position per word can be picked in increasing order (greedy earliest pick). */
function inOrder(positions: number[][]): boolean {
  let last = -1;
  for (const at of positions) {
    const next = at.find((position) => position > last);
    if (next === undefined) return false;
    last = next;
  }
  return true;
}

/** Length of the shortest stretch holding a position of every word, or Infinity. */
function shortestCover(positions: number[][]): number {
  if (positions.some((at) => at.length === 0)) return Infinity;
  const events = positions.flatMap((at, j) => at.map((position) => [position, j] as const));
  events.sort((a, b) => a[0] - b[0]);
  const counts = new Array<number>(positions.length).fill(0);
  let covered = 0;
  let best = Infinity;
  for (let lo = 0, hi = 0; hi < events.length; hi++) {
    if (counts[events[hi]![1]]!++ === 0) covered++;
    while (covered === positions.length) {
      best = Math.min(best, events[hi]![0] - events[lo]![0] + 1);
      if (--counts[events[lo]![1]]! === 0) covered--;
      lo++;
    }
  }
  return best;
}

/** n choose k, as a float. */
export function choose(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}

export function placementOf(article: Article, plans: readonly WordPlan[]): Placement {
  const words = wordsOf(article);
  const inTitle = positionsOf(words.title, plans);
  const allInTitle = inTitle.every((at) => at.length > 0);
  const cover = shortestCover(positionsOf(words.excerpt, plans));
  const exactIn = (spelled: Set<string>) =>
    plans.filter((plan) => spelled.has(plan.word.raw)).length / plans.length;
  const q = plans.length;
  return {
    titleInOrder: allInTitle && inOrder(inTitle),
    titleShare: allInTitle ? 1 / choose(Math.max(words.titleContentWords, q), q) : 0,
    titleExact: allInTitle ? exactIn(words.titleWords) : 0,
    excerptCloseness: Number.isFinite(cover) ? q / cover : 0,
    excerptExact: Number.isFinite(cover) ? exactIn(words.excerptWords) : 0,
  };
}

/** Weights of the placement features, relative to the text score (tuned on bench/quality.ts's sets). */
export const PLACEMENT_WEIGHTS = {
  titleInOrder: 1,
  titleShare: 5,
  titleExact: 2,
  excerptCloseness: 0.5,
  excerptExact: 1.5,
};

/**
 * The factor a text score is multiplied by for how the words are placed: 1 … about 9. The title's and
 * the excerpt's evidence are not added up: an article is as likely the one meant as its better-placed
 * field says (summed, an excerpt that also holds a title query's words outranked the title they came from).
 */
export function placementFactor(placement: Placement): number {
  const w = PLACEMENT_WEIGHTS;
  const inTitle =
    w.titleInOrder * Number(placement.titleInOrder) +
    w.titleShare * placement.titleShare +
    w.titleExact * placement.titleExact;
  const inExcerpt = w.excerptCloseness * placement.excerptCloseness + w.excerptExact * placement.excerptExact;
  return 1 + Math.max(inTitle, inExcerpt);
}
