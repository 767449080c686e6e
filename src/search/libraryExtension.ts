import type { Article } from '../articles/article.ts';
import type { ParseExtension, ParseExtensionSpec } from '../articles/parallelParse.ts';
import { splitWords } from './analyzer.ts';
import type { LibraryDerived } from './catalog.ts';
import { storyIdOf } from './stories.ts';
import { buildPrefixTable } from './suggestions.ts';
import {
  analyzedRunBuffers,
  assembleTextIndex,
  TermTable,
  TextAnalyzer,
  type AnalyzedDoc,
  type AnalyzedRun,
  type TextIndexData,
} from './textIndex.ts';

/**
 * The library's share of parsing: what a build needs from each article's text (its index terms, its
 * story, its title words), worked out in the thread that parsed it. A cold start at 100k articles
 * spends most of its time here, so the work runs on every core; the assembly below is cheap.
 */
export interface LibraryBatch {
  run: AnalyzedRun;
  stories: string[];
  /** Each title's words joined by spaces (words never hold one). */
  titleWords: string[];
}

export function createParseExtension(): ParseExtension {
  const analyzer = new TextAnalyzer();
  let stories: string[] = [];
  let titleWords: string[] = [];
  return {
    add(article: Article) {
      analyzer.analyze(article);
      const words = splitWords(article.title);
      stories.push(storyIdOf(article, words));
      titleWords.push(words.join(' '));
    },
    take() {
      const run = analyzer.take();
      const payload: LibraryBatch = { run, stories, titleWords };
      stories = [];
      titleWords = [];
      return { payload, transfer: analyzedRunBuffers(run) };
    },
  };
}

export const libraryExtension: ParseExtensionSpec = {
  moduleUrl: new URL(`./libraryExtension${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)
    .href,
  create: createParseExtension,
};

/** Where each article's batch entry is (null: work it out here), as loadCorpus reports it. */
export interface ExtensionResults {
  batches: Array<{ thread: number; payload: unknown }>;
  refs: Array<{ batch: number; index: number } | null>;
}

/**
 * The index and derived tables of `articles` from the batches of their parse; articles without one
 * (from the parse cache, or changed by a merge) are analysed here. The result is the same as
 * buildTextIndex and deriveTables over `articles`. A saved index for the same articles is used as is.
 */
export function assembleLibraryParts(
  articles: readonly Article[],
  results: ExtensionResults | undefined,
  savedIndex: TextIndexData | null = null,
): { index: TextIndexData; derived: LibraryDerived } {
  const batches = (results?.batches ?? []).map((batch) => ({
    thread: batch.thread,
    payload: batch.payload as LibraryBatch,
  }));
  const refs = results?.refs ?? articles.map(() => null);
  // Each thread's runs in the order its analyzer produced them (a redone batch may arrive late).
  const tables = new Map<number, TermTable>();
  for (const { thread, payload } of [...batches].sort(
    (a, b) => a.thread - b.thread || a.payload.run.firstTermId - b.payload.run.firstTermId,
  )) {
    let table = tables.get(thread);
    if (!table) tables.set(thread, (table = new TermTable()));
    table.register(payload.run);
  }

  const here = createParseExtension();
  const hereIndex = new Int32Array(articles.length);
  let analyzedHere = 0;
  articles.forEach((article, doc) => {
    if (refs[doc]) return;
    hereIndex[doc] = analyzedHere++;
    here.add(article);
  });
  const hereBatch = here.take().payload as LibraryBatch;
  const hereTable = new TermTable();
  hereTable.register(hereBatch.run);

  const docs: AnalyzedDoc[] = [];
  const stories: string[] = [];
  const titleWords: string[][] = [];
  articles.forEach((_, doc) => {
    const ref = refs[doc];
    const batch = ref ? batches[ref.batch]! : { thread: -1, payload: hereBatch };
    const index = ref ? ref.index : hereIndex[doc]!;
    docs.push({ table: ref ? tables.get(batch.thread)! : hereTable, run: batch.payload.run, index });
    stories.push(batch.payload.stories[index]!);
    const words = batch.payload.titleWords[index]!;
    titleWords.push(words ? words.split(' ') : []);
  });
  const live = Uint8Array.from(articles, (article) => (article.published ? 1 : 0));
  return {
    index: savedIndex ?? assembleTextIndex(docs, articles),
    derived: { stories, prefixTable: buildPrefixTable(articles, titleWords, live) },
  };
}
