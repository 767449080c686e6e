import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Article, CorpusProblem, RelatedLink } from './article.ts';
import { readJsonCache, writeJsonCacheEntries } from '../jsonCache.ts';
import { mergeDuplicate } from './mergeDuplicates.ts';
import { parseArticle, type ParseOutcome } from './parseArticle.ts';

export const ARTICLE_EXTENSIONS = ['.md', '.markdown', '.txt'] as const;
export const DEFAULT_MAX_FILE_BYTES = 512 * 1024;
/** Bump when parsing or the Article shape changes: old cache entries are then ignored. */
const PARSE_CACHE_VERSION = 6;

export interface LoadCorpusOptions {
  /** Folder for the parse cache; null disables it. */
  cacheDir?: string | null;
  maxFileBytes?: number;
  /** Keep curated related lists in memory (default false: read them on demand with readRelatedLinks). */
  keepRelated?: boolean;
  /** The listing from listArticleFiles, when the caller already has it. */
  files?: FileEntry[];
  /** Called every 1,000 files read (and once at the end), for a progress line on a long first load. */
  onProgress?: (read: number, total: number) => void;
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

export interface LoadedCorpus {
  articles: Article[];
  problems: CorpusProblem[];
  /** Changes whenever any article file changes: keys caches built from the articles. */
  fingerprint: string;
  stats: { files: number; parsed: number; fromCache: number };
}

export interface FileEntry {
  relPath: string;
  absPath: string;
  size: number;
  mtimeMs: number;
}

interface CachedParse {
  size: number;
  mtimeMs: number;
  outcome: ParseOutcome;
}

interface ParseCacheFile {
  version: number;
  maxFileBytes: number;
  entries: Record<string, CachedParse>;
}

/** A folder's README (README.md, readme.txt…) describes the corpus; it is not an article. */
const README = /^readme(\.[a-z]+)?$/i;

function isArticleFile(name: string): boolean {
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

function readParseCache(file: string | null, maxFileBytes: number): Map<string, CachedParse> {
  const cache = file ? readJsonCache<ParseCacheFile>(file) : null;
  if (!cache || cache.version !== PARSE_CACHE_VERSION || cache.maxFileBytes !== maxFileBytes)
    return new Map();
  return new Map(Object.entries(cache.entries));
}

function writeParseCache(file: string, entries: Map<string, CachedParse>, maxFileBytes: number): void {
  writeJsonCacheEntries(file, { version: PARSE_CACHE_VERSION, maxFileBytes }, 'entries', entries);
}

/** A parse outcome as cached: related lists are left out (read on demand), see Article.related. */
function slimOutcome(outcome: ParseOutcome): ParseOutcome {
  return outcome.ok ? { ...outcome, article: { ...outcome.article, related: [] } } : outcome;
}

/** The curated related list of one article, read again from its file (null if it no longer parses). */
export function readRelatedLinks(dir: string, article: Pick<Article, 'path'>): RelatedLink[] | null {
  try {
    const outcome = parseArticle(fs.readFileSync(path.join(dir, article.path), 'utf8'), article.path);
    return outcome.ok ? outcome.article.related : null;
  } catch {
    return null;
  }
}

function parseFile(file: FileEntry, maxFileBytes: number, keepRelated: boolean): ParseOutcome {
  if (file.size > maxFileBytes) {
    return {
      ok: false,
      reason: `file is ${Math.ceil(file.size / 1024)} KiB, over the ${Math.floor(maxFileBytes / 1024)} KiB limit for one article`,
    };
  }
  let source: string;
  try {
    source = fs.readFileSync(file.absPath, 'utf8');
  } catch (error) {
    return {
      ok: false,
      reason: `file could not be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    };
  }
  if (source.includes('\u0000')) return { ok: false, reason: 'file is binary, not text' };
  return parseArticle(source, file.relPath, { related: keepRelated ? 'parse' : 'skip' });
}

/**
 * Load every article file in `dir`. One bad file never stops the rest: it becomes a problem with its
 * path and reason. Parsing is the expensive part, so parse results are cached per file (keyed by size
 * and mtime) and only changed files are parsed again.
 */
export function loadCorpus(dir: string, options: LoadCorpusOptions = {}): LoadedCorpus {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const cacheName = options.keepRelated ? 'parsed-articles-full.json' : 'parsed-articles.json';
  const cacheFile = options.cacheDir ? path.join(options.cacheDir, cacheName) : null;
  const files = options.files ?? listArticleFiles(dir);
  const previous = readParseCache(cacheFile, maxFileBytes);
  const next = new Map<string, CachedParse>();
  let parsed = 0;

  const problems: CorpusProblem[] = [];
  const articles: Article[] = [];
  const byId = new Map<string, Article>();
  for (const [position, file] of files.entries()) {
    if (position % 1_000 === 0 && position > 0) options.onProgress?.(position, files.length);
    const cached = previous.get(file.relPath);
    let outcome: ParseOutcome;
    if (cached && cached.size === file.size && cached.mtimeMs === file.mtimeMs) {
      outcome = cached.outcome;
    } else {
      outcome = parseFile(file, maxFileBytes, options.keepRelated ?? false);
      parsed++;
    }
    next.set(file.relPath, { size: file.size, mtimeMs: file.mtimeMs, outcome: slimOutcome(outcome) });

    if (!outcome.ok) {
      problems.push({ path: file.relPath, reason: outcome.reason, severity: 'rejected' });
      continue;
    }
    for (const warning of outcome.warnings)
      problems.push({ path: file.relPath, reason: warning, severity: 'warning' });
    // A copy: duplicates merge topics into it, and the cached outcome must stay as the file says.
    const article = {
      ...outcome.article,
      topics: [...outcome.article.topics],
      topicKeys: [...outcome.article.topicKeys],
      related: options.keepRelated ? outcome.article.related : [],
    };
    const first = byId.get(article.id);
    if (first) {
      const firstPath = first.path;
      const taken = mergeDuplicate(first, article);
      problems.push({
        path: file.relPath,
        reason: `same URL as ${firstPath}; merged field by field${taken.length ? ` (${taken.join(', ')} from this file)` : ' (nothing new in this file)'}`,
        severity: 'warning',
      });
      continue;
    }
    byId.set(article.id, article);
    articles.push(article);
  }

  options.onProgress?.(files.length, files.length);
  if (cacheFile && (parsed > 0 || next.size !== previous.size)) {
    try {
      writeParseCache(cacheFile, next, maxFileBytes);
    } catch (error) {
      problems.push({
        path: cacheFile,
        reason: `parse cache not saved: ${String(error)}`,
        severity: 'warning',
      });
    }
  }
  return {
    articles,
    problems,
    fingerprint: corpusFingerprint(files, maxFileBytes),
    stats: { files: files.length, parsed, fromCache: files.length - parsed },
  };
}
