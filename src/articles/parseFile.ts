import fs from 'node:fs';
import type { FileEntry } from './corpusFiles.ts';
import { parseArticle, type ParseOutcome } from './parseArticle.ts';

/** One article file read and parsed; a file too big, unreadable or binary is a reason, never a throw. */
export function parseFile(file: FileEntry, maxFileBytes: number, keepRelated: boolean): ParseOutcome {
  if (file.size > maxFileBytes) {
    return {
      ok: false,
      reason: `file is ${Math.ceil(file.size / 1024)} KiB, over the ${Math.floor(maxFileBytes / 1024)} KiB limit for one article`,
    };
  }
  let source: string;
  try {
    source = fs.readFileSync(file.absPath, 'utf8');
  } catch (error) {
    return {
      ok: false,
      reason: `file could not be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    };
  }
  if (source.includes('\u0000')) return { ok: false, reason: 'file is binary, not text' };
  return parseArticle(source, file.relPath, { related: keepRelated ? 'parse' : 'skip' });
}
