import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { corpusFingerprint, PARSE_CACHE_VERSION, type FileEntry } from '../articles/corpusFiles.ts';

/**
 * Where a corpus's caches live and what they are keyed by. A module of its own, so the worker that
 * lists the corpus at start loads nothing else first.
 */

/** Bump when the index layout, analysis, weights or snapshot shape change: caches are then rebuilt. */
export const INDEX_VERSION = 10;

/**
 * The check a cache file keeps of its payload: the CRC-32 (8 hex digits) of each run of DIGEST_CHUNK
 * bytes, so the runs are checked in parallel, each by one of the threads that read the file, instead of
 * the whole payload by one (the 113 MB index at 100k articles was ~380 ms in one thread). Reading the
 * bytes a first time is most of that: in this VM the first pass over memory just read costs ~3 ms a
 * megabyte, after which CRC-32 runs at ~4.5 GB/s (SHA-256 at 1.6).
 */
export const DIGEST_CHUNK = 16 * 2 ** 20;

const hex = (crc: number) => crc.toString(16).padStart(8, '0');

/** The digest of each DIGEST_CHUNK bytes of the payload given in parts (one for an empty payload). */
export function payloadDigests(parts: Iterable<Uint8Array>): string[] {
  const digests: string[] = [];
  let crc = 0;
  let inChunk = 0;
  for (const part of parts) {
    for (let at = 0; at < part.length;) {
      const take = Math.min(part.length - at, DIGEST_CHUNK - inChunk);
      // Never an empty view: Node 20's crc32 of one is 0, not the running value.
      crc = zlib.crc32(part.subarray(at, at + take), crc);
      at += take;
      inChunk += take;
      if (inChunk === DIGEST_CHUNK) {
        digests.push(hex(crc));
        crc = 0;
        inChunk = 0;
      }
    }
  }
  if (inChunk || !digests.length) digests.push(hex(crc));
  return digests;
}

/** The [start, end) of each digest's run in a payload of `length` bytes. */
export function digestRanges(length: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < length || !ranges.length; start += DIGEST_CHUNK)
    ranges.push([start, Math.min(length, start + DIGEST_CHUNK)]);
  return ranges;
}

/** Checks a payload against the digests its file keeps; a caller may check it elsewhere meanwhile. */
export type PayloadCheck = (payload: Uint8Array, digests: readonly string[]) => boolean;

export const checkPayloadNow: PayloadCheck = (payload, digests) => {
  const found = payloadDigests([payload]);
  return found.length === digests.length && found.every((digest, i) => digest === digests[i]);
};

/** Whether a header's `digests` is a list of digests. */
export const isDigestList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length > 0 && value.every((digest) => typeof digest === 'string');

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
  /** The digest of bytes[start, end) (see payloadDigests), worked out by one of the reading threads. */
  digest(start: number, end: number): Promise<string>;
  stop(): void;
}

/** Reads [start, end) of the file into the shared buffer, then answers digest requests. */
const READER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const zlib = require('node:zlib');
const { file, buffer, start, end } = workerData;
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
parentPort.on('message', ({ id, start, end }) => {
  const crc = start < end ? zlib.crc32(bytes.subarray(start, end)) : 0;
  parentPort.postMessage({ id, digest: crc.toString(16).padStart(8, '0') });
});
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
    const worker = new Worker(READER_SOURCE, { eval: true, workerData: { file, buffer, start, end } });
    workers.push(worker);
    reads.push(
      new Promise<boolean>((resolve) => {
        worker.once('message', (reply: { ok: boolean }) => resolve(reply.ok));
        worker.once('error', () => resolve(false));
        worker.once('exit', () => resolve(false));
      }),
    );
  }
  const gone = new Promise<never>((_, reject) => {
    for (const worker of workers) {
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`a cache reader stopped (exit code ${code})`)));
    }
  });
  gone.catch(() => undefined);
  const replies = new Map<number, (value: string) => void>();
  let asked = 0;
  const bytes = Promise.all(reads).then((done) => {
    for (const worker of workers)
      worker.on('message', (answer: { id?: number; digest?: string }) => {
        if (answer.id === undefined || answer.digest === undefined) return;
        replies.get(answer.id)?.(answer.digest);
        replies.delete(answer.id);
      });
    return done.every(Boolean) ? new Uint8Array(buffer) : null;
  });
  return {
    bytes,
    digest(start, end) {
      const id = asked++;
      const answer = new Promise<string>((resolve) => replies.set(id, resolve));
      // The threads take the requests in turn.
      workers[id % workers.length]!.postMessage({ id, start, end });
      return Promise.race([answer, gone]).catch(() => '');
    },
    stop: () => workers.forEach((worker) => void worker.terminate()),
  };
}
