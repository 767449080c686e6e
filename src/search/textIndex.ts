import type { Article } from '../articles/article.ts';
import { isStopWord, MemoStemmer, splitWords } from './analyzer.ts';

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
  data = new Uint32Array(1 << 16);
  length = 0;

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

/** Build the index over `articles` (doc number = array position). Synchronous; ~O(total words). */
export function buildTextIndex(articles: readonly Article[]): TextIndexData {
  const stemmer = new MemoStemmer();
  const termIds = new Map<string, number>();
  /** word → term id, or STOP for a stop word: one lookup per token instead of three. */
  const wordTerms = new Map<string, number>();
  const STOP = -1;
  const terms: string[] = [];
  const termWords: string[] = [];
  const df: number[] = [];
  const docTermStart = new Uint32Array(articles.length + 1);
  const docTermsTmp = new GrowableUint32();
  const packedTfTmp = new GrowableUint32();
  const fieldLengths = FIELDS.map(() => new Float32Array(articles.length));

  const termOf = (word: string): number => {
    const stemmed = stemmer.stem(word);
    let id = termIds.get(stemmed);
    if (id === undefined) {
      id = terms.length;
      termIds.set(stemmed, id);
      terms.push(stemmed);
      termWords.push(word);
      df.push(0);
    }
    return id;
  };

  // Term frequencies of the current doc, packed six bits a field, in a scratch array by term id.
  let scratch = new Uint32Array(1 << 16);
  const touched: number[] = [];
  articles.forEach((article, doc) => {
    FIELDS.forEach((field, f) => {
      const shift = f * 6;
      let length = 0;
      for (const word of splitWords(fieldText(article, field))) {
        let id = wordTerms.get(word);
        if (id === undefined) {
          id = isStopWord(word) ? STOP : termOf(word);
          wordTerms.set(word, id);
        }
        if (id === STOP) {
          // Titles keep stop words so "The Who" stays findable; elsewhere they are noise.
          if (field !== 'title') continue;
          id = termOf(word);
        }
        length++;
        if (id >= scratch.length) {
          const bigger = new Uint32Array(scratch.length * 2);
          bigger.set(scratch);
          scratch = bigger;
        }
        const packed = scratch[id]!;
        if (packed === 0) touched.push(id);
        if (((packed >>> shift) & MAX_TF) < MAX_TF) scratch[id] = packed + (1 << shift);
      }
      fieldLengths[f]![doc] = length;
    });
    docTermStart[doc] = docTermsTmp.length;
    for (const id of touched) {
      docTermsTmp.push(id);
      packedTfTmp.push(scratch[id]!);
      scratch[id] = 0;
      df[id]!++;
    }
    touched.length = 0;
  });
  docTermStart[articles.length] = docTermsTmp.length;
  const docTerms = docTermsTmp.finish();
  const packedTf = packedTfTmp.finish();

  const averageLengths = fieldLengths.map((lengths) => {
    let sum = 0;
    for (const length of lengths) sum += length;
    return Math.max(1, sum / Math.max(1, lengths.length));
  });
  const weights = FIELDS.map((field) => FIELD_WEIGHTS[field]);
  const docCount = articles.length;
  const idf = df.map((n) => Math.log(1 + (docCount - n + 0.5) / (n + 0.5)));

  const postingStart = new Uint32Array(terms.length + 1);
  for (let t = 0; t < terms.length; t++) postingStart[t + 1] = postingStart[t]! + df[t]!;
  const fill = postingStart.slice(0, terms.length);
  const postingDocs = new Uint32Array(docTerms.length);
  const postingImpact = new Float32Array(docTerms.length);
  const postingFields = new Uint8Array(docTerms.length);

  for (let doc = 0; doc < docCount; doc++) {
    for (let i = docTermStart[doc]!; i < docTermStart[doc + 1]!; i++) {
      const term = docTerms[i]!;
      const packed = packedTf[i]!;
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
  return {
    docCount,
    terms,
    termWords,
    termsByText,
    postingStart,
    postingDocs,
    postingImpact,
    postingFields,
    docTermStart,
    docTerms,
  };
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const ARRAY_KEYS = [
  'termsByText',
  'postingStart',
  'postingDocs',
  'postingImpact',
  'postingFields',
  'docTermStart',
  'docTerms',
] as const;
type ArrayKey = (typeof ARRAY_KEYS)[number];
const ARRAY_TYPES: Record<ArrayKey, typeof Uint32Array | typeof Float32Array | typeof Uint8Array> = {
  termsByText: Uint32Array,
  postingStart: Uint32Array,
  postingDocs: Uint32Array,
  postingImpact: Float32Array,
  postingFields: Uint8Array,
  docTermStart: Uint32Array,
  docTerms: Uint32Array,
};

/** Raw bytes: a JSON header line, then each array 8-byte aligned. Loads in milliseconds. */
export function serializeTextIndex(index: TextIndexData, key: string): Buffer {
  const header = {
    key,
    docCount: index.docCount,
    terms: index.terms.join('\n'),
    termWords: index.termWords.join('\n'),
    arrays: ARRAY_KEYS.map((name) => ({ name, length: index[name].length })),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const parts: Buffer[] = [];
  const lengthPrefix = Buffer.alloc(8);
  lengthPrefix.writeUInt32LE(headerBytes.length, 0);
  parts.push(lengthPrefix, headerBytes);
  let offset = 8 + headerBytes.length;
  for (const name of ARRAY_KEYS) {
    const pad = (8 - (offset % 8)) % 8;
    if (pad) parts.push(Buffer.alloc(pad));
    offset += pad;
    const array = index[name];
    parts.push(Buffer.from(array.buffer, array.byteOffset, array.byteLength));
    offset += array.byteLength;
  }
  return Buffer.concat(parts);
}

/** The index in `bytes`, or null when it was built for a different key (corpus or engine version). */
export function deserializeTextIndex(bytes: Buffer, expectedKey: string): TextIndexData | null {
  const headerLength = bytes.readUInt32LE(0);
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as {
    key: string;
    docCount: number;
    terms: string;
    termWords: string;
    arrays: Array<{ name: ArrayKey; length: number }>;
  };
  if (header.key !== expectedKey) return null;
  // Typed arrays need aligned offsets: a file read whole starts its own buffer at 0; otherwise copy.
  const aligned: Uint8Array = bytes.byteOffset % 8 === 0 ? bytes : new Uint8Array(bytes);
  const buffer = aligned.buffer as ArrayBuffer;
  const base = aligned.byteOffset;
  let offset = 8 + headerLength;
  const arrays = {} as Record<ArrayKey, Uint32Array | Float32Array | Uint8Array>;
  for (const { name, length } of header.arrays) {
    const Type = ARRAY_TYPES[name];
    offset += (8 - (offset % 8)) % 8;
    arrays[name] = new Type(buffer, base + offset, length);
    offset += length * Type.BYTES_PER_ELEMENT;
  }
  return {
    docCount: header.docCount,
    terms: header.terms ? header.terms.split('\n') : [],
    termWords: header.termWords ? header.termWords.split('\n') : [],
    ...(arrays as Pick<TextIndexData, ArrayKey>),
  };
}
