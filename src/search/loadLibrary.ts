import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Article, CorpusProblem, RelatedLink } from '../articles/article.ts';
import {
  corpusFingerprint,
  DEFAULT_MAX_FILE_BYTES,
  listArticleFiles,
  loadCorpus,
  readRelatedLinks,
} from '../articles/loadCorpus.ts';
import { readJsonCache, writeAtomically, writeJsonCache } from '../jsonCache.ts';
import { deriveTables, Library, type LibraryDerived } from './library.ts';
import { buildTextIndex, deserializeTextIndex, serializeTextIndex, type TextIndexData } from './textIndex.ts';

/** Bump when the index layout, analysis, weights or snapshot shape change: caches are then rebuilt. */
export const INDEX_VERSION = 5;
const RELATED_CACHE_SIZE = 500;

export interface LoadLibraryOptions {
  articlesDir: string;
  /** Holds the caches (`cache/<corpus>/`); null keeps everything in memory. */
  dataDir: string | null;
  maxFileBytes?: number;
  /** Progress of a load that has to parse or index (never called on a warm start). */
  onProgress?: (progress: LoadProgress) => void;
}

export interface LoadProgress {
  phase: 'reading' | 'indexing';
  done: number;
  total: number;
}

/**
 * Each corpus folder keeps its own caches, so switching ARTICLES_DIR back and forth over one DATA_DIR
 * never rebuilds: `cache/<folder name>-<hash of its absolute path>`.
 */
export function corpusCacheDir(dataDir: string, articlesDir: string): string {
  const absolute = path.resolve(articlesDir);
  const name =
    path
      .basename(absolute)
      .replace(/[^\w.-]+/g, '_')
      .slice(0, 40) || 'corpus';
  const hash = createHash('sha1').update(absolute).digest('hex').slice(0, 10);
  return path.join(dataDir, 'cache', `${name}-${hash}`);
}

export interface LoadedLibrary {
  library: Library;
  problems: CorpusProblem[];
  /** Milliseconds per phase, and whether the library came from the warm-start snapshot. */
  timings: {
    listMs: number;
    loadMs: number;
    indexMs: number;
    libraryMs: number;
    totalMs: number;
    indexFromCache: boolean;
    fromSnapshot: boolean;
  };
}

/** Everything a warm start needs besides the index: articles (without bodies) and derived tables. */
interface Snapshot {
  key: string;
  problems: CorpusProblem[];
  articles: SlimArticle[];
  derived: LibraryDerived;
}

/** An article as saved in the snapshot: no body (only the index reads it) and no related list. */
type SlimArticle = Omit<Article, 'body' | 'related'>;

function slim(article: Article): SlimArticle {
  const { body: _body, related: _related, ...rest } = article;
  return rest;
}

/** Completes parsed snapshot objects in place: copying 100k objects costs more than the parse. */
function unslim(article: SlimArticle): Article {
  const full = article as Article;
  full.body = '';
  full.related = [];
  return full;
}

function readSavedIndex(file: string, key: string): TextIndexData | null {
  try {
    return deserializeTextIndex(fs.readFileSync(file), key);
  } catch {
    return null;
  }
}

/** Reads curated related lists from the article files on demand, keeping the last few hundred. */
function relatedReader(articlesDir: string): (article: Article) => RelatedLink[] {
  const recent = new Map<string, RelatedLink[]>();
  return (article) => {
    if (article.related.length || article.relatedCount === 0) return article.related;
    let links = recent.get(article.id);
    if (!links) {
      links = readRelatedLinks(articlesDir, article) ?? [];
      recent.set(article.id, links);
      if (recent.size > RELATED_CACHE_SIZE) recent.delete(recent.keys().next().value!);
    }
    return links;
  };
}

/** What a Library is made of, ready for `new Library` here or in another thread. */
export interface PreparedLibrary {
  articles: Article[];
  index: TextIndexData;
  derived: LibraryDerived;
  problems: CorpusProblem[];
  timings: Omit<LoadedLibrary['timings'], 'libraryMs' | 'totalMs'> & { derivedMs: number };
}

/**
 * Corpus folder → the parts of a library. A restart on an unchanged corpus (same files, sizes and
 * mtimes) reads two files: the snapshot (articles and derived tables) and the index (raw typed
 * arrays). Otherwise only changed files are parsed again (per-file parse cache), the index is rebuilt,
 * and both caches are written for the next start.
 */
export function prepareLibrary(options: LoadLibraryOptions): PreparedLibrary;
/** With `warmOnly`, null unless the caches match the corpus (nothing is parsed or built). */
export function prepareLibrary(options: LoadLibraryOptions, mode: { warmOnly: true }): PreparedLibrary | null;
export function prepareLibrary(
  options: LoadLibraryOptions,
  mode?: { warmOnly: true },
): PreparedLibrary | null {
  const started = performance.now();
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const cacheDir = options.dataDir ? corpusCacheDir(options.dataDir, options.articlesDir) : null;
  const files = listArticleFiles(options.articlesDir);
  const key = `v${INDEX_VERSION}:${corpusFingerprint(files, maxFileBytes)}`;
  const listed = performance.now();
  const indexFile = cacheDir ? path.join(cacheDir, 'text-index.bin') : null;
  const snapshotFile = cacheDir ? path.join(cacheDir, 'library-snapshot.json') : null;

  const snapshot = snapshotFile ? readJsonCache<Snapshot>(snapshotFile) : null;
  if (snapshot?.key === key && indexFile) {
    const index = readSavedIndex(indexFile, key);
    if (index && index.docCount === snapshot.articles.length) {
      return {
        articles: snapshot.articles.map(unslim),
        index,
        derived: snapshot.derived,
        problems: snapshot.problems,
        timings: {
          listMs: listed - started,
          loadMs: performance.now() - listed,
          indexMs: 0,
          derivedMs: 0,
          indexFromCache: true,
          fromSnapshot: true,
        },
      };
    }
  }

  if (mode?.warmOnly) return null;
  const progress = options.onProgress;
  const corpus = loadCorpus(options.articlesDir, {
    cacheDir,
    maxFileBytes,
    files,
    ...(progress && { onProgress: (done, total) => progress({ phase: 'reading', done, total }) }),
  });
  const loaded = performance.now();
  let index = indexFile ? readSavedIndex(indexFile, key) : null;
  const indexFromCache = index !== null && index.docCount === corpus.articles.length;
  if (!indexFromCache) {
    progress?.({ phase: 'indexing', done: 0, total: corpus.articles.length });
    index = buildTextIndex(corpus.articles);
    progress?.({ phase: 'indexing', done: corpus.articles.length, total: corpus.articles.length });
  }
  const indexed = performance.now();
  const derived = deriveTables(corpus.articles);
  const done = performance.now();

  if (indexFile && snapshotFile) {
    try {
      if (!indexFromCache) writeAtomically(indexFile, serializeTextIndex(index!, key));
      const saved: Snapshot = {
        key,
        problems: corpus.problems,
        articles: corpus.articles.map(slim),
        derived,
      };
      writeJsonCache(snapshotFile, saved);
    } catch (error) {
      corpus.problems.push({
        path: cacheDir!,
        reason: `caches not saved: ${String(error)}`,
        severity: 'warning',
      });
    }
  }
  return {
    articles: corpus.articles,
    index: index!,
    derived,
    problems: corpus.problems,
    timings: {
      listMs: listed - started,
      loadMs: loaded - listed,
      indexMs: indexed - loaded,
      derivedMs: done - indexed,
      indexFromCache,
      fromSnapshot: false,
    },
  };
}

/** Assemble prepared parts into the library the front ends use. */
export function assembleLibrary(
  prepared: PreparedLibrary,
  articlesDir: string,
  startedAt: number,
): LoadedLibrary {
  const assembling = performance.now();
  const library = new Library(prepared.articles, {
    index: prepared.index,
    derived: prepared.derived,
    curatedLinks: relatedReader(articlesDir),
  });
  const done = performance.now();
  const { derivedMs, ...timings } = prepared.timings;
  return {
    library,
    problems: prepared.problems,
    timings: { ...timings, libraryMs: derivedMs + (done - assembling), totalMs: done - startedAt },
  };
}

/** Load synchronously, blocking the event loop for the whole load (tests, scripts, benchmarks). */
export function loadLibrary(options: LoadLibraryOptions): LoadedLibrary {
  const started = performance.now();
  return assembleLibrary(prepareLibrary(options), options.articlesDir, started);
}
