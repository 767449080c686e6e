import { createHash } from 'node:crypto';
import path from 'node:path';
import { corpusFingerprint, type FileEntry } from '../articles/corpusFiles.ts';

/**
 * Where a corpus's caches live and what they are keyed by. A module of its own, so the worker that
 * lists the corpus at start loads nothing else first.
 */

/** Bump when the index layout, analysis, weights or snapshot shape change: caches are then rebuilt. */
export const INDEX_VERSION = 6;

/** Keys the index and snapshot: the corpus (every file's size and mtime) and the engine version. */
export function libraryKey(files: readonly FileEntry[], maxFileBytes: number): string {
  return `v${INDEX_VERSION}:${corpusFingerprint(files, maxFileBytes)}`;
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

/** The cache files of one corpus. */
export function cacheFiles(cacheDir: string): { index: string; snapshot: string } {
  return {
    index: path.join(cacheDir, 'text-index.bin'),
    snapshot: path.join(cacheDir, 'library-snapshot.bin'),
  };
}
