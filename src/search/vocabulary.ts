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
    const found: string[] = [];
    const counts: number[] = [];
    const single = this.segments.length === 1;
    const position = single ? null : new Map<string, number>();
    for (const { index } of this.segments) {
      const sorted = index.termsByText;
      const terms = index.terms;
      let lo = 0;
      let hi = sorted.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (compareText(terms[sorted[mid]!]!, prefix) < 0) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < sorted.length; i++) {
        const id = sorted[i]!;
        const term = terms[id]!;
        if (!term.startsWith(prefix)) break;
        const at = position?.get(term);
        if (at !== undefined) {
          counts[at]! += localDf(index, id);
          continue;
        }
        position?.set(term, found.length);
        found.push(term);
        counts.push(localDf(index, id));
      }
    }
    let order = found.map((_, i) => i);
    if (!single) order.sort((a, b) => compareText(found[a]!, found[b]!));
    if (order.length > limit) {
      order.sort((a, b) => counts[b]! - counts[a]!);
      order = order.slice(0, limit);
    }
    return order.map((i) => found[i]!);
  }

  /** Vocabulary terms one edit (delete, substitute, insert, swap) from `term`, most frequent first. */
  withinOneEdit(term: string, limit: number): string[] {
    const found = new Set<string>();
    const consider = (candidate: string) => {
      if (candidate !== term && this.has(candidate)) found.add(candidate);
    };
    for (let i = 0; i <= term.length; i++) {
      const head = term.slice(0, i);
      const tail = term.slice(i);
      if (tail) consider(head + tail.slice(1));
      if (tail.length > 1) consider(head + tail[1] + tail[0] + tail.slice(2));
      for (const letter of ALPHABET) {
        consider(head + letter + tail);
        if (tail) consider(head + letter + tail.slice(1));
      }
    }
    const df = new Map([...found].map((candidate) => [candidate, this.df(candidate)]));
    return [...found].sort((a, b) => df.get(b)! - df.get(a)!).slice(0, limit);
  }

  /**
   * The terms a query word may stand for. The last word of a query that is still being typed may be
   * the start of a longer word (stems included: "general" is stored as "gener"). A word of five or
   * more letters that the corpus (nearly) lacks may be a typo.
   */
  expand(word: { raw: string; stem: string }, options: { prefix: boolean }): TermMatch[] {
    const matches: TermMatch[] = [];
    const exact = this.has(word.stem) ? word.stem : this.has(word.raw) ? word.raw : undefined;
    if (exact !== undefined) matches.push({ term: exact, weight: WEIGHT.exact, kind: 'exact' });
    const taken = new Set(matches.map((match) => match.term));
    // Among guesses, the more common word is the likelier meaning ("le" → "learn" before "legacy").
    const add = (terms: string[], kind: 'prefix' | 'typo') => {
      const df = terms.map((term) => this.df(term));
      const top = Math.max(1, ...df);
      terms.forEach((term, i) => {
        if (taken.has(term)) return;
        taken.add(term);
        matches.push({ term, weight: WEIGHT[kind] * Math.sqrt(df[i]! / top), kind });
      });
    };
    if (options.prefix) {
      add(this.withPrefix(word.raw, MAX_PREFIX_EXPANSIONS), 'prefix');
      if (word.stem !== word.raw) add(this.withPrefix(word.stem, MAX_PREFIX_EXPANSIONS), 'prefix');
    }
    const rare = exact === undefined || this.df(exact) < 3;
    if (rare && word.raw.length >= 5) add(this.withinOneEdit(word.stem, MAX_TYPO_EXPANSIONS), 'typo');
    return matches;
  }
}
