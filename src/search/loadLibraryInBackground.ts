import type { Worker } from 'node:worker_threads';
import type { CorpusProblem } from '../articles/article.ts';
import { startWorker, workerEntry } from '../articles/workerThreads.ts';
import { decodeSnapshot, peekSnapshot } from './librarySnapshot.ts';
import {
  assembleLibrary,
  cacheFiles,
  corpusCacheDir,
  fromSnapshot,
  prepareLibrary,
  readLatestSnapshot,
  type LoadedLibrary,
  type LoadLibraryOptions,
  type LoadProgress,
  type PreparedLibrary,
} from './loadLibrary.ts';
import { deserializeTextIndex, type TextIndexData } from './textIndex.ts';

export { startWorker } from '../articles/workerThreads.ts';

/**
 * Corpora smaller than this (as last saved) are listed here: quicker than starting a worker, which
 * takes about 0.1 s from the build and half a second from the sources (tsx registers itself in it).
 */
const LIST_HERE_BELOW = import.meta.url.endsWith('.ts') ? 40_000 : 10_000;

/** What libraryWorker posts on a first load (see there). */
type FirstLoadReply =
  | { listed: { key: string } }
  | { index: Uint8Array | null }
  | { snapshot: Uint8Array }
  | { built: { index: TextIndexData; timings: PreparedLibrary['timings'] } }
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
  return async function next<K extends 'listed' | 'index' | 'snapshot' | 'built' | 'saved'>(
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

/**
 * loadLibrary for the running bot and the terminal. A small corpus with caches is checked here, as a
 * warm start. Otherwise a worker lists the corpus while this thread reads the caches; when the
 * worker's key matches theirs (a warm start), the library is built from them here and the worker
 * stops. Otherwise the worker parses (across cores) and indexes, and hands over the snapshot bytes and
 * the index without a copy; this thread decodes the snapshot while the worker assembles the index and
 * writes the caches. So the event loop never stalls for longer than a warm start, however much changed.
 */
export async function loadLibraryInBackground(
  options: LoadLibraryOptions,
  { listHereBelow = LIST_HERE_BELOW }: { listHereBelow?: number } = {},
): Promise<LoadedLibrary> {
  const started = performance.now();
  const cacheDir = options.dataDir ? corpusCacheDir(options.dataDir, options.articlesDir) : null;
  const saved = cacheDir ? peekSnapshot(cacheFiles(cacheDir).snapshot) : null;
  if (saved && saved.count < listHereBelow) {
    // A small corpus lists faster than a worker starts.
    const warm = prepareLibrary(options, { warmOnly: true });
    if (warm) return assembleLibrary(warm, options.articlesDir, started);
  }
  // A function cannot cross to the worker: progress comes back as messages.
  const { onProgress, ...plain } = options;
  const worker = startWorker(workerEntry('libraryWorker', import.meta.url), {
    options: plain,
    firstLoad: true,
  });
  const next = repliesOf(worker, onProgress);
  try {
    const reading = performance.now();
    // Decoded while the worker lists the corpus and reads the index; used if its key is the same.
    const latest = cacheDir && saved && saved.count >= listHereBelow ? readLatestSnapshot(cacheDir) : null;
    const readMs = performance.now() - reading;
    const { key } = await next('listed');
    const shared = await next('index');
    const listMs = performance.now() - started;
    const index =
      latest?.key === key && shared ? deserializeTextIndex(Buffer.from(shared.buffer), key) : null;
    if (latest && index && index.docCount === latest.articles.length) {
      worker.postMessage({ build: false });
      return assembleLibrary(
        {
          ...fromSnapshot(latest, index),
          timings: {
            listMs,
            loadMs: readMs,
            indexMs: 0,
            derivedMs: 0,
            indexFromCache: true,
            fromSnapshot: true,
          },
        },
        options.articlesDir,
        started,
      );
    }
    worker.postMessage({ build: true });
    const handed = await next('snapshot');
    const decoding = performance.now();
    const bytes = Buffer.from(handed.buffer, handed.byteOffset, handed.byteLength);
    const snapshot = decodeSnapshot(bytes, key);
    if (!snapshot) throw new Error('the library worker handed over a snapshot that does not decode');
    const decodeMs = performance.now() - decoding;
    const built = await next('built');
    const { problem, ms: saveMs } = await next('saved');
    if (problem) snapshot.problems.push(problem);
    return assembleLibrary(
      {
        ...fromSnapshot(snapshot, built.index),
        timings: { ...built.timings, listMs, derivedMs: built.timings.derivedMs + decodeMs, saveMs },
      },
      options.articlesDir,
      started,
    );
  } finally {
    void worker.terminate();
  }
}
