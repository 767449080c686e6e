import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadCorpus } from '../src/articles/loadCorpus.ts';
import { articleIdFromUrl, normalizeUrl } from '../src/articles/normalize.ts';
import { decodeFeedBytes } from '../src/feeds/charset.ts';
import { parseFeedList } from '../src/feeds/feedList.ts';
import { STATE_FILE } from '../src/feeds/feedState.ts';
import { importFeeds, type FeedReport, type ImportSummary } from '../src/feeds/importFeeds.ts';
import { LOCK_FILE } from '../src/feeds/importLock.ts';
import { packKnownArticles } from '../src/feeds/knownArticles.ts';
import { articleFile, tempDir } from './support/articles.ts';
import { fixture, serve, startFeedServer, type FeedServer } from './support/feedServer.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const HOUR = 3_600_000;

const idOf = (url: string) => articleIdFromUrl(normalizeUrl(url)!);
const report = (summary: ImportSummary, source: string): FeedReport =>
  summary.reports.find((entry) => entry.source === source)!;
const files = (dir: string) => fs.readdirSync(dir).filter((name) => name.endsWith('.md'));
const fileWithId = (dir: string, id: string) => files(dir).find((name) => name.endsWith(`-${id}.md`));

function rss(items: { title: string; link: string; date?: string }[]): string {
  const body = items
    .map(
      (item) =>
        `<item><title>${item.title}</title><link>${item.link}</link>${item.date ? `<pubDate>${item.date}</pubDate>` : ''}</item>`,
    )
    .join('');
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>Changing Feed</title>${body}</channel></rss>`;
}

let server: FeedServer;

beforeAll(async () => {
  server = await startFeedServer({
    '/rss2': serve(fixture('rss2.xml')),
    '/rss1': serve(fixture('rss1.rdf'), 'application/rdf+xml'),
    '/atom': serve(fixture('atom.xml'), 'application/atom+xml; charset=utf-8'),
    '/json': serve(fixture('feed.json'), 'application/feed+json'),
    '/podcast': serve(fixture('podcast.xml')),
    '/latin1': serve(fixture('latin1.xml'), 'application/xml'),
    '/gb2312': serve(fixture('gb2312.xml'), 'application/rss+xml; charset=GB2312'),
    '/malformed': serve(fixture('malformed.xml')),
    '/bomb': serve(fixture('entity-bomb.xml')),
    '/xxe': serve(fixture('external-entity.xml')),
    '/incomplete': serve(fixture('incomplete.xml')),
    '/html-page': serve('<!doctype html><html><body>Not a feed</body></html>', 'text/html'),
    '/never-answers': () => undefined,
    '/stalls-mid-body': (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/rss+xml' });
      response.write('<?xml version="1.0"?><rss version="2.0"><channel><title>Stalled');
    },
    '/huge': (_request, response) => {
      // Chunked, no Content-Length: the cap has to count the bytes as they stream.
      response.writeHead(200, { 'content-type': 'application/rss+xml' });
      const chunk = Buffer.alloc(256 * 1024, ' ');
      response.write('<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>');
      let sent = 0;
      const pump = () => {
        while (sent < 24 && response.write(chunk)) sent++;
        if (sent < 24) response.once('drain', pump);
        else response.end('</channel></rss>');
      };
      pump();
    },
    '/loop-a': (_request, response) => {
      response.writeHead(302, { location: '/loop-b' });
      response.end();
    },
    '/loop-b': (_request, response) => {
      response.writeHead(301, { location: server.url('/loop-a') });
      response.end();
    },
    '/to-javascript': (_request, response) => {
      response.writeHead(302, { location: 'javascript:alert(1)' });
      response.end();
    },
    '/fail': (_request, response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end('boom');
    },
  });
  for (let hop = 1; hop <= 6; hop++) {
    server.route(`/hop/${hop}`, (_request, response) => {
      response.writeHead(hop % 2 ? 307 : 308, { location: hop === 1 ? '/podcast' : `/hop/${hop - 1}` });
      response.end();
    });
  }
});

afterAll(() => server.close());

describe('importFeeds: formats', () => {
  const outDir = tempDir();
  let first: ImportSummary;
  const sources = ['/rss2', '/rss1', '/atom', '/json', '/podcast', '/latin1', '/gb2312'];

  beforeAll(async () => {
    first = await importFeeds({
      feeds: sources.map((route) => ({ url: server.url(route) })),
      outDir,
      now: NOW,
    });
  });

  it('GIVEN RSS 2.0, RSS 1.0, Atom, JSON Feed, a podcast, latin-1 and GB2312 THEN one file per item, all loaded without a problem', () => {
    expect(first.feeds).toEqual({ listed: 7, read: 7, notModified: 0, failed: 0, skipped: 0 });
    expect(first.items).toEqual({ new: 13, updated: 0, unchanged: 0, rejected: 0 });
    expect(first.reports.map((entry) => entry.format)).toEqual([
      'RSS',
      'RSS 1.0',
      'Atom',
      'JSON Feed',
      'RSS',
      'RSS',
      'RSS',
    ]);
    expect(first.reports.flatMap((entry) => [...entry.problems, ...entry.itemProblems])).toEqual([]);
    const corpus = loadCorpus(outDir, { cacheDir: null });
    expect(corpus.problems).toEqual([]);
    expect(corpus.articles).toHaveLength(13);
    expect(files(outDir)).toHaveLength(13);
  });

  it('GIVEN an RSS 2.0 item THEN its file is in the corpus format, field for field', () => {
    const url = 'https://wire.example.com/2026/03/battery-plant-opens?utm_source=rss';
    const name = fileWithId(outDir, idOf(url));
    expect(name).toBe(`2026-03-03-battery-plant-opens-hires-400-${idOf(url)}.md`);
    expect(fs.readFileSync(path.join(outDir, name!), 'utf8')).toBe(
      [
        '---',
        'category: news',
        'title: "Battery plant opens & hires 400"',
        'excerpt: "A sodium-ion cell plant opened on Tuesday. Read more"',
        'publishedDateTime: 2026-03-03T08:30:00Z',
        `webUrl: "${url}"`,
        'type: article',
        'heat: -1',
        'published: true',
        '',
        'provider:',
        '  name: Northwind Wire',
        '  domain: wire.example.com',
        '',
        'topics:',
        '  - Energy',
        '  - Batteries',
        '',
        'images:',
        '  - url: "https://media.example.com/wire/battery-plant.jpg"',
        '---',
        '',
      ].join('\n'),
    );
  });

  it('GIVEN each format THEN titles, excerpts, topics, providers and images are read from it', () => {
    const byUrl = new Map(loadCorpus(outDir, { cacheDir: null }).articles.map((a) => [a.webUrl, a]));
    const rust = byUrl.get('https://wire.example.com/2026/03/rust-kernel-driver')!;
    expect(rust.excerpt.length).toBeLessThanOrEqual(400);
    expect(rust.excerpt).toMatch(/^The second Rust driver was merged\. .* \w+…$/);
    expect(rust.images).toEqual([
      { url: 'https://media.example.com/wire/rust-driver.png', width: 1200, height: 630 },
    ]);
    expect(byUrl.get('https://wire.example.com/2026/03/heat-pumps-cold')!.images).toEqual([
      { url: 'https://media.example.com/wire/heat-pump-thumb.jpg', width: 320, height: 180 },
    ]);

    const coral = byUrl.get('https://journal.example.org/articles/coral-recovery')!;
    expect(coral).toMatchObject({
      title: 'Coral reefs recover faster than expected',
      topics: ['Oceans'],
      provider: { name: 'Example Science Journal', domain: 'journal.example.org' },
      publishedAt: Date.parse('2026-02-10T08:00:00Z'),
    });
    expect(byUrl.get('https://journal.example.org/articles/comet-water')!.publishedAt).toBe(
      Date.parse('2026-02-11T14:45:00Z'),
    );

    const scaling = byUrl.get('https://blog.example.net/posts/scaling-search')!;
    expect(scaling).toMatchObject({
      title: 'Scaling search to a billion documents',
      excerpt: 'How we sharded the index & kept latency flat.',
      topics: ['Search', 'databases'],
      provider: { name: 'Contoso Engineering Blog', domain: 'blog.example.net' },
      images: [{ url: 'https://blog.example.net/img/scaling.webp' }],
      publishedAt: Date.parse('2026-01-18T14:00:00Z'),
    });
    expect(byUrl.get('https://blog.example.net/posts/arm-servers')!.excerpt).toBe(
      'Cost per request fell by a third.',
    );

    expect(byUrl.get('https://daily.example.com/2026/04/robot-lawnmowers')).toMatchObject({
      excerpt: 'A vision model spots small animals at dusk.',
      topics: ['Robotics', 'Wildlife'],
      images: [{ url: 'https://daily.example.com/img/mower.jpg' }],
      provider: { name: 'Fabrikam Daily' },
    });
    expect(byUrl.get('https://daily.example.com/2026/04/passkeys')!.images).toEqual([
      { url: 'https://daily.example.com/img/passkeys.png' },
    ]);

    const episode = byUrl.get('https://podcast.example.org/episodes/12')!;
    expect(episode.images).toEqual([{ url: 'https://podcast.example.org/ep12.jpg' }]);
    expect(byUrl.get('https://podcast.example.org/episodes/13')!.images).toEqual([]);
    expect(episode.excerpt).toBe('We talk to chip designers about running models on phones.');

    expect(byUrl.get('https://revue.example.fr/2026/cafe-creme')).toMatchObject({
      title: 'Café, crème brûlée et électricité',
      excerpt: "Les prix de l'énergie baissent à Noël.",
      topics: ['Économie'],
      provider: { name: 'Revue Française' },
    });
    expect(byUrl.get('https://keji.example.cn/2026/battery')).toMatchObject({
      title: '新型电池充电更快',
      excerpt: '研究人员展示了一种十分钟充满的电池。',
      topics: ['能源'],
      provider: { name: '科技日报示例', domain: 'keji.example.cn' },
    });
    expect(fileWithId(outDir, idOf('https://keji.example.cn/2026/battery'))).toMatch(
      /^2026-03-02-新型电池充电更快-/,
    );
  });

  it('GIVEN the same feeds again THEN nothing is new or rewritten: every item is unchanged', async () => {
    const before = new Map(files(outDir).map((name) => [name, fs.statSync(path.join(outDir, name)).mtimeMs]));
    const again = await importFeeds({
      feeds: sources.map((route) => ({ url: server.url(route) })),
      outDir,
      now: NOW + HOUR,
    });
    expect(again.items).toEqual({ new: 0, updated: 0, unchanged: 13, rejected: 0 });
    expect(
      new Map(files(outDir).map((name) => [name, fs.statSync(path.join(outDir, name)).mtimeMs])),
    ).toEqual(before);
  });

  it('GIVEN topics and a provider name in the feed entry THEN every item carries them', async () => {
    const dir = tempDir();
    await importFeeds({
      feeds: [{ url: server.url('/rss1'), topics: ['Science', 'oceans'], provider: 'The Journal' }],
      outDir: dir,
      now: NOW,
    });
    const articles = loadCorpus(dir, { cacheDir: null }).articles;
    expect(articles.map((a) => [a.topics, a.provider.name])).toEqual([
      [['Oceans', 'Science'], 'The Journal'],
      [['Space', 'Science', 'oceans'], 'The Journal'],
    ]);
  });
});

describe('importFeeds: re-imports', () => {
  it('GIVEN an item whose title changed THEN its one file is rewritten in place and the others are left alone', async () => {
    const outDir = tempDir();
    let title = 'First headline';
    server.route(
      '/changing',
      (_request, response) => (
        response.writeHead(200, { 'content-type': 'application/rss+xml' }),
        response.end(
          rss([
            { title, link: 'https://news.example.com/a', date: 'Mon, 02 Mar 2026 10:00:00 GMT' },
            { title: 'Undated item', link: 'https://news.example.com/undated' },
          ]),
        )
      ),
    );
    const feeds = [{ url: server.url('/changing') }];
    expect((await importFeeds({ feeds, outDir, now: NOW })).items).toMatchObject({ new: 2 });
    const name = fileWithId(outDir, idOf('https://news.example.com/a'))!;

    title = 'Second headline';
    const second = await importFeeds({ feeds, outDir, now: NOW + 2 * HOUR });
    expect(second.items).toEqual({ new: 0, updated: 1, unchanged: 1, rejected: 0 });
    expect(files(outDir)).toHaveLength(2);
    expect(fs.readFileSync(path.join(outDir, name), 'utf8')).toContain('title: "Second headline"');
    // The undated item kept the time it was first seen, so it did not change.
    const undated = fileWithId(outDir, idOf('https://news.example.com/undated'))!;
    expect(fs.readFileSync(path.join(outDir, undated), 'utf8')).toContain(
      'publishedDateTime: 2026-03-10T12:00:00Z',
    );
    expect(fs.readdirSync(outDir).filter((entry) => entry.includes('.tmp'))).toEqual([]);
  });

  it('GIVEN a hand-written file with the URL of an item THEN that item writes nothing and counts as unchanged', async () => {
    const outDir = tempDir();
    const own = articleFile({
      title: 'Our own take on the battery plant',
      webUrl: 'https://www.wire.example.com/2026/03/battery-plant-opens/',
    });
    // Named like an imported file (a date, a slug, eight name characters at the end): still someone's own.
    const name = '2026-03-03-battery-plant-our-take.md';
    fs.writeFileSync(path.join(outDir, name), own);
    const feeds = [{ url: server.url('/rss2') }];
    const summary = await importFeeds({ feeds, outDir, now: NOW });
    expect(summary.items).toEqual({ new: 2, updated: 0, unchanged: 1, rejected: 0 });
    expect(fs.readFileSync(path.join(outDir, name), 'utf8')).toBe(own);
    expect(fileWithId(outDir, idOf('https://wire.example.com/2026/03/battery-plant-opens'))).toBeUndefined();
    expect(loadCorpus(outDir, { cacheDir: null }).problems).toEqual([]);
    expect((await importFeeds({ feeds, outDir, now: NOW + HOUR })).items).toMatchObject({
      new: 0,
      unchanged: 3,
    });
    expect(fs.readFileSync(path.join(outDir, name), 'utf8')).toBe(own);
  });

  it('GIVEN the feeds state was lost THEN the imported files are recognised again: nothing new, nothing duplicated', async () => {
    const outDir = tempDir();
    const feeds = [{ url: server.url('/rss2') }, { url: server.url('/json') }];
    expect((await importFeeds({ feeds, outDir, now: NOW })).items.new).toBe(5);
    fs.rmSync(path.join(outDir, STATE_FILE));
    const again = await importFeeds({ feeds, outDir, now: NOW + HOUR });
    expect(again.items).toEqual({ new: 0, updated: 0, unchanged: 5, rejected: 0 });
    expect(files(outDir)).toHaveLength(5);
    expect(
      Object.keys(JSON.parse(fs.readFileSync(path.join(outDir, STATE_FILE), 'utf8')).files),
    ).toHaveLength(5);
  });

  it('GIVEN an imported file someone deleted THEN the next import does not bring it back, until the state is deleted too', async () => {
    const outDir = tempDir();
    const feeds = [{ url: server.url('/rss2') }];
    await importFeeds({ feeds, outDir, now: NOW });
    const gone = fileWithId(outDir, idOf('https://wire.example.com/2026/03/heat-pumps-cold'))!;
    fs.rmSync(path.join(outDir, gone));
    const again = await importFeeds({ feeds, outDir, now: NOW + HOUR });
    expect(again.items).toEqual({ new: 0, updated: 0, unchanged: 3, rejected: 0 });
    expect(files(outDir)).toHaveLength(2);
    expect(JSON.parse(fs.readFileSync(path.join(outDir, STATE_FILE), 'utf8')).deleted).toEqual([
      idOf('https://wire.example.com/2026/03/heat-pumps-cold'),
    ]);

    fs.rmSync(path.join(outDir, STATE_FILE));
    expect((await importFeeds({ feeds, outDir, now: NOW + 2 * HOUR })).items).toMatchObject({ new: 1 });
    expect(files(outDir)).toContain(gone);
  });

  it('GIVEN an ETag THEN the second run sends If-None-Match and a 304 counts as not modified', async () => {
    const outDir = tempDir();
    server.route('/etag', (request, response) => {
      if (request.headers['if-none-match'] === '"v1"') {
        response.writeHead(304, { etag: '"v1"' });
        response.end();
        return;
      }
      response.writeHead(200, {
        'content-type': 'application/rss+xml',
        etag: '"v1"',
        'last-modified': 'Mon, 02 Mar 2026 10:00:00 GMT',
      });
      response.end(fixture('podcast.xml'));
    });
    const feeds = [{ url: server.url('/etag') }];
    expect((await importFeeds({ feeds, outDir, now: NOW })).items.new).toBe(2);
    const second = await importFeeds({ feeds, outDir, now: NOW + HOUR });
    expect(second.feeds).toMatchObject({ read: 0, notModified: 1, failed: 0 });
    expect(second.reports[0]!.status).toBe('not-modified');
    const conditional = server.requests.filter((request) => request.path === '/etag').at(-1)!;
    expect(conditional.headers['if-none-match']).toBe('"v1"');
    expect(conditional.headers['if-modified-since']).toBe('Mon, 02 Mar 2026 10:00:00 GMT');
    expect(files(outDir)).toHaveLength(2);
  });

  it('GIVEN a feed that failed twice THEN --respect-backoff skips it until its retry time, and a plain run still fetches it', async () => {
    const outDir = tempDir();
    const feeds = [{ url: server.url('/fail') }];
    const once = await importFeeds({ feeds, outDir, now: NOW, respectBackoff: true });
    expect(once.reports[0]).toMatchObject({ status: 'failed', problems: [{ code: 'http-status' }] });
    expect(once.reports[0]!.retryAfter).toBeUndefined();
    const twice = await importFeeds({ feeds, outDir, now: NOW + 60_000, respectBackoff: true });
    expect(twice.reports[0]!.retryAfter).toBe(new Date(NOW + 60_000 + 30 * 60_000).toISOString());
    const state = JSON.parse(fs.readFileSync(path.join(outDir, STATE_FILE), 'utf8'));
    expect(state.feeds[feeds[0]!.url]).toMatchObject({
      failures: 2,
      lastError: 'the server answered HTTP 500',
    });

    const hitsBefore = server.hits('/fail');
    const skipped = await importFeeds({ feeds, outDir, now: NOW + 5 * 60_000, respectBackoff: true });
    expect(skipped.feeds).toMatchObject({ skipped: 1, failed: 0 });
    expect(skipped.reports[0]!.problems[0]).toMatchObject({ code: 'backing-off' });
    expect(server.hits('/fail')).toBe(hitsBefore);

    await importFeeds({ feeds, outDir, now: NOW + 6 * 60_000 });
    expect(server.hits('/fail')).toBe(hitsBefore + 1);
    const later = await importFeeds({ feeds, outDir, now: NOW + 3 * HOUR, respectBackoff: true });
    expect(later.reports[0]!.status).toBe('failed');
    expect(
      JSON.parse(fs.readFileSync(path.join(outDir, STATE_FILE), 'utf8')).feeds[feeds[0]!.url].failures,
    ).toBe(4);
  });
});

describe('importFeeds: bad input loses nothing and stops nothing', () => {
  const outDir = tempDir();
  let summary: ImportSummary;
  const bad = {
    '/malformed': 'invalid-xml',
    '/bomb': 'entity-declaration',
    '/xxe': 'entity-declaration',
    '/html-page': 'unknown-format',
    '/never-answers': 'timeout',
    '/stalls-mid-body': 'timeout',
    '/loop-a': 'redirect-loop',
    '/hop/6': 'too-many-redirects',
    '/to-javascript': 'bad-redirect',
    '/missing': 'http-status',
  } as const;

  beforeAll(async () => {
    summary = await importFeeds({
      feeds: [
        ...Object.keys(bad).map((route) => ({ url: server.url(route) })),
        { url: 'ftp://files.example.com/feed.xml' },
        { url: 'javascript:alert(1)' },
        { url: server.url('/hop/5') },
        { url: server.url('/incomplete') },
      ],
      outDir,
      now: NOW,
      // Short, for the two feeds that never finish; long enough for six redirects on a loaded machine.
      timeoutMs: 3_000,
    });
  });

  it('GIVEN broken, hostile, slow and endless feeds THEN each fails with its own reason and the good feeds are imported', () => {
    for (const [route, code] of Object.entries(bad)) {
      expect({ route, ...report(summary, server.url(route)) }).toMatchObject({
        route,
        status: 'failed',
        problems: [{ code }],
      });
    }
    expect(report(summary, 'ftp://files.example.com/feed.xml').problems[0]!.code).toBe('not-http');
    expect(report(summary, 'javascript:alert(1)').problems[0]!.code).toBe('not-http');
    expect(report(summary, server.url('/hop/5'))).toMatchObject({ status: 'read', items: { new: 2 } });
    expect(summary.feeds).toMatchObject({ listed: 14, read: 2, failed: 12 });
    expect(loadCorpus(outDir, { cacheDir: null }).problems).toEqual([]);
    const written = files(outDir).map((name) => fs.readFileSync(path.join(outDir, name), 'utf8'));
    expect(written.join('\n')).not.toMatch(/lol|root:|Stalled|Huge/);
  });

  it('GIVEN items without a link or title, or with markup and javascript: THEN each is reported and nothing unsafe is written', () => {
    const incomplete = report(summary, server.url('/incomplete'));
    expect(incomplete.title).toBe('Sloppy Feed');
    expect(incomplete.items).toEqual({ new: 2, updated: 0, unchanged: 0, rejected: 4 });
    expect(incomplete.itemProblems.map(({ code, severity, item }) => ({ code, severity, item }))).toEqual([
      { code: 'no-link', severity: 'rejected', item: 'An item with no link' },
      { code: 'no-title', severity: 'rejected', item: 'https://sloppy.example.com/untitled' },
      {
        code: 'markup-only-title',
        severity: 'rejected',
        item: 'https://sloppy.example.com/only-markup',
      },
      { code: 'bad-link', severity: 'rejected', item: 'Click here now' },
      { code: 'bad-date', severity: 'warning', item: 'Markup in a title' },
      { code: 'bad-image', severity: 'warning', item: 'Markup in a title' },
    ]);
    const byUrl = new Map(loadCorpus(outDir, { cacheDir: null }).articles.map((a) => [a.webUrl, a]));
    expect(byUrl.get('https://sloppy.example.com/markup-title')).toMatchObject({
      title: 'Markup in a title',
      excerpt: 'Text after a frame.',
      images: [],
      publishedAt: NOW,
      provider: { name: 'Sloppy Feed' },
    });
    expect(byUrl.get(server.url('/relative/fine-item'))).toMatchObject({ title: 'A fine item' });
    for (const name of files(outDir)) {
      const text = fs.readFileSync(path.join(outDir, name), 'utf8');
      expect(text).not.toMatch(/<|javascript:|alert/);
    }
  });

  it('GIVEN a feed that streams past 5 MB without a Content-Length THEN it is refused as too large', async () => {
    // Its own run with the default 10 s deadline: six megabytes under load can outlast the 3 s above.
    const huge = await importFeeds({ feeds: [{ url: server.url('/huge') }], outDir: tempDir(), now: NOW });
    expect(huge.reports[0]).toMatchObject({ status: 'failed', problems: [{ code: 'too-large' }] });
  });

  it('GIVEN a lower size cap THEN a feed over it is refused', async () => {
    const small = await importFeeds({
      feeds: [{ url: server.url('/rss2') }],
      outDir: tempDir(),
      now: NOW,
      maxBytes: 1_000,
    });
    expect(small.reports[0]).toMatchObject({ status: 'failed', problems: [{ code: 'too-large' }] });
  });
});

describe('importFeeds: the articles a bot already serves', () => {
  afterEach(() => vi.restoreAllMocks());

  it('GIVEN the library’s articles THEN an item whose URL is anywhere in the corpus writes nothing, and files the library knows are not parsed again', async () => {
    const articlesDir = tempDir();
    const outDir = path.join(articlesDir, 'feeds');
    fs.mkdirSync(path.join(articlesDir, 'desk'));
    const own = articleFile({
      title: 'Our own battery plant story',
      webUrl: 'https://wire.example.com/2026/03/battery-plant-opens',
    });
    fs.writeFileSync(path.join(articlesDir, 'desk', 'battery.md'), own);
    const library = () =>
      packKnownArticles(articlesDir, loadCorpus(articlesDir, { cacheDir: null }).articles);
    const feeds = [{ url: server.url('/rss2') }];

    const first = await importFeeds({ feeds, outDir, now: NOW, known: library() });
    expect(first.items).toEqual({ new: 2, updated: 0, unchanged: 1, rejected: 0 });
    expect(files(outDir)).toHaveLength(2);

    // The state is lost: the library still knows which files are the importer's, without a parse.
    fs.rmSync(path.join(outDir, STATE_FILE));
    const known = library();
    const reads = vi.spyOn(fs, 'readFileSync');
    const again = await importFeeds({ feeds, outDir, now: NOW + HOUR, known });
    const articleReads = reads.mock.calls.filter(([file]) => String(file).endsWith('.md'));
    // Each imported file is read once, to compare it with the item: none is parsed to find its URL.
    expect(articleReads.map(([file]) => path.dirname(String(file)))).toEqual([outDir, outDir]);
    expect(again.items).toEqual({ new: 0, updated: 0, unchanged: 3, rejected: 0 });
    expect(files(outDir)).toHaveLength(2);
    expect(loadCorpus(articlesDir, { cacheDir: null }).problems).toEqual([]);
  });
});

describe('importFeeds: one import per folder', () => {
  const lock = (dir: string, pid: number, startedAt = new Date().toISOString()) =>
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid, host: os.hostname(), startedAt }));

  it('GIVEN another running process holds the folder THEN every feed is skipped as busy and nothing is written', async () => {
    const outDir = tempDir();
    lock(outDir, process.ppid);
    const summary = await importFeeds({ feeds: [{ url: server.url('/rss2') }], outDir, now: NOW });
    expect(summary.feeds).toMatchObject({ listed: 1, read: 0, skipped: 1 });
    expect(summary.reports[0]!.problems).toEqual([
      { code: 'busy', message: expect.stringContaining(`process ${process.ppid}`) },
    ]);
    expect(files(outDir)).toEqual([]);
    expect(fs.existsSync(path.join(outDir, LOCK_FILE))).toBe(true);
  });

  it('GIVEN a lock left by a process that died and a write it never finished THEN the import takes over and cleans up', async () => {
    const outDir = tempDir();
    const deadPid = 2 ** 22 + 1; // above Linux's pid_max
    lock(outDir, deadPid);
    const unfinished = `2026-03-03-battery-plant-opens-${idOf('https://wire.example.com/x')}.md.${deadPid}.tmp`;
    fs.writeFileSync(path.join(outDir, unfinished), '---\ntitle: "Batt');
    fs.writeFileSync(path.join(outDir, 'notes.md.7.tmp'), 'someone else’s');
    const summary = await importFeeds({ feeds: [{ url: server.url('/rss2') }], outDir, now: NOW });
    expect(summary.items.new).toBe(3);
    expect(fs.readdirSync(outDir).filter((name) => name.endsWith('.tmp'))).toEqual(['notes.md.7.tmp']);
    expect(fs.existsSync(path.join(outDir, LOCK_FILE))).toBe(false);
  });
});

describe('importFeeds: RSS 0.91 and charsets over HTTP', () => {
  const latin1 = fixture('latin1.xml');
  /** The latin-1 fixture's bytes with no encoding in its XML declaration: only the header can say. */
  const undeclared = Buffer.from(latin1.toString('latin1').replace(' encoding="ISO-8859-1"', ''), 'latin1');
  const titlesIn = (dir: string) =>
    loadCorpus(dir, { cacheDir: null }).articles.map((article) => article.title);

  async function importOne(route: string, body: Buffer, contentType: string) {
    server.route(route, serve(body, contentType));
    const outDir = tempDir();
    const summary = await importFeeds({ feeds: [{ url: server.url(route) }], outDir, now: NOW });
    return { summary, outDir, report: summary.reports[0]! };
  }

  it('GIVEN an RSS 0.91 feed with its Netscape DOCTYPE THEN it is read (the DTD is never fetched) and its undated items take the fetch time', async () => {
    const { report, outDir } = await importOne('/rss091', fixture('rss091.xml'), 'text/xml');
    expect(report).toMatchObject({ status: 'read', format: 'RSS', title: 'Old Town Gazette', problems: [] });
    expect(report.items).toEqual({ new: 2, updated: 0, unchanged: 0, rejected: 0 });
    const articles = loadCorpus(outDir, { cacheDir: null }).articles;
    expect(articles.find((article) => article.webUrl.endsWith('/tram-line'))).toMatchObject({
      excerpt: 'The number 4 tram runs again from Monday – every ten minutes.',
      publishedAt: NOW,
      provider: { name: 'Old Town Gazette', domain: 'gazette.example.org' },
    });
  });

  it('GIVEN GB2312 declared only in the XML, latin-1 only in the HTTP header THEN both read without a warning', async () => {
    const gb = await importOne('/gb-declared', fixture('gb2312-declared.xml'), 'text/xml');
    expect(gb.report.problems).toEqual([]);
    expect(loadCorpus(gb.outDir, { cacheDir: null }).articles).toMatchObject([
      {
        title: '深海机器人发现新物种',
        excerpt: '科学家在三千米深处拍到了一种透明的鱼。',
        topics: ['海洋'],
        provider: { name: '环球科学示例' },
      },
    ]);
    const latin = await importOne('/latin1-header', undeclared, 'application/rss+xml; charset=ISO-8859-1');
    expect(latin.report.problems).toEqual([]);
    expect(titlesIn(latin.outDir)).toEqual(['Café, crème brûlée et électricité']);
  });

  it('GIVEN a wrong or missing charset THEN the feed is still read, with the guess reported for that feed', async () => {
    // Labelled UTF-8 by the server, but latin-1 bytes (and so declared in the XML): the declaration wins.
    const wrong = await importOne('/wrong-charset', latin1, 'application/rss+xml; charset=utf-8');
    expect(wrong.report.status).toBe('read');
    expect(wrong.report.problems).toEqual([
      { code: 'charset', message: 'not valid utf-8 (HTTP Content-Type)' },
    ]);
    expect(titlesIn(wrong.outDir)).toEqual(['Café, crème brûlée et électricité']);

    const missing = await importOne('/no-charset', undeclared, 'application/rss+xml');
    expect(missing.report.problems).toEqual([
      { code: 'charset', message: 'not valid utf-8 (default); read as windows-1252' },
    ]);
    expect(titlesIn(missing.outDir)).toEqual(['Café, crème brûlée et électricité']);
    expect(missing.report.items).toMatchObject({ new: 1, rejected: 0 });
  });
});

describe('charset and feeds list', () => {
  it('GIVEN a charset in the header and another in the XML THEN the header wins; bytes that contradict it are reported', () => {
    const latin = fixture('latin1.xml');
    expect(decodeFeedBytes(latin).text).toContain('Café, crème brûlée');
    expect(decodeFeedBytes(latin, 'text/xml; charset="iso-8859-1"').encoding).toBe('windows-1252');
    const wrong = decodeFeedBytes(latin, 'text/xml; charset=utf-8');
    expect(wrong.text).toContain('Café');
    expect(wrong.warning).toMatch(/not valid utf-8 \(HTTP Content-Type\)/);
    const missing = decodeFeedBytes(
      Buffer.from('<rss><channel><title>Caf\xe9</title></channel></rss>', 'latin1'),
    );
    expect(missing).toMatchObject({ text: expect.stringContaining('Café'), encoding: 'windows-1252' });
    expect(missing.warning).toMatch(/read as windows-1252/);
    expect(decodeFeedBytes(fixture('gb2312.xml'), 'application/rss+xml; charset=gb2312').text).toContain(
      '新型电池充电更快',
    );
  });

  it('GIVEN a feeds file THEN good entries are read and each bad one is named with its reason', () => {
    const list = parseFeedList(
      [
        'out: ../articles',
        'feeds:',
        '  - url: https://a.example.com/feed.xml',
        '    topics: [AI, Robotics]',
        '    provider: A News',
        '  - https://b.example.com/rss',
        '  - url: https://c.example.com/atom',
        '    topics: Space',
        '  - url: ftp://d.example.com/feed',
        '  - url: https://e.example.com/feed',
        '    tags: [x]',
        '  - topics: [no url]',
        '  - https://b.example.com/rss',
      ].join('\n'),
      '/srv/broadsheet/config/feeds.yaml',
    );
    expect(list.outDir).toBe('/srv/broadsheet/articles');
    expect(list.feeds).toEqual([
      { url: 'https://a.example.com/feed.xml', topics: ['AI', 'Robotics'], provider: 'A News' },
      { url: 'https://b.example.com/rss' },
      { url: 'https://c.example.com/atom', topics: ['Space'] },
    ]);
    expect(list.problems).toEqual([
      '/srv/broadsheet/config/feeds.yaml: feed 4: "ftp://d.example.com/feed" is not an http(s) URL',
      '/srv/broadsheet/config/feeds.yaml: feed 5 has an unknown field "tags" (known: url, topics, provider)',
      '/srv/broadsheet/config/feeds.yaml: feed 6 has no url',
      '/srv/broadsheet/config/feeds.yaml: feed 7: https://b.example.com/rss is listed twice; the first entry is used',
    ]);
    expect(() => parseFeedList('feeds: {', 'feeds.yaml')).toThrow(/feeds.yaml is not valid YAML/);
    expect(() => parseFeedList('just: text', 'feeds.yaml')).toThrow(
      /must be one feed URL a line, a YAML list of feeds/,
    );
  });
});
