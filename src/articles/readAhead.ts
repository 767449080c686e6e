import type { Worker } from 'node:worker_threads';
import { startWorker, workerEntry } from './workerThreads.ts';

/**
 * Reading ahead of the parsers. A parser reads one file at a time, so when the corpus is not in the
 * page cache (a cold boot, or a VM that pages out files not read for a while) each read waits for
 * the disk alone: at 100k files on this VM, 9.5 s of reading one by one against 3.4 s with sixteen
 * reads in flight, and a cold start took 22 s instead of 10.6 s. A thread that keeps many reads in
 * flight just ahead of the parsers turns their waits into memory copies. When the files come back
 * from memory anyway, it reads only a sample, so a warm page cache costs it little.
 */
export const READ_AHEAD = {
  /** Reads in flight (libuv's four threads run them; more queue in the kernel). */
  lanes: 16,
  /** Bytes read per file: articles are a few KiB, and the kernel reads ahead past the first page. */
  readBytes: 64 * 1024,
  /** How far ahead of the parsers it reads: enough for a second of parsing, little memory. */
  windowFiles: 2_000,
  chunkFiles: 250,
  /** A chunk read faster than this per file came from memory. */
  warmMsPerFile: 0.012,
  /** Once the chunks are warm, one in this many is read to notice when they turn cold. */
  probeEvery: 8,
  waitMs: 5,
} as const;

export interface ReadAheadData {
  /** Absolute paths, NUL-separated. */
  absPaths: string;
  /** The parse pool's counters: [0] is the next file a parser will claim. */
  counters: Int32Array;
  total: number;
}

/** Start the read-ahead thread, or null when it cannot start (the parse then reads as it would). */
export function startReadAhead(data: ReadAheadData): Worker | null {
  try {
    const worker = startWorker(workerEntry('readAheadWorker', import.meta.url), data);
    worker.on('error', () => undefined);
    worker.unref();
    return worker;
  } catch {
    return null;
  }
}
