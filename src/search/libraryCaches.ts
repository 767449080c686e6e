import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { corpusFingerprint, PARSE_CACHE_VERSION, type FileEntry } from '../articles/corpusFiles.ts';

/**
 * Where a corpus's caches live and what they are keyed by. A module of its own, so the worker that
 * lists the corpus at start loads nothing else first.
 */

/** Bump when the index layout, analysis, weights or snapshot shape change: caches are then rebuilt. */
export const INDEX_VERSION = 8;

/**
 * The check a cache file keeps of its payload: SHA-256 (its first 128 bits, hex). With the CPU's SHA
 * instructions OpenSSL hashes ~1.6 GB/s here, where zlib's CRC-32 did 0.3: checking the 113 MB index at
 * 100k articles went from ~380 ms, the longest wait of a warm start, to ~70.
 */
export function payloadDigest(parts: Iterable<Uint8Array>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest('hex').slice(0, 32);
}

/** Keys the index and snapshot: the corpus (every file's size and mtime) and the engine version. */
export function libraryKey(files: readonly FileEntry[], maxFileBytes: number): string {
  return `v${INDEX_VERSION}:${corpusFingerprint(files, maxFileBytes)}`;
}

/**
 * What the caches depend on besides the corpus: the engine, the parser and the size limit. Caches
 * served before the corpus is listed (catchUpLater) must at least have been made with these.
 */
export function cacheVersion(maxFileBytes: number): string {
  return `v${INDEX_VERSION}:p${PARSE_CACHE_VERSION}:${maxFileBytes}`;
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
 * A cache file read into memory shared between threads by a thread of its own, so the thread that reads
 * it (paying for the fresh memory: ~4.5 ms a megabyte in this VM, 0.5 s for the index at 100k) is not
 * the one that uses it. The thread then checks CRC-32s of parts of it when asked, so the user of the
 * bytes need not wait for the check before starting on them. Plain JavaScript, so it starts in tens of
 * milliseconds even from the sources (a tsx worker takes half a second).
 */
export interface SharedFileReader {
  /** The file's bytes, or null when it cannot be read whole. */
  readonly bytes: Promise<Uint8Array | null>;
  /** The payloadDigest of bytes[start, end), worked out in the reading thread. */
  digest(start: number, end: number): Promise<string>;
  stop(): void;
}

/** Reads [start, end) of the file into the shared buffer; the first thread then answers digest requests. */
const READER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const { file, buffer, start, end, answersChecks } = workerData;
const bytes = new Uint8Array(buffer);
let ok = true;
try {
  const fd = fs.openSync(file, 'r');
  try {
    for (let at = start; at < end; ) {
      const read = fs.readSync(fd, bytes, at, end - at, at);
      if (read === 0) throw new Error('cut short');
      at += read;
    }
  } finally {
    fs.closeSync(fd);
  }
} catch {
  ok = false;
}
parentPort.postMessage({ ok });
if (answersChecks)
  parentPort.on('message', ({ start, end }) =>
    parentPort.postMessage({
      digest: crypto.createHash('sha256').update(bytes.subarray(start, end)).digest('hex').slice(0, 32),
    }),
  );
`;

/**
 * `file` read into shared memory by `threads` threads of their own, each its share: touching fresh
 * memory is most of reading a cache file here, and threads touch it in parallel.
 */
export function readFileShared(file: string, threads = 1): SharedFileReader {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return { bytes: Promise.resolve(null), digest: () => Promise.resolve(''), stop: () => undefined };
  }
  // Allocating is free: the pages are touched by the readers.
  const buffer = new SharedArrayBuffer(size);
  const share = Math.ceil(size / threads / 4096) * 4096;
  const workers: Worker[] = [];
  const reads: Array<Promise<boolean>> = [];
  for (let start = 0; start < size || workers.length === 0; start += share) {
    const end = Math.min(size, start + share);
    const answersChecks = workers.length === 0;
    const worker = new Worker(READER_SOURCE, {
      eval: true,
      workerData: { file, buffer, start, end, answersChecks },
    });
    workers.push(worker);
    reads.push(
      new Promise<boolean>((resolve) => {
        worker.once('message', (reply: { ok: boolean }) => resolve(reply.ok));
        worker.once('error', () => resolve(false));
        worker.once('exit', () => resolve(false));
      }),
    );
  }
  const checker = workers[0]!;
  const gone = new Promise<never>((_, reject) => {
    checker.once('error', reject);
    checker.once('exit', (code) => reject(new Error(`the cache reader stopped (exit code ${code})`)));
  });
  gone.catch(() => undefined);
  const replies: Array<(value: string) => void> = [];
  const bytes = Promise.all(reads).then((done) => {
    checker.on('message', (answer: { digest?: string }) => {
      if (answer.digest !== undefined) replies.shift()?.(answer.digest);
    });
    return done.every(Boolean) ? new Uint8Array(buffer) : null;
  });
  return {
    bytes,
    digest(start, end) {
      const answer = new Promise<string>((resolve) => replies.push(resolve));
      checker.postMessage({ start, end });
      return Promise.race([answer, gone]).catch(() => '');
    },
    stop: () => workers.forEach((worker) => void worker.terminate()),
  };
}
