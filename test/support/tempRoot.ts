import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * vitest global set-up: every temporary folder a test (or a process it starts) makes goes under one
 * folder for the run, which is removed at the end, so `npm test` leaves nothing behind in /tmp.
 */
export default function setup(): () => void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'broadsheet-test-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    fs.rmSync(root, { recursive: true, force: true });
  };
}
