import { compareText, type TextIndexData } from './textIndex.ts';

/**
 * An index segment: one impact index over a run of docs. A library searches one segment (the corpus as
 * loaded) or, once the corpus has changed while running, two: the base segment with tombstones for the
 * articles that left or changed, and a small fresh segment for the articles added or changed since.
 * Doc numbers are global: segment docs `0 .. docCount-1` are docs `docBase .. docBase+docCount-1`.
 */
export interface Segment {
  readonly index: TextIndexData;
  readonly docBase: number;
  /** term → term id in this segment. */
  readonly termIds: TermLookup;
}

export interface TermLookup {
  get(term: string): number | undefined;
  has(term: string): boolean;
}

/**
 * Term ids found by binary search over the index's terms sorted by text: nothing to build, so a fresh
 * segment arriving on the main thread costs no table of its terms (a map of 50k terms is tens of ms).
 */
class SortedTerms implements TermLookup {
  constructor(private readonly index: TextIndexData) {}

  get(term: string): number | undefined {
    const { termsByText, terms } = this.index;
    let lo = 0;
    let hi = termsByText.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const order = compareText(terms[termsByText[mid]!]!, term);
      if (order === 0) return termsByText[mid];
      if (order < 0) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }

  has(term: string): boolean {
    return this.get(term) !== undefined;
  }
}

/** Terms put in a term table per task while it is built in the background. */
const TERMS_PER_TASK = 2_048;

/**
 * A big segment's lookup: binary search over its sorted terms at first (nothing to build, so a warm
 * start serves at once), then a term table, built in the background in short tasks (a table of 80k
 * terms built in one go was ~50 ms on the main thread at start) and used once complete. Either way a
 * term gets the same id.
 */
class TableWhenBuilt implements TermLookup {
  private table: Map<string, number> | null = null;
  private readonly sorted: SortedTerms;

  constructor(private readonly index: TextIndexData) {
    this.sorted = new SortedTerms(index);
    setImmediate(() => this.build(new Map(), 0)).unref();
  }

  private build(table: Map<string, number>, from: number): void {
    const { terms } = this.index;
    const to = Math.min(terms.length, from + TERMS_PER_TASK);
    for (let id = from; id < to; id++) table.set(terms[id]!, id);
    if (to < terms.length) setImmediate(() => this.build(table, to)).unref();
    else this.table = table;
  }

  get(term: string): number | undefined {
    return this.table ? this.table.get(term) : this.sorted.get(term);
  }

  has(term: string): boolean {
    return this.get(term) !== undefined;
  }
}

const termLookups = new WeakMap<TextIndexData, TermLookup>();

/** The term lookup of an index, made once per index (a base segment keeps it across reloads). */
function termIdsOf(index: TextIndexData): TermLookup {
  let lookup = termLookups.get(index);
  if (!lookup) termLookups.set(index, (lookup = new TableWhenBuilt(index)));
  return lookup;
}

/** A segment over `index`; `lookup: 'sorted'` for a small one that changes often (no term table). */
export function makeSegment(
  index: TextIndexData,
  docBase: number,
  lookup: 'table' | 'sorted' = 'table',
): Segment {
  return { index, docBase, termIds: lookup === 'table' ? termIdsOf(index) : new SortedTerms(index) };
}

/** The segment holding global doc `doc` (segments are few and ordered by docBase). */
export function segmentOf(segments: readonly Segment[], doc: number): Segment {
  for (let s = segments.length - 1; s > 0; s--) if (doc >= segments[s]!.docBase) return segments[s]!;
  return segments[0]!;
}

/** Docs in a term's posting list within one segment. */
export function localDf(index: TextIndexData, termId: number): number {
  return index.postingStart[termId + 1]! - index.postingStart[termId]!;
}

/** Docs containing `term` across all segments (tombstoned docs included: they go at the next start). */
export function documentFrequency(segments: readonly Segment[], term: string): number {
  let df = 0;
  for (const segment of segments) {
    const id = segment.termIds.get(term);
    if (id !== undefined) df += localDf(segment.index, id);
  }
  return df;
}

/** A word as the corpus writes it for `term` (from the first segment that has it). */
export function termWordOf(segments: readonly Segment[], term: string): string {
  for (const segment of segments) {
    const id = segment.termIds.get(term);
    if (id !== undefined) return segment.index.termWords[id]!;
  }
  return term;
}

/** Which field bits `term` has in global doc `doc`; 0 when absent. */
export function fieldsOfTerm(segments: readonly Segment[], term: string, doc: number): number {
  const segment = segmentOf(segments, doc);
  const id = segment.termIds.get(term);
  if (id === undefined) return 0;
  const at = postingOf(segment.index, id, doc - segment.docBase);
  return at < 0 ? 0 : segment.index.postingFields[at]!;
}

/** Position of (term, local doc) in one index's postings, or -1 (binary search: postings ascend by doc). */
export function postingOf(index: TextIndexData, termId: number, doc: number): number {
  let lo = index.postingStart[termId]!;
  let hi = index.postingStart[termId + 1]!;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const value = index.postingDocs[mid]!;
    if (value === doc) return mid;
    if (value < doc) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}
