import type { Worker } from 'node:worker_threads';
import type { CorpusProblem } from '../articles/article.ts';
import { BULK_WORK_LIMITS, startWorker, workerEntry } from '../articles/workerThreads.ts';
import { DEFAULT_MAX_FILE_BYTES } from '../articles/corpusFiles.ts';
import { cacheVersion, digestRanges, readFileShared, type SharedFileReader } from './libraryCaches.ts';
import { decodeSnapshot, peekSnapshot } from './librarySnapshot.ts';
import {
  assembleLibrary,
  cacheFiles,
  corpusCacheDir,
  fromSnapshot,
  prepareLibrary,
  type LoadedLibrary,
  type LoadLibraryOptions,
  type LoadProgress,
  type PreparedLibrary,
} from './loadLibrary.ts';
import { deserializeTextIndex } from './textIndex.ts';

export { startWorker } from '../articles/workerThreads.ts';

/**
 * Corpora smaller than this (as last saved) are listed here: quicker than starting a worker, which
 * takes about 0.1 s from the build and half a second from the sources (tsx registers itself in it).
 */
const LIST_HERE_BELOW = import.meta.url.endsWith('.ts') ? 40_000 : 10_000;

/** What libraryWorker posts on a first load (see there). */
type FirstLoadReply =
  | { listed: { key: string } }
  | { snapshot: Uint8Array }
  | { built: { image: Uint8Array; timings: PreparedLibrary['timings'] } }
  | { saved: { problem: CorpusProblem | null; ms: number } }
  | { ok: false; message: string; code?: string }
  | { progress: LoadProgress };

/** The worker's replies, awaited one kind at a time; progress is passed on as it comes. */
function repliesOf(worker: Worker, onProgress: LoadLibraryOptions['onProgress']) {
  const queue: FirstLoadReply[] = [];
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const push = () => {
    wake?.();
    wake = null;
  };
  worker.on('message', (reply: FirstLoadReply) => {
    if ('progress' in reply) onProgress?.(reply.progress);
    else if ('ok' in reply) failure = Object.assign(new Error(reply.message), { code: reply.code });
    else queue.push(reply);
    push();
  });
  worker.once('error', (error) => {
    failure = error;
    push();
  });
  worker.once('exit', (code) => {
    failure ??= new Error(`the library worker stopped with exit code ${code} before it was done`);
    push();
  });
  return async function next<K extends 'listed' | 'snapshot' | 'built' | 'saved'>(
    kind: K,
  ): Promise<Extract<FirstLoadReply, Record<K, unknown>>[K]> {
    for (;;) {
      const at = queue.findIndex((reply) => kind in reply);
      if (at >= 0) return (queue.splice(at, 1)[0] as unknown as Record<K, never>)[kind];
      if (failure) throw failure;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
}

/** Checks a region's digests in the threads that read it, while this thread goes on with the bytes. */
function checkIn(reader: SharedFileReader, checks: Array<Promise<boolean>>) {
  return (region: Uint8Array, digests: readonly string[]) => {
    const ranges = digestRanges(region.byteLength);
    const base = region.byteOffset;
    ranges.forEach(([start, end], i) =>
      checks.push(reader.digest(base + start, base + end).then((found) => found === digests[i])),
    );
    return ranges.length === digests.length;
  };
}

const nextTask = () => new Promise<void>((resolve) => setImmediate(resolve));

const bufferOf = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The latest caches, read into shared memory by two threads of their own (snapshot, index) while this
 * one decodes the snapshot as soon as it is there; the CRC-32s are checked in those threads while the
 * library is assembled here. Null when either file is missing, damaged, or saved for another key
 * than `key` (when given).
 */
async function readLatestCaches(
  names: { snapshot: string; index: string },
  version: string,
  key: () => Promise<string | null>,
): Promise<{
  prepared: Omit<PreparedLibrary, 'timings' | 'checked'>;
  loadMs: number;
  verified: Promise<boolean>;
} | null> {
  const reading = performance.now();
  const snapshotReader = readFileShared(names.snapshot);
  // The index is the bigger file (112 MB at 100k, against 69): two threads share it.
  const indexReader = readFileShared(names.index, 2);
  const checks: Array<Promise<boolean>> = [];
  try {
    const snapshotBytes = await snapshotReader.bytes;
    const snapshot =
      snapshotBytes && decodeSnapshot(bufferOf(snapshotBytes), { version }, checkIn(snapshotReader, checks));
    // A turn of the event loop between the long steps: the stall is the longest step, not their sum.
    await nextTask();
    const indexBytes = snapshot && (await indexReader.bytes);
    const index =
      indexBytes && deserializeTextIndex(bufferOf(indexBytes), snapshot.key, checkIn(indexReader, checks));
    if (!snapshot || !index || index.docCount !== snapshot.articles.length) return null;
    const loadMs = performance.now() - reading;
    const expected = await key();
    await nextTask();
    if (expected !== null && expected !== snapshot.key) return null;
    const verified = Promise.all(checks).then((results) => results.every(Boolean));
    // The readers go once the checks are in (the bytes stay: shared memory lives while it is viewed).
    void verified.finally(() => {
      snapshotReader.stop();
      indexReader.stop();
    });
    return { prepared: fromSnapshot(snapshot, index, expected !== null), loadMs, verified };
  } catch {
    return null;
  } finally {
    if (!checks.length) {
      snapshotReader.stop();
      indexReader.stop();
    }
  }
}

/**
 * loadLibrary for the running bot and the terminal. With `catchUpLater`, caches are served as last
 * saved without listing the corpus (watchLibrary's first look catches up); otherwise a worker lists
 * the corpus meanwhile and the caches are used only when its key is theirs. A small corpus with
 * caches is read here. A big one's caches are read into shared memory by threads of their own while
 * this one decodes and assembles (see readLatestCaches). Without caches that fit, the worker parses
 * (across cores) and indexes, and hands over the snapshot bytes and the index without a copy; this
 * thread decodes the snapshot while the worker assembles the index and writes the caches. So the event
 * loop never stalls for longer than a warm start, however much changed.
 */
export async function loadLibraryInBackground(
  options: LoadLibraryOptions,
  { listHereBelow = LIST_HERE_BELOW }: { listHereBelow?: number } = {},
): Promise<LoadedLibrary> {
  const started = performance.now();
  const cacheDir = options.dataDir ? corpusCacheDir(options.dataDir, options.articlesDir) : null;
  const names = cacheDir ? cacheFiles(cacheDir) : null;
  const saved = names ? peekSnapshot(names.snapshot) : null;
  if (saved && saved.count < listHereBelow) {
    // A small corpus lists faster than a worker starts.
    const warm = prepareLibrary(options, { warmOnly: true });
    if (warm) return assembleLibrary(warm, options.articlesDir, started);
  }
  // A function cannot cross to the worker: progress comes back as messages.
  const { onProgress, ...plain } = options;
  let worker: Worker | null = null;
  let next: ReturnType<typeof repliesOf> | null = null;
  const startBuilder = () => {
    const entry = workerEntry('libraryWorker', import.meta.url);
    worker = startWorker(entry, { options: plain, firstLoad: true }, [], BULK_WORK_LIMITS);
    next = repliesOf(worker, onProgress);
    return next;
  };
  let listed: Promise<{ key: string }> | null = null;
  const listing = () => (listed ??= (next ?? startBuilder())('listed'));
  try {
    if (!options.catchUpLater) void listing().catch(() => undefined);
    if (saved && names && saved.count >= listHereBelow) {
      const version = cacheVersion(options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
      const latest = await readLatestCaches(names, version, async () =>
        options.catchUpLater ? null : (await listing()).key,
      );
      if (latest) {
        const loaded = assembleLibrary(
          {
            ...latest.prepared,
            checked: !options.catchUpLater,
            timings: {
              listMs: options.catchUpLater ? 0 : performance.now() - started,
              loadMs: latest.loadMs,
              indexMs: 0,
              derivedMs: 0,
              indexFromCache: true,
              fromSnapshot: true,
            },
          },
          options.articlesDir,
          started,
        );
        if (await latest.verified) {
          (worker as Worker | null)?.postMessage({ build: false });
          return loaded;
        }
      }
    }
    const { key } = await listing();
    const listMs = performance.now() - started;
    const replies = next!;
    (worker as unknown as Worker).postMessage({ build: true });
    const handed = await replies('snapshot');
    const decoding = performance.now();
    // Made just now by the worker: no need to check it again.
    const snapshot = decodeSnapshot(bufferOf(handed), key, () => true);
    if (!snapshot) throw new Error('the library worker handed over a snapshot that does not decode');
    const decodeMs = performance.now() - decoding;
    await nextTask();
    const built = await replies('built');
    const index = deserializeTextIndex(bufferOf(built.image), key, () => true);
    if (!index) throw new Error('the library worker handed over an index that does not decode');
    await nextTask();
    // Assembled while the worker writes the caches; what it found saving them is added after.
    const loaded = assembleLibrary(
      {
        ...fromSnapshot(snapshot, index, true),
        timings: { ...built.timings, listMs, derivedMs: built.timings.derivedMs + decodeMs },
      },
      options.articlesDir,
      started,
    );
    const { problem, ms: saveMs } = await replies('saved');
    if (problem) loaded.problems.push(problem);
    loaded.timings.saveMs = saveMs;
    return loaded;
  } finally {
    void (worker as Worker | null)?.terminate();
  }
}
