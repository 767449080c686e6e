import { perCatalog, type Catalog } from './catalog.ts';
import { topK } from './scorer.ts';

export const DEFAULT_LIMIT = 5;
export const MAX_LIMIT = 25;

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_LIMIT;
  return Math.max(1, Math.min(MAX_LIMIT, Math.floor(limit)));
}

/** A page offset from anything a caller passes: NaN, negative or fractional offsets start at 0. */
export function clampOffset(offset: number | undefined): number {
  if (offset === undefined || !Number.isFinite(offset)) return 0;
  return Math.max(0, Math.floor(offset));
}

/** Docs `offset .. offset+limit` of `docs` ranked by `rank`, keeping only each story's best. */
export function pageOfStories(
  catalog: Catalog,
  docs: Iterable<number>,
  offset: number,
  limit: number,
  rank: (doc: number) => number,
): number[] {
  const wanted = offset + limit;
  let pool = Math.max(wanted * 2, 16);
  for (;;) {
    const best = topK(docs, pool, rank);
    const seen = new Set<string>();
    const distinct = best.filter((doc) => {
      const story = catalog.stories[doc]!;
      if (seen.has(story)) return false;
      seen.add(story);
      return true;
    });
    if (distinct.length >= wanted || best.length < pool) return distinct.slice(offset, wanted);
    pool *= 4;
  }
}

/**
 * How many distinct stories `docs` hold: what a pager that shows one result per story can page through.
 * One pass over small story numbers with a reused stamp array, so it costs no allocation per query.
 */
export function countStories(catalog: Catalog, docs: Iterable<number>): number {
  const stamp = stampsFor(catalog);
  const generation = nextGeneration(stamp);
  let count = 0;
  for (const doc of docs) {
    const story = catalog.storyNumbers[doc]!;
    if (stamp.marks[story] === generation) continue;
    stamp.marks[story] = generation;
    count++;
  }
  return count;
}

interface Stamps {
  marks: Uint32Array;
  generation: number;
}

const stampsFor = perCatalog((catalog): Stamps => ({
  marks: new Uint32Array(catalog.storyCount),
  generation: 0,
}));

function nextGeneration(stamps: Stamps): number {
  if (stamps.generation === 0xffffffff) {
    stamps.marks.fill(0);
    stamps.generation = 0;
  }
  return ++stamps.generation;
}
