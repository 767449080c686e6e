import type { Article, CorpusProblem } from '../articles/article.ts';
import type { PrefixTable } from './suggestions.ts';
import type { TextIndexData } from './textIndex.ts';

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
}

export type ToWorker =
  /** A slice of the base library: its articles' ids and source paths, `\n`-joined. */
  | { type: 'base-articles'; ids: string; paths: string }
  /** A slice of the base index's terms (`\n`-joined) with their document frequencies. */
  | { type: 'base-terms'; terms: string; df: Uint32Array }
  /** The base is complete: take over the corpus; files modified at or after `since` are read again. */
  | { type: 'adopt'; baseDocCount: number; since: number }
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
      /** The fresh segment now; `none` when no article is fresh any more; null when it did not change. */
      fresh: FreshSegmentWire | 'none' | null;
      folders: { added: string[]; removed: string[] };
      articleCount: number;
    }
  | { type: 'failed'; batch: number; message: string };

/** A fresh segment as it crosses threads. */
export interface FreshSegmentWire {
  /** Article ids in index order (the articles themselves came in `articles` messages, now or earlier). */
  ids: string[];
  terms: string;
  termWords: string;
  arrays: Pick<TextIndexData, IndexArrayKey>;
  stories: string[];
  prefixTable: PrefixTable;
}

const INDEX_ARRAYS = [
  'termsByText',
  'postingStart',
  'postingDocs',
  'postingImpact',
  'postingFields',
  'docTermStart',
  'docTerms',
] as const;
type IndexArrayKey = (typeof INDEX_ARRAYS)[number];

/** Articles go over in slices this size: each message is a short task on the main thread. */
export const ARTICLES_PER_MESSAGE = 200;

export function indexToWire(index: TextIndexData): {
  terms: string;
  termWords: string;
  arrays: FreshSegmentWire['arrays'];
  transfer: ArrayBuffer[];
} {
  const arrays = Object.fromEntries(
    INDEX_ARRAYS.map((key) => [key, index[key]]),
  ) as FreshSegmentWire['arrays'];
  const transfer = [...new Set(INDEX_ARRAYS.map((key) => index[key].buffer as ArrayBuffer))];
  return { terms: index.terms.join('\n'), termWords: index.termWords.join('\n'), arrays, transfer };
}

export function indexFromWire(wire: FreshSegmentWire): TextIndexData {
  const split = (text: string) => (text ? text.split('\n') : []);
  return {
    docCount: wire.ids.length,
    terms: split(wire.terms),
    termWords: split(wire.termWords),
    ...wire.arrays,
  };
}

/** An article as it crosses: no body (only the index reads it, and the index is built already). */
export function articleForWire(article: Article): Article {
  return { ...article, body: '' };
}
