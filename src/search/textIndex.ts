import type { Article } from '../articles/article.ts';
import { checkPayloadNow, isDigestList, payloadDigests, type PayloadCheck } from './libraryCaches.ts';
import {
  foldText,
  isAscii,
  isStopWord,
  MAX_WORD_LENGTH,
  MemoStemmer,
  splitFolded,
  splitWords,
} from './analyzer.ts';

/**
 * The full-text index: an impact-ordered inverted index in flat typed arrays.
 *
 * Why not a lunr.Index: lunr scores and sorts every match with vector maths and has no top-k, so at
 * 100k articles a broad query costs ~1 s and a build takes a minute and 3 GB (see the field notes).
 * Here every (term, article) pair stores its finished BM25F contribution ("impact"), so a query is
 * additions over posting lists, and the whole index is a handful of typed arrays that save, load and
 * cross threads as raw bytes. Analysis stays lunr's (stop words, Porter stemmer) via analyzer.ts.
 */

export const FIELDS = ['title', 'excerpt', 'topics', 'provider', 'body'] as const;
export type Field = (typeof FIELDS)[number];

/**
 * Field weights and length normalisation (BM25F). Chosen on the judged sets of bench/quality.ts
 * (real corpus, MRR@10 known-item / typo / half-typed / related):
 *   all boosts 1:            0.964 / 0.955 / 0.920 / 0.390
 *   title 1.5, topics 1:     0.969 / 0.962 / 0.938 / 0.430
 *   title 3, topics 2 (these): 0.974 / 0.968 / 0.952 / 0.441
 *   title 5, topics 3:       0.971 / 0.967 / 0.946 / 0.441
 * Titles name the story; curator topics are precise but short; bodies are long and loose.
 */
export const FIELD_WEIGHTS: Record<Field, { boost: number; b: number }> = {
  title: { boost: 3, b: 0.5 },
  excerpt: { boost: 1, b: 0.75 },
  topics: { boost: 2, b: 0.3 },
  provider: { boost: 0.5, b: 0.3 },
  body: { boost: 0.5, b: 0.75 },
};
const K1 = 1.2;
const MAX_TF = 63; // six bits per field in the packed term frequencies

export interface TextIndexData {
  docCount: number;
  /** termId → term (a stem, or a raw word for numbers and short words). */
  terms: string[];
  /** termId → a word as written in the corpus, to explain matches without showing stems. */
  termWords: string[];
  /**
   * Every word the corpus writes (folded, stop words aside), sorted, with the term it analyses to:
   * completion and correction work on words as people type them ("generat" → "generation", whose
   * stem "gener" the typed letters run past).
   */
  surfaceWords: string[];
  surfaceTerms: Uint32Array;
  /** termIds sorted by term text, for prefix ranges. */
  termsByText: Uint32Array;
  /** CSR postings: for term t, entries postingStart[t] .. postingStart[t+1]. Docs ascend. */
  postingStart: Uint32Array;
  postingDocs: Uint32Array;
  postingImpact: Float32Array;
  /** Bit f set when the term occurs in FIELDS[f]. */
  postingFields: Uint8Array;
  /** Forward index (doc → its terms), for related reading; impacts are looked up in the postings. */
  docTermStart: Uint32Array;
  docTerms: Uint32Array;
}

class GrowableUint32 {
  data: Uint32Array;
  length = 0;

  /** Runs start small (a run is a batch of about 200 documents) and double as they fill. */
  constructor(capacity = 1 << 10) {
    this.data = new Uint32Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Uint32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  finish(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

function fieldText(article: Article, field: Field): string {
  switch (field) {
    case 'title':
      return article.title;
    case 'excerpt':
      return article.excerpt;
    case 'topics':
      return article.topics.join(' . ');
    case 'provider':
      return `${article.provider.name} ${article.provider.domain.replace(/\.[a-z]+$/i, '')}`;
    case 'body':
      return article.body;
  }
}

/**
 * Statistics of documents indexed elsewhere that an index's scores must agree with: a fresh segment's
 * impacts count the base segment's documents too (see src/search/freshSegment.ts).
 */
export interface CollectionStats {
  docCount: number;
  /** How many of those documents contain `term`. */
  df: (term: string) => number;
  /** Their average words per field, in FIELDS order. */
  averageLengths: readonly number[];
}

/** Build the index over `articles` (doc number = array position). Synchronous; ~O(total words). */
export function buildTextIndex(articles: readonly Article[], collection?: CollectionStats): TextIndexData {
  const analyzer = new TextAnalyzer();
  for (const article of articles) analyzer.analyze(article);
  const run = analyzer.take();
  const table = new TermTable();
  table.register(run);
  return assembleTextIndex(
    articles.map((_, index) => ({ table, run, index })),
    articles,
    collection,
  );
}

/**
 * The terms of a run of documents, counted, with term ids local to the analyzer that read them. This is
 * the part of a build that reads text (nine tenths of its time), so a cold start does it in the threads
 * that parse the files; `assembleTextIndex` then numbers the terms in document order, which makes the
 * index the same however the documents were spread over threads.
 */
export interface AnalyzedRun {
  /** Local id of `newTerms[0]`: an analyzer's runs are registered in the order they were taken. */
  firstTermId: number;
  /** Terms this analyzer met for the first time in this run, with the word first seen for each. */
  newTerms: string[];
  newTermWords: string[];
  /** The analyzer's sequence number of the document each new term was first met in. */
  newTermDocs: Uint32Array;
  /** Words (not stop words) this analyzer met for the first time in this run, with their local term ids. */
  newWords: string[];
  newWordTerms: Uint32Array;
  /** The analyzer's sequence number of the document each new word was first met in. */
  newWordDocs: Uint32Array;
  /** Sequence number of the run's first document. */
  firstDoc: number;
  docCount: number;
  /** For doc i of the run, its entries are docTermStart[i] .. docTermStart[i+1], in first-occurrence order. */
  docTermStart: Uint32Array;
  docTerms: Uint32Array;
  /** Term frequency per field, six bits a field. */
  packedTf: Uint32Array;
  /** Words counted per field: FIELDS.length numbers per doc. */
  fieldLengths: Uint32Array;
}

/** The buffers of a run, to move it between threads without a copy. */
export function analyzedRunBuffers(run: AnalyzedRun): ArrayBuffer[] {
  return [
    run.newTermDocs,
    run.newWordTerms,
    run.newWordDocs,
    run.docTermStart,
    run.docTerms,
    run.packedTf,
    run.fieldLengths,
  ].map((array) => array.buffer as ArrayBuffer);
}

const STOP = -1;

/** a–z and 0–9: the letters and digits of folded ASCII text. */
function isWordCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 48 && code <= 57);
}

/**
 * Words and their values in an open-addressing table keyed by the word's characters and hash, so a
 * word can be looked up where it stands in a text (no substring, no Map hashing it again). A slot is
 * four numbers side by side (hash, value, where the word's characters start in one shared buffer, how
 * many), so a lookup reads one slot and one run of characters. An index build makes one lookup per
 * word of the corpus; with the slot in three arrays and the word as a string (four places in memory
 * a lookup) they were the biggest single cost of a cold start.
 */
class WordTable {
  /** [hash, value, start, length] per slot; length 0: free. */
  private slots = new Int32Array(4 << 12);
  private chars = new Uint16Array(1 << 15);
  private charsUsed = 0;
  private size = 0;

  private static slotOf(hash: number, mask: number): number {
    const mixed = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
    return (mixed ^ (mixed >>> 16)) & mask;
  }

  /** The slot of text[start, end), or the bitwise complement of the free slot where it would go. */
  find(text: string, start: number, end: number, hash: number): number {
    const { slots, chars } = this;
    const mask = (slots.length >> 2) - 1;
    const length = end - start;
    for (let slot = WordTable.slotOf(hash, mask); ; slot = (slot + 1) & mask) {
      const at = slot << 2;
      const slotLength = slots[at + 3]!;
      if (slotLength === 0) return ~slot;
      if (slots[at] !== hash || slotLength !== length) continue;
      const from = slots[at + 2]!;
      let i = 0;
      while (i < length && chars[from + i] === text.charCodeAt(start + i)) i++;
      if (i === length) return slot;
    }
  }

  /** Adds `word` (not empty) at the free slot find gave (its complement); returns the word's slot. */
  insert(word: string, hash: number, value: number, free: number): number {
    if ((this.size + 1) * 2 > this.slots.length >> 2) {
      this.grow();
      free = this.find(word, 0, word.length, hash);
    }
    if (this.charsUsed + word.length > this.chars.length) {
      const bigger = new Uint16Array(Math.max(this.chars.length * 2, this.charsUsed + word.length));
      bigger.set(this.chars);
      this.chars = bigger;
    }
    const from = this.charsUsed;
    for (let i = 0; i < word.length; i++) this.chars[from + i] = word.charCodeAt(i);
    this.charsUsed += word.length;
    const slot = ~free;
    this.slots.set([hash, value, from, word.length], slot << 2);
    this.size++;
    return slot;
  }

  key(slot: number): string {
    const at = slot << 2;
    const from = this.slots[at + 2]!;
    return String.fromCharCode(...this.chars.subarray(from, from + this.slots[at + 3]!));
  }

  value(slot: number): number {
    return this.slots[(slot << 2) + 1]!;
  }

  setValue(slot: number, value: number): void {
    this.slots[(slot << 2) + 1] = value;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    const mask = (this.slots.length >> 2) - 1;
    for (let at = 0; at < old.length; at += 4) {
      if (old[at + 3] === 0) continue;
      let slot = WordTable.slotOf(old[at]!, mask);
      while (this.slots[(slot << 2) + 3] !== 0) slot = (slot + 1) & mask;
      this.slots.set(old.subarray(at, at + 4), slot << 2);
    }
  }
}

/** Reads documents into runs. One per thread: its stemmer memo and word table serve every run. */
export class TextAnalyzer {
  private readonly stemmer = new MemoStemmer();
  private readonly termIds = new Map<string, number>();
  /**
   * word → local term id, or (negative) a stop word: one lookup per token instead of three. A stop
   * word is STOP until a title needs its term, then STOP - 1 - term.
   */
  private readonly words = new WordTable();
  private termCount = 0;
  private docCount = 0;
  private run = this.emptyRun();
  // Term frequencies of the current doc, packed six bits a field, in a scratch array by term id.
  private scratch = new Uint32Array(1 << 16);
  private readonly touched: number[] = [];

  private emptyRun() {
    return {
      firstTermId: this.termCount,
      firstDoc: this.docCount,
      newTerms: [] as string[],
      newTermWords: [] as string[],
      newTermDocs: new GrowableUint32(),
      newWords: [] as string[],
      newWordTerms: new GrowableUint32(),
      newWordDocs: new GrowableUint32(),
      docTermStart: new GrowableUint32(),
      docTerms: new GrowableUint32(),
      packedTf: new GrowableUint32(),
      fieldLengths: new GrowableUint32(),
    };
  }

  private termOf(word: string): number {
    const stemmed = this.stemmer.stem(word);
    let id = this.termIds.get(stemmed);
    if (id === undefined) {
      id = this.termCount++;
      this.termIds.set(stemmed, id);
      this.run.newTerms.push(stemmed);
      this.run.newTermWords.push(word);
      this.run.newTermDocs.push(this.docCount);
    }
    return id;
  }

  analyze(article: Article): void {
    const { run, touched } = this;
    run.docTermStart.push(run.docTerms.length);
    for (let f = 0; f < FIELDS.length; f++) {
      const folded = foldText(fieldText(article, FIELDS[f]!));
      run.fieldLengths.push(isAscii(folded) ? this.countAscii(folded, f) : this.countWords(folded, f));
    }
    for (const id of touched) {
      run.docTerms.push(id);
      run.packedTf.push(this.scratch[id]!);
      this.scratch[id] = 0;
    }
    touched.length = 0;
    this.docCount++;
  }

  /**
   * Counts the words of folded ASCII text read in place: a word's characters are looked up without
   * making a string of them, which is most of the time an index build spends on text. Words are the
   * runs of a–z and 0–9 (what splitWords keeps of ASCII), cut to MAX_WORD_LENGTH. Returns how many.
   */
  private countAscii(text: string, field: number): number {
    let length = 0;
    const n = text.length;
    let i = 0;
    while (i < n) {
      while (i < n && !isWordCode(text.charCodeAt(i))) i++;
      if (i === n) break;
      const start = i;
      let hash = 0;
      for (; i < n; i++) {
        const code = text.charCodeAt(i);
        if (!isWordCode(code)) break;
        if (i - start < MAX_WORD_LENGTH) hash = (Math.imul(hash, 31) + code) | 0;
      }
      const end = Math.min(i, start + MAX_WORD_LENGTH);
      let slot = this.words.find(text, start, end, hash);
      if (slot < 0) slot = this.learn(text.slice(start, end), hash, slot);
      if (this.count(slot, field)) length++;
    }
    return length;
  }

  /** The same for text with other characters, split as splitWords splits it. */
  private countWords(text: string, field: number): number {
    let length = 0;
    for (const word of splitFolded(text)) {
      let hash = 0;
      for (let i = 0; i < word.length; i++) hash = (Math.imul(hash, 31) + word.charCodeAt(i)) | 0;
      let slot = this.words.find(word, 0, word.length, hash);
      if (slot < 0) slot = this.learn(word, hash, slot);
      if (this.count(slot, field)) length++;
    }
    return length;
  }

  /** A word met for the first time: its term, or STOP. */
  private learn(word: string, hash: number, free: number): number {
    if (isStopWord(word)) return this.words.insert(word, hash, STOP, free);
    const term = this.termOf(word);
    this.run.newWords.push(word);
    this.run.newWordTerms.push(term);
    this.run.newWordDocs.push(this.docCount);
    return this.words.insert(word, hash, term, free);
  }

  /** One occurrence of the word in `slot` in `field`; false for a stop word, which is not counted. */
  private count(slot: number, field: number): boolean {
    let id = this.words.value(slot);
    if (id < 0) {
      // Titles keep stop words so "The Who" stays findable; elsewhere they are noise.
      if (FIELDS[field] !== 'title') return false;
      // A stop word's term, once a title needed it, is kept in its slot as STOP - 1 - term.
      if (id === STOP) this.words.setValue(slot, STOP - 1 - (id = this.termOf(this.words.key(slot))));
      else id = STOP - 1 - id;
    }
    if (id >= this.scratch.length) {
      const bigger = new Uint32Array(Math.max(this.scratch.length * 2, id + 1));
      bigger.set(this.scratch);
      this.scratch = bigger;
    }
    const shift = field * 6;
    const packed = this.scratch[id]!;
    if (packed === 0) this.touched.push(id);
    if (((packed >>> shift) & MAX_TF) < MAX_TF) this.scratch[id] = packed + (1 << shift);
    return true;
  }

  /** Everything analyzed since the last take. */
  take(): AnalyzedRun {
    const run = this.run;
    run.docTermStart.push(run.docTerms.length);
    this.run = this.emptyRun();
    return {
      firstTermId: run.firstTermId,
      newTerms: run.newTerms,
      newTermWords: run.newTermWords,
      newTermDocs: run.newTermDocs.finish(),
      newWords: run.newWords,
      newWordTerms: run.newWordTerms.finish(),
      newWordDocs: run.newWordDocs.finish(),
      firstDoc: run.firstDoc,
      docCount: this.docCount - run.firstDoc,
      docTermStart: run.docTermStart.finish(),
      docTerms: run.docTerms.finish(),
      packedTf: run.packedTf.finish(),
      fieldLengths: run.fieldLengths.finish(),
    };
  }
}

/** One analyzer's terms on the assembling side, filled from its runs in the order they were taken. */
export class TermTable {
  readonly terms: string[] = [];
  readonly words: string[] = [];
  readonly firstDocs: number[] = [];
  readonly surfaceWords: string[] = [];
  readonly surfaceLocal: number[] = [];
  readonly surfaceFirstDocs: number[] = [];
  /** Local id → index term id, -1 until assigned. */
  global = new Int32Array(0);

  register(run: AnalyzedRun): void {
    if (run.firstTermId !== this.terms.length) throw new Error('analyzed runs registered out of order');
    for (let i = 0; i < run.newTerms.length; i++) {
      this.terms.push(run.newTerms[i]!);
      this.words.push(run.newTermWords[i]!);
      this.firstDocs.push(run.newTermDocs[i]!);
    }
    for (let i = 0; i < run.newWords.length; i++) {
      this.surfaceWords.push(run.newWords[i]!);
      this.surfaceLocal.push(run.newWordTerms[i]!);
      this.surfaceFirstDocs.push(run.newWordDocs[i]!);
    }
    if (this.global.length < this.terms.length) {
      const bigger = new Int32Array(Math.max(this.terms.length, this.global.length * 2)).fill(-1);
      bigger.set(this.global);
      this.global = bigger;
    }
  }
}

/** Where the analysis of one document is: doc `index` of `run`, whose analyzer's terms are in `table`. */
export interface AnalyzedDoc {
  table: TermTable;
  run: AnalyzedRun;
  index: number;
}

/**
 * The first word of `article` that analyses to `term`: the word an index built in one thread records.
 * Needed when an analyzer first met the term in a document the library did not keep as it was read
 * (a duplicate file merged into another).
 */
function firstWordFor(article: Article, term: string): string {
  const stemmer = new MemoStemmer();
  for (const field of FIELDS) {
    for (const word of splitWords(fieldText(article, field))) {
      if (field !== 'title' && isStopWord(word)) continue;
      if (stemmer.stem(word) === term) return word;
    }
  }
  return term;
}

/**
 * The index over `docs` (doc number = array position; `articles` are the same documents). Term ids are
 * given in order of first occurrence, document by document, exactly as one analyzer reading them in
 * order would; then each posting gets its finished BM25F impact.
 */
export function assembleTextIndex(
  docs: readonly AnalyzedDoc[],
  articles: readonly Article[],
  collection?: CollectionStats,
): TextIndexData {
  const docCount = docs.length;
  const termIds = new Map<string, number>();
  const terms: string[] = [];
  const termWords: string[] = [];
  let entries = 0;
  let termBound = 0;
  const tables = new Set<TermTable>();
  /** Per analyzer, the sequence numbers of the documents kept (a merged-away duplicate is not). */
  const kept = new Map<TermTable, Set<number>>();
  for (const { table, run, index } of docs) {
    entries += run.docTermStart[index + 1]! - run.docTermStart[index]!;
    if (!kept.has(table)) kept.set(table, new Set());
    kept.get(table)!.add(run.firstDoc + index);
    if (!tables.has(table)) termBound += table.terms.length;
    tables.add(table);
  }
  const df = new Uint32Array(termBound);
  const docTermStart = new Uint32Array(docCount + 1);
  const docTerms = new Uint32Array(entries);
  const fieldLengths = FIELDS.map(() => new Float32Array(docCount));

  /** The index id of a table's term, given at its first occurrence (here, in doc `doc`). */
  const assign = (table: TermTable, local: number, doc: number, sequence: number): number => {
    const term = table.terms[local]!;
    let id = termIds.get(term);
    if (id === undefined) {
      id = terms.length;
      termIds.set(term, id);
      terms.push(term);
      termWords.push(
        table.firstDocs[local] === sequence ? table.words[local]! : firstWordFor(articles[doc]!, term),
      );
    }
    table.global[local] = id;
    return id;
  };

  let entry = 0;
  for (let doc = 0; doc < docCount; doc++) {
    const { table, run, index } = docs[doc]!;
    docTermStart[doc] = entry;
    for (let f = 0; f < FIELDS.length; f++)
      fieldLengths[f]![doc] = run.fieldLengths[index * FIELDS.length + f]!;
    const global = table.global;
    const runTerms = run.docTerms;
    const end = run.docTermStart[index + 1]!;
    for (let i = run.docTermStart[index]!; i < end; i++) {
      const local = runTerms[i]!;
      let id = global[local]!;
      if (id < 0) id = assign(table, local, doc, run.firstDoc + index);
      docTerms[entry++] = id;
      df[id]!++;
    }
  }
  docTermStart[docCount] = entry;

  const outside = collection?.docCount ?? 0;
  const averageLengths = fieldLengths.map((lengths, f) => {
    let sum = outside * (collection?.averageLengths[f] ?? 0);
    for (const length of lengths) sum += length;
    return Math.max(1, sum / Math.max(1, lengths.length + outside));
  });
  const weights = FIELDS.map((field) => FIELD_WEIGHTS[field]);
  const total = docCount + outside;
  const idf = Array.from(df.subarray(0, terms.length), (inHere, t) => {
    const n = inHere + (collection?.df(terms[t]!) ?? 0);
    return Math.log(1 + (total - n + 0.5) / (n + 0.5));
  });

  const postingStart = new Uint32Array(terms.length + 1);
  for (let t = 0; t < terms.length; t++) postingStart[t + 1] = postingStart[t]! + df[t]!;
  const fill = postingStart.slice(0, terms.length);
  const postingDocs = new Uint32Array(docTerms.length);
  const postingImpact = new Float32Array(docTerms.length);
  const postingFields = new Uint8Array(docTerms.length);

  for (let doc = 0; doc < docCount; doc++) {
    // Term frequencies are read where the analysis left them, entry for entry.
    const { run, index } = docs[doc]!;
    const runTf = run.packedTf;
    const shift = run.docTermStart[index]! - docTermStart[doc]!;
    for (let i = docTermStart[doc]!; i < docTermStart[doc + 1]!; i++) {
      const term = docTerms[i]!;
      const packed = runTf[i + shift]!;
      let weighted = 0;
      let fieldMask = 0;
      for (let f = 0; f < FIELDS.length; f++) {
        const tf = (packed >>> (f * 6)) & MAX_TF;
        if (!tf) continue;
        fieldMask |= 1 << f;
        const { boost, b } = weights[f]!;
        weighted += (boost * tf) / (1 - b + (b * fieldLengths[f]![doc]!) / averageLengths[f]!);
      }
      const impact = (idf[term]! * weighted * (K1 + 1)) / (K1 + weighted);
      const slot = fill[term]!++;
      postingDocs[slot] = doc;
      postingImpact[slot] = impact;
      postingFields[slot] = fieldMask;
    }
  }

  const termsByText = Uint32Array.from(terms.keys()).sort((a, b) => compareText(terms[a]!, terms[b]!));
  const { surfaceWords, surfaceTerms } = surfaceVocabulary(tables, kept, (word, id) => {
    // A word first met in a document merged away counts only if a kept document has it too.
    for (let p = postingStart[id]!; p < postingStart[id + 1]!; p++) {
      const article = articles[postingDocs[p]!]!;
      if (FIELDS.some((field) => splitWords(fieldText(article, field)).includes(word))) return true;
    }
    return false;
  });
  return {
    docCount,
    terms,
    termWords,
    surfaceWords,
    surfaceTerms,
    termsByText,
    postingStart,
    postingDocs,
    postingImpact,
    postingFields,
    docTermStart,
    docTerms,
  };
}

/** The words of every table whose terms made it into the index, sorted, each once. */
function surfaceVocabulary(
  tables: ReadonlySet<TermTable>,
  kept: ReadonlyMap<TermTable, ReadonlySet<number>>,
  inKeptDoc: (word: string, termId: number) => boolean,
): { surfaceWords: string[]; surfaceTerms: Uint32Array } {
  const termOfWord = new Map<string, number>();
  for (const table of tables) {
    const keptHere = kept.get(table)!;
    for (let i = 0; i < table.surfaceWords.length; i++) {
      const word = table.surfaceWords[i]!;
      const id = table.global[table.surfaceLocal[i]!]!;
      if (id < 0 || termOfWord.has(word)) continue;
      if (keptHere.has(table.surfaceFirstDocs[i]!) || inKeptDoc(word, id)) termOfWord.set(word, id);
    }
  }
  const surfaceWords = [...termOfWord.keys()].sort(compareText);
  return { surfaceWords, surfaceTerms: Uint32Array.from(surfaceWords, (word) => termOfWord.get(word)!) };
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The index's typed arrays: what is saved to disk, and what crosses between threads. */
export const ARRAY_KEYS = [
  'surfaceTerms',
  'termsByText',
  'postingStart',
  'postingDocs',
  'postingImpact',
  'postingFields',
  'docTermStart',
  'docTerms',
] as const;
export type ArrayKey = (typeof ARRAY_KEYS)[number];
const ARRAY_TYPES: Record<ArrayKey, typeof Uint32Array | typeof Float32Array | typeof Uint8Array> = {
  surfaceTerms: Uint32Array,
  termsByText: Uint32Array,
  postingStart: Uint32Array,
  postingDocs: Uint32Array,
  postingImpact: Float32Array,
  postingFields: Uint8Array,
  docTermStart: Uint32Array,
  docTerms: Uint32Array,
};

/**
 * Raw bytes: an 8-byte header length, a JSON header (key, terms, array lengths, and the byte count and
 * digests of the array region: see payloadDigests), then each array 8-byte aligned. Loads in milliseconds, without a copy.
 */
export function serializeTextIndex(index: TextIndexData, key: string): Buffer {
  return Buffer.concat(textIndexParts(index, key));
}

/** The same bytes in parts, the arrays' own memory among them: written in turn, nothing is copied. */
export function textIndexParts(index: TextIndexData, key: string): Buffer[] {
  const arrays: Buffer[] = [];
  let offset = 0;
  for (const name of ARRAY_KEYS) {
    // Offsets inside the array region; the region itself starts 8-byte aligned.
    const pad = (8 - (offset % 8)) % 8;
    if (pad) arrays.push(Buffer.alloc(pad));
    const array = index[name];
    arrays.push(Buffer.from(array.buffer, array.byteOffset, array.byteLength));
    offset += pad + array.byteLength;
  }
  const header = {
    key,
    docCount: index.docCount,
    terms: index.terms.join('\n'),
    termWords: index.termWords.join('\n'),
    surfaceWords: index.surfaceWords.join('\n'),
    arrays: ARRAY_KEYS.map((name) => ({ name, length: index[name].length })),
    bytes: offset,
    digests: payloadDigests(arrays),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const lengthPrefix = Buffer.alloc(8);
  lengthPrefix.writeUInt32LE(headerBytes.length, 0);
  const headerPad = Buffer.alloc((8 - ((8 + headerBytes.length) % 8)) % 8);
  return [lengthPrefix, headerBytes, headerPad, ...arrays];
}

interface IndexHeader {
  key: string;
  docCount: number;
  terms: string;
  termWords: string;
  surfaceWords: string;
  arrays: Array<{ name: ArrayKey; length: number }>;
  bytes: number;
  digests: string[];
}

/**
 * The index in `bytes`, or null when it was built for a different key (corpus or engine version), or
 * the file is cut short or damaged.
 */
export function deserializeTextIndex(
  bytes: Buffer,
  expectedKey: string,
  /** Checks the arrays' digests (here by default; a loader may check them in other threads meanwhile). */
  checkRegion: PayloadCheck = checkPayloadNow,
): TextIndexData | null {
  if (bytes.length < 8) return null;
  const headerLength = bytes.readUInt32LE(0);
  let header: IndexHeader;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as IndexHeader;
  } catch {
    return null;
  }
  if (header.key !== expectedKey) return null;
  const regionStart = 8 + headerLength + ((8 - ((8 + headerLength) % 8)) % 8);
  const region = bytes.subarray(regionStart);
  if (region.length !== header.bytes || !isDigestList(header.digests) || !checkRegion(region, header.digests))
    return null;
  // Typed arrays need aligned offsets: a file read whole starts its own buffer at 0; otherwise copy.
  const aligned: Uint8Array = region.byteOffset % 8 === 0 ? region : new Uint8Array(region);
  const buffer = aligned.buffer as ArrayBuffer;
  const base = aligned.byteOffset;
  let offset = 0;
  const arrays = {} as Record<ArrayKey, Uint32Array | Float32Array | Uint8Array>;
  try {
    for (const { name, length } of header.arrays) {
      const Type = ARRAY_TYPES[name];
      offset += (8 - (offset % 8)) % 8;
      arrays[name] = new Type(buffer, base + offset, length);
      offset += length * Type.BYTES_PER_ELEMENT;
    }
  } catch {
    return null; // lengths that do not fit the file
  }
  const index: TextIndexData = {
    docCount: header.docCount,
    terms: header.terms ? header.terms.split('\n') : [],
    termWords: header.termWords ? header.termWords.split('\n') : [],
    surfaceWords: header.surfaceWords ? header.surfaceWords.split('\n') : [],
    ...(arrays as Pick<TextIndexData, ArrayKey>),
  };
  const whole =
    ARRAY_KEYS.every((name) => index[name] instanceof ARRAY_TYPES[name]) &&
    index.postingStart.length === index.terms.length + 1 &&
    index.termWords.length === index.terms.length &&
    index.surfaceTerms.length === index.surfaceWords.length &&
    index.docTermStart.length === index.docCount + 1;
  return whole ? index : null;
}
