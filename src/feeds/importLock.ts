import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isProcessAlive } from '../ops/processAlive.ts';

/** Hidden, like the state file, so the corpus loader and watcher never take it for an article. */
export const LOCK_FILE = '.feeds-import.lock';

/** A lock older than this is taken over whatever it says: no import runs that long. */
const STALE_MS = 60 * 60_000;

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

function readOwner(file: string): LockOwner | null {
  try {
    const owner = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' && typeof owner.startedAt === 'string'
      ? { pid: owner.pid, host: String(owner.host ?? ''), startedAt: owner.startedAt }
      : null;
  } catch {
    return null;
  }
}

/** Held only when the owner is another process on this machine that is still running, and not for too long. */
function isHeld(owner: LockOwner | null, now: number): owner is LockOwner {
  if (!owner) return false;
  const age = now - Date.parse(owner.startedAt);
  if (!(age < STALE_MS)) return false;
  if (owner.host !== os.hostname()) return true;
  return owner.pid !== process.pid && isProcessAlive(owner.pid);
}

export type LockResult = { ok: true; release: () => void } | { ok: false; reason: string };

/**
 * One import at a time per folder, across processes: the bot's schedule, a shard's copy of it, and
 * `npm run import-feeds` by hand would otherwise write the same files and state at once. The lock is a
 * file created exclusively; one left by a process that died (or older than an hour) is taken over.
 */
export function acquireImportLock(outDir: string, now = Date.now()): LockResult {
  const file = path.join(outDir, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, host: os.hostname(), startedAt: new Date(now).toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(owner), { flag: 'wx' });
      return {
        ok: true,
        release: () => {
          if (readOwner(file)?.startedAt === owner.startedAt) fs.rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readOwner(file);
      if (isHeld(holder, now))
        return {
          ok: false,
          reason: `another import into this folder is running (process ${holder.pid}${holder.host === os.hostname() ? '' : ` on ${holder.host}`}, since ${holder.startedAt})`,
        };
      fs.rmSync(file, { force: true });
    }
  }
  return { ok: false, reason: `${file} could not be taken over` };
}

/**
 * Removes a lock this process holds and can no longer release in order (a worker terminated mid-run):
 * the next import would take it over anyway, but a stray lock file puzzles whoever looks at the folder.
 */
export function releaseLockOfThisProcess(outDir: string): void {
  const file = path.join(outDir, LOCK_FILE);
  const owner = readOwner(file);
  if (owner?.pid === process.pid && owner.host === os.hostname()) fs.rmSync(file, { force: true });
}
