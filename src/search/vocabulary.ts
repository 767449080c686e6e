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
