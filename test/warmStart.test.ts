/**
 * A warm start serves from the caches as last saved, without listing the corpus first, and the live
 * library's first look compares every file with the size and mtime the caches recorded: what changed
 * while the process was down (added, changed, deleted, turned invalid, even a change that kept the old
 * mtime) is applied as one reload, logged, shortly after the start. One-shot loads still check first.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LibraryRef } from '../src/app/libraryRef.ts';
import type { Library } from '../src/search/library.ts';
import { watchLibrary, type LiveLibrary, type ReloadReport } from '../src/search/liveLibrary.ts';
import { corpusCacheDir, loadLibrary } from '../src/search/loadLibrary.ts';
import { loadLibraryInBackground } from '../src/search/loadLibraryInBackground.ts';
import { articleFile, tempDir, writeCorpus, type FixtureArticle } from './support/articles.ts';
import { eventually, killGroup } from './support/processes.ts';

const MAIN = path.resolve('src/main.ts');
/** Generous: a loaded machine starts processes and workers slowly. */
const DEADLINE_MS = 30_000;

const FIXTURES: Record<string, FixtureArticle> = {
  'tumors.md': { title: 'Deep learning improves interpretation of tumors', topics: ['AI'], heat: 79 },
  'cars.md': { title: 'Self-driving cars learn to see pedestrians', topics: ['AI in Autos'], heat: 300 },
  'chips.md': {
    title: 'Quantum chips get colder',
    webUrl: 'https://example.com/news/chips',
    topics: ['Hardware'],
    heat: 40,
  },
  'news/bees.md': { title: 'Bees learn to count to four', topics: ['Science'], heat: 12 },
  // Another file for the bees' URL: merged into one article.
  'news/bees-copy.md': {
    title: 'Bees learn to count to four',
    webUrl: 'https://example.com/news/bees-learn-to-count-to-four',
    heat: 30,
  },
};

function corpus(): string {
  const files = Object.fromEntries(
    Object.entries(FIXTURES).map(([name, fixture]) => [name, articleFile(fixture)]),
  );
  return writeCorpus({ ...files, 'broken.md': 'no front matter here' });
}

/** What happens to the corpus while the process is down. */
function changeWhileDown(dir: string): void {
  const chips = path.join(dir, 'chips.md');
  const { mtime } = fs.statSync(chips);
  // Changed, and its old mtime put back (a copy that keeps times): its size still gives it away.
  fs.writeFileSync(chips, articleFile({ ...FIXTURES['chips.md']!, title: 'Quantum chips get much colder' }));
  fs.utimesSync(chips, mtime, mtime);
  fs.writeFileSync(path.join(dir, 'photonic.md'), articleFile({ title: 'Photonic processors arrive' }));
  fs.rmSync(path.join(dir, 'cars.md'));
  fs.writeFileSync(path.join(dir, 'tumors.md'), 'title: lost its front matter fence');
}

const titlesFor = (library: Library, query: string) =>
  library
    .search(query, { now: 0 })
    .results.map((result) => (result.kind === 'article' ? result.article.title : result.link.title));

const running: LiveLibrary[] = [];
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const live of running.splice(0)) await live.stop();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('a warm start that catches up', () => {
  for (const [name, listHereBelow] of [
    ['read here (a small corpus)', Infinity],
    ['read by threads of their own', 0],
  ] as const) {
    it(`GIVEN caches ${name} and files changed, added, deleted and broken while down THEN the old library is served at once and the first look applies every change`, async () => {
      const dir = corpus();
      const dataDir = tempDir();
      const first = await loadLibraryInBackground({ articlesDir: dir, dataDir }, { listHereBelow });
      expect(first.checked).toBe(true);
      changeWhileDown(dir);

      const warm = await loadLibraryInBackground(
        { articlesDir: dir, dataDir, catchUpLater: true },
        { listHereBelow },
      );
      // Served from the caches as they were: the deleted article is still there until the catch-up.
      expect(warm.timings.fromSnapshot).toBe(true);
      expect(warm.checked).toBe(false);
      expect(titlesFor(warm.library, 'pedestrians')).toEqual([FIXTURES['cars.md']!.title]);

      const ref = new LibraryRef(warm.library);
      const reports: ReloadReport[] = [];
      const live = watchLibrary({
        config: {
          ARTICLES_DIR: dir,
          DATA_DIR: dataDir,
          MAX_ARTICLE_BYTES: 512 * 1024,
          WATCH_ARTICLES: false,
        },
        library: ref,
        reloadSignal: false,
        startDelayMs: 0,
        logger: pino({ level: 'silent' }),
        onReload: (report) => reports.push(report),
      });
      running.push(live);
      await live.ready;
      expect(reports).toHaveLength(1);
      const [report] = reports;
      // tumors.md turned invalid (removed, rejected), cars.md deleted, chips.md changed, photonic.md new.
      expect(report).toMatchObject({ added: 1, changed: 1, removed: 2, rejected: 1, articles: 3 });
      // Only what changed was read: broken.md, unchanged, is not reported again.
      expect(report!.problems.filter((problem) => problem.severity === 'rejected')).toEqual([
        expect.objectContaining({ path: 'tumors.md', reason: expect.stringContaining('first line') }),
      ]);
      const library = ref.current;
      expect(titlesFor(library, 'pedestrians')).toEqual([]);
      expect(titlesFor(library, 'tumors')).toEqual([]);
      expect(titlesFor(library, 'quantum chips')).toEqual(['Quantum chips get much colder']);
      expect(titlesFor(library, 'photonic')).toEqual(['Photonic processors arrive']);
      expect(titlesFor(library, 'bees')).toEqual([FIXTURES['news/bees.md']!.title]);

      // The answers are those of a library loaded from scratch.
      const fresh = loadLibrary({ articlesDir: dir, dataDir: null }).library;
      for (const query of ['learn', 'quantum', 'photonic', 'bees count']) {
        expect(titlesFor(library, query)).toEqual(titlesFor(fresh, query));
      }
      expect(library.topics().map((topic) => topic.name)).toEqual(fresh.topics().map((topic) => topic.name));
    }, 60_000);
  }

  it('GIVEN a load without catchUpLater (a one-shot command) THEN a changed corpus is never served from the old caches', async () => {
    const dir = corpus();
    const dataDir = tempDir();
    await loadLibraryInBackground({ articlesDir: dir, dataDir }, { listHereBelow: 0 });
    changeWhileDown(dir);
    for (const listHereBelow of [0, Infinity]) {
      const loaded = await loadLibraryInBackground({ articlesDir: dir, dataDir }, { listHereBelow });
      expect(loaded.checked).toBe(true);
      expect(titlesFor(loaded.library, 'pedestrians')).toEqual([]);
      expect(titlesFor(loaded.library, 'photonic')).toEqual(['Photonic processors arrive']);
    }
    // Caches of another engine or size limit are not served even before the catch-up.
    const other = await loadLibraryInBackground({
      articlesDir: dir,
      dataDir,
      catchUpLater: true,
      maxFileBytes: 1024 * 1024,
    });
    expect(other.timings.fromSnapshot).toBe(false);
    expect(other.checked).toBe(true);
  }, 60_000);
});

describe('caches checked in the threads that read them', () => {
  it('GIVEN a byte flipped in the snapshot or the index THEN the library assembled meanwhile is dropped and rebuilt', async () => {
    const dir = corpus();
    const dataDir = tempDir();
    const reference = await loadLibraryInBackground({ articlesDir: dir, dataDir }, { listHereBelow: 0 });
    const cacheDir = corpusCacheDir(dataDir, dir);
    for (const name of ['library-snapshot.bin', 'text-index.bin']) {
      const file = path.join(cacheDir, name);
      const bytes = fs.readFileSync(file);
      // Past the headers, in the checked payload: only the digest can tell.
      bytes[bytes.length - 5]! ^= 0x01;
      fs.writeFileSync(file, bytes);
      const again = await loadLibraryInBackground(
        { articlesDir: dir, dataDir, catchUpLater: true },
        { listHereBelow: 0 },
      );
      expect(again.timings.fromSnapshot, name).toBe(false);
      expect(again.checked).toBe(true);
      for (const query of ['learn', 'quantum', 'bees'])
        expect(titlesFor(again.library, query)).toEqual(titlesFor(reference.library, query));
      // The rebuilt caches serve the next start.
      const next = await loadLibraryInBackground(
        { articlesDir: dir, dataDir, catchUpLater: true },
        { listHereBelow: 0 },
      );
      expect(next.timings.fromSnapshot).toBe(true);
    }
  }, 60_000);
});

describe('local mode after a restart', () => {
  interface Answer {
    command: string;
    results?: Array<{ title: string }>;
  }

  /** `npm start -- --json` in its own process group, with answers and stderr as they come. */
  function startPipe(dir: string, dataDir: string) {
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN, '--json'], {
      env: { ...process.env, DISCORD_TOKEN: '', ARTICLES_DIR: dir, DATA_DIR: dataDir, NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    cleanups.push(() => killGroup(child.pid!));
    const out = { stdout: '', stderr: '' };
    child.stdout!.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const answers = () =>
      out.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Answer);
    const askUntil = async (line: string, done: (titles: string[]) => boolean, what: string) => {
      const skip = answers().length;
      const ask = () => child.stdin!.write(`${line}\n`);
      ask();
      const timer = setInterval(ask, 250);
      try {
        return await eventually(
          () =>
            answers()
              .slice(skip)
              .find((answer) => done((answer.results ?? []).map((result) => result.title))),
          what,
          DEADLINE_MS,
        );
      } finally {
        clearInterval(timer);
      }
    };
    return { child, out, exited, askUntil };
  }

  it('GIVEN the --json pipe restarted on caches after files changed, were added and deleted THEN its answers reflect them shortly after, and the catch-up is logged', async () => {
    const dir = corpus();
    const dataDir = tempDir();
    const before = startPipe(dir, dataDir);
    await before.askUntil('search pedestrians', (titles) => titles.length === 1, 'a first answer');
    before.child.stdin!.end();
    await before.exited;

    changeWhileDown(dir);
    const after = startPipe(dir, dataDir);
    await after.askUntil(
      'search photonic',
      (titles) => titles[0] === 'Photonic processors arrive',
      'the new file',
    );
    await after.askUntil('search pedestrians', (titles) => titles.length === 0, 'the deleted file gone');
    await after.askUntil(
      'search quantum chips',
      (titles) => titles[0] === 'Quantum chips get much colder',
      'the changed file',
    );
    await eventually(
      () =>
        /Library reloaded: 1 added, 1 changed, 2 removed, 1 rejected in \d+ ms \(3 articles\)\./.test(
          after.out.stderr,
        ),
      'the catch-up line',
      DEADLINE_MS,
    );
    expect(after.out.stderr).toMatch(/tumors\.md: the first line must be exactly "---"/);
    after.child.stdin!.end();
    await after.exited;
  }, 90_000);
});
