import type { Article } from '../articles/article.ts';
import type { ParseExtension, ParseExtensionSpec } from '../articles/parallelParse.ts';
import { workerEntry } from '../articles/workerThreads.ts';
import { splitWords } from './analyzer.ts';
import type { LibraryDerived } from './catalog.ts';
import { storyIdOf } from './stories.ts';
import { buildPrefixTable } from './suggestions.ts';
import { assembleIndexJob, type IndexJob } from './indexAssembly.ts';
import { analyzedRunBuffers, TextAnalyzer, type AnalyzedRun, type TextIndexData } from './textIndex.ts';

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
  moduleUrl: workerEntry('libraryExtension', import.meta.url).href,
  create: createParseExtension,
};

/** Where each article's batch entry is (null: work it out here), as loadCorpus reports it. */
export interface ExtensionResults {
  batches: Array<{ thread: number; payload: unknown }>;
  refs: Array<{ batch: number; index: number } | null>;
}

/** A build's two products, each made when asked for (the snapshot needs only the first). */
export interface LibraryAssembly {
  derived(): LibraryDerived;
  /** The index's inputs as they can cross to another thread (see indexAssembly.ts). */
  indexJob(): IndexJob;
  index(): TextIndexData;
}

/**
 * The derived tables and index of `articles` from the batches of their parse; articles without one
 * (from the parse cache, or changed by a merge) are analysed here. The results are the same as
 * deriveTables and buildTextIndex over `articles`.
 */
export function libraryAssembly(
  articles: readonly Article[],
  results: ExtensionResults | undefined,
): LibraryAssembly {
  const batches = (results?.batches ?? []).map((batch) => ({
    thread: batch.thread,
    payload: batch.payload as LibraryBatch,
  }));
  const refs = results?.refs ?? articles.map(() => null);
  const here = createParseExtension();
  const hereIndex = new Int32Array(articles.length);
  let analyzedHere = 0;
  articles.forEach((article, doc) => {
    if (refs[doc]) return;
    hereIndex[doc] = analyzedHere++;
    here.add(article);
  });
  const hereBatch = here.take().payload as LibraryBatch;
  const all = [...batches, { thread: -1, payload: hereBatch }];
  /** Doc → its batch (in `all`) and place in it. */
  const sourceOf = (doc: number) => {
    const ref = refs[doc];
    return ref ? { batch: ref.batch, index: ref.index } : { batch: all.length - 1, index: hereIndex[doc]! };
  };
  const indexJob = (): IndexJob => {
    // Each thread's runs in the order its analyzer produced them (a redone batch may arrive late).
    const order = all
      .map((batch, at) => ({ ...batch, at }))
      .sort((a, b) => a.thread - b.thread || a.payload.run.firstTermId - b.payload.run.firstTermId);
    const tables: AnalyzedRun[][] = [];
    const place = new Map<number, { table: number; run: number }>();
    let thread: number | null = null;
    for (const { thread: from, payload, at } of order) {
      if (from !== thread) tables.push([]);
      thread = from;
      place.set(at, { table: tables.length - 1, run: tables[tables.length - 1]!.length });
      tables[tables.length - 1]!.push(payload.run);
    }
    const job: IndexJob = {
      tables,
      docTable: new Uint32Array(articles.length),
      docRun: new Uint32Array(articles.length),
      docIndex: new Uint32Array(articles.length),
    };
    articles.forEach((_, doc) => {
      const { batch, index } = sourceOf(doc);
      const { table, run } = place.get(batch)!;
      job.docTable[doc] = table;
      job.docRun[doc] = run;
      job.docIndex[doc] = index;
    });
    return job;
  };

  return {
    derived() {
      const stories: string[] = [];
      const titleWords: string[][] = [];
      articles.forEach((_, doc) => {
        const { batch, index } = sourceOf(doc);
        const { payload } = all[batch]!;
        stories.push(payload.stories[index]!);
        const words = payload.titleWords[index]!;
        titleWords.push(words ? words.split(' ') : []);
      });
      const live = Uint8Array.from(articles, (article) => (article.published ? 1 : 0));
      return { stories, prefixTable: buildPrefixTable(articles, titleWords, live) };
    },
    indexJob,
    index() {
      return assembleIndexJob(indexJob(), articles);
    },
  };
}

/** Both at once (the index from `savedIndex` when there is one for these articles). */
export function assembleLibraryParts(
  articles: readonly Article[],
  results: ExtensionResults | undefined,
  savedIndex: TextIndexData | null = null,
): { index: TextIndexData; derived: LibraryDerived } {
  const assembly = libraryAssembly(articles, results);
  return { derived: assembly.derived(), index: savedIndex ?? assembly.index() };
}
