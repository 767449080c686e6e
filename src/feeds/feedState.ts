import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeAtomically } from '../jsonCache.ts';

/** Hidden (a dot-file), so the corpus loader never takes it for an article. */
export const STATE_FILE = '.feeds-state.json';

/** The first failure is retried on the next run (one blip costs nothing); from the second on, waits double. */
export const BACKOFF = { firstMs: 30 * 60_000, maxMs: 24 * 60 * 60_000 } as const;

const feedStateSchema = z.object({
  etag: z.string().optional(),
  lastModified: z.string().optional(),
  lastFetchedAt: z.string().optional(),
  lastSuccessAt: z.string().optional(),
  failures: z.number().int().nonnegative().default(0),
  retryAfter: z.string().optional(),
  lastError: z.string().optional(),
});

const stateFileSchema = z.object({
  version: z.literal(1),
  feeds: z.record(z.string(), feedStateSchema),
  /**
   * The files the importer wrote (path relative to the folder → article id). Only these are rewritten
   * when their item changes; a file's name alone proves nothing (a hand-written `…-passkeys-sign-ins.md`
   * ends in eight name-like characters too).
   */
  files: z.record(z.string(), z.string()).default({}),
  /**
   * Ids of imported files someone deleted: the item is not written again (a removed article stays
   * removed), most recent last, at most DELETED_MAX.
   */
  deleted: z.array(z.string()).default([]),
});

export type FeedState = z.infer<typeof feedStateSchema>;
export type FeedsState = z.infer<typeof stateFileSchema>;

const emptyState = (): FeedsState => ({ version: 1, feeds: {}, files: {}, deleted: [] });

/** Deleted ids remembered; older ones are long gone from their feeds. */
export const DELETED_MAX = 10_000;

/**
 * The state of every feed imported into `outDir`. A missing file is a first run; an unreadable one
 * is reported and replaced, since all it costs is one unconditional fetch per feed (and one parse of
 * the folder to find the imported files again).
 */
export function readFeedsState(outDir: string): { state: FeedsState; problem?: string } {
  const file = path.join(outDir, STATE_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: emptyState() };
    return { state: emptyState(), problem: `${file} could not be read: ${String(error)}` };
  }
  try {
    return { state: stateFileSchema.parse(JSON.parse(text)) };
  } catch {
    return {
      state: emptyState(),
      problem: `${file} is not a feeds state file; starting afresh`,
    };
  }
}

export function writeFeedsState(outDir: string, state: FeedsState): void {
  writeAtomically(path.join(outDir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
}

/** True while a failing feed should not be fetched again. */
export function isBackingOff(feed: FeedState | undefined, now: number): boolean {
  return Boolean(feed?.retryAfter && Date.parse(feed.retryAfter) > now);
}

export function recordSuccess(
  previous: FeedState | undefined,
  now: number,
  validators: { etag?: string; lastModified?: string } | null,
): FeedState {
  const at = new Date(now).toISOString();
  return {
    ...(validators
      ? {
          ...(validators.etag ? { etag: validators.etag } : {}),
          ...(validators.lastModified ? { lastModified: validators.lastModified } : {}),
        }
      : { etag: previous?.etag, lastModified: previous?.lastModified }),
    lastFetchedAt: at,
    lastSuccessAt: at,
    failures: 0,
  };
}

/** One more consecutive failure; `retryAt` is the server's Retry-After, when it sent one. */
export function recordFailure(
  previous: FeedState | undefined,
  now: number,
  error: string,
  retryAt: number | null = null,
): FeedState {
  const failures = (previous?.failures ?? 0) + 1;
  const waitMs = failures < 2 ? 0 : Math.min(BACKOFF.firstMs * 2 ** (failures - 2), BACKOFF.maxMs);
  const until = Math.max(now + waitMs, retryAt ?? 0);
  return {
    ...previous,
    lastFetchedAt: new Date(now).toISOString(),
    failures,
    lastError: error,
    ...(until > now ? { retryAfter: new Date(until).toISOString() } : { retryAfter: undefined }),
  };
}
