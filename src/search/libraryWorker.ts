import { parentPort, workerData } from 'node:worker_threads';
import { DEFAULT_MAX_FILE_BYTES, listArticleFiles } from '../articles/corpusFiles.ts';
import { cacheFiles, corpusCacheDir, libraryKey } from './libraryCaches.ts';
import { peekSnapshot } from './librarySnapshot.ts';
import type { LoadLibraryOptions } from './loadLibrary.ts';

/**
 * Runs in a worker thread: list, parse, index and cache the corpus off the main thread.
 *
 * First load (`firstLoad`): post `{ listed: { key } }` as soon as the corpus is listed, while the main
 * thread reads the caches. When the snapshot was saved for this key, the main thread answers
 * `{ build: false }` if the caches are whole (nothing else to do) or `{ build: true }`; for another key
 * the build starts at once. Then post `{ snapshot }` (its bytes, as soon as they exist) and `{ built }`
 * (the index file's bytes and the build's timings), both in shared memory; write the caches and post
 * `{ saved: problem | null }`.
 *
 * Earlier shape, still answered (`replyWithParts`): prepare, then `{ ok: true }` with the caches as
 * the hand-over, or `{ ok: true, prepared }` with the parts themselves. Failures are
 * `{ ok: false, message, code }` in both; progress is `{ progress }`.
 */
type Input = { options: LoadLibraryOptions } & ({ firstLoad: true } | { replyWithParts: boolean });

const input = workerData as Input;
const port = parentPort!;
// Progress goes to the main thread, which says it where the user can see it.
const options: LoadLibraryOptions = {
  ...input.options,
  onProgress: (progress) => port.postMessage({ progress }),
};

async function firstLoad(): Promise<void> {
  const started = performance.now();
  const files = listArticleFiles(options.articlesDir);
  const key = libraryKey(files, options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES);
  const listMs = performance.now() - started;
  const answer = new Promise<{ build: boolean }>((resolve) => port.once('message', resolve));
  port.postMessage({ listed: { key } });
  const cacheDir = options.dataDir ? corpusCacheDir(options.dataDir, options.articlesDir) : null;
  const savedKey = cacheDir ? peekSnapshot(cacheFiles(cacheDir).snapshot)?.key : undefined;
  // Caches saved for this key: the main thread says whether they were whole. Saved for another key,
  // they cannot match: build at once.
  if (savedKey === key && !(await answer).build) return;
  // Only now the rest of the engine: a warm start needs nothing of it here.
  const { buildLibraryParts, cacheBytes, saveLibraryCaches } = await import('./loadLibrary.ts');
  const { textIndexParts } = await import('./textIndex.ts');

  const built = buildLibraryParts(
    options,
    { files, key, listMs },
    {
      // The main thread decodes the snapshot while this thread assembles the index and writes the
      // caches: it gets a copy of its own.
      onSnapshot: (parts) => {
        // In shared memory: the library's file table views it, and goes on to the reload worker
        // without a copy (a view of an ordinary buffer would take the whole 69 MB buffer with it).
        const total = parts.reduce((sum, part) => sum + part.length, 0);
        const handed = new Uint8Array(new SharedArrayBuffer(total));
        parts.reduce((at, part) => (handed.set(part, at), at + part.length), 0);
        port.postMessage({ snapshot: handed });
      },
    },
  );
  const bytes = cacheBytes(built);
  const { index, timings } = built.prepared;
  // The index as its file has it, in shared memory: the main thread views it (as a warm start does)
  // while this thread writes the same bytes to the file, instead of writing first and moving after.
  const parts = bytes.index ?? textIndexParts(index, key);
  const image = new Uint8Array(new SharedArrayBuffer(parts.reduce((sum, part) => sum + part.length, 0)));
  parts.reduce((at, part) => (image.set(part, at), at + part.length), 0);
  port.postMessage({ built: { image, timings } });
  const saving = performance.now();
  const indexProblem = saveLibraryCaches(options, {
    index: bytes.index ? [Buffer.from(image.buffer, image.byteOffset, image.byteLength)] : null,
  });
  const problem = saveLibraryCaches(options, { snapshot: bytes.snapshot }) ?? indexProblem;
  port.postMessage({ saved: { problem, ms: performance.now() - saving } });
}

async function replyWithParts(withParts: boolean): Promise<void> {
  const { prepareLibrary } = await import('./loadLibrary.ts');
  const { textIndexBuffers } = await import('./indexAssembly.ts');
  const prepared = prepareLibrary(options);
  if (withParts) port.postMessage({ ok: true, prepared }, textIndexBuffers(prepared.index));
  else port.postMessage({ ok: true });
}

try {
  if ('firstLoad' in input) await firstLoad();
  else await replyWithParts(input.replyWithParts);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  port.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error), code });
}
