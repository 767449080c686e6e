import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonCache, writeJsonCache, writeJsonCacheEntries } from '../src/jsonCache.ts';
import { tempDir } from './support/articles.ts';

describe('JSON cache files', () => {
  it('GIVEN text in any script THEN it round-trips through the ASCII-only file', () => {
    const file = path.join(tempDir(), 'c.json');
    const value = { title: 'Café « naïve » 東京 🚗 \u2028 "quotes" \\ back', n: [1, 2] };
    writeJsonCache(file, value);
    expect(fs.readFileSync(file).every((byte) => byte < 128)).toBe(true);
    expect(readJsonCache(file)).toEqual(value);
  });

  it('GIVEN entries written one by one THEN the file is the same object', () => {
    const file = path.join(tempDir(), 'e.json');
    const entries: Array<[string, unknown]> = Array.from({ length: 3000 }, (_, i) => [
      `k${i} é`,
      { i, s: 'x'.repeat(500) },
    ]);
    writeJsonCacheEntries(file, { version: 2 }, 'entries', entries);
    expect(readJsonCache(file)).toEqual({ version: 2, entries: Object.fromEntries(entries) });
    writeJsonCacheEntries(file, {}, 'entries', []);
    expect(readJsonCache(file)).toEqual({ entries: {} });
  });

  it('GIVEN a damaged or missing file THEN null, never a throw', () => {
    const file = path.join(tempDir(), 'bad.json');
    fs.writeFileSync(file, '{"trunc');
    expect(readJsonCache(file)).toBeNull();
    expect(readJsonCache(path.join(tempDir(), 'missing.json'))).toBeNull();
  });
});
