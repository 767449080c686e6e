import { createHash } from 'node:crypto';
import fs from 'node:fs';
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

/**
 * The index file read into memory shared between threads, so the thread that reads it (paying for
 * the fresh memory) is not the one that uses it; null when it cannot be read.
 */
export function readIndexShared(cacheDir: string): Uint8Array | null {
  let fd: number | null = null;
  try {
    fd = fs.openSync(cacheFiles(cacheDir).index, 'r');
    const bytes = new Uint8Array(new SharedArrayBuffer(fs.fstatSync(fd).size));
    for (let at = 0; at < bytes.length;) {
      const read = fs.readSync(fd, bytes, at, bytes.length - at, at);
      if (read === 0) return null;
      at += read;
    }
    return bytes;
  } catch {
    return null;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
