import fs from 'node:fs';
import path from 'node:path';

/**
 * Reads `.env` from the working directory when there is one (Node's own parser). Variables already set
 * in the environment win, as with every dotenv tool. Returns the file read, never its values.
 */
export function loadDotEnv(cwd = process.cwd()): string | null {
  const file = path.join(cwd, '.env');
  if (!fs.existsSync(file)) return null;
  process.loadEnvFile(file);
  return file;
}

/**
 * Makes sure `dir` can hold the caches and the database: created if missing, then a file written and
 * removed. Returns a reason a person can act on, or null. (A folder under /proc "exists" but takes no files.)
 */
export function unwritableDirReason(dir: string): string | null {
  const probe = path.join(dir, `.write-test-${process.pid}`);
  try {
    makeDirs(path.resolve(dir));
    fs.writeFileSync(probe, 'ok');
    fs.rmSync(probe);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return `DATA_DIR ${path.resolve(dir)} cannot hold files (${code}). Point DATA_DIR at a folder Broadsheet may write to.`;
  }
}

/**
 * `mkdir -p` one level at a time: Node 20's recursive mkdirSync loops forever under /proc, where every
 * path looks missing and creating it fails.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  let current = dir;
  while (!fs.existsSync(current)) {
    missing.push(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const folder of missing.reverse()) fs.mkdirSync(folder);
}
