import fs from 'node:fs';
import path from 'node:path';
import type { Article, CorpusProblem } from '../articles/article.ts';
import {
  DEFAULT_MAX_FILE_BYTES,
  listArticleFiles,
  loadCorpus,
  type FileEntry,
} from '../articles/loadCorpus.ts';
import { PARALLEL_MIN_FILES } from '../articles/parallelParse.ts';
import { writeAtomically } from '../jsonCache.ts';
import { catalogTables } from './catalog.ts';
import { curatedLinksReader } from './curatedLinks.ts';
import { Library, type LibraryDerived } from './library.ts';
import { assembleIndexJob, startIndexAssembler } from './indexAssembly.ts';
import { libraryAssembly, libraryExtension } from './libraryExtension.ts';
import { cacheFiles, cacheVersion, corpusCacheDir, libraryKey } from './libraryCaches.ts';
import {
  corpusFileTable,
  decodeSnapshot,
  encodeSnapshot,
  type CorpusFileTable,
  type Snapshot,
} from './librarySnapshot.ts';
import { deserializeTextIndex, textIndexParts, type TextIndexData } from './textIndex.ts';

export { cacheFiles, corpusCacheDir, INDEX_VERSION, libraryKey } from './libraryCaches.ts';

const RELATED_CACHE_SIZE = 500;
/** Cache files of earlier versions, removed when the current ones are written. */
const LEGACY_CACHE_FILES = ['library-snapshot.json'];

export interface LoadLibraryOptions {
  articlesDir: string;
  /** Holds the caches (`cache/<corpus>/`); null keeps everything in memory. */
  dataDir: string | null;
  maxFileBytes?: number;
  /** Progress of a load that has to parse or index (never called on a warm start). */
  onProgress?: (progress: LoadProgress) => void;
  /**
   * Serve from the caches as last saved without listing the corpus first (a warm start then reads two
   * files and nothing else). Only for a caller that goes on to watchLibrary: its first look compares
   * every file with the size and mtime the caches recorded and applies the difference as a reload, so
   * an answer is stale only for those few seconds. Without it (one-shot commands, scripts), caches are
   * used only when the corpus listed now matches them.
   */
  catchUpLater?: boolean;
}

export interface LoadProgress {
  phase: 'reading' | 'indexing';
  done: number;
  total: number;
}

export interface LoadedLibrary {
  library: Library;
  problems: CorpusProblem[];
  /**
   * False when the library was served from the caches without listing the corpus (`catchUpLater`):
   * watchLibrary's first look catches up with the folder.
   */
  checked: boolean;
  /** Milliseconds per phase, and whether the library came from the warm-start snapshot. */
  timings: {
    listMs: number;
    loadMs: number;
    indexMs: number;
    libraryMs: number;
    totalMs: number;
    /** Writing the caches, when they were written. */
    saveMs?: number;
    indexFromCache: boolean;
    /** Whether a built index was assembled in a thread of its own (see indexAssembly.ts). */
    indexApart?: boolean;
    fromSnapshot: boolean;
  };
}

function readSavedIndex(file: string, key: string): TextIndexData | null {
  try {
    return deserializeTextIndex(fs.readFileSync(file), key);
  } catch {
    return null;
  }
}

function readSavedSnapshot(file: string, key: string | { version: string }): Snapshot | null {
  try {
    return decodeSnapshot(fs.readFileSync(file), key);
  } catch {
    return null;
  }
}

/** What a Library is made of, ready for `new Library` here or in another thread. */
export interface PreparedLibrary {
  articles: Article[];
  index: TextIndexData;
  derived: LibraryDerived;
  problems: CorpusProblem[];
  /** Every corpus file the library was made from (null: not known, the watcher reads them all). */
  files: CorpusFileTable | null;
  /** Whether `files` are the corpus as listed by this load (false: as the caches last recorded it). */
  checked: boolean;
  timings: Omit<LoadedLibrary['timings'], 'libraryMs' | 'totalMs'> & { derivedMs: number };
}

/** The snapshot and index saved for `key` (or any key of a cache version), when both are there and whole. */
export function readWarmCaches(
  cacheDir: string,
  key: string | { version: string },
): { snapshot: Snapshot; index: TextIndexData } | null {
  const names = cacheFiles(cacheDir);
  const snapshot = readSavedSnapshot(names.snapshot, key);
  const index = snapshot ? readSavedIndex(names.index, snapshot.key) : null;
  return snapshot && index && index.docCount === snapshot.articles.length ? { snapshot, index } : null;
}

/**
 * Corpus folder → the parts of a library. A restart on an unchanged corpus (same files, sizes and
 * mtimes) reads two files: the snapshot (articles and derived tables) and the index (raw typed
 * arrays). Otherwise only changed files are parsed again (per-file parse cache; across threads when
 * there are many, each thread also doing its articles' share of the index), the index is assembled,
 * and both caches are written for the next start.
 */
export function prepareLibrary(options: LoadLibraryOptions): PreparedLibrary;
/**
 * With `warmOnly`, null unless the caches match the corpus (nothing is parsed or built); with
 * `catchUpLater` too, unless there are whole caches at all (the corpus is not listed).
 */
export function prepareLibrary(options: LoadLibraryOptions, mode: { warmOnly: true }): PreparedLibrary | null;
export function prepareLibrary(
  options: LoadLibraryOptions,
  mode?: { warmOnly: true },
): PreparedLibrary | null {
  const started = performance.now();
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const cacheDir = options.dataDir ? corpusCacheDir(options.dataDir, options.articlesDir) : null;
  const latest =
    mode?.warmOnly && options.catchUpLater && cacheDir
      ? readWarmCaches(cacheDir, { version: cacheVersion(maxFileBytes) })
      : null;
  if (latest) {
    return {
      ...fromSnapshot(latest.snapshot, latest.index, false),
      timings: {
        listMs: 0,
        loadMs: performance.now() - started,
        indexMs: 0,
        derivedMs: 0,
        indexFromCache: true,
        fromSnapshot: true,
      },
    };
  }
  const files = listArticleFiles(options.articlesDir);
  const key = libraryKey(files, maxFileBytes);
  const listed = performance.now();
  const warm = cacheDir ? readWarmCaches(cacheDir, key) : null;
  if (warm) {
    return {
      ...fromSnapshot(warm.snapshot, warm.index, true),
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
  if (mode?.warmOnly) return null;
  const built = buildLibraryParts(options, { files, key, listMs: listed - started });
  const saving = performance.now();
  const unsaved = saveLibraryCaches(options, cacheBytes(built));
  if (unsaved) built.prepared.problems.push(unsaved);
  built.prepared.timings.saveMs = performance.now() - saving;
  return built.prepared;
}

/** A library's parts from its snapshot and index; `checked`: the snapshot's key is the corpus's now. */
export function fromSnapshot(
  snapshot: Snapshot,
  index: TextIndexData,
  checked: boolean,
): Omit<PreparedLibrary, 'timings'> {
  return {
    articles: snapshot.articles,
    index,
    derived: snapshot.derived,
    problems: snapshot.problems,
    files: snapshot.files,
    checked,
  };
}

/** The parts of a library just built, with what saving them takes. */
export interface BuiltLibrary {
  prepared: PreparedLibrary;
  key: string;
  /** The snapshot as saved, in parts (null without a cache folder or hand-over). */
  snapshotBytes: Buffer[] | null;
}

/**
 * Parse (what changed) and index. Returns the parts and, when there is a cache folder (or a
 * `handOver`), the snapshot bytes to save, which a worker also hands to the main thread instead of the
 * articles themselves: decoding them is quicker than receiving 100k objects, and they are made anyway.
 * `onSnapshot` gets them before the index is assembled.
 */
export function buildLibraryParts(
  options: LoadLibraryOptions,
  listing: { files: FileEntry[]; key: string; listMs: number },
  handOver?: { onSnapshot(parts: readonly Buffer[]): void },
): BuiltLibrary {
  const { files, key } = listing;
  const started = performance.now();
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const cacheDir = options.dataDir ? corpusCacheDir(options.dataDir, options.articlesDir) : null;
  const progress = options.onProgress;
  // Started now, so it is ready when the parse is done (see indexAssembly.ts).
  const assembler = files.length >= PARALLEL_MIN_FILES ? startIndexAssembler() : null;
  try {
    const corpus = loadCorpus(options.articlesDir, {
      cacheDir,
      maxFileBytes,
      files,
      ...(progress && { onProgress: (done, total) => progress({ phase: 'reading', done, total }) }),
      parallel: { extension: libraryExtension },
    });
    const loaded = performance.now();
    progress?.({ phase: 'indexing', done: 0, total: corpus.articles.length });
    const assembly = libraryAssembly(corpus.articles, corpus.extension);
    const savedIndex = cacheDir ? readSavedIndex(cacheFiles(cacheDir).index, key) : null;
    const indexFromCache = savedIndex !== null && savedIndex.docCount === corpus.articles.length;
    // The index is assembled in the other thread while this one makes the derived tables and snapshot.
    const job = indexFromCache ? null : assembly.indexJob();
    const remote = job !== null && assembler !== null && assembler.start(job);
    const derived = assembly.derived();
    // Worked out once, for the library and the snapshot (a warm start then works out none of them).
    derived.tables = catalogTables(corpus.articles, derived.stories);
    const derivedAt = performance.now();
    // The snapshot first: a worker hands it over, to be decoded while the index is assembled.
    const fileTable = corpusFileTable(corpus.files, corpus.fileDocs);
    const snapshotBytes =
      cacheDir || handOver
        ? encodeSnapshot({
            key,
            version: cacheVersion(maxFileBytes),
            articles: corpus.articles,
            problems: corpus.problems,
            derived,
            files: fileTable,
          })
        : null;
    if (snapshotBytes) handOver?.onSnapshot(snapshotBytes);
    const encoded = performance.now();
    const apart = remote ? assembler.wait() : null;
    const index =
      job === null
        ? savedIndex!
        : remote
          ? // Its runs moved to the other thread: if it failed, everything is analysed again here.
            (apart ?? libraryAssembly(corpus.articles, undefined).index())
          : assembleIndexJob(job, corpus.articles);
    progress?.({ phase: 'indexing', done: corpus.articles.length, total: corpus.articles.length });
    const indexed = performance.now();
    return {
      key,
      snapshotBytes,
      prepared: {
        articles: corpus.articles,
        index,
        derived,
        problems: corpus.problems,
        files: fileTable,
        checked: true,
        timings: {
          listMs: listing.listMs,
          loadMs: loaded - started,
          indexMs: derivedAt - loaded + (indexed - encoded),
          derivedMs: encoded - derivedAt,
          indexFromCache,
          indexApart: apart !== null,
          fromSnapshot: false,
        },
      },
    };
  } finally {
    assembler?.stop();
  }
}

/** The bytes a build saves, in parts: the index (null when it came from the cache) and the snapshot. */
export function cacheBytes(built: BuiltLibrary): { index: Buffer[] | null; snapshot: Buffer[] | null } {
  const { index, timings } = built.prepared;
  return {
    index: built.snapshotBytes && !timings.indexFromCache ? textIndexParts(index, built.key) : null,
    snapshot: built.snapshotBytes,
  };
}

/** Write what is given of a build's caches; returns the problem to report if they could not be. */
export function saveLibraryCaches(
  options: LoadLibraryOptions,
  bytes: { index?: Buffer[] | null; snapshot?: Buffer[] | null },
): CorpusProblem | null {
  if (!options.dataDir) return null;
  const cacheDir = corpusCacheDir(options.dataDir, options.articlesDir);
  const names = cacheFiles(cacheDir);
  try {
    if (bytes.index) writeAtomically(names.index, bytes.index);
    if (bytes.snapshot) {
      writeAtomically(names.snapshot, bytes.snapshot);
      for (const legacy of LEGACY_CACHE_FILES) fs.rmSync(path.join(cacheDir, legacy), { force: true });
    }
    return null;
  } catch (error) {
    return { path: cacheDir, reason: `caches not saved: ${String(error)}`, severity: 'warning' };
  }
}

const origins = new WeakMap<Library, { files: CorpusFileTable | null; checked: boolean }>();

/**
 * How a library was loaded: the corpus files it was made from, and whether they were listed by the
 * load or are as the caches last recorded them. watchLibrary compares the folder with them.
 */
export function libraryOrigin(
  library: Library,
): { files: CorpusFileTable | null; checked: boolean } | undefined {
  return origins.get(library);
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
    curatedLinks: curatedLinksReader(articlesDir, RELATED_CACHE_SIZE),
  });
  const done = performance.now();
  origins.set(library, { files: prepared.files, checked: prepared.checked });
  const { derivedMs, ...timings } = prepared.timings;
  return {
    library,
    problems: prepared.problems,
    checked: prepared.checked,
    timings: { ...timings, libraryMs: derivedMs + (done - assembling), totalMs: done - startedAt },
  };
}

/** Load synchronously, blocking the event loop for the whole load (tests, scripts, benchmarks). */
export function loadLibrary(options: LoadLibraryOptions): LoadedLibrary {
  const started = performance.now();
  return assembleLibrary(prepareLibrary(options), options.articlesDir, started);
}
