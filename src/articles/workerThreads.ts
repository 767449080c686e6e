import { Worker, type TransferListItem } from 'node:worker_threads';

/**
 * The module `name` beside the module at `base` (its import.meta.url), for a worker to load: `.ts` when
 * running from the sources (tsx, vitest), `.js` in the compiled build.
 */
export function workerEntry(name: string, base: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}

/** A worker on `entry`; a `.ts` entry (running under tsx or vitest) first registers tsx in the worker. */
export function startWorker(entry: URL, workerData: unknown, transferList: TransferListItem[] = []): Worker {
  const code = entry.pathname.endsWith('.ts')
    ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`
    : `import(${JSON.stringify(entry.href)});`;
  return new Worker(code, { eval: true, workerData, transferList });
}
