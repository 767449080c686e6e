import { parentPort, workerData } from 'node:worker_threads';
import { importFeeds, type ImportFeedsOptions } from './importFeeds.ts';

/**
 * Runs one import in a worker thread, so parsing feeds and converting HTML never stalls the bot's
 * event loop. A `{ stop: true }` message aborts it (fetches in flight are dropped, the item being
 * written is finished); the summary is posted either way.
 */
export type ImportWorkerRequest = Omit<ImportFeedsOptions, 'fetch' | 'signal' | 'now'>;
export type ImportWorkerReply =
  { ok: true; summary: Awaited<ReturnType<typeof importFeeds>> } | { ok: false; message: string };

const controller = new AbortController();
parentPort!.on('message', (message: { stop?: boolean }) => {
  if (message.stop) controller.abort();
});

try {
  const summary = await importFeeds({ ...(workerData as ImportWorkerRequest), signal: controller.signal });
  parentPort!.postMessage({ ok: true, summary } satisfies ImportWorkerReply);
} catch (error) {
  parentPort!.postMessage({
    ok: false,
    message: error instanceof Error ? error.message : String(error),
  } satisfies ImportWorkerReply);
}
parentPort!.removeAllListeners('message');
