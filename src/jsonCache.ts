import fs from 'node:fs';
import path from 'node:path';

/** Write via a temporary file and rename, so a crash never leaves half a cache file behind. */
export function writeAtomically(file: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, data);
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

function asciiJson(value: unknown): string {
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
  const temp = `${file}.${process.pid}.tmp`;
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
