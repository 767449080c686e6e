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

/** Stems of written words seen in explanations, bounded: the same titles are explained again and again. */
const STEMS_KEPT = 50_000;
const writtenStems = new Map<string, { folded: string; stem: string } | null>();

function foldedAndStem(word: string): { folded: string; stem: string } | null {
  let known = writtenStems.get(word);
  if (known === undefined) {
    const [folded] = splitWords(word);
    known = folded ? { folded, stem: stem(folded) } : null;
    if (writtenStems.size >= STEMS_KEPT) writtenStems.clear();
    writtenStems.set(word, known);
  }
  return known;
}

const EDGE_PUNCTUATION = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

/**
 * Tokens (folded words or stems) as a reader would write them: `C++` rather than `cplusplus`, and the
 * spelling the article itself uses ("Learning" rather than the stem "learn") when one of `texts` has
 * it. The texts are read once for all the tokens, stopping as soon as each has its spelling.
 */
export function surfaceForms(tokens: readonly string[], texts: readonly string[]): string[] {
  return writtenForms(tokens, texts).map((form, i) => form ?? tokens[i]!);
}

/** Each token's spelling in `texts` (see surfaceForms), or undefined where none of them writes it. */
function writtenForms(tokens: readonly string[], texts: readonly string[]): Array<string | undefined> {
  const forms = tokens.map((token) => SYMBOL_SPELLINGS[token]);
  let missing = forms.filter((form) => form === undefined).length;
  for (const text of texts) {
    if (!missing) break;
    for (const written of text.split(/[\s/‐–—-]+/u)) {
      const word = written.replace(EDGE_PUNCTUATION, '');
      const known = word ? foldedAndStem(word) : null;
      if (!known) continue;
      for (let i = 0; i < tokens.length; i++) {
        if (forms[i] !== undefined) continue;
        if (known.folded === tokens[i] || known.stem === tokens[i]) {
          forms[i] = word;
          missing--;
        }
      }
      if (!missing) break;
    }
  }
  return forms;
}

/** One token's spelling in `texts`, or undefined when none of them writes it. */
export function writtenForm(token: string, texts: readonly string[]): string | undefined {
  return writtenForms([token], texts)[0];
}

/** One token's surface form (see surfaceForms). */
export function surfaceForm(token: string, texts: readonly string[]): string {
  return surfaceForms([token], texts)[0]!;
}
