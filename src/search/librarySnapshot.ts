import fs from 'node:fs';
import v8 from 'node:v8';
import zlib from 'node:zlib';
import type { Article, ArticleImage, CorpusProblem } from '../articles/article.ts';
import type { LibraryDerived } from './catalog.ts';

/**
 * The warm-start snapshot: everything a library needs besides its index, for a corpus that has not
 * changed (articles without bodies or related lists, problems, derived tables). Column by column in
 * V8's serialization format, strings that repeat (providers, topics, types) stored once: reading it is
 * most of a warm start, and this reads 100k articles about twice as fast as one JSON document.
 *
 * Layout: a 4-byte header length, a JSON header (format, key, byte count, CRC-32 of the payload), then
 * the payload. A file cut short, damaged or written for another key or format is refused (null).
 */
const FORMAT = 'broadsheet-snapshot-1';

export interface Snapshot {
  key: string;
  articles: Article[];
  problems: CorpusProblem[];
  derived: LibraryDerived;
}

interface Header {
  format: string;
  key: string;
  /** Articles in the snapshot. */
  count: number;
  bytes: number;
  crc32: number;
}

interface Columns {
  count: number;
  id: string[];
  title: string[];
  excerpt: string[];
  webUrl: string[];
  publishedAt: Float64Array;
  /** Indices into `strings`. */
  providerName: Uint32Array;
  providerDomain: Uint32Array;
  type: Uint32Array;
  /** Article i's topics are topicRefs[topicStart[i] .. topicStart[i+1]] (display form, key) pairs. */
  topicStart: Uint32Array;
  topicRefs: Uint32Array;
  imageStart: Uint32Array;
  imageUrl: string[];
  /** NaN where the file gave none. */
  imageWidth: Float64Array;
  imageHeight: Float64Array;
  quality: Float64Array;
  heat: Float64Array;
  published: Uint8Array;
  relatedCount: Uint32Array;
  path: string[];
  strings: string[];
  problems: CorpusProblem[];
  stories: string[];
  prefixTable: LibraryDerived['prefixTable'];
}

/** NaN stands for null in the number columns: no article field is NaN (the schema refuses it). */
const orNaN = (value: number | null | undefined) => value ?? Number.NaN;
const orNull = (value: number) => (Number.isNaN(value) ? null : value);
const orUndefined = (value: number) => (Number.isNaN(value) ? undefined : value);

function toColumns(
  articles: readonly Article[],
  problems: CorpusProblem[],
  derived: LibraryDerived,
): Columns {
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
  return {
    count,
    id: articles.map((article) => article.id),
    title: articles.map((article) => article.title),
    excerpt: articles.map((article) => article.excerpt),
    webUrl: articles.map((article) => article.webUrl),
    publishedAt: Float64Array.from(articles, (article) => orNaN(article.publishedAt)),
    providerName: Uint32Array.from(articles, (article) => intern(article.provider.name)),
    providerDomain: Uint32Array.from(articles, (article) => intern(article.provider.domain)),
    type: Uint32Array.from(articles, (article) => intern(article.type)),
    topicStart,
    topicRefs: Uint32Array.from(topicRefs),
    imageStart,
    imageUrl,
    imageWidth: Float64Array.from(imageWidth),
    imageHeight: Float64Array.from(imageHeight),
    quality: Float64Array.from(articles, (article) => orNaN(article.quality)),
    heat: Float64Array.from(articles, (article) => orNaN(article.heat)),
    published: Uint8Array.from(articles, (article) => (article.published ? 1 : 0)),
    relatedCount: Uint32Array.from(articles, (article) => article.relatedCount),
    path: articles.map((article) => article.path),
    strings,
    problems,
    stories: derived.stories,
    prefixTable: derived.prefixTable,
  };
}

function fromColumns(c: Columns): Article[] {
  const { strings, topicStart, topicRefs, imageStart, imageUrl, imageWidth, imageHeight } = c;
  const { id, title, excerpt, webUrl, publishedAt, providerName, providerDomain, type } = c;
  const { quality, heat, published, relatedCount, path } = c;
  const articles = new Array<Article>(c.count);
  for (let i = 0; i < c.count; i++) {
    const topics: string[] = [];
    const topicKeys: string[] = [];
    for (let t = topicStart[i]!; t < topicStart[i + 1]!; t++) {
      topics.push(strings[topicRefs[2 * t]!]!);
      topicKeys.push(strings[topicRefs[2 * t + 1]!]!);
    }
    const images: ArticleImage[] = [];
    for (let m = imageStart[i]!; m < imageStart[i + 1]!; m++) {
      images.push({
        url: imageUrl[m]!,
        width: orUndefined(imageWidth[m]!),
        height: orUndefined(imageHeight[m]!),
      });
    }
    // Fields in the order parseArticle gives them, so every article object has one shape.
    articles[i] = {
      id: id[i]!,
      title: title[i]!,
      excerpt: excerpt[i]!,
      body: '',
      webUrl: webUrl[i]!,
      publishedAt: orNull(publishedAt[i]!),
      provider: { name: strings[providerName[i]!]!, domain: strings[providerDomain[i]!]! },
      topics,
      topicKeys,
      images,
      quality: orNull(quality[i]!),
      heat: orNull(heat[i]!),
      published: published[i] === 1,
      type: strings[type[i]!]!,
      related: [],
      relatedCount: relatedCount[i]!,
      path: path[i]!,
    };
  }
  return articles;
}

/**
 * The snapshot as bytes, in two parts (header, payload) so they are written without a copy. Articles
 * lose their bodies and related lists: see Article.
 */
export function encodeSnapshot(snapshot: Snapshot): Buffer[] {
  const payload = v8.serialize(toColumns(snapshot.articles, snapshot.problems, snapshot.derived));
  const header: Header = {
    format: FORMAT,
    key: snapshot.key,
    count: snapshot.articles.length,
    bytes: payload.length,
    crc32: zlib.crc32(payload),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length, 0);
  return [Buffer.concat([length, headerBytes]), payload];
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
    if (header.format !== FORMAT || typeof header.key !== 'string') return null;
    return { header: header as Header, payloadStart: 4 + length };
  } catch {
    return null;
  }
}

function isColumns(value: unknown): value is Columns {
  const c = value as Partial<Columns> | null;
  if (!c || typeof c.count !== 'number') return false;
  const rows = [c.id, c.title, c.excerpt, c.webUrl, c.path, c.stories, c.publishedAt, c.providerName];
  return (
    rows.every((column) => column?.length === c.count) &&
    [c.providerDomain, c.type, c.quality, c.heat, c.published, c.relatedCount].every(
      (column) => column?.length === c.count,
    ) &&
    c.topicStart?.length === c.count + 1 &&
    c.imageStart?.length === c.count + 1 &&
    Array.isArray(c.strings) &&
    Array.isArray(c.problems) &&
    Array.isArray(c.prefixTable)
  );
}

/** The snapshot in `bytes` if it was saved for `key` and is whole; otherwise null (the caller rebuilds). */
export function decodeSnapshot(bytes: Buffer, key: string): Snapshot | null {
  const found = readHeader(bytes);
  if (!found || found.header.key !== key) return null;
  const payload = bytes.subarray(found.payloadStart);
  if (payload.length !== found.header.bytes || zlib.crc32(payload) !== found.header.crc32) return null;
  try {
    const columns: unknown = v8.deserialize(payload);
    if (!isColumns(columns)) return null;
    return {
      key,
      articles: fromColumns(columns),
      problems: columns.problems,
      derived: { stories: columns.stories, prefixTable: columns.prefixTable },
    };
  } catch {
    return null;
  }
}
