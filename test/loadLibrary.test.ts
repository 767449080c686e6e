import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusCacheDir, loadLibrary } from '../src/search/loadLibrary.ts';
import { loadLibraryInBackground } from '../src/search/loadLibraryInBackground.ts';
import { buildTextIndex, deserializeTextIndex, serializeTextIndex } from '../src/search/textIndex.ts';
import { articleFile, makeArticles, tempDir, writeCorpus } from './support/articles.ts';

/** As JSON has it: a warm start's articles read their columns through getters (SnapshotArticle). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('index persistence', () => {
  it('GIVEN a saved index THEN it loads back identical, and a different key is refused', () => {
    const index = buildTextIndex(
      makeArticles([{ title: 'Deep learning for tumors' }, { title: 'Quantum chips' }]),
    );
    const bytes = serializeTextIndex(index, 'k1');
    const loaded = deserializeTextIndex(bytes, 'k1');
    expect(loaded).not.toBeNull();
    expect(loaded!.terms).toEqual(index.terms);
    expect([...loaded!.postingImpact]).toEqual([...index.postingImpact]);
    expect([...loaded!.docTerms]).toEqual([...index.docTerms]);
    expect(deserializeTextIndex(bytes, 'k2')).toBeNull();
  });

  it('GIVEN a restart on an unchanged corpus THEN the index comes from the cache; an edit rebuilds it', () => {
    const dir = writeCorpus({
      'a.md': articleFile({ title: 'Deep learning for tumors', topics: ['AI'] }),
      'b.md': articleFile({ title: 'Quantum chips get colder' }),
    });
    const dataDir = tempDir();
    const cold = loadLibrary({ articlesDir: dir, dataDir });
    expect(cold.timings.indexFromCache).toBe(false);
    expect(fs.existsSync(path.join(corpusCacheDir(dataDir, dir), 'text-index.bin'))).toBe(true);
    const warm = loadLibrary({ articlesDir: dir, dataDir });
    expect(warm.timings).toMatchObject({ indexFromCache: true, fromSnapshot: true });
    for (const query of ['quantum', 'deep learning', 'tumors colder']) {
      expect(plain(warm.library.search(query))).toEqual(plain(cold.library.search(query)));
    }
    expect(warm.library.topics()).toEqual(cold.library.topics());
    expect(plain(warm.library.suggest('q', { kind: 'article' }))).toEqual(
      plain(cold.library.suggest('q', { kind: 'article' })),
    );

    fs.writeFileSync(path.join(dir, 'c.md'), articleFile({ title: 'Photonic quantum computers' }));
    const edited = loadLibrary({ articlesDir: dir, dataDir });
    expect(edited.timings.indexFromCache).toBe(false);
    expect(edited.library.search('photonic').total).toBe(1);
  });

  it('GIVEN a damaged index file THEN it is rebuilt, not trusted', () => {
    const dir = writeCorpus({ 'a.md': articleFile({ title: 'Deep learning for tumors' }) });
    const dataDir = tempDir();
    loadLibrary({ articlesDir: dir, dataDir });
    fs.writeFileSync(path.join(corpusCacheDir(dataDir, dir), 'text-index.bin'), 'garbage');
    const again = loadLibrary({ articlesDir: dir, dataDir });
    expect(again.timings.indexFromCache).toBe(false);
    expect(again.library.search('tumors').total).toBe(1);
  });

  it('GIVEN curated related lists THEN they are read from the file on demand', () => {
    const dir = writeCorpus({
      'a.md': articleFile({
        title: 'Deep learning for tumors',
        related: [{ title: 'A lab story', webUrl: 'https://lab.example.org/story' }],
      }),
    });
    const { library } = loadLibrary({ articlesDir: dir, dataDir: tempDir() });
    const article = library.articles()[0]!;
    expect(article.related).toEqual([]);
    expect(article.relatedCount).toBe(1);
    const page = library.related(article.id);
    expect(page.results[0]).toMatchObject({ kind: 'link', why: 'curated related reading' });
  });
});

describe('loading off the main thread', () => {
  it('GIVEN a cold start, a warm start and no cache folder THEN the worker-built library answers like the in-thread one', async () => {
    const dir = writeCorpus({
      'a.md': articleFile({ title: 'Deep learning for tumors', topics: ['AI'] }),
      'b.md': articleFile({ title: 'Quantum chips get colder', topics: ['Hardware'] }),
      'broken.md': 'no front matter',
    });
    const reference = loadLibrary({ articlesDir: dir, dataDir: null });
    const dataDir = tempDir();
    const cold = await loadLibraryInBackground({ articlesDir: dir, dataDir });
    const warm = await loadLibraryInBackground({ articlesDir: dir, dataDir });
    const uncached = await loadLibraryInBackground({ articlesDir: dir, dataDir: null });
    expect(warm.timings.fromSnapshot).toBe(true);
    for (const loaded of [cold, warm, uncached]) {
      expect(plain(loaded.library.search('quantum'))).toEqual(plain(reference.library.search('quantum')));
      expect(loaded.library.topics()).toEqual(reference.library.topics());
      expect(loaded.problems.map((problem) => problem.path)).toEqual(['broken.md']);
    }
  });

  it('GIVEN a large corpus as far as the caches know THEN a worker lists it while this thread reads them, and a stale cache is rebuilt', async () => {
    const dir = writeCorpus({
      'a.md': articleFile({ title: 'Deep learning for tumors', topics: ['AI'] }),
      'b.md': articleFile({ title: 'Quantum chips get colder', topics: ['Hardware'] }),
      'broken.md': 'no front matter',
    });
    const dataDir = tempDir();
    const reference = loadLibrary({ articlesDir: dir, dataDir: null });
    const viaWorker = { listHereBelow: 0 };
    const cold = await loadLibraryInBackground({ articlesDir: dir, dataDir }, viaWorker);
    const warm = await loadLibraryInBackground({ articlesDir: dir, dataDir }, viaWorker);
    expect(cold.timings.fromSnapshot).toBe(false);
    expect(warm.timings.fromSnapshot).toBe(true);
    // An index damaged behind a good snapshot is refused, and rebuilt.
    const indexFile = path.join(corpusCacheDir(dataDir, dir), 'text-index.bin');
    fs.writeFileSync(indexFile, fs.readFileSync(indexFile).subarray(0, 100));
    const rebuilt = await loadLibraryInBackground({ articlesDir: dir, dataDir }, viaWorker);
    expect(rebuilt.timings.fromSnapshot).toBe(false);
    expect(plain(rebuilt.library.search('quantum'))).toEqual(plain(reference.library.search('quantum')));
    fs.writeFileSync(path.join(dir, 'c.md'), articleFile({ title: 'Photonic quantum computers' }));
    const edited = await loadLibraryInBackground({ articlesDir: dir, dataDir }, viaWorker);
    expect(edited.timings.fromSnapshot).toBe(false);
    expect(edited.library.search('photonic').total).toBe(1);
    for (const loaded of [cold, warm]) {
      expect(plain(loaded.library.search('quantum'))).toEqual(plain(reference.library.search('quantum')));
      expect(plain(loaded.library.articles())).toEqual(
        plain(reference.library.articles().map((article) => ({ ...article, body: '' }))),
      );
      expect(loaded.problems).toEqual(reference.problems);
    }
  });

  it('GIVEN a missing corpus folder THEN the promise rejects with the error code', async () => {
    await expect(
      loadLibraryInBackground({ articlesDir: '/nonexistent/folder', dataDir: tempDir() }),
    ).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('GIVEN two corpora alternating over one DATA_DIR THEN each keeps its own caches and neither is rebuilt', () => {
    const first = writeCorpus({ 'a.md': articleFile({ title: 'Deep learning for tumors' }) });
    const second = writeCorpus({ 'b.md': articleFile({ title: 'Quantum chips get colder' }) });
    const dataDir = tempDir();
    expect(loadLibrary({ articlesDir: first, dataDir }).timings.fromSnapshot).toBe(false);
    expect(loadLibrary({ articlesDir: second, dataDir }).timings.fromSnapshot).toBe(false);
    const again = loadLibrary({ articlesDir: first, dataDir });
    expect(again.timings.fromSnapshot).toBe(true);
    expect(again.library.search('tumors').total).toBe(1);
    expect(loadLibrary({ articlesDir: second, dataDir }).timings.fromSnapshot).toBe(true);
  });

  it('GIVEN a load that parses THEN progress is reported for reading and indexing', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 2_100; i++) files[`a${i}.md`] = articleFile({ title: `Article number ${i}` });
    const dir = writeCorpus(files);
    const seen: string[] = [];
    loadLibrary({
      articlesDir: dir,
      dataDir: null,
      onProgress: (p) => seen.push(`${p.phase} ${p.done}/${p.total}`),
    });
    expect(seen).toEqual([
      'reading 1000/2100',
      'reading 2000/2100',
      'reading 2100/2100',
      'indexing 0/2100',
      'indexing 2100/2100',
    ]);
  });
});
