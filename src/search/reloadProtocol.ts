import type { Article, CorpusProblem } from '../articles/article.ts';
import type { CorpusFileTable } from '../articles/corpusFiles.ts';
import type { PrefixTable } from './suggestions.ts';
import { ARRAY_KEYS, type ArrayKey, type TextIndexData } from './textIndex.ts';

/**
 * Messages between the main thread and the reload worker. What crosses is kept small: the base library
 * goes over once, in slices, as joined strings and one typed array; a reload sends back only the
 * articles that changed (as JSON text in slices: one structured clone of thousands of objects is itself
 * a long stall) and the fresh segment's index as typed arrays moved without a copy.
 */
export interface WorkerSettings {
  articlesDir: string;
  maxFileBytes: number;
  /** Absolute folders inside the corpus that are not corpus (DATA_DIR). */
  exclude: string[];
  /** Fresh slots are renumbered once this many are dead (and they outnumber the live ones). */
  compactAfter: number;
}

export type ToWorker =
  /** A slice of the base library: its articles' ids and source paths (empty with a file table), `\n`-joined. */
  | { type: 'base-articles'; ids: string; paths: string }
  /** A slice of the base index's terms (`\n`-joined) with their document frequencies. */
  | { type: 'base-terms'; terms: string; df: Uint32Array }
  /**
   * The base is complete: take over the corpus. With `files` (every file the base was made from, with
   * its size and mtime then), files that differ from them are read again; without, files modified at
   * or after `since` (and files no base article came from). `restart`: an earlier worker stopped; the
   * first answer renumbers the slots from 0.
   */
  | {
      type: 'adopt';
      baseDocCount: number;
      since: number;
      restart: boolean;
      files: CorpusFileTable | null;
    }
  /** Look again at these paths (relative), or at everything (null). */
  | { type: 'changes'; batch: number; paths: string[] | null };

export interface ReloadCounts {
  added: number;
  changed: number;
  removed: number;
  rejected: number;
}

export type FromWorker =
  /** A slice of this batch's new or changed articles (bodies left out), as JSON text. */
  | { type: 'articles'; batch: number; json: string }
  | {
      type: 'reloaded';
      batch: number;
      counts: ReloadCounts;
      problems: CorpusProblem[];
      /** Ids whose base version is gone: removed, or replaced by a fresh one. */
      tombstones: string[];
      /** How the fresh slots changed, or null when they did not. */
      fresh: FreshSlotsWire | null;
      folders: { added: string[]; removed: string[] };
      articleCount: number;
    }
  | { type: 'failed'; batch: number; message: string };

/**
 * The fresh slots' change as it crosses threads (see GenerationChange in liveCatalog.ts). The articles
 * themselves came in `articles` messages, in this batch or an earlier one.
 */
export interface FreshSlotsWire {
  deadSlots: number[];
  /** Ids of the articles in the new slots, in slot order, and their story ids. */
  appended: string[];
  appendedStories: string[];
  compacted: boolean;
  /** The segment over every slot; null when there is no slot. */
  index: IndexWire | null;
  prefixTable: PrefixTable;
}

export interface IndexWire {
  docCount: number;
  terms: string;
  termWords: string;
  surfaceWords: string;
  arrays: Pick<TextIndexData, ArrayKey>;
}

/** Articles go over in slices this size: each message is a short task on the main thread. */
export const ARTICLES_PER_MESSAGE = 50;

export function indexToWire(index: TextIndexData): { wire: IndexWire; transfer: ArrayBuffer[] } {
  const arrays = Object.fromEntries(ARRAY_KEYS.map((key) => [key, index[key]])) as IndexWire['arrays'];
  const transfer = [...new Set(ARRAY_KEYS.map((key) => index[key].buffer as ArrayBuffer))];
  return {
    wire: {
      docCount: index.docCount,
      terms: index.terms.join('\n'),
      termWords: index.termWords.join('\n'),
      surfaceWords: index.surfaceWords.join('\n'),
      arrays,
    },
    transfer,
  };
}

/** `pause` is offered a turn this often while lines are split (a big segment has 60k terms). */
const LINES_PER_SLICE = 2_048;

export async function indexFromWire(wire: IndexWire, pause?: () => Promise<void>): Promise<TextIndexData> {
  const split = async (text: string): Promise<string[]> => {
    const lines: string[] = [];
    if (!text) return lines;
    let from = 0;
    for (;;) {
      const end = text.indexOf('\n', from);
      lines.push(end < 0 ? text.slice(from) : text.slice(from, end));
      if (end < 0) return lines;
      from = end + 1;
      if (pause && lines.length % LINES_PER_SLICE === 0) await pause();
    }
  };
  const terms = await split(wire.terms);
  const termWords = await split(wire.termWords);
  const surfaceWords = await split(wire.surfaceWords);
  return { docCount: wire.docCount, terms, termWords, surfaceWords, ...wire.arrays };
}

/** An article as it crosses: no body (only the index reads it, and the index is built already). */
export function articleForWire(article: Article): Article {
  return { ...article, body: '' };
}
