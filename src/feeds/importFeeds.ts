import fs from 'node:fs';
import path from 'node:path';
import { listArticleFiles, loadCorpus } from '../articles/loadCorpus.ts';
import { isHttpUrl } from '../articles/normalize.ts';
import { parseArticle } from '../articles/parseArticle.ts';
import { decodeFeedBytes } from './charset.ts';
import {
  DELETED_MAX,
  isBackingOff,
  readFeedsState,
  recordFailure,
  recordSuccess,
  writeFeedsState,
  type FeedsState,
} from './feedState.ts';
import type { FeedEntry } from './feedList.ts';
import { FETCH_DEFAULTS, fetchFeed, HttpStatusError } from './fetchFeed.ts';
import { acquireImportLock } from './importLock.ts';
import { unpackKnownArticles, type KnownArticles } from './knownArticles.ts';
import { parseFeed, type ParsedFeed } from './parseFeed.ts';
import { FeedError, type FeedProblem, type ItemProblem } from './problems.ts';
import { htmlToPlainText } from './text.ts';
import {
  articleFromItem,
  fileNameFor,
  IMPORTED_FILE_NAME,
  loaderRejection,
  renderArticleFile,
} from './toArticleFile.ts';

export interface ImportFeedsOptions {
  feeds: readonly FeedEntry[];
  /** The corpus folder the article files go to (created when missing); the feeds state lives in it. */
  outDir: string;
  /** Skip feeds still backing off after failures (the periodic import); a manual run fetches all. */
  respectBackoff?: boolean;
  /** The time of this run: the date of undated items and the clock for backoff. */
  now?: Date | number;
  fetch?: typeof fetch;
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
  /** Feeds fetched at once. */
  concurrency?: number;
  /**
   * A folder of its own for the parse cache of the files in `outDir` that the importer did not write,
   * so a large hand-written corpus is not parsed again each run; null (the default) parses them.
   */
  cacheDir?: string | null;
  /** Largest hand-written file parsed for its URL (the loader's cap). */
  maxFileBytes?: number;
  /**
   * The articles the bot already serves (its library): files it knows are not parsed again, and an item
   * whose URL any of them has, anywhere in the served folder, writes nothing.
   */
  known?: KnownArticles;
  /**
   * Stops the run early (the bot shutting down): fetches in flight are abandoned, no new feed or item
   * is started, and what was written so far is recorded. Feeds not read are `skipped`, their state kept.
   */
  signal?: AbortSignal;
}

export interface ItemCounts {
  new: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface FeedReport {
  /** The URL or file as listed. */
  source: string;
  status: 'read' | 'not-modified' | 'failed' | 'skipped';
  format?: ParsedFeed['format'];
  title?: string;
  items: ItemCounts;
  /** About the feed as a whole: why it failed or was skipped, or a charset guess. */
  problems: FeedProblem[];
  /** About single items: why one was rejected, or what was dropped from it. */
  itemProblems: ItemProblem[];
  /** While backing off: when the next periodic import will try again. */
  retryAfter?: string;
}

export interface ImportSummary {
  outDir: string;
  startedAt: string;
  ms: number;
  feeds: { listed: number; read: number; notModified: number; failed: number; skipped: number };
  items: ItemCounts;
  reports: FeedReport[];
  /** About the run itself (an unreadable state file, another import running). */
  problems: string[];
  /** True when `signal` stopped the run before every feed was read. */
  aborted: boolean;
}

const emptyCounts = (): ItemCounts => ({ new: 0, updated: 0, unchanged: 0, rejected: 0 });

/** A CLI argument that names a scheme (`javascript:`, `ftp:`, `file:`) rather than a local path. */
const HAS_SCHEME = /^[a-z][a-z0-9+.-]+:/i;

type SourceText =
  | { status: 'parsed'; feed: ParsedFeed; baseUrl?: string; warnings: FeedProblem[] }
  | { status: 'not-modified' };

interface RunContext {
  options: ImportFeedsOptions;
  now: number;
  state: FeedsState;
  /** Files the importer wrote, by article id (relative paths). */
  imported: Map<string, string>;
  /** Ids of articles written by hand (or by anyone but the importer): an item with their URL is theirs. */
  handWritten: Set<string>;
  /** Ids of imported files someone deleted since: their items are not written again. */
  deleted: Set<string>;
  /** Ids already handled in this run, with the feed that brought them. */
  seen: Map<string, string>;
}

function readLocalFeed(file: string, maxBytes: number): SourceText {
  let bytes: Buffer;
  try {
    const stat = fs.statSync(file);
    if (stat.size > maxBytes)
      throw new FeedError('too-large', `the feed is over the ${Math.round(maxBytes / 1024)} KiB limit`);
    bytes = fs.readFileSync(file);
  } catch (error) {
    if (error instanceof FeedError) throw error;
    throw new FeedError(
      'unreadable-file',
      `${file} could not be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  const decoded = decodeFeedBytes(bytes);
  const warnings: FeedProblem[] = decoded.warning ? [{ code: 'charset', message: decoded.warning }] : [];
  return { status: 'parsed', feed: parseFeed(decoded.text), warnings };
}

/** A web page where a feed was expected is the usual sign of a moved feed: say so, not "invalid XML". */
function parseFetched(text: string, contentType: string | null): ParsedFeed {
  try {
    return parseFeed(text);
  } catch (error) {
    if (error instanceof FeedError && /^text\/html\b/i.test(contentType ?? ''))
      throw new FeedError(
        'unknown-format',
        'the server sent a web page (text/html), not a feed: check the feed URL',
      );
    throw error;
  }
}

async function readSource(entry: FeedEntry, run: RunContext): Promise<SourceText> {
  const { options } = run;
  const maxBytes = options.maxBytes ?? FETCH_DEFAULTS.maxBytes;
  if (!isHttpUrl(entry.url)) {
    if (HAS_SCHEME.test(entry.url))
      throw new FeedError('not-http', `${entry.url.slice(0, 80)} is not an http(s) URL`);
    return readLocalFeed(entry.url, maxBytes);
  }
  const previous = run.state.feeds[entry.url];
  const fetched = await fetchFeed(entry.url, {
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    maxBytes,
    ...(options.maxRedirects !== undefined ? { maxRedirects: options.maxRedirects } : {}),
    ...(previous?.etag ? { etag: previous.etag } : {}),
    ...(previous?.lastModified ? { lastModified: previous.lastModified } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    now: run.now,
  });
  if (fetched.status === 'not-modified') {
    run.state.feeds[entry.url] = recordSuccess(previous, run.now, null);
    return { status: 'not-modified' };
  }
  const decoded = decodeFeedBytes(fetched.bytes, fetched.contentType);
  const feed = parseFetched(decoded.text, fetched.contentType);
  // Validators are kept only once the body parsed: a 304 must never stand for a feed never read.
  run.state.feeds[entry.url] = recordSuccess(previous, run.now, fetched);
  const warnings: FeedProblem[] = decoded.warning ? [{ code: 'charset', message: decoded.warning }] : [];
  return { status: 'parsed', feed, baseUrl: fetched.url, warnings };
}

/**
 * The article ids already in `outDir`. Files the state says the importer wrote are taken at their
 * word; every other file is parsed for its URL (through the loader's cache when `cacheDir` is given).
 * Of those, one named like an imported file whose id matches its URL is an imported file whose
 * state was lost; the rest were written by hand.
 */
function indexOutDir(
  outDir: string,
  state: FeedsState,
  options: Pick<ImportFeedsOptions, 'cacheDir' | 'maxFileBytes' | 'known'>,
): Pick<RunContext, 'imported' | 'handWritten' | 'deleted'> {
  const imported = new Map<string, string>();
  const handWritten = new Set<string>();
  const known = options.known ? unpackKnownArticles(options.known, outDir) : null;
  const classify = (id: string, relPath: string) => {
    const named = IMPORTED_FILE_NAME.exec(path.basename(relPath))?.[1];
    if (named === id && !imported.has(id)) imported.set(id, relPath);
    else handWritten.add(id);
  };
  const toParse = [];
  for (const file of listArticleFiles(outDir)) {
    const id = state.files[file.relPath];
    if (id !== undefined && !imported.has(id)) imported.set(id, file.relPath);
    else {
      // The library has read this file already: its id is known without parsing it again.
      const knownId = known?.byPathInOutDir.get(file.relPath);
      if (knownId === undefined) toParse.push(file);
      else classify(knownId, file.relPath);
    }
  }
  if (toParse.length) {
    const { cacheDir = null, maxFileBytes } = options;
    const loadOptions = { files: toParse, cacheDir, ...(maxFileBytes ? { maxFileBytes } : {}) };
    for (const article of loadCorpus(outDir, loadOptions).articles) classify(article.id, article.path);
  }
  // Articles elsewhere in the served corpus are someone else's too: an item with their URL is theirs.
  for (const id of known?.ids ?? []) {
    if (!imported.has(id)) handWritten.add(id);
  }
  // A file the importer wrote that is gone was deleted on purpose: the feed must not bring it back.
  const deleted = new Set(state.deleted);
  for (const id of Object.values(state.files)) if (!imported.has(id)) deleted.add(id);
  for (const id of imported.keys()) deleted.delete(id);
  return { imported, handWritten, deleted };
}

function readIfPresent(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function baseUrlOf(source: Extract<SourceText, { status: 'parsed' }>): string | undefined {
  if (!source.feed.base) return source.baseUrl;
  try {
    return new URL(source.feed.base, source.baseUrl).href;
  } catch {
    return source.baseUrl;
  }
}

/**
 * Through a temporary file and a rename, so a reader (the corpus watcher) never sees half a file. The
 * writes are asynchronous: while one feed waits for the disk, the others are parsed.
 */
async function writeFileAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await fs.promises.writeFile(temp, text);
    await fs.promises.rename(temp, file);
  } catch (error) {
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
}

/** Items written between two yields to the event loop, so a bot importing feeds keeps answering. */
const ITEMS_PER_TURN = 10;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

async function importItems(
  entry: FeedEntry,
  source: Extract<SourceText, { status: 'parsed' }>,
  report: FeedReport,
  run: RunContext,
): Promise<'complete' | 'stopped'> {
  const { outDir } = run.options;
  const baseUrl = baseUrlOf(source);
  const context = {
    feedTitle: source.feed.title,
    ...(entry.provider ? { providerName: entry.provider } : {}),
    ...(entry.topics ? { topics: entry.topics } : {}),
    ...(baseUrl ? { baseUrl } : {}),
  };
  for (const [index, item] of source.feed.items.entries()) {
    if (index > 0 && index % ITEMS_PER_TURN === 0) await nextTurn();
    if (run.options.signal?.aborted) return 'stopped';
    const outcome = articleFromItem(item, context);
    if (!outcome.ok) {
      report.items.rejected++;
      report.itemProblems.push(outcome.problem);
      continue;
    }
    const { fields } = outcome;
    report.itemProblems.push(...outcome.warnings);
    const problem = (code: ItemProblem['code'], severity: ItemProblem['severity'], message: string) =>
      report.itemProblems.push({ code, severity, item: fields.title, message });

    const earlier = run.seen.get(fields.id);
    if (earlier !== undefined) {
      report.items.unchanged++;
      problem('duplicate', 'warning', `the same article as an earlier item (${earlier}); imported once`);
      continue;
    }
    run.seen.set(fields.id, entry.url);
    if (run.deleted.has(fields.id)) {
      report.items.unchanged++;
      continue;
    }
    if (run.handWritten.has(fields.id)) {
      // The same story already has a file someone wrote: theirs stands, the feed adds nothing.
      report.items.unchanged++;
      continue;
    }

    const existingPath = run.imported.get(fields.id);
    const existingText = existingPath ? readIfPresent(path.join(outDir, existingPath)) : null;
    let publishedAt = fields.publishedAt;
    if (publishedAt === null && existingText !== null && existingPath) {
      // An undated item keeps the date it was first seen, or it would change on every run.
      const previous = parseArticle(existingText, existingPath);
      publishedAt = previous.ok ? previous.article.publishedAt : null;
    }
    publishedAt ??= Math.floor(run.now / 1000) * 1000;

    const relPath = existingPath ?? fileNameFor(fields, publishedAt);
    const text = renderArticleFile(fields, publishedAt);
    // An identical file was checked when it was written: only new text is parsed again.
    if (text === existingText) {
      report.items.unchanged++;
      continue;
    }
    const rejection = loaderRejection(text, relPath, fields);
    if (rejection) {
      report.items.rejected++;
      problem('invalid-article', 'rejected', `the article would not load: ${rejection}`);
      continue;
    }
    try {
      await writeFileAtomically(path.join(outDir, relPath), text);
    } catch (error) {
      report.items.rejected++;
      problem('write-failed', 'rejected', `${relPath} could not be written: ${String(error)}`);
      continue;
    }
    run.imported.set(fields.id, relPath);
    if (existingText === null) report.items.new++;
    else report.items.updated++;
  }
  return 'complete';
}

/** A feed the run was stopped before: skipped, its state as it was, so a stop never counts as a failure. */
function stoppedReport(report: FeedReport): FeedReport {
  report.status = 'skipped';
  report.problems.push({ code: 'aborted', message: 'the import was stopped before this feed was read' });
  return report;
}

async function importOne(entry: FeedEntry, run: RunContext): Promise<FeedReport> {
  const report: FeedReport = {
    source: entry.url,
    status: 'read',
    items: emptyCounts(),
    problems: [],
    itemProblems: [],
  };
  const previous = run.state.feeds[entry.url];
  if (run.options.signal?.aborted) return stoppedReport(report);
  if (run.options.respectBackoff && isBackingOff(previous, run.now)) {
    report.status = 'skipped';
    report.retryAfter = previous!.retryAfter!;
    report.problems.push({
      code: 'backing-off',
      message: `${previous!.failures} failure(s) in a row (last: ${previous!.lastError ?? 'unknown'}); next try after ${previous!.retryAfter}`,
    });
    return report;
  }
  let source: SourceText;
  try {
    source = await readSource(entry, run);
  } catch (error) {
    if (error instanceof FeedError && error.code === 'aborted') return stoppedReport(report);
    const failure =
      error instanceof FeedError
        ? error
        : new FeedError(
            'network',
            `unexpected failure: ${error instanceof Error ? error.message : String(error)}`,
          );
    report.status = 'failed';
    report.problems.push({ code: failure.code, message: failure.message });
    if (isHttpUrl(entry.url)) {
      const retryAt = failure instanceof HttpStatusError ? failure.retryAt : null;
      const next = recordFailure(previous, run.now, failure.message, retryAt);
      run.state.feeds[entry.url] = next;
      if (next.retryAfter) report.retryAfter = next.retryAfter;
    }
    return report;
  }
  if (source.status === 'not-modified') {
    report.status = 'not-modified';
    return report;
  }
  report.format = source.feed.format;
  const title = source.feed.title ? htmlToPlainText(source.feed.title) : '';
  if (title) report.title = title;
  report.problems.push(...source.warnings);
  if ((await importItems(entry, source, report, run)) === 'stopped') {
    // Not every item was written: the next run must fetch the feed in full, not be answered 304.
    const feedState = run.state.feeds[entry.url];
    if (feedState) run.state.feeds[entry.url] = { ...feedState, etag: undefined, lastModified: undefined };
    report.problems.push({ code: 'aborted', message: 'the import was stopped before every item was read' });
  }
  return report;
}

/**
 * Import every feed into `outDir`: one article file per item, named by the item's article id, so a
 * second run finds each file again (unchanged files are left alone, changed ones rewritten in place,
 * items whose URL a hand-written file already has are left to that file). A bad feed or item is
 * reported and never stops the others. The CLI and the bot's periodic import both call this.
 */
export async function importFeeds(options: ImportFeedsOptions): Promise<ImportSummary> {
  const started = performance.now();
  const now = options.now === undefined ? Date.now() : +options.now;
  fs.mkdirSync(options.outDir, { recursive: true });
  const lock = acquireImportLock(options.outDir, now);
  if (!lock.ok) return skippedSummary(options, now, started, { code: 'busy', message: lock.reason });
  try {
    return await importHoldingLock(options, now, started);
  } finally {
    lock.release();
  }
}

/**
 * Every feed skipped, the folder and its state untouched: another import is writing it (two would
 * write the same files), or the run was stopped before it began.
 */
function skippedSummary(
  options: ImportFeedsOptions,
  now: number,
  started: number,
  why: FeedProblem,
): ImportSummary {
  const reports = options.feeds.map((entry): FeedReport => ({
    source: entry.url,
    status: 'skipped',
    items: emptyCounts(),
    problems: [why],
    itemProblems: [],
  }));
  return {
    outDir: options.outDir,
    startedAt: new Date(now).toISOString(),
    ms: Math.round(performance.now() - started),
    feeds: { listed: reports.length, read: 0, notModified: 0, failed: 0, skipped: reports.length },
    items: emptyCounts(),
    reports,
    problems: why.code === 'busy' ? [why.message] : [],
    aborted: why.code === 'aborted',
  };
}

/**
 * A write the importer began and never renamed into place (a stopped worker): with the lock held, nobody
 * else's. Article files are written as `<name>.<pid>.tmp`, the state file by writeAtomically as
 * `<name>.<pid>-<thread>.tmp`.
 */
const LEFTOVER_TEMP = /^(\d{4}-\d{2}-\d{2}-.+-[A-Za-z0-9_-]{8}\.md|\.feeds-state\.json)\.\d+(-\d+)?\.tmp$/;

function removeLeftoverTempFiles(outDir: string): void {
  for (const name of fs.readdirSync(outDir)) {
    if (LEFTOVER_TEMP.test(name)) fs.rmSync(path.join(outDir, name), { force: true });
  }
}

async function importHoldingLock(
  options: ImportFeedsOptions,
  now: number,
  started: number,
): Promise<ImportSummary> {
  removeLeftoverTempFiles(options.outDir);
  // A stop that arrived while a worker was starting is seen here, before the folder is read.
  await nextTurn();
  if (options.signal?.aborted)
    return skippedSummary(options, now, started, {
      code: 'aborted',
      message: 'the import was stopped before this feed was read',
    });
  const { state, problem } = readFeedsState(options.outDir);
  const run: RunContext = {
    options,
    now,
    state,
    ...indexOutDir(options.outDir, state, options),
    seen: new Map(),
  };

  const reports: FeedReport[] = new Array(options.feeds.length);
  let next = 0;
  const worker = async () => {
    while (next < options.feeds.length) {
      const index = next++;
      reports[index] = await importOne(options.feeds[index]!, run);
    }
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 8, options.feeds.length));
  await Promise.all(Array.from({ length: concurrency }, worker));

  const problems = problem ? [problem] : [];
  state.files = Object.fromEntries([...run.imported].map(([id, relPath]) => [relPath, id]));
  state.deleted = [...run.deleted].slice(-DELETED_MAX);
  try {
    writeFeedsState(options.outDir, state);
  } catch (error) {
    problems.push(`the feeds state could not be saved: ${String(error)}`);
  }
  const count = (status: FeedReport['status']) => reports.filter((report) => report.status === status).length;
  const items = emptyCounts();
  for (const report of reports) {
    for (const key of Object.keys(items) as (keyof ItemCounts)[]) items[key] += report.items[key];
  }
  return {
    outDir: options.outDir,
    startedAt: new Date(now).toISOString(),
    ms: Math.round(performance.now() - started),
    feeds: {
      listed: reports.length,
      read: count('read'),
      notModified: count('not-modified'),
      failed: count('failed'),
      skipped: count('skipped'),
    },
    items,
    reports,
    problems,
    aborted: Boolean(options.signal?.aborted),
  };
}
