import fs from 'node:fs';
import path from 'node:path';
import type { Article, CorpusProblem, RelatedLink } from './article.ts';
import {
  corpusFingerprint,
  DEFAULT_MAX_FILE_BYTES,
  listArticleFiles,
  type FileEntry,
} from './corpusFiles.ts';
import { mergeDuplicate } from './mergeDuplicates.ts';
import {
  BATCH_FILES,
  PARALLEL_MIN_FILES,
  parseBatch,
  parseInParallel,
  type ParallelParseOptions,
  type ParsedBatch,
  type ParseExtensionSpec,
} from './parallelParse.ts';
import { parseArticle, type ParseOutcome } from './parseArticle.ts';
import { cachedOutcome, openParseCache, readParseCache } from './parseCache.ts';
import type { CheckedLinesWriter } from '../jsonCache.ts';

export {
  ARTICLE_EXTENSIONS,
  corpusFingerprint,
  DEFAULT_MAX_FILE_BYTES,
  listArticleFiles,
  type FileEntry,
} from './corpusFiles.ts';

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
  /**
   * Parsing across threads: from how many files to parse on (default 2,000; Infinity: never), extra
   * work for each parsed article in the thread that parsed it, and the pool's own settings.
   */
  parallel?: { minFiles?: number; extension?: ParseExtensionSpec } & Pick<
    ParallelParseOptions,
    'workers' | 'parseHere' | 'silentMs'
  >;
}

/** Where an article's extension payload is: entry `index` of `batches[batch]`. */
export interface ExtensionRef {
  batch: number;
  index: number;
}

export interface LoadedCorpus {
  articles: Article[];
  problems: CorpusProblem[];
  /** Changes whenever any article file changes: keys caches built from the articles. */
  fingerprint: string;
  /** The files as listed, and for each the article (its index in `articles`) it gave; -1: rejected. */
  files: FileEntry[];
  fileDocs: Int32Array;
  stats: { files: number; parsed: number; fromCache: number };
  /**
   * With an extension: its payloads, by the thread that made them, and for each article (same order)
   * where its part is; null for an article that came from the cache or was changed by a merge.
   */
  extension?: { batches: Array<{ thread: number; payload: unknown }>; refs: Array<ExtensionRef | null> };
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

/**
 * Load every article file in `dir`. One bad file never stops the rest: it becomes a problem with its
 * path and reason. Parsing is the expensive part, so parse results are cached per file (keyed by size
 * and mtime) and only changed files are parsed again, across threads when there are many.
 */
export function loadCorpus(dir: string, options: LoadCorpusOptions = {}): LoadedCorpus {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const keepRelated = options.keepRelated ?? false;
  const cacheName = keepRelated ? 'parsed-articles-full.ndjson' : 'parsed-articles.ndjson';
  const cacheFile = options.cacheDir ? path.join(options.cacheDir, cacheName) : null;
  const files = options.files ?? listArticleFiles(dir);
  const previous = readParseCache(cacheFile, maxFileBytes);
  const unchanged = files.map((file) => {
    const cached = previous.get(file.relPath);
    return cached && cached.size === file.size && cached.mtimeMs === file.mtimeMs ? cached : null;
  });
  const toParse = files.filter((_, position) => !unchanged[position]);

  // The new parse cache is written as files are accepted, so its lines are never all in memory.
  let cache: CheckedLinesWriter | null = null;
  let cacheError: unknown = null;
  if (cacheFile && (toParse.length > 0 || files.length !== previous.size)) {
    try {
      cache = openParseCache(cacheFile, maxFileBytes);
    } catch (error) {
      cacheError = error;
    }
  }
  const commitCache = () => {
    try {
      cache?.commit();
    } catch (error) {
      cacheError = error;
    }
  };
  const keep = (write: (writer: CheckedLinesWriter) => void) => {
    try {
      if (cache) write(cache);
    } catch (error) {
      cacheError = error;
      cache?.abort();
      cache = null;
    }
  };

  const problems: CorpusProblem[] = [];
  const articles: Article[] = [];
  const byId = new Map<string, number>();
  const extension = options.parallel?.extension;
  const batches: Array<{ thread: number; payload: unknown }> = [];
  const refs: Array<ExtensionRef | null> = [];
  const fileDocs = new Int32Array(files.length).fill(-1);

  /** One file's outcome, in file order: what the serial loop always did. */
  const accept = (position: number, outcome: ParseOutcome, ref: ExtensionRef | null) => {
    if (position % 1_000 === 0 && position > 0) options.onProgress?.(position, files.length);
    const relPath = files[position]!.relPath;
    if (!outcome.ok) {
      problems.push({ path: relPath, reason: outcome.reason, severity: 'rejected' });
      return;
    }
    for (const warning of outcome.warnings)
      problems.push({ path: relPath, reason: warning, severity: 'warning' });
    // The outcome is this call's own (cache lines are text), so merging may change it in place.
    const article = outcome.article;
    if (!keepRelated) article.related = [];
    const first = byId.get(article.id);
    fileDocs[position] = first ?? articles.length;
    if (first === undefined) {
      byId.set(article.id, articles.length);
      articles.push(article);
      refs.push(ref);
      return;
    }
    const into = articles[first]!;
    const firstPath = into.path;
    const taken = mergeDuplicate(into, article);
    refs[first] = null;
    problems.push({
      path: relPath,
      reason: `same URL as ${firstPath}; merged field by field${taken.length ? ` (${taken.join(', ')} from this file)` : ' (nothing new in this file)'}`,
      severity: 'warning',
    });
  };

  let position = 0;
  /** Files up to the next parsed one come from the cache. */
  const acceptUnchanged = () => {
    for (let cached = unchanged[position]; cached; cached = unchanged[position]) {
      keep((writer) => writer.add(cached.line));
      accept(position++, cachedOutcome(cached), null);
    }
  };
  const acceptBatch = (batch: ParsedBatch) => {
    const batchIndex = batches.length;
    if (extension) batches.push({ thread: batch.thread, payload: batch.payload });
    let okIndex = 0;
    // The batch's cache lines go out in runs, between the lines of unchanged files in between.
    let written = 0;
    const writeLines = (until: number) => {
      const lines = batch.cacheLines;
      if (lines && until > written) {
        const from = written ? lines.ends[written - 1]! : 0;
        keep((writer) =>
          writer.addBytes(lines.bytes.subarray(from, lines.ends[until - 1]!), until - written),
        );
      }
      written = until;
    };
    batch.outcomes.forEach((outcome, i) => {
      if (unchanged[position]) {
        writeLines(i);
        acceptUnchanged();
      }
      accept(position++, outcome, extension && outcome.ok ? { batch: batchIndex, index: okIndex++ } : null);
    });
    writeLines(batch.outcomes.length);
  };

  const parseOptions = { maxFileBytes, keepRelated, cacheLines: cache !== null };
  try {
    const parallel = toParse.length >= (options.parallel?.minFiles ?? PARALLEL_MIN_FILES);
    if (parallel) {
      const { minFiles: _minFiles, ...pool } = options.parallel ?? {};
      parseInParallel(toParse, { ...parseOptions, ...pool }, acceptBatch);
    } else {
      const local = extension?.create() ?? null;
      for (let start = 0; start < toParse.length; start += BATCH_FILES) {
        const end = Math.min(toParse.length, start + BATCH_FILES);
        acceptBatch(parseBatch(toParse, start, end, parseOptions, local, 0).batch);
      }
    }
    acceptUnchanged();
    commitCache();
  } finally {
    // Left unfinished only when something above threw: no half file stays behind.
    (cache as CheckedLinesWriter | null)?.abort();
  }

  options.onProgress?.(files.length, files.length);
  if (cacheError !== null) {
    problems.push({
      path: cacheFile!,
      reason: `parse cache not saved: ${String(cacheError)}`,
      severity: 'warning',
    });
  }
  return {
    articles,
    problems,
    fingerprint: corpusFingerprint(files, maxFileBytes),
    files,
    fileDocs,
    stats: { files: files.length, parsed: toParse.length, fromCache: files.length - toParse.length },
    ...(extension && { extension: { batches, refs } }),
  };
}
