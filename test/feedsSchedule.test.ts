import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../src/articles/loadCorpus.ts';
import { feedsFileProblem, startFeedImports, type FeedImports } from '../src/feeds/feedImportSchedule.ts';
import { STATE_FILE } from '../src/feeds/feedState.ts';
import type { ImportSummary } from '../src/feeds/importFeeds.ts';
import { LOCK_FILE } from '../src/feeds/importLock.ts';
import { createLogger } from '../src/logger.ts';
import { Metrics } from '../src/ops/metrics.ts';
import { articleFile, tempDir } from './support/articles.ts';
import { fixture, serve, startFeedServer, type FeedServer } from './support/feedServer.ts';
import { eventually } from './support/processes.ts';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function captureLogger() {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

const WARN = 40;
const markdownFiles = (dir: string) => fs.readdirSync(dir).filter((name) => name.endsWith('.md'));

let server: FeedServer;
/** Requests to /slow in progress, and the most seen at once. */
let slowInFlight = 0;
let slowMostAtOnce = 0;

beforeAll(async () => {
  server = await startFeedServer({
    '/atom': serve(fixture('atom.xml'), 'application/atom+xml'),
    '/json': serve(fixture('feed.json'), 'application/feed+json'),
    '/broken': serve(fixture('malformed.xml')),
    '/never-answers': () => undefined,
    '/slow': (_request, response) => {
      slowInFlight++;
      slowMostAtOnce = Math.max(slowMostAtOnce, slowInFlight);
      setTimeout(() => {
        slowInFlight--;
        response.writeHead(200, { 'content-type': 'application/rss+xml' });
        response.end(fixture('podcast.xml'));
      }, 700);
    },
  });
});
afterAll(() => server.close());

let running: FeedImports | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

function setUp(feedsFile: string, extra: { articlesDir?: string } = {}) {
  const articlesDir = extra.articlesDir ?? tempDir();
  const file = path.join(tempDir(), 'feeds.yaml');
  fs.writeFileSync(file, feedsFile);
  const config = {
    FEEDS_FILE: file,
    FEEDS_EVERY_MINUTES: 30,
    ARTICLES_DIR: articlesDir,
    DATA_DIR: tempDir(),
    MAX_ARTICLE_BYTES: 512 * 1024,
  };
  return { file, articlesDir, config };
}

describe('feed imports inside the bot', () => {
  it('GIVEN FEEDS_FILE THEN the first cycle imports into ARTICLES_DIR at once, logs a summary and each problem feed at warn, and counts each feed', async () => {
    const { articlesDir, config } = setUp(
      [
        `- url: ${server.url('/atom')}`,
        '  topics: [Science]',
        `- ${server.url('/json')}`,
        `- ${server.url('/broken')}`,
      ].join('\n'),
    );
    fs.writeFileSync(path.join(articlesDir, 'own.md'), articleFile({ title: 'A file written by hand' }));
    const { logger, lines } = captureLogger();
    const cycles: (ImportSummary | null)[] = [];
    const metrics = new Metrics();
    running = startFeedImports({
      config,
      logger,
      metrics,
      onCycle: (summary) => cycles.push(summary),
    });
    await eventually(() => cycles.length === 1, 'the first cycle', 20_000);

    expect(cycles[0]!.feeds).toMatchObject({ listed: 3, read: 2, failed: 1 });
    expect(cycles[0]!.items).toEqual({ new: 4, updated: 0, unchanged: 0, rejected: 0 });
    const corpus = loadCorpus(articlesDir, { cacheDir: null });
    expect(corpus.problems).toEqual([]);
    expect(corpus.articles).toHaveLength(5);
    expect(corpus.articles.filter((article) => article.topics.includes('Science'))).toHaveLength(2);
    const { body } = await metrics.render();
    expect(body).toContain('broadsheet_feed_imports_total{outcome="read"} 2');
    expect(body).toContain('broadsheet_feed_imports_total{outcome="failed"} 1');

    const summaryLine = lines.find((line) => line.msg.startsWith('feeds imported'))!;
    expect(summaryLine).toMatchObject({
      level: 30,
      feeds: { listed: 3, read: 2, failed: 1 },
      items: { new: 4, updated: 0, unchanged: 0, rejected: 0 },
    });
    expect(summaryLine.msg).toBe(
      'feeds imported: 3 feeds (2 read, 1 failed); items 4 new, 0 updated, 0 unchanged, 0 rejected',
    );
    expect(typeof summaryLine.ms).toBe('number');
    const warnings = lines.filter((line) => line.level === WARN);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      feed: server.url('/broken'),
      status: 'failed',
      problems: [{ code: 'invalid-xml' }],
    });
    expect(warnings[0]!.msg).toMatch(
      /^feed http:\/\/127\.0\.0\.1:\d+\/broken: failed: the feed is not well-formed XML/,
    );

    const status = running.status();
    expect(status).toMatchObject({ outDir: articlesDir, everyMinutes: 30, running: false });
    expect(Date.parse(status.nextAt!)).toBeGreaterThan(Date.now() + 29 * 60_000);
    expect(status.feeds.map((feed) => [feed.url, feed.last?.status])).toEqual([
      [server.url('/atom'), 'read'],
      [server.url('/json'), 'read'],
      [server.url('/broken'), 'failed'],
    ]);
    expect(fs.existsSync(path.join(articlesDir, LOCK_FILE))).toBe(false);
    expect(fs.readdirSync(articlesDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 30_000);

  it('GIVEN a cycle slower than the interval THEN the next one starts only after it, never alongside', async () => {
    const { config } = setUp(`- ${server.url('/slow')}\n`);
    const { logger } = captureLogger();
    const spans: { start: number; end: number }[] = [];
    let start = Date.now();
    running = startFeedImports({
      config,
      logger,
      everyMs: 150,
      onCycle: () => {
        spans.push({ start, end: Date.now() });
        start = Date.now();
      },
    });
    await eventually(() => spans.length >= 2, 'two cycles', 25_000);
    expect(slowMostAtOnce).toBe(1);
    for (const [index, span] of spans.entries()) {
      if (index > 0) expect(span.start).toBeGreaterThanOrEqual(spans[index - 1]!.end);
    }
  }, 30_000);

  it('GIVEN stop() while a feed has not answered THEN it returns promptly, records no failure and leaves nothing behind', async () => {
    const { articlesDir, config } = setUp(
      [`- ${server.url('/never-answers')}`, `- ${server.url('/json')}`].join('\n'),
    );
    const { logger, lines } = captureLogger();
    const cycles: (ImportSummary | null)[] = [];
    const imports = startFeedImports({ config, logger, onCycle: (summary) => cycles.push(summary) });
    running = imports;
    await eventually(
      () => server.hits('/never-answers') > 0 && imports.status().running,
      'the hanging fetch',
      20_000,
    );
    await imports.stop();
    expect(imports.status().running).toBe(false);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]!.aborted).toBe(true);
    const hanging = cycles[0]!.reports.find((report) => report.source === server.url('/never-answers'))!;
    expect(hanging).toMatchObject({ status: 'skipped', problems: [{ code: 'aborted' }] });
    expect(lines.filter((line) => line.level === WARN)).toEqual([]);
    const state = JSON.parse(fs.readFileSync(path.join(articlesDir, STATE_FILE), 'utf8'));
    expect(state.feeds[server.url('/never-answers')]).toBeUndefined();
    expect(fs.existsSync(path.join(articlesDir, LOCK_FILE))).toBe(false);
    expect(fs.readdirSync(articlesDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    // A second stop() is harmless, and no cycle follows.
    await imports.stop();
    expect(cycles).toHaveLength(1);
  }, 30_000);

  it('GIVEN a cycle that does not wind down in time THEN stop() terminates its worker and clears its lock, and the next import runs normally', async () => {
    const { articlesDir, config } = setUp(`- ${server.url('/never-answers')}\n- ${server.url('/json')}\n`);
    const { logger, lines } = captureLogger();
    const cycles: (ImportSummary | null)[] = [];
    const hitsBefore = server.hits('/never-answers');
    const imports = startFeedImports({ config, logger, stopWaitMs: 0, onCycle: (s) => cycles.push(s) });
    running = imports;
    await eventually(
      () => server.hits('/never-answers') > hitsBefore && fs.existsSync(path.join(articlesDir, LOCK_FILE)),
      'the import holding the folder',
      20_000,
    );
    await imports.stop();
    expect(imports.status().running).toBe(false);
    expect(lines.find((line) => line.level === WARN)?.msg).toBe(
      'the feed import did not stop in time; abandoned',
    );
    expect(cycles).toEqual([null]);
    expect(fs.existsSync(path.join(articlesDir, LOCK_FILE))).toBe(false);

    const after: (ImportSummary | null)[] = [];
    running = startFeedImports({
      config: { ...config, FEEDS_FILE: writeFeeds(`${server.url('/json')}\n`) },
      logger,
      onCycle: (s) => after.push(s),
    });
    await eventually(() => after.length === 1, 'the next import', 20_000);
    expect(after[0]!.feeds).toMatchObject({ read: 1, skipped: 0 });
    expect(markdownFiles(articlesDir)).toHaveLength(2);
    expect(fs.readdirSync(articlesDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 40_000);

  it('GIVEN the feeds file turns invalid later THEN the problem is logged, the last good list is kept, and a fix is picked up', async () => {
    const { file, config } = setUp(`- ${server.url('/json')}\n`);
    const { logger, lines } = captureLogger();
    const cycles: (ImportSummary | null)[] = [];
    const imports = startFeedImports({ config, logger, everyMs: 200, onCycle: (s) => cycles.push(s) });
    running = imports;
    await eventually(() => cycles.length >= 1, 'the first cycle', 20_000);

    fs.writeFileSync(file, 'feeds: [unclosed');
    // The cycle that reads the broken file warns before it runs; the one after it finishes is its own.
    const warning = await eventually(
      () => lines.find((line) => line.level === WARN && line.msg.includes('not valid YAML')),
      'the warning about the broken file',
      20_000,
    );
    const broken = cycles.length;
    await eventually(() => cycles.length >= broken + 1, 'a cycle with the broken file', 20_000);
    expect(cycles.at(-1)!.reports.map((report) => report.source)).toEqual([server.url('/json')]);
    expect(warning.msg).toMatch(
      /^FEEDS_FILE: .*feeds\.yaml is not valid YAML: .*; the last good list \(1 feed\) is kept$/,
    );
    expect(imports.status().listProblems).toEqual([
      expect.stringContaining('the last good list (1 feed) is kept'),
    ]);

    fs.writeFileSync(file, `- ${server.url('/json')}\n- ${server.url('/atom')}\n`);
    await eventually(
      () => cycles.at(-1)?.reports.some((report) => report.source === server.url('/atom')),
      'a cycle with the fixed file',
      20_000,
    );
    expect(imports.status().listProblems).toEqual([]);
  }, 40_000);

  it('GIVEN out: in the feeds file THEN items go to that folder, and one outside ARTICLES_DIR is warned about', async () => {
    const { file, config } = setUp('');
    const outDir = tempDir();
    fs.writeFileSync(file, `out: ${outDir}\nfeeds:\n  - ${server.url('/json')}\n`);
    const { logger, lines } = captureLogger();
    const cycles: (ImportSummary | null)[] = [];
    running = startFeedImports({ config, logger, onCycle: (s) => cycles.push(s) });
    await eventually(() => cycles.length === 1, 'the first cycle', 20_000);
    expect(cycles[0]!.outDir).toBe(outDir);
    expect(markdownFiles(outDir)).toHaveLength(2);
    expect(markdownFiles(config.ARTICLES_DIR)).toEqual([]);
    expect(lines.find((line) => line.level === WARN)?.msg).toMatch(/outside ARTICLES_DIR/);
  }, 30_000);
});

function writeFeeds(text: string): string {
  const file = path.join(tempDir(), 'feeds.txt');
  fs.writeFileSync(file, text);
  return file;
}

describe('FEEDS_FILE at start', () => {
  it('GIVEN no FEEDS_FILE or a usable one THEN there is no problem', () => {
    expect(feedsFileProblem({})).toBeNull();
    expect(
      feedsFileProblem({ FEEDS_FILE: writeFeeds('# my feeds\nhttps://a.example.com/feed.xml\n') }),
    ).toBeNull();
    expect(feedsFileProblem({ FEEDS_FILE: writeFeeds('[]\n') })).toBeNull();
  });

  it('GIVEN a missing, malformed or entirely unusable file THEN the problem says which file and why', () => {
    const missing = path.join(tempDir(), 'nope.yaml');
    expect(feedsFileProblem({ FEEDS_FILE: missing })).toBe(
      `FEEDS_FILE: ${missing} could not be read: ENOENT. Fix the file or unset FEEDS_FILE.`,
    );
    expect(feedsFileProblem({ FEEDS_FILE: writeFeeds('feeds: [') })).toMatch(
      /^FEEDS_FILE: .*feeds\.txt is not valid YAML: /,
    );
    const unusable = writeFeeds(
      '- ftp://a.example.com/feed\n- url: https://b.example.com/feed\n  tags: [x]\n',
    );
    expect(feedsFileProblem({ FEEDS_FILE: unusable })).toBe(
      [
        `FEEDS_FILE ${unusable} lists no usable feed:`,
        `  - ${unusable}: feed 1: "ftp://a.example.com/feed" is not an http(s) URL`,
        `  - ${unusable}: feed 2 has an unknown field "tags" (known: url, topics, provider)`,
      ].join('\n'),
    );
  });
});
