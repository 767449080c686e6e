import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import type { Article } from '../articles/article.ts';
import { BULK_WORK_LIMITS, startWorker, workerEntry } from '../articles/workerThreads.ts';
import {
  analyzedRunBuffers,
  assembleTextIndex,
  TermTable,
  type AnalyzedDoc,
  type AnalyzedRun,
  type TextIndexData,
} from './textIndex.ts';

/**
 * Assembling the index from the analysed runs, in a thread of its own. After a cold start's parse the
 * building thread still has the derived tables and the snapshot to make (about 2 s at 100k) and the
 * index to assemble (about 2 s more), one after the other, while the other core waits. The index
 * needs only the runs (typed arrays and the analyzers' new terms), so they move to a thread started
 * while parsing, and the two halves run side by side.
 */

/** The index's inputs: each analyzer's runs in the order it took them, and where each doc's analysis is. */
export interface IndexJob {
  tables: AnalyzedRun[][];
  /** Per doc: its analyzer (position in `tables`), its run (position in that list), its place in the run. */
  docTable: Uint32Array;
  docRun: Uint32Array;
  docIndex: Uint32Array;
}

/** The index of a job, as assembleTextIndex makes it; `articles` are read only if needsArticles. */
export function assembleIndexJob(job: IndexJob, articles: readonly Article[]): TextIndexData {
  const tables = job.tables.map((runs) => {
    const table = new TermTable();
    for (const run of runs) table.register(run);
    return table;
  });
  const docs: AnalyzedDoc[] = Array.from(job.docTable, (table, doc) => ({
    table: tables[table]!,
    run: job.tables[table]![job.docRun[doc]!]!,
    index: job.docIndex[doc]!,
  }));
  return assembleTextIndex(docs, articles);
}

/**
 * Whether assembling needs the articles' text: only when an analyzer's documents are not all kept, in
 * the order it read them (a duplicate merged away, a batch redone out of order), so that a term's
 * first document in the index is not the one its analyzer recorded.
 */
export function needsArticles(job: IndexJob): boolean {
  const counts = job.tables.map((runs) => runs.reduce((sum, run) => sum + run.docCount, 0));
  const last = job.tables.map(() => -1);
  for (let doc = 0; doc < job.docTable.length; doc++) {
    const table = job.docTable[doc]!;
    const sequence = job.tables[table]![job.docRun[doc]!]!.firstDoc + job.docIndex[doc]!;
    if (sequence <= last[table]!) return true;
    last[table] = sequence;
    counts[table]!--;
  }
  return counts.some((count) => count !== 0);
}

/** The buffers of an index's typed arrays, to move it without a copy. */
export function textIndexBuffers(index: TextIndexData): ArrayBuffer[] {
  const arrays = Object.values(index).filter((value): value is ArrayBufferView => ArrayBuffer.isView(value));
  return [...new Set(arrays.map((array) => array.buffer as ArrayBuffer))];
}

/** What the assembling thread answers. */
export type AssemblyReply = { index: TextIndexData } | { failed: string };

/**
 * How long an assembly is waited for before this thread does it (it takes 2 s at 100k). A thread that
 * died cannot say so while this one waits (its events would come through this thread's event loop).
 */
const ASSEMBLY_TIMEOUT_MS = 60_000;

export interface IndexAssembler {
  /**
   * Hand `job` over (its runs move: they are unusable here afterwards). False, and nothing moved,
   * when the job needs the articles (see needsArticles) or the thread did not start.
   */
  start(job: IndexJob): boolean;
  /** The index of the job handed over; null when the thread failed or fell silent. */
  wait(): TextIndexData | null;
  stop(): void;
}

/** A thread waiting for one job; start it early (from the sources it takes half a second to load). */
export function startIndexAssembler(): IndexAssembler {
  const done = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  const channel = new MessageChannel();
  let worker: Worker | null = null;
  try {
    worker = startWorker(
      workerEntry('indexAssemblyWorker', import.meta.url),
      { port: channel.port2, done },
      [channel.port2],
      BULK_WORK_LIMITS,
    );
    // A thread that fails without answering is a silent one: wait() gives up and the caller assembles.
    worker.on('error', () => undefined);
    worker.unref();
  } catch {
    worker = null;
  }
  const port: MessagePort = channel.port1;
  let started = false;
  return {
    start(job) {
      if (!worker || needsArticles(job)) return false;
      const buffers = new Set(job.tables.flatMap((runs) => runs.flatMap(analyzedRunBuffers)));
      for (const array of [job.docTable, job.docRun, job.docIndex]) buffers.add(array.buffer as ArrayBuffer);
      port.postMessage(job, [...buffers]);
      started = true;
      return true;
    },
    wait() {
      if (!started) return null;
      const deadline = performance.now() + ASSEMBLY_TIMEOUT_MS;
      for (;;) {
        const message = receiveMessageOnPort(port);
        if (message) {
          const reply = message.message as AssemblyReply;
          return 'index' in reply ? reply.index : null;
        }
        const left = deadline - performance.now();
        if (left <= 0) return null;
        Atomics.wait(done, 0, 0, Math.min(left, 1_000));
      }
    },
    stop() {
      port.close();
      void worker?.terminate();
    },
  };
}
