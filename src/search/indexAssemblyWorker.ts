import { workerData, type MessagePort } from 'node:worker_threads';
import { assembleIndexJob, textIndexBuffers, type AssemblyReply, type IndexJob } from './indexAssembly.ts';

/**
 * The thread of indexAssembly.ts: waits for one job, assembles its index (never reading articles: the
 * job is only sent when it needs none, and an attempt to is a failure the caller recovers from), posts
 * it with its arrays moved, and ends.
 */
const { port, done } = workerData as { port: MessagePort; done: Int32Array };

port.once('message', (job: IndexJob) => {
  let reply: AssemblyReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const index = assembleIndexJob(job, []);
    reply = { index };
    transfer = textIndexBuffers(index);
  } catch (error) {
    reply = { failed: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply, transfer);
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
  port.close();
});
