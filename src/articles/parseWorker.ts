import { workerData } from 'node:worker_threads';
import {
  claimBatch,
  parseBatch,
  unpackFiles,
  type Claim,
  type ParseExtension,
  type PoolMessage,
  type PoolWorkerData,
} from './parallelParse.ts';

/**
 * A parsing thread of parallelParse: claims batches of files from the shared counter until none are
 * left, and posts each parsed batch (with its parse-cache lines and extension payload) to the pool.
 * Then it ends; the messages stay queued on the pool's side.
 */
const data = workerData as PoolWorkerData;
const { counters, port, thread } = data;

function post(message: PoolMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  Atomics.add(counters, 1, 1);
  Atomics.notify(counters, 1);
}

let claimed: Claim | null = null;
try {
  const files = unpackFiles(data);
  let extension: ParseExtension | null = null;
  if (data.extensionUrl) {
    const module = (await import(data.extensionUrl)) as { createParseExtension(): ParseExtension };
    extension = module.createParseExtension();
  }
  for (claimed = claimBatch(counters, files.length, data.parsers); claimed;) {
    const { batch, transfer } = parseBatch(files, claimed.start, claimed.end, data, extension, thread);
    post({ batch }, transfer);
    claimed = claimBatch(counters, files.length, data.parsers);
  }
} catch (error) {
  post({ failed: error instanceof Error ? error.message : String(error), thread, claim: claimed });
}
