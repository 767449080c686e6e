import { asciiJson, CheckedLinesWriter, readCheckedLines } from '../jsonCache.ts';
import { PARSE_CACHE_VERSION, type FileEntry } from './corpusFiles.ts';
import type { ParseOutcome } from './parseArticle.ts';

/**
 * The parse cache: one line per file, `[path, size, mtimeMs, outcome]` in ASCII JSON, so the threads
 * that parse files also write their lines, and an unchanged file's line is copied as it was.
 */
export interface CachedParse {
  size: number;
  mtimeMs: number;
  line: string;
}

/** A parse outcome as cached: related lists are left out (read on demand), see Article.related. */
function slimOutcome(outcome: ParseOutcome): ParseOutcome {
  return outcome.ok ? { ...outcome, article: { ...outcome.article, related: [] } } : outcome;
}

export function parseCacheLine(file: FileEntry, outcome: ParseOutcome): string {
  return asciiJson([file.relPath, file.size, file.mtimeMs, slimOutcome(outcome)]);
}

/** The outcome a cached line holds. */
export function cachedOutcome(entry: CachedParse): ParseOutcome {
  return (JSON.parse(entry.line) as [string, number, number, ParseOutcome])[3];
}

const NUMBER = String.raw`(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)`;
/** `["path",size,mtimeMs,` at the start of a line. */
const CACHED_KEY = new RegExp(String.raw`^\[("(?:[^"\\]|\\.)*"),${NUMBER},${NUMBER},`);

/** The cached lines by path; empty when the file is missing, damaged or from another version. */
export function readParseCache(file: string | null, maxFileBytes: number): Map<string, CachedParse> {
  const entries = new Map<string, CachedParse>();
  const read = file ? readCheckedLines(file) : null;
  const header = read?.header as { version?: unknown; maxFileBytes?: unknown } | undefined;
  if (!read || header?.version !== PARSE_CACHE_VERSION || header.maxFileBytes !== maxFileBytes)
    return entries;
  for (const line of read.lines) {
    // Only the start is read here: the outcome is parsed when the file turns out unchanged.
    const match = CACHED_KEY.exec(line);
    if (!match) continue;
    entries.set(JSON.parse(match[1]!) as string, {
      size: Number(match[2]),
      mtimeMs: Number(match[3]),
      line,
    });
  }
  return entries;
}

/** A parse cache written line by line as files are parsed (see CheckedLinesWriter). */
export function openParseCache(file: string, maxFileBytes: number): CheckedLinesWriter {
  return new CheckedLinesWriter(file, { version: PARSE_CACHE_VERSION, maxFileBytes });
}
