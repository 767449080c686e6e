import { Worker } from 'node:worker_threads';
import {
  assembleLibrary,
  prepareLibrary,
  type LoadedLibrary,
  type LoadLibraryOptions,
  type LoadProgress,
  type PreparedLibrary,
} from './loadLibrary.ts';

type WorkerReply =
  | { ok: true; prepared?: PreparedLibrary }
  | { ok: false; message: string; code?: string }
  | { progress: LoadProgress };

/** A worker on `entry`; a `.ts` entry (running under tsx or vitest) first registers tsx in the worker. */
function startWorker(entry: URL, workerData: unknown): Worker {
  const code = entry.pathname.endsWith('.ts')
    ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`
    : `import(${JSON.stringify(entry.href)});`;
  return new Worker(code, { eval: true, workerData });
}

function prepareInWorker(
  options: LoadLibraryOptions,
  replyWithParts: boolean,
): Promise<PreparedLibrary | undefined> {
  const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  // A function cannot cross to the worker: progress comes back as messages.
  const { onProgress, ...plain } = options;
  const worker = startWorker(new URL(`./libraryWorker${extension}`, import.meta.url), {
    options: plain,
    replyWithParts,
  });
  return new Promise((resolve, reject) => {
    worker.on('message', (reply: WorkerReply) => {
      if ('progress' in reply) {
        onProgress?.(reply.progress);
        return;
      }
      void worker.terminate();
      if (reply.ok) resolve(reply.prepared);
      else reject(Object.assign(new Error(reply.message), { code: reply.code }));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the library worker stopped with exit code ${code}`));
    });
  });
}

/**
 * loadLibrary for the running bot and the terminal. A warm start (caches match the corpus) loads on
 * this thread: it is quicker than any hand-over. Anything else (parsing, indexing, writing the caches)
 * runs in a worker thread, and this thread then loads the fresh caches as on a warm start. So the
 * event loop never stalls for longer than a warm start (2.3 s at 100k articles), however much changed.
 */
export async function loadLibraryInBackground(options: LoadLibraryOptions): Promise<LoadedLibrary> {
  const started = performance.now();
  const warm = prepareLibrary(options, { warmOnly: true });
  if (warm) return assembleLibrary(warm, options.articlesDir, started);
  if (!options.dataDir) {
    // No caches to hand over through: the parts come back by message (articles are cloned).
    const prepared = await prepareInWorker(options, true);
    return assembleLibrary(prepared!, options.articlesDir, started);
  }
  await prepareInWorker(options, false);
  // If the caches could not be written, fall back to preparing here.
  const prepared = prepareLibrary(options, { warmOnly: true }) ?? prepareLibrary(options);
  return assembleLibrary(prepared, options.articlesDir, started);
}
