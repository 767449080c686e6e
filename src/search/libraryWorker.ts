import { parentPort, workerData } from 'node:worker_threads';
import { prepareLibrary, type LoadLibraryOptions } from './loadLibrary.ts';
import type { TextIndexData } from './textIndex.ts';

/**
 * Runs in a worker thread: parse, index and cache the corpus off the main thread. With a data folder
 * the caches are the hand-over (the main thread then loads them as on a warm start); without one the
 * parts themselves are posted, the index moving across without a copy.
 */
function indexBuffers(index: TextIndexData): ArrayBuffer[] {
  const arrays = Object.values(index).filter((value): value is ArrayBufferView => ArrayBuffer.isView(value));
  return [...new Set(arrays.map((array) => array.buffer as ArrayBuffer))];
}

const { options, replyWithParts } = workerData as { options: LoadLibraryOptions; replyWithParts: boolean };
try {
  // Progress goes to the main thread, which says it where the user can see it.
  const prepared = prepareLibrary({
    ...options,
    onProgress: (progress) => parentPort!.postMessage({ progress }),
  });
  if (replyWithParts) parentPort!.postMessage({ ok: true, prepared }, indexBuffers(prepared.index));
  else parentPort!.postMessage({ ok: true });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  parentPort!.postMessage({
    ok: false,
    message: error instanceof Error ? error.message : String(error),
    code,
  });
}
