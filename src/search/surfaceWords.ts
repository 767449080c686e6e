import { splitWords, stem } from './analyzer.ts';

/** Index tokens that stand for symbols the analyzer had to spell out. */
const SYMBOL_SPELLINGS: Readonly<Record<string, string>> = {
  cplusplus: 'C++',
  csharp: 'C#',
  fsharp: 'F#',
  dotnet: '.NET',
};

/** Parts of web addresses that say nothing about what an article is about. */
const ADDRESS_WORDS = new Set([
  'com',
  'org',
  'net',
  'www',
  'http',
  'https',
  'html',
  'htm',
  'php',
  'io',
  'co',
]);

export function isAddressWord(token: string): boolean {
  return ADDRESS_WORDS.has(token);
}

/**
 * A token (a folded word or a stem) as a reader would write it: `C++` rather than `cplusplus`, and the
 * spelling the article itself uses ("Learning" rather than the stem "learn") when one of `texts` has it.
 */
export function surfaceForm(token: string, texts: readonly string[]): string {
  const symbol = SYMBOL_SPELLINGS[token];
  if (symbol) return symbol;
  for (const text of texts) {
    for (const written of text.split(/\s+/)) {
      const word = written.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
      const [folded] = splitWords(word);
      if (folded && (folded === token || stem(folded) === token)) return word;
    }
  }
  return token;
}
