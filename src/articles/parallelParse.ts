import os from 'node:os';
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import type { Article } from './article.ts';
import type { FileEntry } from './corpusFiles.ts';
import type { ParseOutcome } from './parseArticle.ts';
import { parseCacheLine } from './parseCache.ts';
import { parseFile } from './parseFile.ts';
import { startReadAhead } from './readAhead.ts';
import { BULK_WORK_LIMITS, startWorker, workerEntry } from './workerThreads.ts';

/**
 * Parsing files across cores. Threads take batches of files from a shared counter, so a busy core
 * simply takes fewer; the batches are handed back in file order, so what the caller builds from them
 * (duplicates merged, problems listed) is exactly what one thread parsing in order would build. The
 * calling thread parses too (while the others start, and whenever there is work left) and blocks only
 * while the last batches finish: the API stays synchronous.
 */

/** Files a thread takes at a time, at most: a few dozen milliseconds of parsing. */
export const BATCH_FILES = 200;
/** Batches shrink towards the end (so no thread is left with a long last one), down to this. */
const MIN_BATCH_FILES = 20;
/** Below this many files to parse, starting threads costs more than they save. */
export const PARALLEL_MIN_FILES = 2_000;
const MAX_WORKERS = 8;
/** A pool that sends nothing for this long has stopped: this thread parses what it still owed. */
const SILENT_POOL_MS = 30_000;

/**
 * Extra work done on each parsed article in the thread that parsed it (the library's index analysis),
 * so the article is not sent to another thread for it. `take` returns what was gathered since the
 * last take, with the buffers to move rather than copy.
 */
export interface ParseExtension {
  add(article: Article): void;
  take(): { payload: unknown; transfer: ArrayBuffer[] };
}

export interface ParseExtensionSpec {
  /** A module exporting `createParseExtension(): ParseExtension`, loaded by every pool thread. */
  moduleUrl: string;
  /** The same for this thread. */
  create(): ParseExtension;
}

/**
 * A batch's parse-cache lines as bytes, moved between threads without a copy: file i's line (with
 * its line break) is bytes[ends[i - 1] ?? 0, ends[i]). The lines are ASCII, so one byte a character.
 */
export interface CacheLines {
  bytes: Uint8Array;
  ends: Uint32Array;
}

function packLines(lines: readonly string[]): CacheLines {
  const ends = new Uint32Array(lines.length);
  let at = 0;
  lines.forEach((line, i) => (ends[i] = at += line.length + 1));
  // Its own memory (never a slice of Buffer's shared pool), so it can be moved to another thread.
  const bytes = Buffer.allocUnsafeSlow(at);
  lines.forEach((line, i) => {
    const end = ends[i]!;
    bytes.write(line, end - line.length - 1, 'latin1');
    bytes[end - 1] = 0x0a;
  });
  return { bytes, ends };
}

export interface ParsedBatch {
  /** Index of the batch's first file in the list given. */
  start: number;
  outcomes: ParseOutcome[];
  /** Parse-cache lines, one per file (null when not asked for). */
  cacheLines: CacheLines | null;
  /** The thread that parsed it: 0 is this one. The extension's payload covers its ok outcomes in order. */
  thread: number;
  payload?: unknown;
}

export interface ParallelParseOptions {
  maxFileBytes: number;
  keepRelated: boolean;
  /** Whether to encode each outcome as a parse-cache line. */
  cacheLines: boolean;
  extension?: ParseExtensionSpec;
  /** Pool threads besides this one (default: one per core besides this one's, at least 1, at most 8). */
  workers?: number;
  /** Whether this thread parses too (default true); it always does once no pool thread is left. */
  parseHere?: boolean;
  /** How long a silent pool is waited for (default 30 s). */
  silentMs?: number;
  /** Whether a thread reads the files ahead of the parsers (default true; see readAhead.ts). */
  readAhead?: boolean;
}

/** What a pool thread is given: the file list packed, and where to claim and post batches. */
export interface PoolWorkerData {
  relPaths: string;
  absPaths: string;
  /** size, mtimeMs per file. */
  stats: Float64Array;
  maxFileBytes: number;
  keepRelated: boolean;
  cacheLines: boolean;
  extensionUrl: string | null;
  /** [0]: next file to claim, [1]: messages posted. */
  counters: Int32Array;
  /** Threads parsing, this one included: batch sizes depend on it. */
  parsers: number;
  port: MessagePort;
  thread: number;
}

export interface Claim {
  start: number;
  end: number;
}

export type PoolMessage = { batch: ParsedBatch } | { failed: string; thread: number; claim: Claim | null };

/**
 * The next files to parse, or null when all are taken. Guided self-scheduling: a batch is a share of
 * what is left, so batches get smaller towards the end and the threads finish together.
 */
export function claimBatch(counters: Int32Array, total: number, parsers: number): Claim | null {
  for (;;) {
    const start = Atomics.load(counters, 0);
    if (start >= total) return null;
    const size = Math.min(BATCH_FILES, Math.max(MIN_BATCH_FILES, Math.ceil((total - start) / (2 * parsers))));
    const end = Math.min(total, start + size);
    if (Atomics.compareExchange(counters, 0, start, end) === start) return { start, end };
  }
}

/**
 * This thread parses too, so one pool thread per other core. A thread more than there are cores only
 * makes them take turns: at 100k files on 2 cores, three parsing threads took 15.1 s and two 12.4 s
 * (the threads' garbage collectors compete as well).
 */
export function defaultWorkerCount(): number {
  return Math.min(MAX_WORKERS, Math.max(1, os.availableParallelism() - 1));
}

/** Parse files [start, end) here. */
export function parseBatch(
  files: readonly FileEntry[],
  start: number,
  end: number,
  options: Pick<ParallelParseOptions, 'maxFileBytes' | 'keepRelated' | 'cacheLines'>,
  extension: ParseExtension | null,
  thread: number,
): { batch: ParsedBatch; transfer: ArrayBuffer[] } {
  const outcomes: ParseOutcome[] = [];
  const lines: string[] = [];
  for (let i = start; i < end; i++) {
    const file = files[i]!;
    const outcome = parseFile(file, options.maxFileBytes, options.keepRelated);
    outcomes.push(outcome);
    if (options.cacheLines) lines.push(parseCacheLine(file, outcome));
    if (outcome.ok) extension?.add(outcome.article);
  }
  const taken = extension?.take();
  const cacheLines = options.cacheLines ? packLines(lines) : null;
  return {
    batch: { start, outcomes, cacheLines, thread, payload: taken?.payload },
    transfer: [...(cacheLines ? [cacheLines.bytes.buffer as ArrayBuffer] : []), ...(taken?.transfer ?? [])],
  };
}

/** Files as a pool thread receives them: two strings and one array instead of 100k small objects. */
export function unpackFiles(data: Pick<PoolWorkerData, 'relPaths' | 'absPaths' | 'stats'>): FileEntry[] {
  const relPaths = data.relPaths.split('\u0000');
  const absPaths = data.absPaths.split('\u0000');
  return relPaths.map((relPath, i) => ({
    relPath,
    absPath: absPaths[i]!,
    size: data.stats[2 * i]!,
    mtimeMs: data.stats[2 * i + 1]!,
  }));
}

interface PoolThread {
  worker: Worker;
  port: MessagePort;
  thread: number;
}

function startPool(
  files: readonly FileEntry[],
  absPaths: string,
  count: number,
  counters: Int32Array,
  options: ParallelParseOptions,
): PoolThread[] {
  const stats = new Float64Array(new SharedArrayBuffer(files.length * 2 * Float64Array.BYTES_PER_ELEMENT));
  files.forEach((file, i) => {
    stats[2 * i] = file.size;
    stats[2 * i + 1] = file.mtimeMs;
  });
  // NUL cannot occur in a file name, so it separates them.
  const relPaths = files.map((file) => file.relPath).join('\u0000');
  const threads: PoolThread[] = [];
  for (let thread = 1; thread <= count; thread++) {
    const channel = new MessageChannel();
    const data: PoolWorkerData = {
      relPaths,
      absPaths,
      stats,
      maxFileBytes: options.maxFileBytes,
      keepRelated: options.keepRelated,
      cacheLines: options.cacheLines,
      extensionUrl: options.extension?.moduleUrl ?? null,
      counters,
      parsers: count + 1,
      port: channel.port2,
      thread,
    };
    try {
      const entry = workerEntry('parseWorker', import.meta.url);
      const worker = startWorker(entry, data, [channel.port2], BULK_WORK_LIMITS);
      // Failures arrive as messages; a thread that cannot start leaves its share to the others.
      worker.on('error', () => undefined);
      worker.unref();
      threads.push({ worker, port: channel.port1, thread });
    } catch {
      channel.port1.close();
    }
  }
  return threads;
}

/**
 * Parse `files` across threads; `deliver` gets every batch in file order, on this thread. Bad files are
 * outcomes like any other; a pool thread that fails or falls silent costs time, never a file.
 */
export function parseInParallel(
  files: readonly FileEntry[],
  options: ParallelParseOptions,
  deliver: (batch: ParsedBatch) => void,
): void {
  const counters = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  // NUL-separated, as the pool's relative paths are.
  const absPaths = files.map((file) => file.absPath).join('\u0000');
  const readAhead =
    options.readAhead === false ? null : startReadAhead({ absPaths, counters, total: files.length });
  const threads = startPool(files, absPaths, options.workers ?? defaultWorkerCount(), counters, options);
  const local = options.extension?.create() ?? null;
  const ready = new Map<number, ParsedBatch>();
  /** Threads whose batches are no longer taken (failed, or given up on): later ones would not fit. */
  const dropped = new Set<number>();
  let next = 0;

  const parseHere = ({ start, end }: Claim) => {
    ready.set(start, parseBatch(files, start, end, options, local, 0).batch);
  };
  const receive = () => {
    for (const { port } of threads) {
      for (let message = receiveMessageOnPort(port); message; message = receiveMessageOnPort(port)) {
        const reply = message.message as PoolMessage;
        if ('failed' in reply) {
          // Its analysis state is unknown from here on: redo its claim and stop taking its batches.
          dropped.add(reply.thread);
          if (reply.claim && !ready.has(reply.claim.start)) parseHere(reply.claim);
        } else if (!dropped.has(reply.batch.thread)) {
          ready.set(reply.batch.start, reply.batch);
        }
      }
    }
  };
  /** After the pool fell silent: parse here every range not handed back. */
  const parseWhatIsMissing = () => {
    const starts = [...ready.keys()].sort((a, b) => a - b);
    for (let at = next; at < files.length;) {
      const batch = ready.get(at);
      if (batch) {
        at += batch.outcomes.length;
        continue;
      }
      const until = starts.find((start) => start > at) ?? files.length;
      parseHere({ start: at, end: until });
      at = until;
    }
  };

  try {
    while (next < files.length) {
      const posted = Atomics.load(counters, 1);
      receive();
      for (let batch = ready.get(next); batch; batch = ready.get(next)) {
        ready.delete(next);
        deliver(batch);
        next += batch.outcomes.length;
      }
      if (next >= files.length) break;
      const helping = options.parseHere !== false || threads.every(({ thread }) => dropped.has(thread));
      const claim = helping ? claimBatch(counters, files.length, threads.length + 1) : null;
      if (claim) {
        parseHere(claim);
        continue;
      }
      // Everything is claimed (or left to the pool): wait for the threads' batches.
      if (Atomics.wait(counters, 1, posted, options.silentMs ?? SILENT_POOL_MS) === 'timed-out') {
        for (const { worker, thread } of threads) {
          void worker.terminate();
          dropped.add(thread);
        }
        parseWhatIsMissing();
      }
    }
  } finally {
    void readAhead?.terminate();
    for (const { worker, port } of threads) {
      port.close();
      void worker.terminate();
    }
  }
}
