import { corpusFingerprint, type FileEntry } from '../articles/corpusFiles.ts';

/** Bump when the index layout, analysis, weights or snapshot shape change: caches are then rebuilt. */
export const INDEX_VERSION = 6;

/**
 * Keys the index and snapshot: the corpus (every file's size and mtime) and the engine version. A
 * module of its own, so the worker that lists the corpus at start loads nothing else first.
 */
export function libraryKey(files: readonly FileEntry[], maxFileBytes: number): string {
  return `v${INDEX_VERSION}:${corpusFingerprint(files, maxFileBytes)}`;
}
