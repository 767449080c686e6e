import type { Article } from '../articles/article.ts';
import { isStopWord, MemoStemmer, splitWords, stem } from './analyzer.ts';
import { perCatalog, type Catalog } from './catalog.ts';
import { choose } from './placement.ts';
import type { SearchSignals } from './ranking.ts';
import { FIELDS, type TextIndexData } from './textIndex.ts';

const TITLE_BIT = 1 << FIELDS.indexOf('title');

/**
 * For the answer being worked out: per doc, bits of how it matched (cleared after each answer), and
 * the docs found, in the order found. Kept per catalog, so an answer allocates next to nothing.
 */
const scratchFor = perCatalog((catalog) => ({
  marks: new Uint8Array(catalog.docCount),
  found: new Int32Array(catalog.docCount),
  /** For the words typed before the last: per doc, how many its title holds, and its text. */
  inTitle: new Uint8Array(catalog.docCount),
  inText: new Uint8Array(catalog.docCount),
  held: new Int32Array(catalog.docCount),
  /** ln(1 + df) of the commonest word a doc has that the last word may be the start of. */
  likeliest: new Float64Array(catalog.docCount),
  /** Rank of found[i]. */
  ranks: new Float64Array(catalog.docCount),
}));
/**
 * How a title is ranked after other words, in log-odds (tuned on bench/quality.ts's half-typed set
 * through autocomplete): how common its word is that the last may be the start of, how much of the
 * title the words make (see placement.ts), a little heat, and the words standing in the order typed,
 * which is checked on the best few only, as it splits the title.
 */
const AFTER_WORDS = { likely: 1, share: 1, heat: 0.1, inOrder: 3, inOrderChecked: 50 };
/** Words before the last one, counted per doc in a byte. */
const MAX_WORDS_BEFORE = 8;
const TAKEN = 1;
const AS_TYPED = 2;
const IN_TITLE = 4;

/**
 * Autocomplete of one word of four letters or more: the most popular live articles with a title word
 * starting with it (the word itself first, when the corpus writes it so), as the prefix table answers
 * shorter starts; when fewer titles have one, the most popular articles that mention such a word
 * follow. After complete words (`before`): only articles holding them all, titles first, ranked as
 * AFTER_WORDS says. Read straight off the postings of the words it may be the start of: through the full
 * search a one-word autocomplete took 4–9 ms p50 and up to 50 ms at 100k, in an order (how often the
 * word recurs in excerpts and bodies) that said little about which title was wanted, and "ai-power"
 * took 13–44 ms and 8 MiB. A last word nothing starts with is read as its likeliest corrections. Empty
 * when there are none either, or the corpus lacks a word before it: the caller then searches.
 */
export function popularArticlesStartingWith(
  catalog: Catalog,
  word: string,
  limit: number,
  before: readonly string[] = [],
): Article[] {
  const { vocabulary } = catalog;
  const beforeTerms = termsOfWords(catalog, before);
  if (!beforeTerms) return [];
  // The term of the word as typed, when the corpus writes it; a stop word has one from the titles that
  // hold it ("The Who"), though the written words that completions read leave stop words out.
  const exact =
    vocabulary.termOfWord(word) ?? (isStopWord(word) && vocabulary.has(stem(word)) ? stem(word) : undefined);
  const terms = vocabulary.completions(word);
  if (exact !== undefined) terms.set(exact, vocabulary.df(exact));
  // Through the full search such a start took 4–13 ms at 100k.
  if (!terms.size)
    for (const { term, df } of vocabulary.slips(word).slice(0, SLIPS_READ)) terms.set(term, df);
  const answer = new StartAnswer(catalog, terms, exact, word, beforeTerms, limit);
  try {
    // Alone, a word's hottest titles first: a common start ("with", thousands of titles) then reads a
    // few dozen of each list's, not all. The answer stands when everything unread ranks below what was
    // shown; else (syndicated copies filling the lists) every title is read, as after other words.
    answer.gather(true, beforeTerms.length ? Infinity : limit * EARLY_READ);
    if (answer.unread > -Infinity) {
      const early = answer.rankAndPick();
      if (early.length === limit && answer.lastShown > answer.unread) return early;
      answer.clear();
      answer.gather(true, Infinity);
    }
    if (answer.count < limit) answer.gather(false, Infinity);
    return answer.rankAndPick();
  } finally {
    answer.clear();
    answer.clearWordsHeld();
  }
}

/**
 * One answer being worked out, over the catalog's scratch buffers. A class, not closures made per
 * answer: V8 bailed out of such a closure's optimized code at each pass through a rare branch (37
 * bailouts of ~0.2 ms in one 330-question run after warm-up).
 */
class StartAnswer {
  private readonly scratch: ReturnType<typeof scratchFor>;
  private readonly wanted: number;
  private readonly heldCount: number;
  /** How many docs `found` holds. */
  count = 0;
  /** The highest rank a live doc left unread may have (see gather); -Infinity when all were read. */
  unread = -Infinity;
  /** The rank of the last article rankAndPick showed. */
  lastShown = Infinity;

  constructor(
    private readonly catalog: Catalog,
    /** Terms the last word may stand for, with their document frequencies. */
    private readonly terms: ReadonlyMap<string, number>,
    private readonly exact: string | undefined,
    private readonly word: string,
    private readonly beforeTerms: readonly string[],
    private readonly limit: number,
  ) {
    this.scratch = scratchFor(catalog);
    this.wanted = beforeTerms.length;
    this.heldCount = this.wanted ? countWordsHeld(catalog, beforeTerms, this.scratch) : 0;
  }

  /**
   * Marks and gathers the live docs of the terms (only where a title holds one, with `titlesOnly`), at
   * most `perList` of each term's title docs in a segment: those are in heat order, so alone (nothing
   * typed before) the hottest are the ones that can rank.
   */
  gather(titlesOnly: boolean, perList: number): void {
    const { catalog, exact, wanted } = this;
    const { live, signals } = catalog;
    const { marks, found, inTitle, inText, likeliest } = this.scratch;
    for (const [term, df] of this.terms) {
      const mark = TAKEN | (term === exact ? AS_TYPED : 0) | (titlesOnly ? IN_TITLE : 0);
      const likelihood = Math.log1p(df);
      for (const { index, docBase, termIds } of catalog.segments) {
        const id = termIds.get(term);
        if (id === undefined) continue;
        const { start, docs } = titlesOnly
          ? titlePostings(index, docBase, signals)
          : { start: index.postingStart, docs: index.postingDocs };
        let read = 0;
        for (let p = start[id]!, end = start[id + 1]!; p < end; p++) {
          const doc = docBase + docs[p]!;
          if (!live[doc]) continue;
          if (wanted && (titlesOnly ? inTitle[doc] : inText[doc]) !== wanted) continue;
          if (read++ === perList) {
            this.unread = Math.max(this.unread, mark * 1e6 + signals.heatRank(doc));
            break;
          }
          if (!marks[doc]) found[this.count++] = doc;
          else if (!titlesOnly && marks[doc]! & IN_TITLE) continue;
          marks[doc]! |= mark;
          if (likelihood > likeliest[doc]!) likeliest[doc] = likelihood;
        }
      }
    }
  }

  /**
   * Titles first, the word as typed before longer words, then by heat (after other words, see
   * AFTER_WORDS); equal ones in the order found; one per story, as search shows them (syndicated copies
   * would be the same title twice). Ranked into a typed buffer and picked by position: through the
   * generic topK (an iterator and a boxed number per doc) a common start allocated 150 KiB an answer,
   * and the collections it caused paused others.
   */
  rankAndPick(): Article[] {
    const { catalog, count, limit, wanted } = this;
    const { marks, found, ranks } = this.scratch;
    for (let i = 0; i < count; i++) {
      const doc = found[i]!;
      ranks[i] = marks[doc]! * 1e6 + (wanted ? this.afterWords(doc) : catalog.signals.heatRank(doc));
    }
    if (wanted) {
      for (const i of bestPositions(ranks, count, AFTER_WORDS.inOrderChecked)) {
        if (typedInOrder(catalog.list[found[i]!]!.title, this.beforeTerms, this.word))
          ranks[i]! += AFTER_WORDS.inOrder;
      }
    }
    // Copies of one story may fill the best `limit`: then WIDER_PICK times as many are ranked, then all.
    // One loop whose every operation runs on its first pass, and both tests evaluated (no `||`): V8
    // bails out of optimized code at an operation that has never run, and kept doing so each time a
    // rarely taken branch here ran (20 bailouts in one 330-question run after warm-up).
    let shown: Article[] = [];
    for (const width of [Math.min(limit, count), Math.min(count, WIDER_PICK * limit), count]) {
      shown = this.pick(bestPositions(ranks, count, width));
      const full = shown.length === limit;
      const all = width === count;
      if (full || all) break;
    }
    return shown;
  }

  /** One article per story from `best`, in its order, up to the limit (and the last one's rank). */
  private pick(best: Int32Array): Article[] {
    const { catalog, limit } = this;
    const { found, ranks } = this.scratch;
    const stories = new Set<number>();
    const shown: Article[] = [];
    this.lastShown = Infinity;
    for (let k = 0; k < best.length && shown.length < limit; k++) {
      const doc = found[best[k]!]!;
      const story = catalog.storyNumbers[doc]!;
      if (stories.has(story)) continue;
      stories.add(story);
      shown.push(catalog.list[doc]!);
      this.lastShown = ranks[best[k]!]!;
    }
    return shown;
  }

  private afterWords(doc: number): number {
    const { catalog, wanted } = this;
    return (
      AFTER_WORDS.likely * this.scratch.likeliest[doc]! -
      AFTER_WORDS.share *
        Math.log(choose(Math.max(wordsIn(catalog.list[doc]!.title), wanted + 1), wanted + 1)) +
      AFTER_WORDS.heat * catalog.signals.heatRank(doc)
    );
  }

  /** Clears what gather marked, for another gather or the next answer. */
  clear(): void {
    const { marks, found, likeliest } = this.scratch;
    for (let i = 0; i < this.count; i++) marks[found[i]!] = likeliest[found[i]!] = 0;
    this.count = 0;
    this.unread = -Infinity;
  }

  clearWordsHeld(): void {
    const { inTitle, inText, held } = this.scratch;
    for (let i = 0; i < this.heldCount; i++) inTitle[held[i]!] = inText[held[i]!] = 0;
  }
}

/** Per list, how many times the answer's length is read first for one word alone (see gather). */
const EARLY_READ = 2;
/** How many times the answer's length is ranked again when copies of one story filled the best. */
const WIDER_PICK = 16;

/**
 * The postings of one segment that are of a title, laid out as the index's own (CSR by term id), each
 * term's docs from the hottest down (equal heat by doc number), so a one-word answer can stop early.
 */
interface TitlePostings {
  start: Uint32Array;
  docs: Uint32Array;
  /** The global doc number of the segment's doc 0 the heat order was read for. */
  docBase: number;
}
const titlePostingsOf = new WeakMap<TextIndexData, TitlePostings>();

/**
 * A segment's title postings, picked out and put in heat order once per segment (about a tenth of
 * the postings; reloads keep the base segment's), when the catalog is made (see
 * prepareTitlePrefixes): walking every posting for its title bit cost a common start such as "with"
 * 0.4–0.8 ms, most of it passing over excerpts and bodies.
 */
function titlePostings(index: TextIndexData, docBase: number, signals: SearchSignals): TitlePostings {
  let built = titlePostingsOf.get(index);
  if (built?.docBase === docBase) return built;
  const { postingStart, postingDocs, postingFields, docCount } = index;
  const termCount = postingStart.length - 1;
  // Each term's title docs, and each doc's title terms (the same pairs transposed), counted first.
  const start = new Uint32Array(termCount + 1);
  const termsOfDoc = new Uint32Array(docCount + 1);
  for (let term = 0; term < termCount; term++) {
    start[term + 1] = start[term]!;
    for (let p = postingStart[term]!, end = postingStart[term + 1]!; p < end; p++) {
      if (!(postingFields[p]! & TITLE_BIT)) continue;
      start[term + 1]!++;
      termsOfDoc[postingDocs[p]! + 1]!++;
    }
  }
  for (let doc = 0; doc < docCount; doc++) termsOfDoc[doc + 1]! += termsOfDoc[doc]!;
  const titleTerms = new Uint32Array(termsOfDoc[docCount]!);
  const filled = termsOfDoc.slice(0, docCount);
  for (let term = 0; term < termCount; term++)
    for (let p = postingStart[term]!, end = postingStart[term + 1]!; p < end; p++)
      if (postingFields[p]! & TITLE_BIT) titleTerms[filled[postingDocs[p]!]!++] = term;
  // Docs dealt out to their terms from the hottest down: every term's list comes out in heat order
  // (equal heat by doc number) without a sort per term.
  const heat = new Float64Array(docCount);
  for (let doc = 0; doc < docCount; doc++) heat[doc] = signals.heatRank(docBase + doc);
  const hotterFirst = Uint32Array.from({ length: docCount }, (_, doc) => doc).sort(
    (a, b) => heat[b]! - heat[a]! || a - b,
  );
  const docs = new Uint32Array(titleTerms.length);
  const next = start.slice(0, termCount);
  for (const doc of hotterFirst)
    for (let i = termsOfDoc[doc]!, end = termsOfDoc[doc + 1]!; i < end; i++)
      docs[next[titleTerms[i]!]!++] = doc;
  built = { start, docs, docBase };
  titlePostingsOf.set(index, built);
  return built;
}

/** Builds the catalog's segments' title postings now (see titlePostings), so no answer waits for them. */
export function prepareTitlePrefixes(catalog: Catalog): void {
  for (const { index, docBase } of catalog.segments) titlePostings(index, docBase, catalog.signals);
}

/** Slips read instead of a word nothing starts with ("stocl" as "stock", see Vocabulary.slips). */
const SLIPS_READ = 3;

/**
 * The terms of complete words typed before the last (stop words aside, unless all are), or null when
 * the corpus lacks one: such a query (a typo) is the full search's to answer.
 */
function termsOfWords(catalog: Catalog, words: readonly string[]): string[] | null {
  const { vocabulary } = catalog;
  const content = words.filter((word) => !isStopWord(word));
  const terms = new Set<string>();
  for (const word of (content.length ? content : words).slice(-MAX_WORDS_BEFORE)) {
    const term = vocabulary.termOfWord(word) ?? (vocabulary.has(stem(word)) ? stem(word) : undefined);
    if (term === undefined) return null;
    terms.add(term);
  }
  return [...terms];
}

/** Counts, per live doc, how many of `terms` its title and its text hold; returns how many docs it touched. */
function countWordsHeld(
  catalog: Catalog,
  terms: readonly string[],
  scratch: { inTitle: Uint8Array; inText: Uint8Array; held: Int32Array },
): number {
  const { inTitle, inText, held } = scratch;
  let count = 0;
  for (const term of terms) {
    for (const { index, docBase, termIds } of catalog.segments) {
      const id = termIds.get(term);
      if (id === undefined) continue;
      const { postingStart, postingDocs, postingFields } = index;
      for (let p = postingStart[id]!, end = postingStart[id + 1]!; p < end; p++) {
        const doc = docBase + postingDocs[p]!;
        if (!catalog.live[doc]) continue;
        if (!inText[doc]) held[count++] = doc;
        inText[doc]!++;
        if (postingFields[p]! & TITLE_BIT) inTitle[doc]!++;
      }
    }
  }
  return count;
}

/** Positions 0 … count−1 of the `k` highest ranks, best first; of equal ranks the earlier position. */
function bestPositions(ranks: Float64Array, count: number, k: number): Int32Array {
  const size = Math.min(k, count);
  // A heap whose root is its worst entry.
  const heap = new Int32Array(size);
  const worse = (a: number, b: number) => ranks[a]! < ranks[b]! || (ranks[a] === ranks[b] && a > b);
  const siftDown = (from: number, length: number) => {
    for (let i = from; ;) {
      const l = 2 * i + 1;
      let min = i;
      if (l < length && worse(heap[l]!, heap[min]!)) min = l;
      if (l + 1 < length && worse(heap[l + 1]!, heap[min]!)) min = l + 1;
      if (min === i) return;
      const swap = heap[i]!;
      heap[i] = heap[min]!;
      heap[min] = swap;
      i = min;
    }
  };
  for (let i = 0; i < size; i++) heap[i] = i;
  for (let i = (size >> 1) - 1; i >= 0; i--) siftDown(i, size);
  for (let i = size; i < count; i++) {
    if (!worse(heap[0]!, i)) continue;
    heap[0] = i;
    siftDown(0, size);
  }
  // Sorted best first by taking the worst off the end.
  for (let end = size - 1; end > 0; end--) {
    const swap = heap[0]!;
    heap[0] = heap[end]!;
    heap[end] = swap;
    siftDown(0, end);
  }
  return heap;
}

const titleStems = new MemoStemmer();

/** Whether a title holds the earlier words' terms and then a word starting with `last`, in that order. */
function typedInOrder(title: string, terms: readonly string[], last: string): boolean {
  let next = 0;
  for (const token of splitWords(title)) {
    if (next < terms.length) {
      if (titleStems.stem(token) === terms[next]) next++;
    } else if (token.startsWith(last)) return true;
  }
  return false;
}

/** Words in a title, counted by the spaces between them (no allocation). */
function wordsIn(title: string): number {
  let words = 1;
  for (let i = 0; i < title.length; i++) if (title.charCodeAt(i) === 32) words++;
  return words;
}
