import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const ARTICLE_EXTENSIONS = ['.md', '.markdown', '.txt'] as const;
export const DEFAULT_MAX_FILE_BYTES = 512 * 1024;
/** Bump when parsing or the Article shape changes: old cache entries are then ignored. */
export const PARSE_CACHE_VERSION = 7;

export interface FileEntry {
  relPath: string;
  absPath: string;
  size: number;
  mtimeMs: number;
}

/**
 * Every corpus file a library was loaded from (rejected ones included), in listing order, as flat
 * arrays (they cross threads as they are, shared when they were read into shared memory).
 */
export interface CorpusFileTable {
  count: number;
  /** Relative paths, UTF-8, NUL-separated; path i ends at pathEnds[i]. */
  pathText: Uint8Array;
  pathEnds: Uint32Array;
  size: Float64Array;
  mtimeMs: Float64Array;
  /** The article (doc) the file gave, -1 when it was rejected. */
  doc: Int32Array;
}

/** The table's relative paths, in order. */
export function fileTablePaths(table: CorpusFileTable): string[] {
  if (!table.count) return [];
  const { pathText } = table;
  return Buffer.from(pathText.buffer as ArrayBuffer, pathText.byteOffset, pathText.byteLength)
    .toString('utf8')
    .split('\u0000');
}

/** A folder's README (README.md, readme.txt…) describes the corpus; it is not an article. */
const README = /^readme(\.[a-z]+)?$/i;

/** Whether a file name is an article file (not a README, one of ARTICLE_EXTENSIONS). */
export function isArticleFile(name: string): boolean {
  const lower = name.toLowerCase();
  return !README.test(name) && ARTICLE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * Every article file under `dir`, hidden files and folders skipped, in a stable order. A hand-written
 * walk over `withFileTypes` listings: Node 20's `readdir({ recursive: true })` is 5× slower at 100k files.
 */
export function listArticleFiles(dir: string): FileEntry[] {
  const entries: FileEntry[] = [];
  const walk = (absDir: string, relDir: string) => {
    for (const entry of fs.readdirSync(absDir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const relPath = relDir ? `${relDir}/${entry.name}` : entry.name;
      const absPath = path.join(absDir, entry.name);
      if (entry.isDirectory()) {
        walk(absPath, relPath);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && isArticleFile(entry.name)) {
        const stat = fs.statSync(absPath, { throwIfNoEntry: false });
        if (stat?.isFile()) entries.push({ relPath, absPath, size: stat.size, mtimeMs: stat.mtimeMs });
      }
    }
  };
  walk(dir, '');
  return entries.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
}

/** Changes whenever any article file is added, removed or changed (size or mtime), or parsing changes. */
export function corpusFingerprint(
  files: readonly FileEntry[],
  maxFileBytes = DEFAULT_MAX_FILE_BYTES,
): string {
  const hash = createHash('sha1').update(`v${PARSE_CACHE_VERSION}|${maxFileBytes}`);
  for (const file of files) hash.update(`${file.relPath}\u0000${file.size}\u0000${file.mtimeMs}\n`);
  return hash.digest('hex').slice(0, 16);
}
