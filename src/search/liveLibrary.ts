import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Article, CorpusProblem } from '../articles/article.ts';
import type { CorpusFileTable } from '../articles/corpusFiles.ts';
import { CorpusWatcher } from '../articles/watchCorpus.ts';
import { startWorker, workerEntry } from '../articles/workerThreads.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { onReloadSignal } from '../ops/reloadSignal.ts';
import { Library } from './library.ts';
import { LiveCatalogBuilder, type GenerationChange } from './liveCatalog.ts';
import { snapshotIdLines } from './librarySnapshot.ts';
import { libraryOrigin } from './loadLibrary.ts';
import {
  indexFromWire,
  type FromWorker,
  type ReloadCounts,
  type ToWorker,
  type WorkerSettings,
} from './reloadProtocol.ts';

/** Where the front ends read the library (the app's LibraryRef). */
export interface LibraryHolder {
  readonly current: Library;
  replace(next: Library): Library;
}

export interface ReloadReport extends ReloadCounts {
  /** From the request to the new library being in place. */
  ms: number;
  /** Articles in the library after it. */
  articles: number;
  /** The longest task it ran on the main thread (the swap, or reading one slice of articles), in ms. */
  mainThreadMs: number;
  /** A full rescan (SIGHUP) rather than the watched paths or the catch-up after start. */
  full: boolean;
  /** Files rejected (and warnings) this time, each with its path and reason. */
  problems: CorpusProblem[];
  /** Set when the reload failed; the library stayed as it was. */
  error?: string;
}

export interface WatchLibraryOptions {
  config: Pick<Config, 'ARTICLES_DIR' | 'DATA_DIR' | 'MAX_ARTICLE_BYTES' | 'WATCH_ARTICLES'>;
  library: LibraryHolder;
  /** Where reloads are logged. Absent: one line each on stderr (local mode: stdout may be a JSON pipe). */
  logger?: Logger;
  onReload?: (report: ReloadReport) => void;
  /**
   * When the watched library began loading (ms since the epoch): files modified since then are read
   * again, so nothing written during the load is missed. Default: when this process started.
   */
  loadedSince?: number;
  /** A burst of file events ends after this long without one (ms). */
  quietMs?: number;
  /** Rescan on SIGHUP (default true). */
  reloadSignal?: boolean;
  /**
   * The worker starts this long after the call (default 500 ms), so a short pipe that is answered and
   * gone never starts one. Nothing is missed meanwhile: its first look reads every file modified since
   * `loadedSince`.
   */
  startDelayMs?: number;
  /**
   * Fresh slots (see liveCatalog.ts) are renumbered once this many are dead and they outnumber the live
   * ones (default 1,000): bounds the doc numbers a long run of changes uses up.
   */
  compactAfter?: number;
}

export interface LiveLibrary {
  /** Resolves once the worker has taken over the corpus and the folder watches are up. */
  readonly ready: Promise<void>;
  /** Looks at the whole corpus again (what SIGHUP does). */
  rescan(): Promise<ReloadReport>;
  /** Looks again at these paths (relative to the corpus folder). */
  changed(paths: string[]): Promise<ReloadReport>;
  stop(): Promise<void>;
}

/** The base goes to the worker in slices this size, so no task on this thread runs long. */
const BASE_ARTICLES_PER_SLICE = 5_000;
const BASE_TERMS_PER_SLICE = 20_000;
const PROBLEMS_LOGGED = 20;
const MAX_WORKER_RESTARTS = 3;
const DEFAULT_START_DELAY_MS = 500;
const DEFAULT_COMPACT_AFTER = 1_000;

interface Waiter {
  resolve: (report: ReloadReport) => void;
  reject: (error: Error) => void;
}

interface Batch {
  /** 0 is the take-over after start; it is logged only when something changed during the load. */
  number: number;
  full: boolean;
  started: number;
  waiters: Waiter[];
  incoming: Map<string, Article>;
  /** The batch's `articles` messages, parsed when the batch is applied (in slices; see apply). */
  incomingJson: string[];
  /** The longest main-thread task this batch has cost so far (ms). */
  longestTask: number;
}

const nextTask = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A main-thread task of a reload yields to the event loop once it has run this long (ms): queries and
 * timers waiting meanwhile run between the slices, so the loop is never held for much longer.
 */
const TASK_BUDGET_MS = 4;

/**
 * A pause that yields only when the current task has used its budget; `longest` keeps the longest task
 * (the time from one yield to the next). Offered often, it cuts long work into short tasks at no cost
 * to short work.
 */
function taskSlicer(budgetMs = TASK_BUDGET_MS) {
  let started = performance.now();
  const slicer = {
    longest: 0,
    /** The task so far counts; the next one starts now. */
    mark() {
      const now = performance.now();
      slicer.longest = Math.max(slicer.longest, now - started);
      started = now;
    },
    pause: async (): Promise<void> => {
      if (performance.now() - started < budgetMs) return;
      slicer.mark();
      await nextTask();
      started = performance.now();
    },
  };
  return slicer;
}

/**
 * The file table as it can cross to the worker cheaply: arrays in shared memory go as they are; a view
 * of an ordinary buffer is copied to its own bytes first (a message would carry its whole buffer).
 */
function postable(files: CorpusFileTable): CorpusFileTable {
  const own = <T extends Uint8Array | Uint32Array | Float64Array | Int32Array>(array: T): T =>
    array.buffer instanceof SharedArrayBuffer ? array : (array.slice() as T);
  return {
    count: files.count,
    pathText: own(files.pathText),
    pathEnds: own(files.pathEnds),
    size: own(files.size),
    mtimeMs: own(files.mtimeMs),
    doc: own(files.doc),
  };
}

/**
 * Keeps `library` in step with the corpus folder while the process runs: folder watches (when
 * WATCH_ARTICLES is on) and SIGHUP ask the reload worker to look again; the worker reads only what
 * changed and builds the fresh segment; this thread swaps in the next generation (the base with
 * tombstones, plus the fresh segment) in one assignment. A question already answering keeps the
 * library it started with. Every reload is logged with what changed and how long it took.
 */
export function watchLibrary(options: WatchLibraryOptions): LiveLibrary {
  return new LibraryReloader(options);
}

class LibraryReloader implements LiveLibrary {
  readonly ready: Promise<void>;
  private readonly articlesDir: string;
  private readonly builder: LiveCatalogBuilder;
  private readonly baseLibrary: Library;
  private readonly since: number;
  private worker: Worker | null = null;
  private restarts = 0;
  private watcher: CorpusWatcher | null = null;
  private readonly stopSignal: () => void;
  private stopped = false;
  private batchCount = 0;
  private inFlight: Batch | null = null;
  private readonly pendingPaths = new Set<string>();
  private pendingFull = false;
  private pendingWaiters: Waiter[] = [];
  private markReady!: () => void;
  /** Batches are swapped in one after the other, even when a restarted worker answers during one. */
  private applying: Promise<unknown> = Promise.resolve();
  private readonly startTimer: NodeJS.Timeout;

  constructor(private readonly options: WatchLibraryOptions) {
    const { config } = options;
    this.articlesDir = path.resolve(config.ARTICLES_DIR);
    this.baseLibrary = options.library.current;
    this.builder = new LiveCatalogBuilder(this.baseLibrary.catalog, this.articlesDir);
    // Its copy of the base's tables, in slices, while the worker starts.
    void this.builder.ready(taskSlicer().pause);
    this.since = options.loadedSince ?? performance.timeOrigin;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    if (config.WATCH_ARTICLES) {
      const dataDir = path.resolve(config.DATA_DIR);
      this.watcher = new CorpusWatcher(this.articlesDir, {
        exclude: [dataDir],
        quietMs: options.quietMs,
        onChanges: (paths) => void this.request(paths).catch(() => undefined),
        onError: (folder, error) =>
          this.warn({ folder, err: error }, `could not watch ${folder || 'the corpus folder'}`),
      });
    }
    this.stopSignal =
      options.reloadSignal === false
        ? () => undefined
        : onReloadSignal(() => {
            this.info({}, 'SIGHUP: rescanning the corpus');
            void this.rescan().catch(() => undefined);
          });
    this.startTimer = setTimeout(() => this.startWorker(), options.startDelayMs ?? DEFAULT_START_DELAY_MS);
  }

  rescan(): Promise<ReloadReport> {
    return this.request(null);
  }

  changed(paths: string[]): Promise<ReloadReport> {
    return this.request(paths);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.startTimer);
    this.stopSignal();
    this.watcher?.close();
    const error = new Error('the library watcher stopped');
    for (const waiter of [...this.pendingWaiters, ...(this.inFlight?.waiters ?? [])]) waiter.reject(error);
    this.pendingWaiters = [];
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  // --- the worker ---

  private startWorker(): void {
    const settings: WorkerSettings = {
      articlesDir: this.articlesDir,
      maxFileBytes: this.options.config.MAX_ARTICLE_BYTES,
      exclude: [path.resolve(this.options.config.DATA_DIR)],
      compactAfter: this.options.compactAfter ?? DEFAULT_COMPACT_AFTER,
    };
    const worker = startWorker(workerEntry('reloadWorker', import.meta.url), settings);
    this.worker = worker;
    worker.on('message', (message: FromWorker) => this.onMessage(message));
    worker.on('error', (error) => this.onWorkerGone(worker, error));
    worker.on('exit', (code) => this.onWorkerGone(worker, new Error(`exit code ${code}`)));
    // The first batch is the take-over: the worker reads what changed since the load.
    this.inFlight = {
      number: 0,
      full: false,
      started: performance.now(),
      waiters: [],
      incoming: new Map(),
      incomingJson: [],
      longestTask: 0,
    };
    void this.sendBase(worker);
  }

  /** The base library's ids, paths and term statistics, in slices between which other work runs. */
  private async sendBase(worker: Worker): Promise<void> {
    const { list } = this.baseLibrary.catalog;
    // The files the base was made from, when the loader knows them: the worker compares the folder with
    // them (and needs no article paths). A warm start served before listing the corpus relies on it.
    const origin = libraryOrigin(this.baseLibrary)?.files;
    const files = origin ? postable(origin) : null;
    const post = (message: ToWorker, transfer: ArrayBuffer[] = []) => {
      if (this.worker === worker) worker.postMessage(message, transfer);
    };
    for (let start = 0; start < list.length; start += BASE_ARTICLES_PER_SLICE) {
      const end = start + BASE_ARTICLES_PER_SLICE;
      const slice = list.slice(start, end);
      post({
        type: 'base-articles',
        // A snapshot's ids straight from its column: no id string made (and kept) per article.
        ids: snapshotIdLines(list, start, end) ?? slice.map((article) => article.id).join('\n'),
        paths: files ? '' : slice.map((article) => article.path).join('\n'),
      });
      await nextTask();
    }
    const index = this.baseLibrary.catalog.segments[0]!.index;
    for (let start = 0; start < index.terms.length; start += BASE_TERMS_PER_SLICE) {
      const terms = index.terms.slice(start, start + BASE_TERMS_PER_SLICE);
      const df = new Uint32Array(terms.length);
      for (let i = 0; i < terms.length; i++)
        df[i] = index.postingStart[start + i + 1]! - index.postingStart[start + i]!;
      post({ type: 'base-terms', terms: terms.join('\n'), df }, [df.buffer]);
      await nextTask();
    }
    post({
      type: 'adopt',
      baseDocCount: list.length,
      since: this.since,
      restart: this.restarts > 0,
      files,
    });
  }

  private onWorkerGone(worker: Worker, error: Error): void {
    if (this.worker !== worker || this.stopped) return;
    this.worker = null;
    const batch = this.inFlight;
    this.inFlight = null;
    for (const waiter of batch?.waiters ?? [])
      waiter.reject(new Error(`the reload worker stopped (${error.message})`));
    if (this.restarts >= MAX_WORKER_RESTARTS) {
      this.error({ err: error }, 'the reload worker stopped; the library is no longer kept up to date');
      return;
    }
    this.restarts++;
    this.warn({ err: error }, 'the reload worker stopped; starting it again');
    // A new worker takes over from the base again: its first batch brings every change since the load,
    // in slots of its own (the builder starts its fresh docs again).
    this.startWorker();
  }

  // --- batches ---

  private request(paths: string[] | null): Promise<ReloadReport> {
    if (this.stopped) return Promise.reject(new Error('the library watcher stopped'));
    if (paths === null) this.pendingFull = true;
    else for (const relPath of paths) this.pendingPaths.add(relPath);
    const promise = new Promise<ReloadReport>((resolve, reject) =>
      this.pendingWaiters.push({ resolve, reject }),
    );
    this.dispatch();
    return promise;
  }

  private dispatch(): void {
    if (this.inFlight || !this.worker || this.stopped) return;
    if (!this.pendingFull && !this.pendingPaths.size) return;
    const full = this.pendingFull;
    const paths = full ? null : [...this.pendingPaths];
    this.pendingFull = false;
    this.pendingPaths.clear();
    const number = ++this.batchCount;
    this.inFlight = {
      number,
      full,
      started: performance.now(),
      waiters: this.pendingWaiters,
      incoming: new Map(),
      incomingJson: [],
      longestTask: 0,
    };
    this.pendingWaiters = [];
    this.worker.postMessage({ type: 'changes', batch: number, paths } satisfies ToWorker);
  }

  private onMessage(message: FromWorker): void {
    const batch = this.inFlight;
    if (!batch || message.batch !== batch.number) return;
    if (message.type === 'articles') {
      // Kept as text for now: a port hands over every message waiting in one task, so parsing here
      // would make a big batch's hundred slices one long task again.
      batch.incomingJson.push(message.json);
      return;
    }
    if (message.type === 'failed') {
      this.inFlight = null;
      const report = this.report(
        batch,
        { added: 0, changed: 0, removed: 0, rejected: 0 },
        [],
        message.message,
      );
      this.error(
        { err: message.message, full: batch.full },
        'library reload failed; the library is unchanged',
      );
      this.options.onReload?.(report);
      for (const waiter of batch.waiters) waiter.reject(new Error(message.message));
      this.dispatch();
      return;
    }
    void this.finish(batch, message);
  }

  /** Swaps in the batch's library, then reports it and sends the next batch. */
  private async finish(batch: Batch, message: Extract<FromWorker, { type: 'reloaded' }>): Promise<void> {
    let report: ReloadReport;
    const applied = this.applying.then(() => this.apply(batch, message));
    this.applying = applied.catch(() => undefined);
    try {
      report = await applied;
    } catch (error) {
      report = this.report(batch, message.counts, message.problems, String(error));
      this.error({ err: error }, 'library reload failed; the library is unchanged');
    }
    if (this.inFlight === batch) this.inFlight = null;
    this.options.onReload?.(report);
    for (const waiter of batch.waiters) waiter.resolve(report);
    if (batch.number === 0) {
      this.watcher?.add(message.folders.added);
      this.markReady();
    }
    this.dispatch();
  }

  /**
   * The next generation, built from the batch. Everything before the swap (parsing the batch's
   * articles, splitting the fresh segment's terms, the builder's steps) runs in tasks of a few ms
   * with turns of the event loop between them, while the current generation goes on answering; the
   * swap is one assignment.
   */
  private async apply(
    batch: Batch,
    message: Extract<FromWorker, { type: 'reloaded' }>,
  ): Promise<ReloadReport> {
    const fresh = message.fresh;
    const slicer = taskSlicer();
    const { pause } = slicer;
    if (message.tombstones.length || fresh) {
      for (const json of batch.incomingJson.splice(0)) {
        for (const article of JSON.parse(json) as Article[]) batch.incoming.set(article.id, article);
        await pause();
      }
      // A slot's article came in this batch's `articles` messages, or (after a compaction) earlier.
      const articleOf = (id: string) => batch.incoming.get(id) ?? this.builder.freshArticle(id)!;
      const segment = fresh?.index
        ? { index: await indexFromWire(fresh.index, pause), prefixTable: fresh.prefixTable }
        : null;
      const appended: Array<GenerationChange['appended'][number]> = [];
      for (const [i, id] of (fresh?.appended ?? []).entries()) {
        appended.push({ article: articleOf(id), story: fresh!.appendedStories[i]! });
        if (i % 1_024 === 1_023) await pause();
      }
      const catalog = await this.builder.apply(
        {
          tombstones: message.tombstones,
          deadSlots: fresh?.deadSlots ?? [],
          appended,
          compacted: fresh?.compacted ?? false,
          ...(fresh && { segment }),
        },
        pause,
      );
      this.options.library.replace(Library.fromCatalog(catalog));
    }
    if (batch.number > 0) {
      this.watcher?.add(message.folders.added);
      this.watcher?.remove(message.folders.removed);
    }
    slicer.mark();
    batch.longestTask = Math.max(batch.longestTask, slicer.longest);
    const report = this.report(batch, message.counts, message.problems);
    this.log(report);
    return report;
  }

  private report(
    batch: Batch,
    counts: ReloadCounts,
    problems: CorpusProblem[],
    error?: string,
  ): ReloadReport {
    return {
      ...counts,
      ms: Math.round(performance.now() - batch.started),
      articles: this.options.library.current.size,
      mainThreadMs: Math.round(batch.longestTask * 10) / 10,
      full: batch.full,
      problems,
      ...(error !== undefined && { error }),
    };
  }

  // --- reporting ---

  private log(report: ReloadReport): void {
    const { added, changed, removed, rejected, ms, articles, full } = report;
    const nothing = added + changed + removed + rejected === 0 && !report.problems.length;
    // A rescan someone asked for always answers; events that changed nothing (a temp file) stay quiet.
    if (nothing && !full) return;
    const logger = this.options.logger;
    if (logger) {
      logger.info({ added, changed, removed, rejected, ms, articles, full }, 'library reloaded');
      for (const problem of report.problems.slice(0, PROBLEMS_LOGGED)) {
        if (problem.severity === 'rejected')
          logger.warn(
            { path: problem.path, reason: problem.reason },
            `article file rejected: ${problem.path}`,
          );
        else
          logger.info(
            { path: problem.path, reason: problem.reason },
            `article file warning: ${problem.path}`,
          );
      }
      if (report.problems.length > PROBLEMS_LOGGED)
        logger.warn(
          { more: report.problems.length - PROBLEMS_LOGGED },
          'more article file problems not logged',
        );
      return;
    }
    const lines = [
      `Library ${full ? 'rescanned' : 'reloaded'}: ${added} added, ${changed} changed, ${removed} removed, ${rejected} rejected in ${ms} ms (${articles.toLocaleString('en-US')} articles).`,
      ...report.problems
        .slice(0, PROBLEMS_LOGGED)
        .map(
          (problem) =>
            `  ${problem.path}: ${problem.severity === 'rejected' ? '' : 'warning: '}${problem.reason}`,
        ),
    ];
    if (report.problems.length > PROBLEMS_LOGGED)
      lines.push(`  … and ${report.problems.length - PROBLEMS_LOGGED} more`);
    process.stderr.write(lines.join('\n') + '\n');
  }

  private info(bindings: object, message: string): void {
    if (this.options.logger) this.options.logger.info(bindings, message);
  }

  private warn(bindings: object, message: string): void {
    if (this.options.logger) this.options.logger.warn(bindings, message);
    else process.stderr.write(`${message}\n`);
  }

  private error(bindings: object, message: string): void {
    if (this.options.logger) this.options.logger.error(bindings, message);
    else process.stderr.write(`${message}\n`);
  }
}
