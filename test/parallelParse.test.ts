import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import matter from 'gray-matter';
import yaml from 'js-yaml';
import { loadCorpus, type LoadCorpusOptions } from '../src/articles/loadCorpus.ts';
import { splitFrontMatter } from '../src/articles/parseArticle.ts';
import { READ_AHEAD, startReadAhead } from '../src/articles/readAhead.ts';
import { deriveTables } from '../src/search/catalog.ts';
import { assembleLibraryParts, libraryExtension } from '../src/search/libraryExtension.ts';
import { corpusCacheDir, loadLibrary } from '../src/search/loadLibrary.ts';
import { isStopWord, splitWords, stem } from '../src/search/analyzer.ts';
import { buildTextIndex, FIELDS, TextAnalyzer } from '../src/search/textIndex.ts';
import { articleFile, makeArticles, tempDir, writeCorpus } from './support/articles.ts';
import { createParseExtension as recordTitles } from './support/poolExtensions.ts';

/** Only pool threads parse (this one waits), so the pool itself is what is tested. */
const POOL_ONLY: LoadCorpusOptions['parallel'] = { minFiles: 0, workers: 2, parseHere: false };
const SERIAL: LoadCorpusOptions['parallel'] = { minFiles: Infinity };

/** A corpus of `count` articles with every kind of bad file and duplicate sprinkled in. */
function mixedCorpus(count: number): string {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const name = `n${String(i).padStart(4, '0')}.md`;
    files[name] = articleFile({
      title: `Story ${i} about ${['rockets', 'robots', 'vaccines', 'the who'][i % 4]}`,
      webUrl: `https://example.com/news/${i}`,
      excerpt: `Excerpt ${i} ${i % 3 ? 'running' : 'runs'} long`,
      topics: [['AI', 'Space'][i % 2]!, `Topic ${i % 7}`],
      heat: i % 50,
      body: i % 5 ? '' : `Body of story ${i}.`,
    });
    if (i % 37 === 5) files[name] = '---\ntitle: [broken yaml\n---\n';
    if (i % 41 === 7) files[name] = 'no front matter at all';
    if (i % 43 === 9) files[name] = `---\ntitle: "No link ${i}"\n---\n`;
    if (i % 47 === 11) files[name] = `---\ntitle: "Binary"\n---\n\u0000\u0001`;
    if (i % 53 === 13)
      files[name] = articleFile({
        title: `Copy of ${i - 13}`,
        webUrl: `https://example.com/news/${i - 13}`,
      });
  }
  for (let i = 0; i < count; i += 13) {
    files[`z-dup-${i}.md`] = articleFile({
      title: `Story ${i} later`,
      webUrl: `https://www.example.com/news/${i}/`,
      date: '2022-01-01T00:00:00Z',
      topics: ['Merged Topic'],
    });
  }
  return writeCorpus(files);
}

describe('front matter without gray-matter', () => {
  const grayMatter = (text: string) =>
    matter(text, {
      language: 'yaml',
      engines: { yaml: (source: string) => yaml.load(source, { schema: yaml.DEFAULT_SCHEMA }) as object },
    });
  it.each([
    ['a plain file', '---\ntitle: "A"\nheat: 3\n---\n\nBody text.\n'],
    ['CRLF line ends', '---\r\ntitle: A\r\ntopics:\r\n  - AI\r\n---\r\n\r\nBody\r\n'],
    ['a longer dash line first', '---\ntitle: A\n----\nheat: 1\n---\nbody'],
    ['a ---js line inside', '---\ntitle: A\n---js\nx\n---\nbody'],
    ['comments only', '---\n# nothing here\n  # nor here\n---\nbody'],
    ['YAML that is null', '---\n~\n---\nbody'],
    ['nothing at all', '---\n---\nbody'],
    ['no body', '---\ntitle: A\n---'],
    ['a closing line with more on it', '---\ntitle: A\n--- trailing\nbody'],
    ['a list', '---\n- a\n- b\n---\n'],
    ['a string', '---\njust text\n---\n'],
    ['a quoted value broken by the fence', "---\ntitle: 'a\n---b'\n---\nbody"],
    ['invalid YAML', '---\ntitle: [oops\n---\n'],
    ['a duplicate key', '---\ntitle: A\ntitle: B\n---\n'],
  ])('GIVEN %s THEN data and body are what gray-matter gives', (_, text) => {
    let expected: unknown;
    try {
      const { data, content } = grayMatter(text);
      expected = { data, content };
    } catch (error) {
      expect(() => splitFrontMatter(text)).toThrow(String((error as Error).message));
      return;
    }
    expect(splitFrontMatter(text)).toStrictEqual(expected);
  });
});

describe('index analysis', () => {
  it('GIVEN text in any script, with symbols, apostrophes and long words THEN each field counts what splitWords gives', () => {
    const texts = [
      "C++ and C# beat .NET? Alzheimer’s drugs don’t; it's rock'n'roll o'clock",
      'Café naïve Ünïcödé ﬁle 東京 ΑΘΗΝΑ İstanbul mañana １２３ Ⅻ “quoted” — ß',
      `${'x'.repeat(45)} ${'y'.repeat(41)}z a1b2 2020s e-mail snake_case_word`,
      'The Who: the the THE who? A an and of',
      '',
    ];
    const fields = (i: number) => ({
      title: texts[i % texts.length]!,
      excerpt: texts[(i + 1) % texts.length]!,
      topics: [texts[(i + 2) % texts.length]!, 'Machine Learning'],
      provider: { name: texts[(i + 3) % texts.length]!, domain: 'news.example.com' },
      body: texts[(i + 4) % texts.length]!,
    });
    const articles = texts.map((_, i) => ({ ...makeArticles([{ title: 'x' }])[0]!, ...fields(i) }));
    const analyzer = new TextAnalyzer();
    for (const article of articles) analyzer.analyze(article);
    const run = analyzer.take();
    articles.forEach((article, doc) => {
      // What the index should count, from splitWords: the stems per field (stop words only in titles).
      const expected = new Map<string, number[]>();
      const lengths = FIELDS.map((field, f) => {
        const text =
          field === 'topics'
            ? article.topics.join(' . ')
            : field === 'provider'
              ? `${article.provider.name} ${article.provider.domain.replace(/\.[a-z]+$/i, '')}`
              : article[field];
        const words = splitWords(text).filter((word) => field === 'title' || !isStopWord(word));
        for (const word of words) {
          const counts = expected.get(stem(word)) ?? FIELDS.map(() => 0);
          counts[f]!++;
          expected.set(stem(word), counts);
        }
        return words.length;
      });
      expect([...run.fieldLengths.subarray(doc * FIELDS.length, (doc + 1) * FIELDS.length)]).toEqual(lengths);
      const counted = new Map<string, number[]>();
      for (let i = run.docTermStart[doc]!; i < run.docTermStart[doc + 1]!; i++) {
        const packed = run.packedTf[i]!;
        counted.set(
          run.newTerms[run.docTerms[i]!]!,
          FIELDS.map((_, f) => (packed >>> (f * 6)) & 63),
        );
      }
      expect(counted).toEqual(expected);
    });
  });
});

describe('parsing across threads', () => {
  it('GIVEN many files, broken ones and duplicates among them THEN the pool gives exactly what a serial parse gives', () => {
    const dir = mixedCorpus(400);
    const serial = loadCorpus(dir, { parallel: SERIAL });
    const pooled = loadCorpus(dir, {
      parallel: {
        ...POOL_ONLY,
        extension: {
          moduleUrl: new URL('./support/poolExtensions.ts', import.meta.url).href,
          create: recordTitles,
        },
      },
    });
    expect(pooled.extension!.batches.some((batch) => batch.thread > 0)).toBe(true);
    expect(pooled.articles).toEqual(serial.articles);
    expect(pooled.problems).toEqual(serial.problems);
    expect(pooled.stats).toEqual(serial.stats);
    const rejected = serial.problems.filter((problem) => problem.severity === 'rejected');
    expect(rejected.map((problem) => problem.path)).toEqual(
      expect.arrayContaining(['n0005.md', 'n0007.md', 'n0009.md', 'n0011.md']),
    );
    expect(rejected.every((problem) => problem.reason.length > 10)).toBe(true);
    expect(serial.problems.some((problem) => /same URL as n0000\.md/.test(problem.reason))).toBe(true);
  });

  it('GIVEN the library extension THEN the index and derived tables equal a one-thread build, merged duplicates included', () => {
    const dir = mixedCorpus(300);
    const pooled = loadCorpus(dir, { parallel: { ...POOL_ONLY, extension: libraryExtension } });
    const serial = loadCorpus(dir, { parallel: SERIAL });
    expect(pooled.extension!.refs.some((ref) => ref === null)).toBe(true); // merged: analysed here
    const parts = assembleLibraryParts(pooled.articles, pooled.extension);
    expect(parts.index).toEqual(buildTextIndex(serial.articles));
    expect(parts.derived).toEqual(deriveTables(serial.articles));
  });

  it('GIVEN a pool thread that first met a word in a duplicate merged away THEN the index still names the word kept', () => {
    const dir = writeCorpus({
      'a.md': articleFile({
        title: 'Alpha',
        excerpt: 'first one',
        webUrl: 'https://example.com/x',
        date: '2022-01-01T00:00:00Z',
      }),
      // Older and with nothing a.md lacks, so none of its words stay.
      'b.md': articleFile({
        title: 'Beta',
        excerpt: 'zebras running',
        webUrl: 'https://example.com/x',
        date: '2020-01-01T00:00:00Z',
      }),
      'c.md': articleFile({ title: 'Gamma', excerpt: 'zebra runs' }),
    });
    const pooled = loadCorpus(dir, { parallel: { ...POOL_ONLY, workers: 1, extension: libraryExtension } });
    const serial = loadCorpus(dir, { parallel: SERIAL });
    const { index } = assembleLibraryParts(pooled.articles, pooled.extension);
    expect(index).toEqual(buildTextIndex(serial.articles));
    expect(index.termWords).toEqual(expect.arrayContaining(['runs', 'zebra']));
    expect(index.termWords).not.toContain('running');
  });

  it('GIVEN a pool thread that fails on one article THEN its share is parsed here and nothing is lost', () => {
    const dir = mixedCorpus(120);
    fs.writeFileSync(path.join(dir, 'n0050.md'), articleFile({ title: 'The poison pill' }));
    const moduleUrl = `${new URL('./support/poolExtensions.ts', import.meta.url).href}?fail`;
    const extension = { moduleUrl, create: recordTitles };
    const serial = loadCorpus(dir, { parallel: { ...SERIAL, extension } });
    const pooled = loadCorpus(dir, { parallel: { ...POOL_ONLY, workers: 1, extension } });
    expect(pooled.articles).toEqual(serial.articles);
    expect(pooled.problems).toEqual(serial.problems);
    // Every file that parsed went through the extension once, in the pool or here.
    const recorded = (corpus: typeof pooled) =>
      corpus.extension!.batches.flatMap((batch) => batch.payload as string[]).sort();
    expect(recorded(pooled)).toEqual(recorded(serial));
    expect(recorded(serial)).toContain('The poison pill');
  });

  it('GIVEN a pool thread that hangs THEN the load gives up on it and finishes here', () => {
    const dir = mixedCorpus(60);
    fs.writeFileSync(path.join(dir, 'n0020.md'), articleFile({ title: 'Another poison pill' }));
    const serial = loadCorpus(dir, { parallel: SERIAL });
    const moduleUrl = `${new URL('./support/poolExtensions.ts', import.meta.url).href}?hang`;
    const pooled = loadCorpus(dir, {
      parallel: { ...POOL_ONLY, workers: 1, silentMs: 3_000, extension: { moduleUrl, create: recordTitles } },
    });
    expect(pooled.articles).toEqual(serial.articles);
    expect(pooled.problems).toEqual(serial.problems);
  });

  it('GIVEN paths the read-ahead cannot read (gone, a folder, a FIFO) THEN it stays a window ahead of the parsers and ends once they claimed all', async () => {
    const dir = tempDir();
    const total = READ_AHEAD.windowFiles + 500;
    const paths = Array.from({ length: total }, (_, i) => path.join(dir, `f${i}.md`));
    paths.forEach((file, i) => i % 3 && fs.writeFileSync(file, `---\ntitle: ${i}\n---\n`));
    fs.mkdirSync(paths[0]!);
    execFileSync('mkfifo', [paths[3]!]);
    const counters = new Int32Array(new SharedArrayBuffer(8));
    const worker = startReadAhead({ absPaths: paths.join('\u0000'), counters, total })!;
    const exited = new Promise<number>((resolve) => worker.on('exit', resolve));
    const within = (ms: number) =>
      Promise.race([exited, new Promise((resolve) => setTimeout(resolve, ms, 'running'))]);
    // Nothing claimed: it reads one window ahead and waits there.
    expect(await within(1_500)).toBe('running');
    Atomics.store(counters, 0, total - 10);
    expect(await within(10_000)).toBe(0);
  });

  it('GIVEN a parse cache and some files changed THEN the pool parses those, the rest come from the cache, and the new cache serves the next load', () => {
    const dir = mixedCorpus(300);
    const cacheDir = tempDir();
    loadCorpus(dir, { cacheDir, parallel: SERIAL });
    const names = fs.readdirSync(dir).sort();
    names.forEach((name, i) => {
      if (i % 7 === 3) fs.writeFileSync(path.join(dir, name), articleFile({ title: `Rewritten ${i}` }));
    });
    const pooled = loadCorpus(dir, { cacheDir, parallel: POOL_ONLY });
    const changed = names.filter((_, i) => i % 7 === 3).length;
    expect(pooled.stats).toEqual({ files: names.length, parsed: changed, fromCache: names.length - changed });
    const reference = loadCorpus(dir, { parallel: SERIAL });
    expect(pooled.articles).toEqual(reference.articles);
    expect(pooled.problems).toEqual(reference.problems);
    const again = loadCorpus(dir, { cacheDir, parallel: POOL_ONLY });
    expect(again.stats.parsed).toBe(0);
    expect(again.articles).toEqual(reference.articles);
  });

  it('GIVEN a pooled load THEN progress counts files in order, as a serial one does', () => {
    const dir = mixedCorpus(2_300);
    const seen = (parallel: LoadCorpusOptions['parallel']) => {
      const calls: string[] = [];
      loadCorpus(dir, { parallel, onProgress: (done, total) => calls.push(`${done}/${total}`) });
      return calls;
    };
    const serial = seen(SERIAL);
    expect(serial).toEqual(['1000/2477', '2000/2477', '2477/2477']);
    expect(seen({ minFiles: 0, workers: 2 })).toEqual(serial);
  });
});

/** Cut a file to 60 %, or flip one bit at 70 %. */
function damage(file: string, how: 'truncate' | 'flip'): void {
  const bytes = fs.readFileSync(file);
  if (how === 'truncate') {
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  } else {
    bytes[Math.floor(bytes.length * 0.7)]! ^= 0x20;
    fs.writeFileSync(file, bytes);
  }
}

describe('damaged caches', () => {
  it('GIVEN a cut-short or scribbled-on snapshot or index THEN it is ignored and rebuilt, never trusted', () => {
    const dir = mixedCorpus(80);
    const dataDir = tempDir();
    const reference = loadLibrary({ articlesDir: dir, dataDir });
    const cacheDir = corpusCacheDir(dataDir, dir);
    expect(fs.readdirSync(cacheDir).sort()).toEqual([
      'library-snapshot.bin',
      'parsed-articles.ndjson',
      'text-index.bin',
    ]);
    for (const name of ['library-snapshot.bin', 'text-index.bin']) {
      for (const how of ['truncate', 'flip'] as const) {
        damage(path.join(cacheDir, name), how);
        const again = loadLibrary({ articlesDir: dir, dataDir });
        expect(again.timings.fromSnapshot, `${how} ${name}`).toBe(false);
        expect(again.problems).toEqual(reference.problems);
        for (const query of ['rockets', 'the who', 'story 12']) {
          expect(again.library.search(query, { now: 0 })).toEqual(
            reference.library.search(query, { now: 0 }),
          );
        }
        // The rebuilt caches serve the next start.
        expect(loadLibrary({ articlesDir: dir, dataDir }).timings.fromSnapshot).toBe(true);
      }
    }
  });

  it('GIVEN a cache folder that cannot hold files THEN the corpus still loads and the problem says why', () => {
    const dir = mixedCorpus(30);
    const notAFolder = path.join(tempDir(), 'file');
    fs.writeFileSync(notAFolder, 'x');
    const loaded = loadCorpus(dir, { cacheDir: notAFolder });
    expect(loaded.articles).toEqual(loadCorpus(dir).articles);
    expect(loaded.problems.at(-1)).toMatchObject({
      severity: 'warning',
      reason: expect.stringMatching(/^parse cache not saved/),
    });
    expect(fs.readdirSync(path.dirname(notAFolder))).toEqual(['file']);
  });

  it('GIVEN a damaged parse cache THEN every file is parsed again, with the same result', () => {
    const dir = mixedCorpus(80);
    const cacheDir = tempDir();
    const reference = loadCorpus(dir, { cacheDir });
    const file = path.join(cacheDir, 'parsed-articles.ndjson');
    for (const how of ['truncate', 'flip'] as const) {
      expect(loadCorpus(dir, { cacheDir }).stats.parsed).toBe(0);
      damage(file, how);
      const again = loadCorpus(dir, { cacheDir });
      expect(again.stats).toMatchObject({ parsed: reference.stats.files, fromCache: 0 });
      expect(again.articles).toEqual(reference.articles);
      expect(again.problems).toEqual(reference.problems);
    }
  });
});
