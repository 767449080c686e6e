import lunr from 'lunr';

/**
 * Text analysis shared by indexing and querying, so both sides agree on every term. Tokens come from
 * our own Unicode-aware split (lunr's tokenizer and trimmer are ASCII-minded: they keep `c++` as `c`
 * and `alzheimer's` as `alzheimer'`); stop words and stems are lunr's own pipeline functions.
 */

/** Technology names that punctuation would otherwise erase. Applied before splitting. */
const SYMBOL_WORDS: Array<[RegExp, string]> = [
  [/(^|[^\p{L}\p{N}])c\+\+(?![\p{L}\p{N}])/gu, '$1 cplusplus '],
  [/(^|[^\p{L}\p{N}])([cf])#(?![\p{L}\p{N}])/gu, '$1 $2sharp '],
  [/(^|[^\p{L}\p{N}])\.net(?![\p{L}\p{N}])/gu, '$1 dotnet '],
];

export const MAX_WORD_LENGTH = 40;
// eslint-disable-next-line no-control-regex -- the whole ASCII range, control characters included
const ASCII = /^[\x00-\x7f]*$/;
const SYMBOL_HINT = /[+#]|\.net/;
const APOSTROPHE = /['’]/;

/** Lower-cased, accent-folded words of a text, in order. */
export function splitWords(text: string): string[] {
  return splitFolded(foldText(text));
}

/**
 * The text splitWords splits: lower-cased, accents folded, symbol names spelled out, apostrophes
 * gone. Its words are the runs of letters and digits, cut to MAX_WORD_LENGTH (the index reads them
 * in place, without splitting, when the folded text is ASCII).
 */
export function foldText(text: string): string {
  // Fast paths: most text is ASCII without symbols, and these passes cost more than the split.
  let folded = ASCII.test(text)
    ? text.toLowerCase()
    : text
        .normalize('NFKD')
        .replace(/\p{M}+/gu, '')
        .toLowerCase();
  if (SYMBOL_HINT.test(folded)) {
    for (const [pattern, replacement] of SYMBOL_WORDS) folded = folded.replace(pattern, replacement);
  }
  // "Alzheimer's" → "alzheimer", "don't" → "dont": apostrophes never split a word.
  if (APOSTROPHE.test(folded)) folded = folded.replace(/['’](s\b)?/g, '');
  return folded;
}

export function splitFolded(folded: string): string[] {
  const words: string[] = [];
  for (const word of folded.split(/[^\p{L}\p{N}]+/u)) {
    if (word) words.push(word.length > MAX_WORD_LENGTH ? word.slice(0, MAX_WORD_LENGTH) : word);
  }
  return words;
}

export function isAscii(text: string): boolean {
  return ASCII.test(text);
}

export function isStopWord(word: string): boolean {
  return lunr.stopWordFilter(new lunr.Token(word, {})) === undefined;
}

export function stem(word: string): string {
  // Numbers and very short words are kept as typed: the stemmer turns "2020s" into "2020" at best.
  if (word.length < 3 || /^\d+$/.test(word)) return word;
  return lunr.stemmer(new lunr.Token(word, {})).toString();
}

/** Stemming with a memo: corpus vocabularies repeat words heavily (Zipf), so this saves most calls. */
export class MemoStemmer {
  private readonly memo = new Map<string, string>();

  stem(word: string): string {
    let stemmed = this.memo.get(word);
    if (stemmed === undefined) {
      stemmed = stem(word);
      this.memo.set(word, stemmed);
    }
    return stemmed;
  }
}

export interface QueryWord {
  /** The word as typed (folded). */
  raw: string;
  stem: string;
  stop: boolean;
}

export const MAX_QUERY_CHARS = 300;
export const MAX_QUERY_WORDS = 12;

/** The words of a user's query. Long input is cut, never rejected: 5,000 characters cost nothing. */
export function analyzeQuery(text: string): QueryWord[] {
  const words = splitWords(text.slice(0, MAX_QUERY_CHARS));
  const seen = new Set<string>();
  const result: QueryWord[] = [];
  for (const raw of words) {
    if (seen.has(raw)) continue;
    seen.add(raw);
    result.push({ raw, stem: stem(raw), stop: isStopWord(raw) });
    if (result.length === MAX_QUERY_WORDS) break;
  }
  return result;
}
