import { related, search, topic } from '../app/verbs.ts';
import type { Article } from '../articles/article.ts';
import type { Library } from '../search/library.ts';
import { renderAnswer, RESULTS_PER_LIST, toChoices } from './replies.ts';
import { ResultSessions } from './resultSessions.ts';

/** Articles whose titles and topics make the warm-up's questions, spread over the whole library. */
const SAMPLE_ARTICLES = 60;

export interface WarmUpReport {
  questions: number;
  ms: number;
}

/**
 * A fresh process answers its first few hundred questions several times slower than a warm one: V8
 * compiles the hot paths only after they ran a while, so a burst right after a start or a restart would
 * meet cold code (measured here: p99 of a 200-interaction burst 0.95 s cold, 0.28 s warm). Once started,
 * the bot asks its library what people ask (searches, half-typed words, autocomplete, related reading,
 * topic lists) about its own articles and renders the answers without sending them, one question per
 * `take()`: an idle turn, so a real interaction never waits behind it. It stops early when `take`
 * answers false (the bot is stopping).
 */
export async function warmUp(library: Library, take: () => Promise<boolean>): Promise<WarmUpReport> {
  const started = performance.now();
  // Kept apart: warm-up lists are never paged, and must not crowd out real sessions.
  const sessions = { sessions: new ResultSessions(60_000, 100) };
  let questions = 0;
  for (const [i, article] of spread(library.articles(), SAMPLE_ARTICLES).entries()) {
    const words = article.title.split(/\s+/).filter((word) => /^\p{L}{3,}$/u.test(word));
    const [first, second] = words;
    const asked: Array<() => unknown> = [
      () => renderAnswer(sessions, related(library, { ref: article.id, limit: RESULTS_PER_LIST })),
    ];
    if (first) {
      const typed = first.slice(0, 1 + (i % 8));
      asked.push(
        () => toChoices(library.suggest(typed, { kind: 'query', fresh: true })),
        () => toChoices(library.suggest(typed, { kind: 'article', fresh: true })),
        () => toChoices(library.suggest(oddStart(first, i), { kind: 'query', fresh: true })),
        () => renderAnswer(sessions, search(library, { query: first, limit: RESULTS_PER_LIST })),
      );
    }
    if (first && second) {
      const query = `${first} ${second.slice(0, Math.max(3, second.length - 2))}`;
      asked.push(() => renderAnswer(sessions, search(library, { query, limit: RESULTS_PER_LIST })));
    }
    const name = article.topics[0];
    if (name) asked.push(() => renderAnswer(sessions, topic(library, { name, limit: RESULTS_PER_LIST })));
    for (const ask of asked) {
      if (!(await take())) return { questions, ms: Math.round(performance.now() - started) };
      ask();
      questions++;
    }
  }
  return { questions, ms: Math.round(performance.now() - started) };
}

/**
 * A start autocomplete answers on one of its rarer paths, each of which runs cold the first time (a
 * start nothing begins with took 3–11 ms on its first call at 100k, 0.3 ms after): a word with two
 * letters swapped (read as its likeliest slip), a word and the start of another, a start no word has.
 */
function oddStart(word: string, i: number): string {
  switch (i % 3) {
    case 0:
      return word.length >= 5 ? word[0]! + word[2]! + word[1]! + word.slice(3) : `${word}zq`;
    case 1:
      return `${word} ${word.slice(0, 3)}`;
    default:
      return `${word.slice(0, 3)}qzx`;
  }
}

/** `count` items taken at even steps through `items`: old and new articles, every kind of title. */
function spread<T extends Pick<Article, 'id'>>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const step = items.length / count;
  return Array.from({ length: count }, (_, i) => items[Math.floor(i * step)]!);
}
