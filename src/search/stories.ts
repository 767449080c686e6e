import { createHash } from 'node:crypto';
import type { Article } from '../articles/article.ts';
import { isStopWord, stem, splitWords } from './analyzer.ts';

/**
 * Syndicated copies of one story carry the same or nearly the same headline under different
 * providers ("Deep learning improves interpretation of tumors" at Medical Xpress and at NIH). The key
 * is the headline's set of stemmed content words, so case, punctuation, word order, plurals and a
 * trailing " - Provider" do not split a story. Headlines with fewer than three content words keep
 * every word in order, so short distinct titles ("The Who") do not collide.
 */
const stems = new Map<string, string>();
/** Headlines reuse a small vocabulary: memoise, bounded so user text cannot grow it forever. */
function stemOnce(word: string): string {
  let stemmed = stems.get(word);
  if (stemmed === undefined) {
    stemmed = stem(word);
    if (stems.size < 200_000) stems.set(word, stemmed);
  }
  return stemmed;
}

export function storyKey(title: string, providerName = ''): string {
  return storyKeyOfWords(splitWords(title), providerName);
}

/** storyKey for a headline already split with splitWords (the library splits each title once). */
export function storyKeyOfWords(titleWords: string[], providerName: string): string {
  let words = titleWords;
  const providerWords = splitWords(providerName);
  const tail = words.slice(words.length - providerWords.length).join(' ');
  if (providerWords.length && words.length > providerWords.length + 2 && tail === providerWords.join(' ')) {
    words = words.slice(0, words.length - providerWords.length);
  }
  const content = [...new Set(words.filter((word) => !isStopWord(word)).map(stemOnce))].sort();
  return content.length >= 3 ? content.join(' ') : words.join(' ');
}

export function storyIdOf(article: Pick<Article, 'title' | 'provider'>, titleWords?: string[]): string {
  const key = titleWords
    ? storyKeyOfWords(titleWords, article.provider.name)
    : storyKey(article.title, article.provider.name);
  return createHash('sha1').update(key).digest('base64url').slice(0, 10);
}
