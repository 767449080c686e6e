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
import { Library, type LibraryDerived } from './library.ts';
import { buildTextIndex, deserializeTextIndex, serializeTextIndex, type TextIndexData } from './textIndex.ts';

/** Bump when the index layout, analysis, weights or snapshot shape change: caches are then rebuilt. */
export const INDEX_VERSION = 5;
const RELATED_CACHE_SIZE = 500;

export interface LoadLibraryOptions {
  articlesDir: string;
  /** Holds the caches (`cache/`); null keeps everything in memory. */
  dataDir: string | null;
  maxFileBytes?: number;
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

/**
 * Corpus folder → ready library. A restart on an unchanged corpus (same files, sizes and mtimes)
 * reads two files: the snapshot (articles and derived tables) and the index (raw typed arrays).
 * Otherwise only changed files are parsed again (per-file parse cache), the index is rebuilt, and both
 * caches are written for the next start. Runs before the bot logs in: the event loop is blocked for the
 * whole load (see the README's numbers), with nothing yet connected that could time out.
 */
export function loadLibrary(options: LoadLibraryOptions): LoadedLibrary {
  const started = performance.now();
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const cacheDir = options.dataDir ? path.join(options.dataDir, 'cache') : null;
  const files = listArticleFiles(options.articlesDir);
  const key = `v${INDEX_VERSION}:${corpusFingerprint(files, maxFileBytes)}`;
  const listed = performance.now();
  const curatedLinks = relatedReader(options.articlesDir);
  const indexFile = cacheDir ? path.join(cacheDir, 'text-index.bin') : null;
  const snapshotFile = cacheDir ? path.join(cacheDir, 'library-snapshot.json') : null;

  const snapshot = snapshotFile ? readJsonCache<Snapshot>(snapshotFile) : null;
  if (snapshot?.key === key && indexFile) {
    const index = readSavedIndex(indexFile, key);
    if (index && index.docCount === snapshot.articles.length) {
      const loaded = performance.now();
      const library = new Library(snapshot.articles.map(unslim), {
        index,
        derived: snapshot.derived,
        curatedLinks,
      });
      const done = performance.now();
      return {
        library,
        problems: snapshot.problems,
        timings: {
          listMs: listed - started,
          loadMs: loaded - listed,
          indexMs: 0,
          libraryMs: done - loaded,
          totalMs: done - started,
          indexFromCache: true,
          fromSnapshot: true,
        },
      };
    }
  }

  const corpus = loadCorpus(options.articlesDir, { cacheDir, maxFileBytes, files });
  const loaded = performance.now();
  let index = indexFile ? readSavedIndex(indexFile, key) : null;
  const indexFromCache = index !== null && index.docCount === corpus.articles.length;
  if (!indexFromCache) index = buildTextIndex(corpus.articles);
  const indexed = performance.now();
  const library = new Library(corpus.articles, { index: index!, curatedLinks });
  const done = performance.now();

  if (indexFile && snapshotFile) {
    try {
      if (!indexFromCache) writeAtomically(indexFile, serializeTextIndex(index!, key));
      const saved: Snapshot = {
        key,
        problems: corpus.problems,
        articles: corpus.articles.map(slim),
        derived: library.derived(),
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
    library,
    problems: corpus.problems,
    timings: {
      listMs: listed - started,
      loadMs: loaded - listed,
      indexMs: indexed - loaded,
      libraryMs: done - indexed,
      totalMs: done - started,
      indexFromCache,
      fromSnapshot: false,
    },
  };
}
