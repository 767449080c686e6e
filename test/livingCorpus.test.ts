import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LibraryRef } from '../src/app/libraryRef.ts';
import { stillInLibrary } from '../src/app/verbs.ts';
import type { Library } from '../src/search/library.ts';
import { watchLibrary, type LiveLibrary, type ReloadReport } from '../src/search/liveLibrary.ts';
import { loadLibrary } from '../src/search/loadLibrary.ts';
import type { Recommendation } from '../src/search/types.ts';
import { articleFile, tempDir, writeCorpus, type FixtureArticle } from './support/articles.ts';
import { eventually } from './support/processes.ts';

const NOW = Date.parse('2021-10-20T00:00:00Z');
const WAIT_MS = 20_000;

const ARTICLES: Record<string, FixtureArticle> = {
  'tumors.md': {
    title: 'Deep learning improves interpretation of tumors',
    webUrl: 'https://example.com/news/tumors',
    excerpt: 'Engineers use deep learning to read PET scans of tumors.',
    topics: ['Machine Learning', 'AI'],
    heat: 79,
    date: '2021-10-19T13:40:00Z',
  },
  'cars.md': {
    title: 'Self-driving cars learn to see pedestrians',
    webUrl: 'https://example.com/news/cars',
    excerpt: 'Autonomous vehicles and computer vision.',
    topics: ['AI in Autos'],
    heat: 300,
    date: '2021-10-17T10:00:00Z',
  },
  'chips.md': {
    title: 'Quantum chips get colder',
    webUrl: 'https://example.com/news/chips',
    excerpt: 'A dilution refrigerator for qubits.',
    topics: ['Hardware'],
    heat: 40,
    date: '2021-10-18T09:00:00Z',
  },
  'news/bees.md': {
    title: 'Bees learn to count to four',
    webUrl: 'https://example.com/news/bees',
    excerpt: 'Insects and numbers in a new experiment.',
    topics: ['Science'],
    heat: 12,
    date: '2021-10-19T08:00:00Z',
  },
};

const PHOTONIC: FixtureArticle = {
  title: 'Photonic processors reach the data centre',
  excerpt: 'Light instead of electrons for matrix maths in machine learning.',
  topics: ['Hardware', 'Photonics'],
  heat: 500,
  date: '2021-10-19T20:00:00Z',
};

interface Watched {
  dir: string;
  ref: LibraryRef;
  live: LiveLibrary;
  reports: ReloadReport[];
  write(name: string, fixture: FixtureArticle | string): void;
  remove(name: string): void;
  /** Resolves with the next reload's report (the first one after `count` reports so far). */
  reloadAfter(count: number): Promise<ReloadReport>;
}

const running: LiveLibrary[] = [];
afterEach(async () => {
  for (const live of running.splice(0)) await live.stop();
});

async function watched(
  files: Record<string, FixtureArticle | string> = ARTICLES,
  { watch = true, compactAfter }: { watch?: boolean; compactAfter?: number } = {},
): Promise<Watched> {
  const dir = writeCorpus(
    Object.fromEntries(
      Object.entries(files).map(([name, file]) => [
        name,
        typeof file === 'string' ? file : articleFile(file),
      ]),
    ),
  );
  // The files are older than the load: the take-over after it finds nothing to read again.
  await new Promise((resolve) => setTimeout(resolve, 30));
  const loadedSince = Date.now();
  const ref = new LibraryRef(loadLibrary({ articlesDir: dir, dataDir: null }).library);
  const reports: ReloadReport[] = [];
  const live = watchLibrary({
    config: { ARTICLES_DIR: dir, DATA_DIR: tempDir(), MAX_ARTICLE_BYTES: 512 * 1024, WATCH_ARTICLES: watch },
    library: ref,
    loadedSince,
    reloadSignal: false,
    quietMs: 150,
    logger: pino({ level: 'silent' }),
    ...(compactAfter !== undefined && { compactAfter }),
    onReload: (report) => reports.push(report),
  });
  running.push(live);
  await live.ready;
  reports.length = 0; // the take-over
  return {
    dir,
    ref,
    live,
    reports,
    write: (name, fixture) => {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), typeof fixture === 'string' ? fixture : articleFile(fixture));
    },
    remove: (name) => fs.rmSync(path.join(dir, name), { recursive: true }),
    reloadAfter: (count) => eventually(() => reports[count], `reload ${count + 1}`, WAIT_MS),
  };
}

const titles = (results: Recommendation[]) =>
  results.map((result) => (result.kind === 'article' ? result.article.title : result.link.title));
const searchTitles = (library: Library, query: string) => titles(library.search(query, { now: NOW }).results);

describe('a watched corpus', () => {
  it('GIVEN a new article file THEN one reload adds it and search, topics, trending, related, autocomplete and the digest see it', async () => {
    const w = await watched();
    const before = w.ref.current;
    w.write('photonic.md', PHOTONIC);
    expect(await w.reloadAfter(0)).toMatchObject({
      added: 1,
      changed: 0,
      removed: 0,
      rejected: 0,
      articles: 5,
    });
    const library = w.ref.current;
    expect(searchTitles(library, 'photonic processors')).toEqual([PHOTONIC.title]);
    expect(searchTitles(library, 'machine learning')).toContain(PHOTONIC.title);
    expect(library.topics()).toEqual(
      expect.arrayContaining([
        { key: 'hardware', name: 'Hardware', count: 2 },
        { key: 'photonics', name: 'Photonics', count: 1 },
      ]),
    );
    expect(titles(library.topic('Hardware', { now: NOW }).results)).toEqual([
      PHOTONIC.title,
      'Quantum chips get colder',
    ]);
    expect(titles(library.trending('week', { now: NOW }).results)[0]).toBe(PHOTONIC.title);
    const chips = library.search('quantum chips', { now: NOW }).results[0]!;
    expect(titles(library.related(chips.kind === 'article' ? chips.article.id : '').results)).toContain(
      PHOTONIC.title,
    );
    expect(library.suggest('photon', { kind: 'article' }).map((choice) => choice.name)).toEqual([
      PHOTONIC.title,
    ]);
    expect(library.suggest('ph', { kind: 'article' }).map((choice) => choice.name)).toEqual([PHOTONIC.title]);
    expect(library.suggest('Phot', { kind: 'topic' }).map((choice) => choice.value)).toEqual(['Photonics']);
    expect(library.resolve(PHOTONIC.title)?.title).toBe(PHOTONIC.title);
    const digest = library.selectDigest({ since: NOW - 86_400_000, until: NOW, limit: 5 });
    expect(digest.map((article) => article.title)).toEqual([
      PHOTONIC.title,
      'Deep learning improves interpretation of tumors',
      'Bees learn to count to four',
    ]);
    // A question that started on the old library finishes on it.
    expect(searchTitles(before, 'photonic processors')).toEqual([]);
  });

  it('GIVEN a changed file THEN the new version replaces the old everywhere, under the same id', async () => {
    const w = await watched();
    const oldId = w.ref.current.search('quantum chips').results[0]!;
    w.write('chips.md', {
      ...ARTICLES['chips.md']!,
      title: 'Quantum chips get much colder',
      topics: ['Physics'],
    });
    expect(await w.reloadAfter(0)).toMatchObject({ added: 0, changed: 1, removed: 0, articles: 4 });
    const library = w.ref.current;
    expect(searchTitles(library, 'quantum chips')).toEqual(['Quantum chips get much colder']);
    expect(library.get(oldId.kind === 'article' ? oldId.article.id : '')?.title).toBe(
      'Quantum chips get much colder',
    );
    expect(library.topics().map((topic) => topic.name)).not.toContain('Hardware');
    expect(library.topics()).toContainEqual({ key: 'physics', name: 'Physics', count: 1 });
    expect(library.size).toBe(4);
    expect(library.articles()).toHaveLength(4);
  });

  it('GIVEN a deleted file THEN its article is gone from search, topics, trending, autocomplete and lookups', async () => {
    const w = await watched();
    const cars = w.ref.current.search('self-driving').results[0]!;
    const id = cars.kind === 'article' ? cars.article.id : '';
    w.remove('cars.md');
    expect(await w.reloadAfter(0)).toMatchObject({ added: 0, changed: 0, removed: 1, articles: 3 });
    const library = w.ref.current;
    expect(searchTitles(library, 'self-driving cars')).toEqual([]);
    expect(library.get(id)).toBeUndefined();
    expect(library.resolve(id)).toBeUndefined();
    expect(library.related(id).notices).toEqual([{ kind: 'unknown-article', ref: id }]);
    expect(library.topics().map((topic) => topic.name)).not.toContain('AI in Autos');
    expect(titles(library.trending('week', { now: NOW }).results)).not.toContain(
      cars.kind === 'article' && cars.article.title,
    );
    expect(library.suggest('se', { kind: 'article' })).toEqual([]);
    expect(library.suggest('self', { kind: 'article' })).toEqual([]);
    expect(library.suggest('', { kind: 'article' }).map((choice) => choice.value)).not.toContain(id);
  });

  it('GIVEN a file that turns invalid THEN it is reported with its reason and only its article leaves', async () => {
    const w = await watched();
    w.write('tumors.md', 'title: no front matter any more');
    const report = await w.reloadAfter(0);
    expect(report).toMatchObject({ added: 0, changed: 0, removed: 1, rejected: 1, articles: 3 });
    expect(report.problems).toEqual([
      {
        path: 'tumors.md',
        reason: expect.stringContaining('the first line must be exactly "---"'),
        severity: 'rejected',
      },
    ]);
    expect(searchTitles(w.ref.current, 'tumors')).toEqual([]);
    expect(searchTitles(w.ref.current, 'quantum')).toEqual(['Quantum chips get colder']);
    w.write('tumors.md', ARTICLES['tumors.md']!);
    expect(await w.reloadAfter(1)).toMatchObject({ added: 1, rejected: 0, articles: 4 });
    expect(searchTitles(w.ref.current, 'tumors')).toEqual([
      'Deep learning improves interpretation of tumors',
    ]);
  });

  it('GIVEN a burst of 40 files THEN it is one reload; hidden files, READMEs and temp files cause none', async () => {
    const w = await watched({ ...ARTICLES, 'burst/keep.md': PHOTONIC });
    w.remove('burst/keep.md'); // the folder stays, watched, as a `git pull` finds its folders
    expect(await w.reloadAfter(0)).toMatchObject({ removed: 1, articles: 4 });
    w.reports.length = 0;
    w.write('.hidden.md', PHOTONIC);
    w.write('README.md', '# About this corpus');
    w.write('photonic.md~', articleFile(PHOTONIC));
    w.write('.git/objects/ab', 'blob');
    for (let i = 0; i < 40; i++)
      w.write(`burst/item-${i}.md`, { title: `Burst item number ${i}`, topics: ['Burst'], heat: i });
    const report = await w.reloadAfter(0);
    expect(report).toMatchObject({ added: 40, changed: 0, removed: 0, rejected: 0, articles: 44 });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(w.reports).toHaveLength(1);
    expect(w.ref.current.topic('Burst').total).toBe(40);
    expect(searchTitles(w.ref.current, 'photonic')).toEqual([]);
    // A folder removed at once takes its articles with it.
    w.remove('burst');
    expect(await w.reloadAfter(1)).toMatchObject({ removed: 40, articles: 4 });
    expect(w.ref.current.topic('Burst').notices).toEqual([{ kind: 'unknown-topic', name: 'Burst' }]);
  });

  it('GIVEN a new folder filled right after it is made THEN every file in it is found', async () => {
    const w = await watched();
    for (let i = 0; i < 30; i++)
      w.write(`new/deeper/item-${i}.md`, { title: `New folder item ${i}`, topics: ['Fresh'] });
    await eventually(() => w.ref.current.topic('Fresh').total === 30, 'all 30 files', WAIT_MS);
    w.write('new/deeper/late.md', { title: 'Written after the folder was watched', topics: ['Fresh'] });
    await eventually(() => w.ref.current.topic('Fresh').total === 31, 'the late file', WAIT_MS);
    expect(w.reports.reduce((sum, report) => sum + report.added, 0)).toBe(31);
  });

  it('GIVEN two files with one URL THEN deleting the first keeps the article from the second', async () => {
    const url = 'https://example.com/news/shared';
    const w = await watched({
      ...ARTICLES,
      'a-first.md': { title: 'Shared story first version', webUrl: url, topics: ['One'], heat: 5 },
      'b-second.md': { title: 'Shared story second version', webUrl: url, topics: ['Two'], heat: 9 },
    });
    expect(w.ref.current.size).toBe(5);
    w.remove('a-first.md');
    expect(await w.reloadAfter(0)).toMatchObject({ added: 0, changed: 1, removed: 0, articles: 5 });
    expect(searchTitles(w.ref.current, 'shared story')).toEqual(['Shared story second version']);
    expect(w.ref.current.topics().map((topic) => topic.name)).not.toContain('One');
  });

  it('GIVEN WATCH_ARTICLES off THEN changes wait for a rescan (what SIGHUP asks), which finds them all', async () => {
    const w = await watched(ARTICLES, { watch: false });
    w.write('photonic.md', PHOTONIC);
    w.remove('news/bees.md');
    w.write('chips.md', { ...ARTICLES['chips.md']!, title: 'Quantum chips get much colder' });
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(w.reports).toEqual([]);
    expect(searchTitles(w.ref.current, 'photonic')).toEqual([]);
    const report = await w.live.rescan();
    expect(report).toMatchObject({ added: 1, changed: 1, removed: 1, full: true, articles: 4 });
    expect(searchTitles(w.ref.current, 'photonic')).toEqual([PHOTONIC.title]);
    expect(searchTitles(w.ref.current, 'bees')).toEqual([]);
    expect(searchTitles(w.ref.current, 'quantum chips')).toEqual(['Quantum chips get much colder']);
    // Nothing changed since: a rescan says so.
    expect(await w.live.rescan()).toMatchObject({ added: 0, changed: 0, removed: 0, rejected: 0 });
  });

  it('GIVEN fresh and tombstoned articles THEN the answers are those of a library loaded from scratch', async () => {
    const w = await watched();
    w.write('photonic.md', PHOTONIC);
    w.write('chips.md', {
      ...ARTICLES['chips.md']!,
      excerpt: 'Qubits need colder chips and better machine learning.',
    });
    w.remove('cars.md');
    await eventually(
      () =>
        w.ref.current.size === 4 &&
        w.reports.some((report) => report.added) &&
        w.reports.some((report) => report.changed),
      'all three changes',
      WAIT_MS,
    );
    const live = w.ref.current;
    const scratch = loadLibrary({ articlesDir: w.dir, dataDir: null }).library;
    const ids = (library: Library, query: string) =>
      library
        .search(query, { now: NOW })
        .results.map((result) => (result.kind === 'article' ? result.article.id : ''))
        .sort();
    for (const query of [
      'machine learning',
      'chips',
      'learn',
      'colder qubits',
      'processors data',
      'self-driving',
    ])
      expect(ids(live, query), query).toEqual(ids(scratch, query));
    expect(searchTitles(live, 'photonic processors')[0]).toBe(PHOTONIC.title);
    expect(live.topics()).toEqual(scratch.topics());
    expect(titles(live.trending('month', { now: NOW }).results)).toEqual(
      titles(scratch.trending('month', { now: NOW }).results),
    );
    expect(live.suggest('qu', { kind: 'article' })).toEqual(scratch.suggest('qu', { kind: 'article' }));
  });
});

describe('fresh slots', () => {
  it('GIVEN articles changed again and again THEN the dead slots are renumbered away and the answers stay right', async () => {
    const w = await watched(ARTICLES, { compactAfter: 4 });
    const names = ['one', 'two', 'three'];
    for (let round = 0; round < 4; round++) {
      for (const name of names)
        w.write(`${name}.md`, {
          title: `Changing story ${name} round${round}`,
          webUrl: `https://example.com/changing/${name}`,
          topics: ['Changing'],
          // Each round turns the order by heat around: a reused slot must not rank by its old article.
          heat: (round % 2 ? { one: 10, two: 90, three: 50 } : { one: 90, two: 10, three: 50 })[name]!,
        });
      await eventually(
        () =>
          names.every((name) =>
            w.ref.current
              .articles()
              .some((article) => article.title === `Changing story ${name} round${round}`),
          ),
        `round ${round}`,
        WAIT_MS,
      );
      expect(w.ref.current.size).toBe(7);
      const byHeat = round % 2 ? ['two', 'three', 'one'] : ['one', 'three', 'two'];
      expect(searchTitles(w.ref.current, 'changing story'), `round ${round}`).toEqual(
        byHeat.map((name) => `Changing story ${name} round${round}`),
      );
    }
    w.remove('cars.md');
    await eventually(() => w.ref.current.size === 6, 'the deletion', WAIT_MS);
    const live = w.ref.current;
    const scratch = loadLibrary({ articlesDir: w.dir, dataDir: null }).library;
    for (const query of ['changing story', 'round3', 'round2', 'learn'])
      expect(searchTitles(live, query).sort(), query).toEqual(searchTitles(scratch, query).sort());
    expect(live.topics()).toEqual(scratch.topics());
    expect(live.topic('Changing').total).toBe(3);
    expect(
      live
        .articles()
        .map((article) => article.title)
        .sort(),
    ).toEqual(
      scratch
        .articles()
        .map((article) => article.title)
        .sort(),
    );
    // 12 versions went through 3 slots' worth of articles: the doc numbers were reused, not 12 used up.
    expect(live.catalog.docCount).toBeLessThan(4 + 12);
  });
});

describe('paging an older result list', () => {
  it('GIVEN results made before a reload THEN removed articles are marked and changed ones shown as they are now', async () => {
    const w = await watched();
    const results = w.ref.current.search('learn', { now: NOW, limit: 25 }).results;
    expect(titles(results)).toEqual(
      expect.arrayContaining(['Bees learn to count to four', 'Self-driving cars learn to see pedestrians']),
    );
    w.remove('news/bees.md');
    w.write('cars.md', { ...ARTICLES['cars.md']!, title: 'Self-driving cars learn to see cyclists' });
    await eventually(
      () => w.ref.current.size === 3 && searchTitles(w.ref.current, 'cyclists').length === 1,
      'both changes',
      WAIT_MS,
    );
    const paged = stillInLibrary(w.ref.current, results);
    const bees = titles(results).indexOf('Bees learn to count to four');
    expect([...paged.removed]).toEqual([bees]);
    expect(titles(paged.results)).toContain('Self-driving cars learn to see cyclists');
    expect(paged.results).toHaveLength(results.length);
  });
});
