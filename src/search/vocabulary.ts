import { compareText, type TextIndexData } from './textIndex.ts';

export type MatchKind = 'exact' | 'prefix' | 'typo';

export interface TermMatch {
  termId: number;
  /** Multiplies the term's impact: a guessed completion or correction counts less than the word typed. */
  weight: number;
  kind: MatchKind;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const MAX_PREFIX_EXPANSIONS = 40;
export const MAX_TYPO_EXPANSIONS = 8;
const WEIGHT = { exact: 1, prefix: 0.8, typo: 0.7 } as const;

/** Term lookups over the index's vocabulary: exact, by prefix (sorted array), within one edit. */
export class Vocabulary {
  private readonly ids = new Map<string, number>();

  constructor(private readonly index: TextIndexData) {
    index.terms.forEach((term, id) => this.ids.set(term, id));
  }

  id(term: string): number | undefined {
    return this.ids.get(term);
  }

  df(termId: number): number {
    return this.index.postingStart[termId + 1]! - this.index.postingStart[termId]!;
  }

  /** Term ids whose text starts with `prefix`, most frequent first, at most `limit`. */
  withPrefix(prefix: string, limit: number): number[] {
    const sorted = this.index.termsByText;
    const terms = this.index.terms;
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareText(terms[sorted[mid]!]!, prefix) < 0) lo = mid + 1;
      else hi = mid;
    }
    const found: number[] = [];
    for (let i = lo; i < sorted.length; i++) {
      const id = sorted[i]!;
      if (!terms[id]!.startsWith(prefix)) break;
      found.push(id);
    }
    if (found.length > limit) {
      found.sort((a, b) => this.df(b) - this.df(a));
      found.length = limit;
    }
    return found;
  }

  /** Vocabulary terms one edit (delete, substitute, insert, swap) from `term`, most frequent first. */
  withinOneEdit(term: string, limit: number): number[] {
    const found = new Set<number>();
    const consider = (candidate: string) => {
      const id = this.ids.get(candidate);
      if (id !== undefined && candidate !== term) found.add(id);
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
    return [...found].sort((a, b) => this.df(b) - this.df(a)).slice(0, limit);
  }

  /**
   * The terms a query word may stand for. The last word of a query that is still being typed may be
   * the start of a longer word (stems included: "general" is stored as "gener"). A word of five or
   * more letters that the corpus (nearly) lacks may be a typo.
   */
  expand(word: { raw: string; stem: string }, options: { prefix: boolean }): TermMatch[] {
    const matches: TermMatch[] = [];
    const exact = this.ids.get(word.stem) ?? this.ids.get(word.raw);
    if (exact !== undefined) matches.push({ termId: exact, weight: WEIGHT.exact, kind: 'exact' });
    const taken = new Set(matches.map((match) => match.termId));
    // Among guesses, the more common word is the likelier meaning ("le" → "learn" before "legacy").
    const add = (ids: number[], kind: 'prefix' | 'typo') => {
      const top = Math.max(1, ...ids.map((id) => this.df(id)));
      for (const id of ids) {
        if (taken.has(id)) continue;
        taken.add(id);
        matches.push({ termId: id, weight: WEIGHT[kind] * Math.sqrt(this.df(id) / top), kind });
      }
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
