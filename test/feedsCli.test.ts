import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './support/articles.ts';
import { FEED_FIXTURES, fixture, serve, startFeedServer, type FeedServer } from './support/feedServer.ts';

const CLI = path.resolve('src/feeds/importFeedsCli.ts');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI as `npm run import-feeds` starts it; asynchronous, so the loopback server can answer. */
function importFeedsCli(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.once('error', reject);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function checkCorpus(dir: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', path.resolve('src/articles/checkCorpus.ts'), dir], {
    encoding: 'utf8',
    timeout: 30_000,
  });
}

let server: FeedServer;

beforeAll(async () => {
  server = await startFeedServer({
    '/atom': serve(fixture('atom.xml'), 'application/atom+xml'),
    '/json': serve(fixture('feed.json'), 'application/feed+json'),
    '/gb2312': serve(fixture('gb2312.xml'), 'text/xml; charset=gb2312'),
    '/bomb': serve(fixture('entity-bomb.xml')),
    '/incomplete': serve(fixture('incomplete.xml')),
  });
});

afterAll(() => server.close());

describe('npm run import-feeds', () => {
  it('GIVEN a feeds file and every fixture format THEN it exits 0, prints the summary, and check-corpus accepts every file with no problem', async () => {
    const outDir = tempDir();
    const feedsFile = path.join(tempDir(), 'feeds.yaml');
    fs.writeFileSync(
      feedsFile,
      [
        `- url: ${server.url('/atom')}`,
        '  topics: [Engineering]',
        `- url: ${server.url('/json')}`,
        '  provider: Fabrikam',
        `- ${server.url('/gb2312')}`,
        `- ${server.url('/bomb')}`,
        '- url: javascript:alert(1)',
        `- ${server.url('/incomplete')}`,
      ].join('\n'),
    );
    const run = await importFeedsCli([
      '--out',
      outDir,
      '--feeds',
      feedsFile,
      path.join(FEED_FIXTURES, 'rss2.xml'),
      path.join(FEED_FIXTURES, 'podcast.xml'),
      path.join(FEED_FIXTURES, 'malformed.xml'),
      path.join(FEED_FIXTURES, 'rss1.rdf'),
      path.join(FEED_FIXTURES, 'rss091.xml'),
      path.join(FEED_FIXTURES, 'latin1.xml'),
      path.join(FEED_FIXTURES, 'gb2312-declared.xml'),
    ]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('feeds: 12 listed, 10 read, 0 not modified, 2 failed, 0 skipped');
    expect(run.stdout).toContain('items: 18 new, 0 updated, 0 unchanged, 4 rejected');
    expect(run.stdout).toMatch(/feeds\.yaml: feed 5: "javascript:alert\(1\)" is not an http\(s\) URL/);
    expect(run.stdout).toMatch(/malformed\.xml: failed\n {2}the feed is not well-formed XML/);
    expect(run.stdout).toContain(`${server.url('/bomb')}: failed\n  the feed declares XML entities`);

    const check = checkCorpus(outDir);
    expect(check.status).toBe(0);
    expect(check.stdout).toMatch(/articles: +18 \(18 live/);
    expect(check.stdout).toMatch(/rejected: +0/);
    expect(check.stdout).not.toContain('Problems');

    const again = await importFeedsCli(['--out', outDir, '--feeds', feedsFile, '--json']);
    expect(again.status).toBe(0);
    const summary = JSON.parse(again.stdout);
    expect(summary.items).toEqual({ new: 0, updated: 0, unchanged: 7, rejected: 4 });
    expect(summary.problems).toHaveLength(1);
    expect(
      summary.reports.find((report: { source: string }) => report.source.endsWith('/bomb')),
    ).toMatchObject({
      status: 'failed',
      problems: [{ code: 'entity-declaration' }],
    });
  });

  it('GIVEN only feeds that cannot be read THEN it exits 1 and names each reason', async () => {
    const run = await importFeedsCli([
      '--out',
      tempDir(),
      path.join(FEED_FIXTURES, 'malformed.xml'),
      path.join(FEED_FIXTURES, 'external-entity.xml'),
      path.join(FEED_FIXTURES, 'no-such-feed.xml'),
    ]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('feeds: 3 listed, 0 read, 0 not modified, 3 failed');
    expect(run.stdout).toContain('the feed declares an external entity');
    expect(run.stdout).toContain('no-such-feed.xml could not be read: ENOENT');
  });

  it('GIVEN no --out folder or no feeds THEN it exits 2 with the usage', async () => {
    const noOut = await importFeedsCli([path.join(FEED_FIXTURES, 'rss2.xml')]);
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toMatch(/No --out folder given\.\n\nUsage: npm run import-feeds/);
    const noFeeds = await importFeedsCli(['--out', tempDir()]);
    expect(noFeeds.status).toBe(2);
    expect(noFeeds.stderr).toContain('No feeds given.');
  });
});
