import fs from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import zlib from 'node:zlib';

/** A temporary name beside `file`, unique to this thread (two threads may save one cache). */
function temporaryName(file: string): string {
  return `${file}.${process.pid}-${threadId}.tmp`;
}

/** Write via a temporary file and rename, so a crash never leaves half a cache file behind. */
export function writeAtomically(file: string, data: string | Buffer | readonly Uint8Array[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = temporaryName(file);
  if (typeof data === 'string' || Buffer.isBuffer(data)) {
    fs.writeFileSync(temp, data);
  } else {
    // Parts written in turn: no copy of a large cache to concatenate them first.
    const fd = fs.openSync(temp, 'w');
    try {
      for (const part of data) {
        for (let at = 0; at < part.byteLength;) at += fs.writeSync(fd, part, at, part.byteLength - at);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  fs.renameSync(temp, file);
}

/**
 * Cache files are JSON with every non-ASCII character escaped, so they can be decoded as latin1:
 * ten times faster than UTF-8 decoding (48 ms instead of 451 ms for 86 MB), which is a sixth of a
 * warm start at 100k articles.
 */
export function writeJsonCache(file: string, value: unknown): void {
  writeAtomically(file, Buffer.from(asciiJson(value), 'latin1'));
}

export function asciiJson(value: unknown): string {
  const json = JSON.stringify(value);
  return NON_ASCII.test(json)
    ? json.replace(NON_ASCII_ALL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : json;
}
const NON_ASCII = /[\u007f-\uffff]/;
const NON_ASCII_ALL = /[\u007f-\uffff]/g;

/**
 * `{ ...header, [field]: { key: value, … } }` written entry by entry: the parse cache of 100k articles
 * is 180 MB of JSON, and building it as one string (plus its escaped copy and a Buffer) would add
 * half a gigabyte to peak memory.
 */
export function writeJsonCacheEntries(
  file: string,
  header: Record<string, unknown>,
  field: string,
  entries: Iterable<[string, unknown]>,
): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = temporaryName(file);
  const fd = fs.openSync(temp, 'w');
  try {
    let chunk =
      asciiJson(header).slice(0, -1) + `${Object.keys(header).length ? ',' : ''}${JSON.stringify(field)}:{`;
    let first = true;
    for (const [key, value] of entries) {
      chunk += `${first ? '' : ','}${asciiJson(key)}:${asciiJson(value)}`;
      first = false;
      if (chunk.length > 1 << 20) {
        fs.writeSync(fd, chunk, null, 'latin1');
        chunk = '';
      }
    }
    fs.writeSync(fd, chunk + '}}', null, 'latin1');
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

/** The cached value, or null when the file is missing or damaged (callers rebuild). */
export function readJsonCache<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file).toString('latin1')) as T;
  } catch {
    return null;
  }
}

/**
 * A file of lines (ASCII, no line breaks inside): a header line, the lines, and a trailer with their
 * count and a CRC-32 of everything before it, so a truncated or damaged file is recognised as a whole.
 * Written atomically, chunk by chunk (a parse cache of 100k articles is 180 MB).
 */
export function writeCheckedLines(
  file: string,
  header: Record<string, unknown>,
  lines: Iterable<string>,
): void {
  const writer = new CheckedLinesWriter(file, header);
  try {
    for (const line of lines) writer.add(line);
    writer.commit();
  } finally {
    writer.abort();
  }
}

/**
 * writeCheckedLines a line at a time, for a caller that makes them one by one (a 180 MB parse cache
 * is then never held in memory): `commit` renames the finished file into place, `abort` (also after
 * a commit, harmless) removes an unfinished one.
 */
export class CheckedLinesWriter {
  private readonly temp: string;
  private fd: number | null;
  private crc = 0;
  private count = 0;
  private chunk: string;

  constructor(
    private readonly file: string,
    header: Record<string, unknown>,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.temp = temporaryName(file);
    this.fd = fs.openSync(this.temp, 'w');
    this.chunk = `${asciiJson(header)}\n`;
  }

  add(line: string): void {
    this.chunk += `${line}\n`;
    this.count++;
    if (this.chunk.length > 1 << 20) this.flush();
  }

  /** Lines already encoded (ASCII, each ending in a line break), `lines` of them. */
  addBytes(bytes: Uint8Array, lines: number): void {
    this.flush();
    this.crc = zlib.crc32(bytes, this.crc);
    for (let at = 0; at < bytes.length;) at += fs.writeSync(this.fd!, bytes, at, bytes.length - at);
    this.count += lines;
  }

  commit(): void {
    this.flush();
    fs.writeSync(this.fd!, JSON.stringify({ lines: this.count, crc32: this.crc }));
    fs.closeSync(this.fd!);
    this.fd = null;
    try {
      fs.renameSync(this.temp, this.file);
    } catch (error) {
      fs.rmSync(this.temp, { force: true });
      throw error;
    }
  }

  abort(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
    fs.rmSync(this.temp, { force: true });
  }

  private flush(): void {
    if (!this.chunk) return;
    const bytes = Buffer.from(this.chunk, 'latin1');
    this.crc = zlib.crc32(bytes, this.crc);
    fs.writeSync(this.fd!, bytes);
    this.chunk = '';
  }
}

/** The header and lines of a file written by writeCheckedLines; null when missing, cut short or damaged. */
export function readCheckedLines(file: string): { header: unknown; lines: string[] } | null {
  try {
    const bytes = fs.readFileSync(file);
    const trailerStart = bytes.lastIndexOf(0x0a) + 1;
    const trailer = JSON.parse(bytes.subarray(trailerStart).toString('latin1')) as {
      lines?: unknown;
      crc32?: unknown;
    };
    if (trailerStart === 0 || trailer.crc32 !== zlib.crc32(bytes.subarray(0, trailerStart))) return null;
    const text = bytes.toString('latin1', 0, trailerStart - 1);
    const headerEnd = text.indexOf('\n');
    const header: unknown = JSON.parse(headerEnd < 0 ? text : text.slice(0, headerEnd));
    const lines = headerEnd < 0 ? [] : text.slice(headerEnd + 1).split('\n');
    return lines.length === trailer.lines ? { header, lines } : null;
  } catch {
    return null;
  }
}
