import fs from 'node:fs';
import type { Article, ArticleImage, CorpusProblem, RelatedLink } from '../articles/article.ts';
import { fileTablePaths, type CorpusFileTable, type FileEntry } from '../articles/corpusFiles.ts';
import { catalogTables, type CatalogTables, type LibraryDerived } from './catalog.ts';
import { checkPayloadNow, isDigestList, payloadDigests, type PayloadCheck } from './libraryCaches.ts';

/**
 * The warm-start snapshot: everything a library needs besides its index (articles without bodies or
 * related lists, problems, derived tables), and every corpus file with the size and mtime it had and
 * the article it gave, so a start can serve first and compare the folder with it afterwards.
 *
 * Flat columns, like the index: numbers as typed arrays, texts as one UTF-8 run per column (items
 * NUL-separated: no article text holds one, the loader refuses such files) with each item's end. A
 * warm start views these bytes where they were read (in shared memory, by another thread) and makes
 * 100k small SnapshotArticle objects; an article's longer texts are decoded when read. At 100k
 * articles that is ~40 ms instead of ~1 s for decoding every string (in this VM the fresh memory alone
 * costs ~4.5 ms a megabyte, and the texts are 55 MB).
 *
 * The catalog's tables (story numbers, dated docs, docs by id, topics, popular docs: see CatalogTables)
 * are saved too, so a warm start works out none of them.
 *
 * Layout: a 4-byte header length, a JSON header (format, key, counts, sections, byte count, digests of
 * the payload: see payloadDigests), padding to 8 bytes, then the payload (sections 8-byte aligned). A file cut short,
 * damaged or written for another key or format is refused (null).
 */
const FORMAT = 'broadsheet-snapshot-3';

export type { CorpusFileTable } from '../articles/corpusFiles.ts';

export interface Snapshot {
  key: string;
  /** What else the caches depend on (engine, parser, size limit): see cacheVersion. */
  version: string;
  articles: Article[];
  problems: CorpusProblem[];
  derived: LibraryDerived;
  files: CorpusFileTable;
}

interface Header {
  format: string;
  key: string;
  version: string;
  /** Articles in the snapshot. */
  count: number;
  files: number;
  sections: Array<{ name: SectionName; type: keyof typeof TYPES; length: number }>;
  bytes: number;
  digests: string[];
}

const TYPES = { u8: Uint8Array, u32: Uint32Array, i32: Int32Array, f64: Float64Array } as const;
type Column = Uint8Array | Uint32Array | Int32Array | Float64Array;

/** Text columns: `<name>Text` (UTF-8) and `<name>Ends`. */
const TEXTS = ['id', 'title', 'excerpt', 'webUrl', 'imageUrl', 'story', 'path'] as const;
type TextName = (typeof TEXTS)[number];
const NUMBERS = {
  publishedAt: 'f64',
  quality: 'f64',
  heat: 'f64',
  published: 'u8',
  relatedCount: 'u32',
  providerName: 'u32',
  providerDomain: 'u32',
  type: 'u32',
  /** Article i's topics are topicRefs[2t], [2t+1] (display form, key in `strings`) for t in its range. */
  topicStart: 'u32',
  topicRefs: 'u32',
  imageStart: 'u32',
  /** NaN where the file gave none. */
  imageWidth: 'f64',
  imageHeight: 'f64',
  /** The file row whose path is the article's. */
  pathFile: 'u32',
  fileSize: 'f64',
  fileMtime: 'f64',
  fileDoc: 'i32',
  /** The catalog's tables (CatalogTables; `live` is `published`). */
  storyNumbers: 'i32',
  dated: 'i32',
  idOrder: 'u32',
  storyOrder: 'u32',
  /** Topic t's docs are topicDocs[topicDocStart[t] .. topicDocStart[t+1]]. */
  topicDocStart: 'u32',
  topicDocs: 'i32',
  /** JSON: { strings, problems, prefixTable, tables: { liveCount, maxHeat, storyCount, popular, topics } }. */
  meta: 'u8',
} as const;
type NumberName = keyof typeof NUMBERS;
type SectionName = NumberName | `${TextName}Text` | `${TextName}Ends`;

/** NaN stands for null in the number columns: no article field is NaN (the schema refuses it). */
const orNaN = (value: number | null | undefined) => value ?? Number.NaN;
const orNull = (value: number) => (Number.isNaN(value) ? null : value);
const orUndefined = (value: number) => (Number.isNaN(value) ? undefined : value);

const EMPTY_IMAGES: readonly ArticleImage[] = Object.freeze([]);
const EMPTY_RELATED: readonly RelatedLink[] = Object.freeze([]);

/** Strings as one NUL-separated UTF-8 run and each one's end. */
function textColumn(values: readonly string[]): { text: Buffer; ends: Uint32Array } {
  const ends = new Uint32Array(values.length);
  let room = values.length;
  for (const value of values) room += value.length;
  // Written in one pass into room for the worst case (3 bytes a UTF-16 unit): only the pages
  // written to are ever touched.
  const text = Buffer.allocUnsafeSlow(3 * room);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    if (i) text[at++] = 0;
    ends[i] = at += text.write(values[i]!, at, 'utf8');
  }
  return { text: text.subarray(0, at), ends };
}

/** `read(item)` of every item, as a typed array (a plain loop: `from` with a map goes through an iterator). */
function column<T, A extends Float64Array | Uint32Array | Uint8Array>(
  Type: new (length: number) => A,
  items: readonly T[],
  read: (item: T) => number,
): A {
  const values = new Type(items.length);
  for (let i = 0; i < items.length; i++) values[i] = read(items[i]!);
  return values;
}

class TextView {
  constructor(
    private readonly bytes: Buffer,
    private readonly ends: Uint32Array,
  ) {}

  at(i: number): string {
    return this.bytes.toString('utf8', i ? this.ends[i - 1]! + 1 : 0, this.ends[i]);
  }

  /** Every item at once: one decode and a split, quicker than item by item. */
  all(): string[] {
    return this.ends.length ? this.bytes.toString('utf8').split('\u0000') : [];
  }

  /** Items [start, end) joined by `\n`, in one decode. */
  lines(start: number, end: number): string {
    if (start >= end) return '';
    const from = start ? this.ends[start - 1]! + 1 : 0;
    return this.bytes.toString('utf8', from, this.ends[end - 1]).replaceAll('\u0000', '\n');
  }

  /** Whether the ends fit the bytes (and there are `count`). */
  fits(count: number): boolean {
    return this.ends.length === count && (count === 0 || this.ends[count - 1]! <= this.bytes.length);
  }
}

/** The columns one snapshot's articles read from. */
class ArticleColumns {
  readonly text: Record<TextName, TextView>;
  /** The snapshot's own list of its articles, in doc order. */
  articles: readonly Article[] = [];
  private readonly providers = new Map<number, { name: string; domain: string }>();

  constructor(
    readonly numbers: { [K in NumberName]: Column },
    texts: Record<TextName, TextView>,
    readonly strings: readonly string[],
  ) {
    this.text = texts;
  }

  /** One object per provider, shared by its articles (a snapshot's articles are never changed). */
  provider(doc: number): { name: string; domain: string } {
    const name = this.numbers.providerName[doc]!;
    const domain = this.numbers.providerDomain[doc]!;
    const key = name * 0x100000000 + domain;
    let provider = this.providers.get(key);
    if (!provider) {
      provider = Object.freeze({ name: this.strings[name]!, domain: this.strings[domain]! });
      this.providers.set(key, provider);
    }
    return provider;
  }

  topics(doc: number, which: 0 | 1): string[] {
    const { topicStart, topicRefs } = this.numbers;
    const topics: string[] = [];
    for (let t = topicStart[doc]!; t < topicStart[doc + 1]!; t++)
      topics.push(this.strings[topicRefs[2 * t + which]!]!);
    return topics;
  }

  images(doc: number): ArticleImage[] {
    const { imageStart, imageWidth, imageHeight } = this.numbers;
    const from = imageStart[doc]!;
    const to = imageStart[doc + 1]!;
    if (from === to) return EMPTY_IMAGES as ArticleImage[];
    const images: ArticleImage[] = [];
    for (let m = from; m < to; m++)
      images.push({
        url: this.text.imageUrl.at(m),
        width: orUndefined(imageWidth[m]!),
        height: orUndefined(imageHeight[m]!),
      });
    return images;
  }
}

/**
 * An article of a snapshot: two fields (its columns and its row) and getters that read the columns.
 * What rankings read in tight loops (date, heat, published) comes straight from typed arrays; texts are
 * decoded when asked for, and the id is kept once read. So a warm start at 100k articles makes 100k
 * objects of two fields and nothing else on the heap: no id strings, no boxed numbers (a date or a heat
 * in a field is a heap number of its own), which the young generation copied and promoted, hundreds of
 * ms of collection on the start's path. Read-only (nothing changes a loaded article), and plain through
 * toJSON; a spread (`{ ...article }`) sees no fields: copy with toJSON().
 */
export class SnapshotArticle {
  readonly #columns: ArticleColumns;
  readonly #doc: number;
  #id: string | undefined;

  constructor(columns: ArticleColumns, doc: number) {
    this.#columns = columns;
    this.#doc = doc;
  }

  /** The columns a snapshot article reads, or undefined for any other article. */
  static columnsOf(article: Article | undefined): ArticleColumns | undefined {
    return article instanceof SnapshotArticle ? article.#columns : undefined;
  }

  get id(): string {
    return (this.#id ??= this.#columns.text.id.at(this.#doc));
  }
  get publishedAt(): number | null {
    return orNull(this.#columns.numbers.publishedAt[this.#doc]!);
  }
  get heat(): number | null {
    return orNull(this.#columns.numbers.heat[this.#doc]!);
  }
  get published(): boolean {
    return this.#columns.numbers.published[this.#doc] === 1;
  }
  get title(): string {
    return this.#columns.text.title.at(this.#doc);
  }
  get excerpt(): string {
    return this.#columns.text.excerpt.at(this.#doc);
  }
  get body(): string {
    return '';
  }
  get webUrl(): string {
    return this.#columns.text.webUrl.at(this.#doc);
  }
  get provider(): { name: string; domain: string } {
    return this.#columns.provider(this.#doc);
  }
  get topics(): string[] {
    return this.#columns.topics(this.#doc, 0);
  }
  get topicKeys(): string[] {
    return this.#columns.topics(this.#doc, 1);
  }
  get images(): ArticleImage[] {
    return this.#columns.images(this.#doc);
  }
  get quality(): number | null {
    return orNull(this.#columns.numbers.quality[this.#doc]!);
  }
  get type(): string {
    return this.#columns.strings[this.#columns.numbers.type[this.#doc]!]!;
  }
  get related(): RelatedLink[] {
    return EMPTY_RELATED as RelatedLink[];
  }
  get relatedCount(): number {
    return this.#columns.numbers.relatedCount[this.#doc]!;
  }
  get path(): string {
    return this.#columns.text.path.at(this.#columns.numbers.pathFile[this.#doc]!);
  }

  /** The article as a plain object, fields in the order parseArticle gives them. */
  toJSON(): Article {
    return {
      id: this.id,
      title: this.title,
      excerpt: this.excerpt,
      body: '',
      webUrl: this.webUrl,
      publishedAt: this.publishedAt,
      provider: { ...this.provider },
      topics: [...this.topics],
      topicKeys: [...this.topicKeys],
      images: this.images.map((image) => ({ ...image })),
      quality: this.quality,
      heat: this.heat,
      published: this.published,
      type: this.type,
      related: [],
      relatedCount: this.relatedCount,
      path: this.path,
    };
  }
}

/**
 * The ids of articles[start, end) joined by `\n`, read from the id column in one decode when `articles`
 * is a snapshot's own list (no string per article, none kept); null for any other list.
 */
export function snapshotIdLines(articles: readonly Article[], start: number, end: number): string | null {
  const columns = SnapshotArticle.columnsOf(articles[0]);
  if (!columns || columns.articles !== articles) return null;
  return columns.text.id.lines(start, Math.min(end, articles.length));
}

/** The file table of a listing and what each file gave. */
export function corpusFileTable(files: readonly FileEntry[], docs: Int32Array): CorpusFileTable {
  const { text, ends } = textColumn(files.map((file) => file.relPath));
  return {
    count: files.length,
    pathText: text,
    pathEnds: ends,
    size: column(Float64Array, files, (file) => file.size),
    mtimeMs: column(Float64Array, files, (file) => file.mtimeMs),
    doc: docs,
  };
}

/** What the header's meta keeps of the catalog's tables (the rest are columns). */
interface TablesMeta {
  liveCount: number;
  maxHeat: number;
  storyCount: number;
  popular: number[];
  topics: Array<{ key: string; name: string }>;
}

function toSections(snapshot: Omit<Snapshot, 'key'>): Array<[SectionName, Column]> {
  const { articles, files } = snapshot;
  const tables = snapshot.derived.tables ?? catalogTables(articles, snapshot.derived.stories);
  const topicDocStart = new Uint32Array(tables.topics.length + 1);
  tables.topics.forEach((topic, t) => (topicDocStart[t + 1] = topicDocStart[t]! + topic.docs.length));
  const topicDocs = new Int32Array(topicDocStart[tables.topics.length]!);
  tables.topics.forEach((topic, t) => topicDocs.set(topic.docs, topicDocStart[t]));
  const tablesMeta: TablesMeta = {
    liveCount: tables.liveCount,
    maxHeat: tables.maxHeat,
    storyCount: tables.storyCount,
    popular: tables.popular,
    topics: tables.topics.map(({ key, name }) => ({ key, name })),
  };
  const count = articles.length;
  const strings: string[] = [];
  const stringIds = new Map<string, number>();
  const intern = (text: string) => {
    let id = stringIds.get(text);
    if (id === undefined) stringIds.set(text, (id = strings.push(text) - 1));
    return id;
  };
  const topicStart = new Uint32Array(count + 1);
  const topicRefs: number[] = [];
  const imageStart = new Uint32Array(count + 1);
  const imageUrl: string[] = [];
  const imageWidth: number[] = [];
  const imageHeight: number[] = [];
  articles.forEach((article, i) => {
    topicStart[i] = topicRefs.length / 2;
    article.topics.forEach((topic, t) =>
      topicRefs.push(intern(topic), intern(article.topicKeys[t] ?? topic)),
    );
    imageStart[i] = imageUrl.length;
    for (const image of article.images) {
      imageUrl.push(image.url);
      imageWidth.push(orNaN(image.width));
      imageHeight.push(orNaN(image.height));
    }
  });
  topicStart[count] = topicRefs.length / 2;
  imageStart[count] = imageUrl.length;
  const fileRow = new Map<string, number>();
  const paths = fileTablePaths(files);
  paths.forEach((relPath, row) => fileRow.set(relPath, row));
  const texts: Record<TextName, readonly string[]> = {
    id: articles.map((article) => article.id),
    title: articles.map((article) => article.title),
    excerpt: articles.map((article) => article.excerpt),
    webUrl: articles.map((article) => article.webUrl),
    imageUrl,
    story: snapshot.derived.stories,
    path: paths,
  };
  const numbers: { [K in NumberName]: Column } = {
    publishedAt: column(Float64Array, articles, (article) => orNaN(article.publishedAt)),
    quality: column(Float64Array, articles, (article) => orNaN(article.quality)),
    heat: column(Float64Array, articles, (article) => orNaN(article.heat)),
    published: column(Uint8Array, articles, (article) => (article.published ? 1 : 0)),
    relatedCount: column(Uint32Array, articles, (article) => article.relatedCount),
    providerName: column(Uint32Array, articles, (article) => intern(article.provider.name)),
    providerDomain: column(Uint32Array, articles, (article) => intern(article.provider.domain)),
    type: column(Uint32Array, articles, (article) => intern(article.type)),
    topicStart,
    topicRefs: Uint32Array.from(topicRefs),
    imageStart,
    imageWidth: Float64Array.from(imageWidth),
    imageHeight: Float64Array.from(imageHeight),
    pathFile: column(Uint32Array, articles, (article) => fileRow.get(article.path) ?? 0),
    fileSize: files.size,
    fileMtime: files.mtimeMs,
    fileDoc: files.doc,
    storyNumbers: tables.storyNumbers,
    dated: tables.dated,
    idOrder: tables.idOrder,
    storyOrder: tables.storyOrder,
    topicDocStart,
    topicDocs,
    meta: Buffer.from(
      JSON.stringify({
        strings,
        problems: snapshot.problems,
        prefixTable: snapshot.derived.prefixTable,
        tables: tablesMeta,
      }),
      'utf8',
    ),
  };
  const sections: Array<[SectionName, Column]> = Object.entries(numbers) as Array<[SectionName, Column]>;
  for (const name of TEXTS) {
    const { text, ends } = textColumn(texts[name]);
    sections.push([`${name}Text`, text], [`${name}Ends`, ends]);
  }
  return sections;
}

const typeOf = (column: Column): keyof typeof TYPES =>
  column instanceof Float64Array
    ? 'f64'
    : column instanceof Int32Array
      ? 'i32'
      : column instanceof Uint32Array
        ? 'u32'
        : 'u8';
const pad = (at: number) => (8 - (at % 8)) % 8;
const bytesOf = (column: Column) => Buffer.from(column.buffer, column.byteOffset, column.byteLength);

/**
 * The snapshot as bytes, in parts (header, then the payload's sections and padding) so they are
 * written without a copy. Articles lose their bodies and related lists: see Article.
 */
export function encodeSnapshot(snapshot: Snapshot): Buffer[] {
  const sections = toSections(snapshot);
  const payload: Buffer[] = [];
  let at = 0;
  const add = (bytes: Buffer) => {
    if (!bytes.length) return;
    payload.push(bytes);
    at += bytes.length;
  };
  for (const [, column] of sections) {
    if (pad(at)) add(Buffer.alloc(pad(at)));
    add(bytesOf(column));
  }
  const header: Header = {
    format: FORMAT,
    key: snapshot.key,
    version: snapshot.version,
    count: snapshot.articles.length,
    files: snapshot.files.count,
    sections: sections.map(([name, column]) => ({ name, type: typeOf(column), length: column.length })),
    bytes: at,
    digests: payloadDigests(payload),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const start = Buffer.alloc(4 + headerBytes.length + pad(4 + headerBytes.length));
  start.writeUInt32LE(headerBytes.length, 0);
  headerBytes.copy(start, 4);
  return [start, ...payload];
}

/** The key a snapshot was saved for, without reading the rest; null if it is not a snapshot. */
export function snapshotKey(bytes: Buffer): string | null {
  return readHeader(bytes)?.header.key ?? null;
}

/** The key and article count of the snapshot file, reading only its header; null if there is none. */
export function peekSnapshot(file: string): { key: string; count: number } | null {
  let fd: number | null = null;
  try {
    fd = fs.openSync(file, 'r');
    const length = Buffer.alloc(4);
    if (fs.readSync(fd, length, 0, 4, 0) !== 4) return null;
    const head = Buffer.alloc(4 + Math.min(length.readUInt32LE(0), 1 << 16));
    const read = fs.readSync(fd, head, 0, head.length, 0);
    const header = readHeader(head.subarray(0, read))?.header;
    return header && typeof header.count === 'number' ? { key: header.key, count: header.count } : null;
  } catch {
    return null;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

function readHeader(bytes: Buffer): { header: Header; payloadStart: number } | null {
  try {
    if (bytes.length < 4) return null;
    const length = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.subarray(4, 4 + length).toString('utf8')) as Partial<Header>;
    if (header.format !== FORMAT || typeof header.key !== 'string' || !Array.isArray(header.sections))
      return null;
    return { header: header as Header, payloadStart: 4 + length + pad(4 + length) };
  } catch {
    return null;
  }
}

/** Checks a payload against its digests; a caller may check them elsewhere (other threads) meanwhile. */
export type RegionCheck = PayloadCheck;

/**
 * The snapshot in `bytes` if it was saved for `expected` (a key, or any key of a cache version) and
 * is whole; otherwise null (the caller rebuilds). Its articles view `bytes`, which must stay as they
 * are. The payload is checked with `check` (its digests here by default).
 */
export function decodeSnapshot(
  bytes: Buffer,
  expected: string | { version: string },
  check: RegionCheck = checkPayloadNow,
): Snapshot | null {
  const found = readHeader(bytes);
  if (!found) return null;
  const { key, version } = found.header;
  if (typeof expected === 'string' ? key !== expected : version !== expected.version) return null;
  const { header, payloadStart } = found;
  const payload = bytes.subarray(payloadStart);
  if (payload.length !== header.bytes || !isDigestList(header.digests) || !check(payload, header.digests))
    return null;
  try {
    const view: Partial<Record<SectionName, Column>> = {};
    let at = 0;
    for (const { name, type, length } of header.sections) {
      const Type = TYPES[type];
      at += pad(at);
      // Typed arrays need aligned offsets: a file read whole starts its own buffer at 0; otherwise copy.
      const offset = payload.byteOffset + at;
      view[name] =
        offset % Type.BYTES_PER_ELEMENT === 0
          ? new Type(payload.buffer as ArrayBuffer, offset, length)
          : new Type(Uint8Array.from(payload.subarray(at, at + length * Type.BYTES_PER_ELEMENT)).buffer);
      at += length * Type.BYTES_PER_ELEMENT;
    }
    return fromSections(view, header);
  } catch {
    return null; // sections that do not fit the file, or a payload that does not parse
  }
}

function fromSections(view: Partial<Record<SectionName, Column>>, header: Header): Snapshot | null {
  const { count, files: fileCount } = header;
  const texts = {} as Record<TextName, TextView>;
  for (const name of TEXTS) {
    const text = view[`${name}Text`];
    const ends = view[`${name}Ends`];
    if (!(text instanceof Uint8Array) || !(ends instanceof Uint32Array)) return null;
    texts[name] = new TextView(Buffer.from(text.buffer, text.byteOffset, text.byteLength), ends);
  }
  const numbers = {} as { [K in NumberName]: Column };
  for (const [name, type] of Object.entries(NUMBERS) as Array<[NumberName, keyof typeof TYPES]>) {
    const column = view[name];
    if (!(column instanceof TYPES[type])) return null;
    numbers[name] = column;
  }
  const perArticle: NumberName[] = ['publishedAt', 'quality', 'heat', 'published', 'relatedCount'];
  perArticle.push('providerName', 'providerDomain', 'type', 'pathFile');
  const images = numbers.imageStart[count];
  const whole =
    perArticle.every((name) => numbers[name].length === count) &&
    numbers.topicStart.length === count + 1 &&
    numbers.imageStart.length === count + 1 &&
    numbers.topicRefs.length === 2 * numbers.topicStart[count]! &&
    [numbers.fileSize, numbers.fileMtime, numbers.fileDoc].every((column) => column.length === fileCount) &&
    [numbers.storyNumbers, numbers.idOrder, numbers.storyOrder].every((column) => column.length === count) &&
    numbers.dated.length <= count &&
    [texts.id, texts.title, texts.excerpt, texts.webUrl, texts.story].every((text) => text.fits(count)) &&
    texts.imageUrl.fits(images ?? -1) &&
    numbers.imageWidth.length === images &&
    texts.path.fits(fileCount);
  if (!whole) return null;
  const metaBytes = numbers.meta;
  const meta = JSON.parse(
    Buffer.from(metaBytes.buffer as ArrayBuffer, metaBytes.byteOffset, metaBytes.byteLength).toString('utf8'),
  ) as {
    strings: string[];
    problems: CorpusProblem[];
    prefixTable: LibraryDerived['prefixTable'];
    tables: TablesMeta;
  };
  const { topicDocStart, topicDocs } = numbers;
  const topicCount = meta.tables.topics.length;
  if (
    topicDocStart.length !== topicCount + 1 ||
    topicDocStart[topicCount] !== topicDocs.length ||
    meta.tables.popular.some((doc) => !(doc < count))
  )
    return null;
  const tables: CatalogTables = {
    live: numbers.published as Uint8Array,
    liveCount: meta.tables.liveCount,
    maxHeat: meta.tables.maxHeat,
    dated: numbers.dated as Int32Array,
    storyNumbers: numbers.storyNumbers as Int32Array,
    storyCount: meta.tables.storyCount,
    idOrder: numbers.idOrder as Uint32Array,
    storyOrder: numbers.storyOrder as Uint32Array,
    topics: meta.tables.topics.map(({ key, name }, t) => ({
      key,
      name,
      docs: (topicDocs as Int32Array).subarray(topicDocStart[t], topicDocStart[t + 1]),
    })),
    popular: meta.tables.popular,
    heat: numbers.heat as Float64Array,
    publishedAt: numbers.publishedAt as Float64Array,
  };
  const columns = new ArticleColumns(numbers, texts, meta.strings);
  const stories = texts.story.all();
  if (stories.length !== count) return null;
  const articles = new Array<Article>(count);
  for (let doc = 0; doc < count; doc++) articles[doc] = new SnapshotArticle(columns, doc);
  columns.articles = articles;
  const pathText = view.pathText as Uint8Array;
  return {
    key: header.key,
    version: header.version,
    articles,
    problems: meta.problems,
    derived: { stories, prefixTable: meta.prefixTable, tables },
    files: {
      count: fileCount,
      pathText,
      pathEnds: view.pathEnds as Uint32Array,
      size: numbers.fileSize as Float64Array,
      mtimeMs: numbers.fileMtime as Float64Array,
      doc: numbers.fileDoc as Int32Array,
    },
  };
}
