import fs from 'node:fs';
import path from 'node:path';
import type { Article, CorpusProblem, RelatedLink } from '../articles/article.ts';
import { loadCorpus, readRelatedLinks } from '../articles/loadCorpus.ts';
import { Library } from './library.ts';
import { buildTextIndex, deserializeTextIndex, serializeTextIndex, type TextIndexData } from './textIndex.ts';

/** Bump when the index layout, analysis or weights change: saved indexes are then rebuilt. */
export const INDEX_VERSION = 4;
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
  /** Milliseconds per phase, and whether the index came from the cache. */
  timings: { loadMs: number; indexMs: number; libraryMs: number; totalMs: number; indexFromCache: boolean };
}

function readSavedIndex(file: string | null, key: string): TextIndexData | null {
  if (!file) return null;
  try {
    return deserializeTextIndex(fs.readFileSync(file), key);
  } catch {
    return null; // missing or damaged: rebuilt below
  }
}

function saveIndex(file: string, index: TextIndexData, key: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, serializeTextIndex(index, key));
  fs.renameSync(temp, file);
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
 * Corpus folder → ready library. Parsing is cached per file and the index per corpus fingerprint,
 * so a restart on an unchanged corpus reads two files instead of parsing and indexing everything.
 */
export function loadLibrary(options: LoadLibraryOptions): LoadedLibrary {
  const started = performance.now();
  const cacheDir = options.dataDir ? path.join(options.dataDir, 'cache') : null;
  const corpus = loadCorpus(options.articlesDir, { cacheDir, maxFileBytes: options.maxFileBytes });
  const loaded = performance.now();

  const indexFile = cacheDir ? path.join(cacheDir, 'text-index.bin') : null;
  const key = `v${INDEX_VERSION}:${corpus.fingerprint}`;
  let index = readSavedIndex(indexFile, key);
  const indexFromCache = index !== null;
  if (!index) {
    index = buildTextIndex(corpus.articles);
    if (indexFile) {
      try {
        saveIndex(indexFile, index, key);
      } catch (error) {
        corpus.problems.push({
          path: indexFile,
          reason: `index cache not saved: ${String(error)}`,
          severity: 'warning',
        });
      }
    }
  }
  const indexed = performance.now();
  const library = new Library(corpus.articles, { index, curatedLinks: relatedReader(options.articlesDir) });
  const done = performance.now();
  return {
    library,
    problems: corpus.problems,
    timings: {
      loadMs: loaded - started,
      indexMs: indexed - loaded,
      libraryMs: done - indexed,
      totalMs: done - started,
      indexFromCache,
    },
  };
}
