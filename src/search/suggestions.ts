import type { Article } from '../articles/article.ts';
import { topicKey } from '../articles/normalize.ts';
import { splitWords } from './analyzer.ts';
import { topK } from './scorer.ts';
import type { Suggestion } from './types.ts';

const MAX_CHOICE = 100;
/**
 * Prefixes this short match too many articles to rank on demand: their answers are precomputed. At
 * three letters (about 4k prefixes, 40–60k entries at 100k articles) a common start such as "the" or
 * "con" still took 4–5 ms from the postings.
 */
const TABLE_PREFIX_LENGTH = 3;
const TABLE_SIZE = 25;
/** Titles offered when nothing has been typed yet. */
export const POPULAR_SIZE = 25;

/** Whitespace a choice must not show: anything but single spaces between words. */
const UNTIDY_SPACE = /[^\S ]| {2}|^ | $/;

/** Discord allows 1–100 characters: cut at a word boundary and mark the cut. */
export function fitChoice(text: string, max = MAX_CHOICE): string {
  // Most titles are tidy and then used as they are: copying each through replace and trim was half of
  // what an autocomplete answer allocated (about 15 of 32 KiB at 100k articles).
  const clean = UNTIDY_SPACE.test(text) ? text.replace(/\s+/g, ' ').trim() : text;
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return (space > max * 0.6 ? cut.slice(0, space) : cut) + '…';
}

/**
 * The two texts are one choice to the eye (a title and the same words typed, or two outlets' copies of
 * one headline), told apart without copying either unless they are as long.
 */
function sameChoice(a: string, b: string): boolean {
  return a.length === b.length && (a === b || a.toLowerCase() === b.toLowerCase());
}

/**
 * How titles are found for what was typed: `search` with the last word unfinished (several words, or a
 * word the corpus has nothing starting so, say a typo); `startingWith` the most popular live articles
 * with a word starting with one word, titles first (empty when none has; see titlePrefix.ts).
 */
export interface TitleFinders {
  search(typed: string, limit: number): Article[];
  startingWith(word: string, limit: number, before?: readonly string[]): Article[];
}

/**
 * Autocomplete answers, all from memory. One word is answered with the most popular live titles
 * holding a word that starts with it: for one to three letters from a table built at start, longer
 * ones from the postings (see titlePrefix.ts). Several words go to the search engine.
 */
/** Prefix (1–3 letters) → the most popular live docs with a title word starting so. */
export type PrefixTable = Array<[string, number[]]>;

export function buildPrefixTable(
  articles: readonly Article[],
  titleWords: readonly string[][],
  live: Uint8Array,
): PrefixTable {
  const buckets = new Map<string, number[]>();
  articles.forEach((_, doc) => {
    if (!live[doc]) return;
    const prefixes = new Set<string>();
    for (const word of titleWords[doc] ?? []) {
      for (let n = 1; n <= TABLE_PREFIX_LENGTH && n <= word.length; n++) prefixes.add(word.slice(0, n));
    }
    for (const prefix of prefixes) {
      let bucket = buckets.get(prefix);
      if (!bucket) buckets.set(prefix, (bucket = []));
      bucket.push(doc);
    }
  });
  const heat = (doc: number) => articles[doc]!.heat ?? 0;
  return [...buckets].map(([prefix, bucket]) => [prefix, topK(bucket, TABLE_SIZE, heat)]);
}

/** Whether any of `words` starts with `start` (without a closure per call, as topics() runs per keystroke). */
function startsAWord(words: readonly string[], start: string): boolean {
  for (const word of words) if (word.startsWith(start)) return true;
  return false;
}

export class SuggestionIndex {
  private readonly prefixTable: Map<string, Article[]>;
  private readonly popular: Article[];
  private readonly topicList: Array<{ key: string; count: number; words: string[]; choice: Suggestion }>;

  /**
   * `prefixTable`: the prefix table with articles for doc numbers; `popular`: the most popular live
   * articles, best first; `topics`: every topic with its live docs.
   */
  constructor(
    prefixTable: Map<string, Article[]>,
    popular: Article[],
    topics: Array<[string, { name: string; docs: ArrayLike<number> }]>,
  ) {
    this.prefixTable = prefixTable;
    this.popular = popular;
    // Each topic's choice made once (frozen, as every answer shares it), not per keystroke.
    this.topicList = topics
      .map(([key, { name, docs }]) => ({
        key,
        count: docs.length,
        words: key.split(' '),
        choice: Object.freeze({
          name: fitChoice(`${name} (${docs.length})`),
          value: fitChoice(name),
          kind: 'topic' as const,
        }),
      }))
      .sort((a, b) => b.count - a.count);
  }

  topics(typed: string, limit: number): Suggestion[] {
    const key = topicKey(typed);
    // By tier (the name starts so, a word of it does, it holds the text), each tier by size: the list
    // is sorted by size, so one pass in order fills the tiers, allocating only for what matches.
    const tiers: Array<typeof this.topicList> = [[], [], []];
    for (const topic of this.topicList) {
      const tier =
        !key || topic.key.startsWith(key)
          ? 0
          : startsAWord(topic.words, key)
            ? 1
            : topic.key.includes(key)
              ? 2
              : -1;
      if (tier >= 0 && tiers[tier]!.length < limit) tiers[tier]!.push(topic);
      if (!key && tiers[0]!.length >= limit) break;
    }
    return tiers
      .flat()
      .slice(0, limit)
      .map((topic) => topic.choice);
  }

  articles(typed: string, limit: number, titles: TitleFinders): Suggestion[] {
    return this.findArticles(typed, limit, titles).map((article) => ({
      name: fitChoice(article.title),
      value: article.id,
      kind: 'article' as const,
    }));
  }

  private findArticles(typed: string, limit: number, titles: TitleFinders): Article[] {
    const words = splitWords(typed);
    let found: Article[] = [];
    if (words.length === 0) found = this.popular;
    else if (words.length === 1) {
      const word = words[0]!;
      // A start the table lacks is one no title word has: articles mentioning such a word may still.
      found =
        (word.length <= TABLE_PREFIX_LENGTH ? this.prefixTable.get(word) : undefined) ??
        titles.startingWith(word, limit);
    } else found = titles.startingWith(words.at(-1)!, limit, words.slice(0, -1));
    if (words.length && !found.length) found = titles.search(typed, limit);
    return found.slice(0, limit);
  }

  /** The text as typed first (Enter searches it), then matching topics, then matching titles. */
  queries(typed: string, limit: number, titles: TitleFinders): Suggestion[] {
    const text = fitChoice(typed);
    const choices: Suggestion[] = [];
    // Made afresh each answer and compared in a list: a fitted title is most often the title itself, so
    // this allocates less than keeping the choices did (a map of every article asked paused keystrokes
    // 1–6 ms as it grew past 11k–87k entries), and at most 26 values are compared.
    const add = (choice: Suggestion) => {
      if (choices.length >= limit) return;
      for (const shown of choices) if (sameChoice(shown.value, choice.value)) return;
      choices.push(choice);
    };
    if (text) add({ name: text, value: text, kind: 'query' });
    for (const topic of this.topics(typed, 5)) add(topic);
    for (const article of this.findArticles(typed, limit, titles)) {
      const name = fitChoice(article.title);
      // The query a cut title stands for is the title without the cut's mark.
      add({ name, value: name.endsWith('…') ? name.slice(0, -1) : name, kind: 'query' });
    }
    return choices;
  }
}
