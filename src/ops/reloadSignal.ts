/**
 * SIGHUP, the Unix convention for "read your files again": each handler runs on every SIGHUP. While one
 * is installed the signal no longer ends the process (Node's default for SIGHUP). Stopping is SIGINT
 * and SIGTERM, in shutdownSignals.ts.
 */
export function onReloadSignal(handler: () => void): () => void {
  process.on('SIGHUP', handler);
  return () => {
    process.off('SIGHUP', handler);
  };
}
