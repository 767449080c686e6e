import { documentFrequency, localDf, type Segment } from './segments.ts';
import { compareText } from './textIndex.ts';

export type MatchKind = 'exact' | 'prefix' | 'typo';

export interface TermMatch {
  /** The indexed term (a stem, or a raw word); each segment maps it to its own term id. */
  term: string;
  /** Multiplies the term's impact: a guessed completion or correction counts less than the word typed. */
  weight: number;
  kind: MatchKind;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const MAX_PREFIX_EXPANSIONS = 40;
export const MAX_TYPO_EXPANSIONS = 8;
const WEIGHT = { exact: 1, prefix: 0.8, typo: 0.7 } as const;
const STOP_START_WEIGHT = 0.3;
/** How plausible each kind of one-letter slip is, relative to the others. */
const EDIT = { swap: 1, neighbour: 0.8, drop: 0.7, insert: 0.6, replace: 0.45 } as const;
/** Words read from the sorted surface vocabulary per completion: bounds a two-letter prefix's cost. */
const MAX_SURFACE_SCAN = 4_000;
const MIN_COMPLETION_LETTERS = 3;
const MIN_TYPO_LETTERS = 5;
/** Fewer articles than this: the exact word may well be a slip. */
const RARE_DF = 3;
/** An exact word this many times rarer than its commonest completion is more likely unfinished. */
const RARE_AGAINST_COMPLETION = 20;

/**
 * Term lookups over the vocabulary of every segment together: exact, by prefix (each segment's sorted
 * term array), within one edit. Document frequencies are summed over segments, so a word's expansions
 * and typo guesses are the same whether its articles sit in the base segment or a fresh one.
 */
export class Vocabulary {
  constructor(private readonly segments: readonly Segment[]) {}

  has(term: string): boolean {
    return this.segments.some((segment) => segment.termIds.has(term));
  }

  df(term: string): number {
    return documentFrequency(this.segments, term);
  }

  /** Terms that start with `prefix`, in text order; the `limit` most frequent when there are more. */
  withPrefix(prefix: string, limit: number): string[] {
    let found: string[] = [];
    let counts: number[] = [];
    for (const { index } of this.segments) {
      const terms: string[] = [];
      const df: number[] = [];
      const sorted = index.termsByText;
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareText(index.terms[sorted[mid]!]!, prefix) < 0) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < sorted.length; i++) {
        const id = sorted[i]!;
        const term = index.terms[id]!;
        if (!term.startsWith(prefix)) break;
        terms.push(term);
        df.push(localDf(index, id));
      }
      if (!found.length) [found, counts] = [terms, df];
      else if (terms.length) [found, counts] = mergeRuns(found, counts, terms, df);
    }
    if (found.length <= limit) return found;
    return found
      .map((_, i) => i)
      .sort((a, b) => counts[b]! - counts[a]!)
      .slice(0, limit)
      .map((i) => found[i]!);
  }

  /**
   * Terms of the words the corpus writes that start with `prefix` (as typed: "generat" finds
   * "generation", stored as "gener"), with their document frequencies; at most `scan` words are read
   * per segment, in text order.
   */
  completions(prefix: string, scan = MAX_SURFACE_SCAN): Map<string, number> {
    const found = new Map<string, number>();
    for (const { index } of this.segments) {
      const words = index.surfaceWords;
      let at = lowerBound(words, prefix);
      const seen = new Set<number>();
      for (let read = 0; at < words.length && read < scan; at++, read++) {
        if (!words[at]!.startsWith(prefix)) break;
        const id = index.surfaceTerms[at]!;
        if (seen.has(id)) continue;
        seen.add(id);
        const term = index.terms[id]!;
        found.set(term, (found.get(term) ?? 0) + localDf(index, id));
      }
    }
    return found;
  }

  /** The term of a word the corpus writes exactly so, or undefined. */
  termOfWord(word: string): string | undefined {
    for (const { index } of this.segments) {
      const at = lowerBound(index.surfaceWords, word);
      if (index.surfaceWords[at] === word) return index.terms[index.surfaceTerms[at]!]!;
    }
    return undefined;
  }

  /**
   * Words the corpus writes one edit from `word` (a swap of neighbours, a letter dropped, added or
   * replaced), as their terms, each with how plausible its edit is: people swap neighbouring letters
   * and hit neighbouring keys more than they type unrelated ones.
   */
  corrections(word: string): Map<string, number> {
    const found = new Map<string, number>();
    const consider = (candidate: string, plausibility: number) => {
      if (candidate === word) return;
      const term = this.termOfWord(candidate);
      if (term !== undefined && plausibility > (found.get(term) ?? 0)) found.set(term, plausibility);
    };
    for (let i = 0; i <= word.length; i++) {
      const head = word.slice(0, i);
      const tail = word.slice(i);
      if (tail.length > 1) consider(head + tail[1] + tail[0] + tail.slice(2), EDIT.swap);
      if (tail) consider(head + tail.slice(1), EDIT.drop);
      for (const letter of ALPHABET) {
        consider(head + letter + tail, EDIT.insert);
        if (tail && letter !== tail[0])
          consider(
            head + letter + tail.slice(1),
            areNeighbours(letter, tail[0]!) ? EDIT.neighbour : EDIT.replace,
          );
      }
    }
    return found;
  }

  /**
   * The terms a query word may stand for: the word itself, and when the exact word is rare or absent,
   * the words it may be the start of (`complete`: the last word, which people submit half-typed) or a
   * slip of (five letters or more). Guesses are weighed by how common the word they give is and how
   * plausible the edit, and always count less than an exact match. `startOnly` (a stop word ending a
   * query beside other words) reads the word only as the start of another: no exact match, no slips.
   */
  expand(
    word: { raw: string; stem: string },
    options: { prefix: boolean; complete?: boolean; startOnly?: boolean },
  ): TermMatch[] {
    const matches: TermMatch[] = [];
    const startOnly = options.startOnly === true;
    const exact = startOnly ? undefined : [word.stem, word.raw].find((term) => this.has(term));
    const exactDf = exact === undefined ? 0 : this.df(exact);
    if (exact !== undefined) matches.push({ term: exact, weight: WEIGHT.exact, kind: 'exact' });
    const taken = new Set(matches.map((match) => match.term));
    // What a stop word may be the start of is a weak guess: at full weight "machine and" put articles that
    // merely mention an Andy above the titles about machines.
    const scale = startOnly ? STOP_START_WEIGHT : 1;
    const add = (guesses: Array<{ term: string; score: number }>, kind: 'prefix' | 'typo', limit: number) => {
      const best = Math.max(1e-9, ...guesses.map((guess) => guess.score));
      for (const { term, score } of guesses.sort((a, b) => b.score - a.score).slice(0, limit)) {
        if (taken.has(term)) continue;
        taken.add(term);
        matches.push({ term, weight: scale * WEIGHT[kind] * Math.sqrt(score / best), kind });
      }
    };
    const completing = options.prefix || options.complete === true;
    if (completing && word.raw.length >= MIN_COMPLETION_LETTERS) {
      const found = this.completions(word.raw);
      if (word.stem !== word.raw)
        for (const [term, df] of this.completions(word.stem))
          found.set(term, Math.max(df, found.get(term) ?? 0));
      found.delete(exact ?? '');
      // Nor is the word its own completion then (a stop word has a term where titles needed it).
      if (startOnly) for (const own of [word.raw, word.stem]) found.delete(own);
      const top = Math.max(0, ...found.values());
      // Asked for (autocomplete, `word*`), or the typed word is far rarer than what it may be the start of.
      if (options.prefix || exactDf * RARE_AGAINST_COMPLETION < top)
        add(
          [...found].map(([term, df]) => ({ term, score: df })),
          'prefix',
          MAX_PREFIX_EXPANSIONS,
        );
    }
    // A stop word is no slip: "cases after" is not "cases alter".
    if (exactDf < RARE_DF && !startOnly) add(this.slips(word.raw), 'typo', MAX_TYPO_EXPANSIONS);
    return matches;
  }

  /**
   * The words `word` may be a slip of (see corrections), likeliest first: scored by how plausible the
   * slip and how common the word, with their document frequencies. None for words of under five
   * letters, where one edit reaches too many words to guess from.
   */
  slips(word: string): Array<{ term: string; df: number; score: number }> {
    if (word.length < MIN_TYPO_LETTERS) return [];
    return [...this.corrections(word)]
      .map(([term, plausibility]) => {
        const df = this.df(term);
        return { term, df, score: plausibility * plausibility * df };
      })
      .sort((a, b) => b.score - a.score);
  }
}

/** The first position in sorted `words` not before `word`. */
function lowerBound(words: readonly string[], word: string): number {
  let lo = 0;
  let hi = words.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareText(words[mid]!, word) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const KEYBOARD_ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];
const KEY_AT = new Map<string, [number, number]>();
KEYBOARD_ROWS.forEach((row, r) => [...row].forEach((key, c) => KEY_AT.set(key, [r, c])));

/** Keys next to each other on a QWERTY keyboard (same row or the row above or below). */
function areNeighbours(a: string, b: string): boolean {
  const [ra, ca] = KEY_AT.get(a) ?? [-9, -9];
  const [rb, cb] = KEY_AT.get(b) ?? [9, 9];
  return Math.abs(ra - rb) <= 1 && Math.abs(ca - cb) <= 1;
}

/** Two runs of terms in text order merged into one, the counts of a term in both summed. */
function mergeRuns(a: string[], aCounts: number[], b: string[], bCounts: number[]): [string[], number[]] {
  const terms: string[] = [];
  const counts: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const order = i === a.length ? 1 : j === b.length ? -1 : compareText(a[i]!, b[j]!);
    if (order <= 0) {
      terms.push(a[i]!);
      counts.push(aCounts[i]! + (order === 0 ? bCounts[j++]! : 0));
      i++;
    } else {
      terms.push(b[j]!);
      counts.push(bCounts[j++]!);
    }
  }
  return [terms, counts];
}
