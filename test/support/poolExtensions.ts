import type { Article } from '../../src/articles/article.ts';
import type { ParseExtension } from '../../src/articles/parallelParse.ts';

/**
 * Parse extensions that misbehave in pool threads, for test/parallelParse.test.ts. Which one is chosen
 * by the URL's search part (`?fail`, `?hang`); both are harmless in the thread that runs the test.
 */
const behaviour = new URL(import.meta.url).search.slice(1);

export function createParseExtension(): ParseExtension {
  const titles: string[] = [];
  return {
    add(article: Article) {
      if (article.title.includes('poison') && behaviour === 'fail') throw new Error('poisoned article');
      if (article.title.includes('poison') && behaviour === 'hang') for (;;);
      titles.push(article.title);
    },
    take() {
      return { payload: titles.splice(0), transfer: [] };
    },
  };
}
