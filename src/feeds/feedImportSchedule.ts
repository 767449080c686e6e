import { createHash } from 'node:crypto';
import path from 'node:path';
import { startWorker, workerEntry } from '../articles/workerThreads.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { FeedListError, readFeedList, type FeedList } from './feedList.ts';
import type { FeedReport, ImportSummary } from './importFeeds.ts';
import { releaseLockOfThisProcess } from './importLock.ts';
import { packKnownArticles } from './knownArticles.ts';
import type { ImportWorkerReply, ImportWorkerRequest } from './importWorker.ts';

export type FeedImportConfig = Pick<
  Config,
  'FEEDS_FILE' | 'FEEDS_EVERY_MINUTES' | 'ARTICLES_DIR' | 'DATA_DIR' | 'MAX_ARTICLE_BYTES'
>;

export interface FeedImportsOptions {
  config: FeedImportConfig;
  logger: Logger;
  /** Counts each feed's outcome (read, not-modified, failed, skipped) in `broadsheet_feed_imports_total`. */
  metrics?: { feedImport(outcome: string): void } | undefined;
  /** After every cycle, with its summary (null when the cycle could not run at all). */
  onCycle?: (summary: ImportSummary | null) => void;
  /**
   * The articles the bot serves now (its library, read at each cycle): the import then knows every URL
   * the corpus holds without parsing it again.
   */
  knownArticles?: () => readonly { id: string; path: string }[];
  /** Overrides FEEDS_EVERY_MINUTES (tests). */
  everyMs?: number;
  /** How long stop() waits for a cycle to wind down before terminating its worker (3 s; 0 terminates at once). */
  stopWaitMs?: number;
}

/** What `/feeds` shows: the list as last read, and how each feed fared in the last cycle. */
export interface FeedImportStatus {
  file: string;
  outDir: string;
  everyMinutes: number;
  running: boolean;
  nextAt: string | null;
  /** Problems of the feeds file itself (a bad entry, a file that became invalid). */
  listProblems: string[];
  lastCycle: Pick<ImportSummary, 'startedAt' | 'ms' | 'feeds' | 'items'> | null;
  feeds: { url: string; last: FeedReport | null }[];
}

export interface FeedImports {
  /** Ends the schedule: a cycle in progress is asked to stop, then abandoned after a short wait. */
  stop(): Promise<void>;
  status(): FeedImportStatus;
}

const STOP_WAIT_MS = 3_000;

/**
 * The problem with FEEDS_FILE as the user must hear it at start (and exit 1 for), or null: unset,
 * or a file with at least one usable feed (or an intentionally empty list).
 */
export function feedsFileProblem(config: Pick<Config, 'FEEDS_FILE'>): string | null {
  if (!config.FEEDS_FILE) return null;
  const file = path.resolve(config.FEEDS_FILE);
  try {
    const list = readFeedList(file);
    if (list.feeds.length === 0 && list.problems.length > 0)
      return `FEEDS_FILE ${file} lists no usable feed:\n${list.problems.map((problem) => `  - ${problem}`).join('\n')}`;
    return null;
  } catch (error) {
    if (error instanceof FeedListError)
      return `FEEDS_FILE: ${error.message}. Fix the file or unset FEEDS_FILE.`;
    throw error;
  }
}

/** The importer's own parse cache for the hand-written files beside the imported ones. */
function importCacheDir(dataDir: string, outDir: string): string {
  const hash = createHash('sha1').update(outDir).digest('hex').slice(0, 10);
  return path.join(path.resolve(dataDir), 'cache', 'feed-import', hash);
}

const isInside = (dir: string, parent: string) => {
  const relative = path.relative(parent, dir);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

interface RunningImport {
  outDir: string;
  /** Resolves with the summary, or null when the worker failed or was terminated. */
  done: Promise<ImportSummary | null>;
  requestStop(): void;
  terminate(): Promise<void>;
}

function runImportInWorker(request: ImportWorkerRequest, logger: Logger): RunningImport {
  const worker = startWorker(workerEntry('importWorker', import.meta.url), request);
  let exited = false;
  /** Set when the import is abandoned: an answer that still comes in is not its cycle's result. */
  let terminated = false;
  const exit = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const done = new Promise<ImportSummary | null>((resolve) => {
    worker.once('message', (reply: ImportWorkerReply) => {
      // Its sockets may linger in keep-alive: the summary is all we wait for.
      void worker.terminate();
      if (terminated) resolve(null);
      else if (reply.ok) resolve(reply.summary);
      else {
        logger.error({ reason: reply.message }, 'the feed import failed');
        resolve(null);
      }
    });
    worker.once('error', (error) => {
      logger.error({ err: error }, 'the feed import worker failed');
      resolve(null);
    });
    void exit.then(() => resolve(null));
  });
  return {
    outDir: request.outDir,
    done,
    requestStop: () => {
      if (!exited) worker.postMessage({ stop: true });
    },
    terminate: async () => {
      terminated = true;
      await worker.terminate();
      await exit;
    },
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function describeCycle({ feeds, items }: ImportSummary): string {
  const parts = [`${feeds.read} read`];
  if (feeds.notModified) parts.push(`${feeds.notModified} not modified`);
  if (feeds.failed) parts.push(`${feeds.failed} failed`);
  if (feeds.skipped) parts.push(`${feeds.skipped} skipped`);
  return `feeds imported: ${plural(feeds.listed, 'feed')} (${parts.join(', ')}); items ${items.new} new, ${items.updated} updated, ${items.unchanged} unchanged, ${items.rejected} rejected`;
}

/** Item problems logged per feed: enough to find the bad items, never a flood. */
const ITEM_PROBLEMS_LOGGED = 10;

function logCycle(logger: Logger, summary: ImportSummary): void {
  logger.info(
    {
      feeds: summary.feeds,
      items: summary.items,
      ms: summary.ms,
      outDir: summary.outDir,
      ...(summary.aborted ? { stopped: true } : {}),
    },
    describeCycle(summary),
  );
  for (const problem of summary.problems) logger.warn({ outDir: summary.outDir }, problem);
  for (const report of summary.reports) {
    const feedProblems = report.problems.filter((problem) => problem.code !== 'aborted');
    if (!feedProblems.length && !report.itemProblems.length) continue;
    const first = feedProblems[0]?.message ?? report.itemProblems[0]!.message;
    logger.warn(
      {
        feed: report.source,
        status: report.status,
        problems: feedProblems.map((problem) => ({ code: problem.code, message: problem.message })),
        ...(report.retryAfter ? { retryAfter: report.retryAfter } : {}),
        items: report.items,
        itemProblems: report.itemProblems.slice(0, ITEM_PROBLEMS_LOGGED),
        ...(report.itemProblems.length > ITEM_PROBLEMS_LOGGED
          ? { moreItemProblems: report.itemProblems.length - ITEM_PROBLEMS_LOGGED }
          : {}),
      },
      `feed ${report.source}: ${report.status}: ${first}`,
    );
  }
}

/**
 * Imports the feeds FEEDS_FILE lists now and every FEEDS_EVERY_MINUTES, into ARTICLES_DIR (or the
 * file's `out:` folder), each cycle in a worker thread. One cycle at a time: a slow one makes the next
 * start at the first tick after it, never alongside. The file is read again each cycle, so an edit
 * takes effect without a restart; a file that turns invalid is reported and the last good list kept.
 */
export function startFeedImports(options: FeedImportsOptions): FeedImports {
  const { config, logger } = options;
  const file = path.resolve(config.FEEDS_FILE ?? '');
  const articlesDir = path.resolve(config.ARTICLES_DIR);
  const everyMs = options.everyMs ?? config.FEEDS_EVERY_MINUTES * 60_000;
  let list: FeedList | null = null;
  let listText = '';
  let listProblems: string[] = [];
  let last: ImportSummary | null = null;
  let running: RunningImport | null = null;
  let cycleDone: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let nextAt: number | null = null;
  let stopped = false;

  const outDirOf = (feeds: FeedList | null) => feeds?.outDir ?? articlesDir;

  /** The list as the file says now, or the last good one (with the reason) when it became unreadable. */
  function refreshList(): FeedList | null {
    let fresh: FeedList;
    try {
      fresh = readFeedList(file);
    } catch (error) {
      if (!(error instanceof FeedListError)) throw error;
      const kept = list ? `; the last good list (${plural(list.feeds.length, 'feed')}) is kept` : '';
      listProblems = [error.message + kept];
      logger.warn({ file }, `FEEDS_FILE: ${error.message}${kept}`);
      return list;
    }
    const text = JSON.stringify(fresh);
    if (text !== listText) {
      // Said once per change of the file, not every cycle.
      for (const problem of fresh.problems) logger.warn({ file }, `FEEDS_FILE: ${problem}`);
      const outDir = outDirOf(fresh);
      if (!isInside(outDir, articlesDir))
        logger.warn(
          { file, outDir, articlesDir },
          'FEEDS_FILE names an out: folder outside ARTICLES_DIR: the bot does not serve what it imports there',
        );
      listText = text;
    }
    listProblems = fresh.problems;
    list = fresh;
    return list;
  }

  async function cycle(): Promise<void> {
    const feeds = refreshList();
    if (!feeds || feeds.feeds.length === 0) {
      if (feeds) logger.info({ file }, 'FEEDS_FILE lists no feeds: nothing to import');
      options.onCycle?.(null);
      return;
    }
    const outDir = outDirOf(feeds);
    running = runImportInWorker(
      {
        feeds: feeds.feeds,
        outDir,
        respectBackoff: true,
        cacheDir: importCacheDir(config.DATA_DIR, outDir),
        maxFileBytes: config.MAX_ARTICLE_BYTES,
        ...(options.knownArticles ? { known: packKnownArticles(articlesDir, options.knownArticles()) } : {}),
      },
      logger,
    );
    const summary = await running.done;
    running = null;
    if (summary) {
      last = summary;
      logCycle(logger, summary);
      for (const report of summary.reports) {
        const stoppedBefore = report.problems.some((problem) => problem.code === 'aborted');
        options.metrics?.feedImport(stoppedBefore ? 'stopped' : report.status);
      }
    } else if (!stopped) options.metrics?.feedImport('error');
    options.onCycle?.(summary);
  }

  function schedule(startedAt: number): void {
    if (stopped) return;
    // The next tick after now on the grid start + k·every: a slow cycle skips ticks, never piles them up.
    const now = Date.now();
    const ticks = Math.max(1, Math.ceil((now - startedAt) / everyMs));
    nextAt = startedAt + ticks * everyMs;
    timer = setTimeout(run, Math.max(0, nextAt - now));
    timer.unref();
  }

  function run(): void {
    timer = null;
    nextAt = null;
    const startedAt = Date.now();
    cycleDone = cycle()
      .catch((error: unknown) => {
        logger.error({ err: error }, 'the feed import cycle failed');
        options.onCycle?.(null);
      })
      .finally(() => {
        cycleDone = null;
        schedule(startedAt);
      });
  }

  run();

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
      nextAt = null;
      const current = running;
      if (!current) return void (await cycleDone);
      current.requestStop();
      const waitMs = options.stopWaitMs ?? STOP_WAIT_MS;
      // No wait at all is a choice too (and what tests need to be sure a cycle is cut short).
      const wound =
        waitMs > 0 &&
        (await Promise.race([
          current.done.then(() => true),
          new Promise<false>((resolve) => setTimeout(() => resolve(false), waitMs).unref()),
        ]));
      await current.terminate();
      if (!wound) {
        logger.warn({ waitedMs: waitMs }, 'the feed import did not stop in time; abandoned');
        // Its article files were each renamed into place whole (a temp file it began, the next import
        // removes): only the lock is left to clear.
        releaseLockOfThisProcess(current.outDir);
      }
      await cycleDone;
    },
    status() {
      const byUrl = new Map(last?.reports.map((report) => [report.source, report]) ?? []);
      return {
        file,
        outDir: outDirOf(list),
        everyMinutes: everyMs / 60_000,
        running: running !== null,
        nextAt: nextAt === null ? null : new Date(nextAt).toISOString(),
        listProblems,
        lastCycle: last && {
          startedAt: last.startedAt,
          ms: last.ms,
          feeds: last.feeds,
          items: last.items,
        },
        feeds: (list?.feeds ?? []).map((entry) => ({ url: entry.url, last: byUrl.get(entry.url) ?? null })),
      };
    },
  };
}
