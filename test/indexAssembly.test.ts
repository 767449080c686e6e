import { describe, expect, it } from 'vitest';
import { loadCorpus, type LoadCorpusOptions } from '../src/articles/loadCorpus.ts';
import { PARALLEL_MIN_FILES } from '../src/articles/parallelParse.ts';
import { needsArticles, startIndexAssembler } from '../src/search/indexAssembly.ts';
import { libraryAssembly, libraryExtension } from '../src/search/libraryExtension.ts';
import { loadLibrary } from '../src/search/loadLibrary.ts';
import { buildTextIndex } from '../src/search/textIndex.ts';
import { articleFile, writeCorpus } from './support/articles.ts';

const POOL: LoadCorpusOptions['parallel'] = { minFiles: 0, workers: 1, extension: libraryExtension };
const SERIAL: LoadCorpusOptions['parallel'] = { minFiles: Infinity };

function corpus(count: number, duplicates = false): string {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    files[`a${String(i).padStart(5, '0')}.md`] = articleFile({
      title: `Story ${i} about ${['rockets', 'robots', 'vaccines', 'the who'][i % 4]}`,
      webUrl: `https://example.com/news/${i}`,
      excerpt: `Excerpt ${i} ${i % 3 ? 'running' : 'runs'} through word${i % 97}`,
      topics: [['AI', 'Space'][i % 2]!],
      body: i % 5 ? '' : `Body of story ${i}, generating ${i % 11} machines.`,
    });
  }
  if (duplicates) {
    files['z-copy.md'] = articleFile({
      title: 'Story 3 later, with zebras',
      webUrl: 'https://www.example.com/news/3/',
      date: '2022-01-01T00:00:00Z',
    });
  }
  return writeCorpus(files);
}

describe('index assembly in a thread of its own', () => {
  it('GIVEN a pooled parse without duplicates THEN the index assembled in the other thread equals a one-thread build', () => {
    const dir = corpus(400);
    const pooled = loadCorpus(dir, { parallel: POOL });
    const serial = loadCorpus(dir, { parallel: SERIAL });
    const assembly = libraryAssembly(pooled.articles, pooled.extension);
    const job = assembly.indexJob();
    expect(job.tables.length).toBeGreaterThan(1); // this thread's analyzer and the pool's
    expect(needsArticles(job)).toBe(false);
    const assembler = startIndexAssembler();
    try {
      expect(assembler.start(job)).toBe(true);
      expect(assembler.wait()).toEqual(buildTextIndex(serial.articles));
    } finally {
      assembler.stop();
    }
  });

  it('GIVEN a duplicate merged away THEN the job needs the articles, nothing is handed over, and this thread assembles it right', () => {
    const dir = corpus(200, true);
    expect(loadLibrary({ articlesDir: dir, dataDir: null }).timings.indexApart).toBeFalsy();
    const pooled = loadCorpus(dir, { parallel: POOL });
    const serial = loadCorpus(dir, { parallel: SERIAL });
    expect(pooled.problems.some((problem) => /same URL as/.test(problem.reason))).toBe(true);
    const assembly = libraryAssembly(pooled.articles, pooled.extension);
    expect(needsArticles(assembly.indexJob())).toBe(true);
    const assembler = startIndexAssembler();
    try {
      expect(assembler.start(assembly.indexJob())).toBe(false);
      expect(assembler.wait()).toBeNull();
    } finally {
      assembler.stop();
    }
    expect(assembly.index()).toEqual(buildTextIndex(serial.articles));
  });

  it('GIVEN a corpus big enough for the pool THEN loadLibrary serves the index the other thread assembled, equal to a one-thread build', () => {
    const dir = corpus(PARALLEL_MIN_FILES + 50);
    const { library, timings } = loadLibrary({ articlesDir: dir, dataDir: null });
    const serial = loadCorpus(dir, { parallel: SERIAL });
    expect(timings).toMatchObject({ indexFromCache: false, indexApart: true });
    expect(library.index).toEqual(buildTextIndex(serial.articles));
    expect(library.search('generating machines').results.length).toBeGreaterThan(0);
  });
});
