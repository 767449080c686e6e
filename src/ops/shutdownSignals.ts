import { isProcessAlive } from './processAlive.ts';

/** Why the process is stopping: a signal, or the process that started it has gone. */
export type ShutdownReason = 'SIGINT' | 'SIGTERM' | 'parent-exited';

export interface ShutdownSignalOptions {
  /** After this long from the stop request the process exits (code 1) even if the handler has not finished. */
  graceMs?: number;
}

const DEFAULT_GRACE_MS = 9_000;
const PARENT_CHECK_MS = 1_000;

let handler: ((reason: ShutdownReason) => Promise<void>) | undefined;
let graceMs = DEFAULT_GRACE_MS;
let requested: ShutdownReason | undefined;

/**
 * Stops the process once, cleanly, whatever asked for it: SIGINT, SIGTERM, or the death of the parent
 * that started it. A supervisor signals the process it started (npm, a shell), which may exit without
 * passing the signal on; the bot then sees its parent change (re-parented to PID 1 or a subreaper) and
 * stops as for SIGTERM.
 *
 * `handler` runs once. When it resolves the process exits 0, when it rejects 1; if it has not settled
 * within `graceMs` of the request the process exits 1 anyway, so a stuck close never leaves a bot
 * connected. The signals and the parent are watched from the moment this module is loaded: a request
 * that arrives during start-up waits for the handler (within the same grace period) instead of killing
 * the process half-started.
 */
export function onShutdownSignal(
  shutdown: (reason: ShutdownReason) => Promise<void>,
  options: ShutdownSignalOptions = {},
): void {
  if (handler) throw new Error('onShutdownSignal is installed once per process');
  handler = shutdown;
  graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  if (requested) run(shutdown, requested);
}

function requestStop(reason: ShutdownReason): void {
  if (requested) return;
  requested = reason;
  setTimeout(() => {
    process.stderr.write(`Broadsheet: shutdown (${reason}) did not finish within ${graceMs} ms; exiting.\n`);
    process.exit(1);
  }, graceMs).unref();
  if (handler) run(handler, reason);
}

function run(shutdown: (reason: ShutdownReason) => Promise<void>, reason: ShutdownReason): void {
  shutdown(reason).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`Broadsheet: shutdown (${reason}) failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
}

/** Calls `onGone` when the parent exits. No-op when started by init or as PID 1 (a container's main process). */
function watchParent(onGone: () => void): void {
  const parent = process.ppid;
  if (parent <= 1) return;
  const timer = setInterval(() => {
    if (process.ppid === parent && isProcessAlive(parent)) return;
    clearInterval(timer);
    onGone();
  }, PARENT_CHECK_MS);
  timer.unref();
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => requestStop(signal));
watchParent(() => requestStop('parent-exited'));
