/**
 * `npx tsx bench/importFeeds.ts [--feeds 100] [--items 50]`
 *
 * importFeeds against a loopback server of generated feeds (RSS 2.0, Atom and JSON Feed in turn): the
 * wall time of a first import into an empty folder (every item new), of a second one (every item
 * unchanged) and of one where the server answers 304, with the longest event-loop stall of each on the
 * thread that runs it. Then the bot's way: one cycle of startFeedImports into a fresh folder, in its
 * worker thread, with the longest stall of the main thread meanwhile. Target: a first import under
 * 10 s at 100 × 50.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startFeedImports } from '../src/feeds/feedImportSchedule.ts';
import { STATE_FILE } from '../src/feeds/feedState.ts';
import { importFeeds, type ImportSummary } from '../src/feeds/importFeeds.ts';
import { createLogger } from '../src/logger.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const FEEDS = flag('feeds', 100);
const ITEMS = flag('items', 50);

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function item(feed: number, n: number) {
  const day = String(1 + (n % 28)).padStart(2, '0');
  return {
    title: `Feed ${feed} story ${n}: batteries, <b>robots</b> & the grid`,
    link: `https://feed${feed}.example.com/2026/03/story-${n}`,
    summary: `<p>Story ${n} of feed ${feed}. ${'A sentence of background about the story. '.repeat(12)}</p>`,
    date: `2026-03-${day}T08:${String(n % 60).padStart(2, '0')}:00Z`,
    topics: ['Energy', `Topic ${n % 7}`],
    image: `https://media.example.com/feed${feed}/${n}.jpg`,
  };
}

function feedBody(feed: number): { body: string; type: string } {
  const items = Array.from({ length: ITEMS }, (_, n) => item(feed, n));
  if (feed % 3 === 1) {
    const entries = items
      .map(
        (i) =>
          `<entry><title type="html">${escape(i.title)}</title><link href="${i.link}"/><id>${i.link}</id><updated>${i.date}</updated>${i.topics.map((t) => `<category term="${t}"/>`).join('')}<summary type="html">${escape(i.summary)}</summary><link rel="enclosure" type="image/jpeg" href="${i.image}"/></entry>`,
      )
      .join('\n');
    return {
      type: 'application/atom+xml',
      body: `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Bench Atom ${feed}</title>${entries}</feed>`,
    };
  }
  if (feed % 3 === 2) {
    return {
      type: 'application/feed+json',
      body: JSON.stringify({
        version: 'https://jsonfeed.org/version/1.1',
        title: `Bench JSON ${feed}`,
        items: items.map((i) => ({
          id: i.link,
          url: i.link,
          title: i.title,
          content_html: i.summary,
          date_published: i.date,
          tags: i.topics,
          image: i.image,
        })),
      }),
    };
  }
  const entries = items
    .map(
      (i) =>
        `<item><title>${escape(i.title)}</title><link>${i.link}</link><pubDate>${new Date(i.date).toUTCString()}</pubDate>${i.topics.map((t) => `<category>${t}</category>`).join('')}<description>${escape(i.summary)}</description><enclosure url="${i.image}" type="image/jpeg" length="1000"/></item>`,
    )
    .join('\n');
  return {
    type: 'application/rss+xml',
    body: `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bench RSS ${feed}</title>${entries}</channel></rss>`,
  };
}

const bodies = Array.from({ length: FEEDS }, (_, feed) => feedBody(feed));
const server = http.createServer((request, response) => {
  const feed = Number(/^\/feed\/(\d+)$/.exec(request.url ?? '')?.[1]);
  const found = bodies[feed];
  if (!found) {
    response.writeHead(404).end();
    return;
  }
  const etag = `"bench-${feed}"`;
  if (request.headers['if-none-match'] === etag) {
    response.writeHead(304, { etag }).end();
    return;
  }
  response.writeHead(200, { 'content-type': found.type, etag }).end(found.body);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
const feeds = bodies.map((_, feed) => ({ url: `http://127.0.0.1:${port}/feed/${feed}` }));
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'broadsheet-bench-feeds-'));

/** One cycle of the bot's schedule (FEEDS_FILE, worker thread) into a fresh ARTICLES_DIR. */
async function oneScheduledCycle(): Promise<ImportSummary> {
  const dir = fs.mkdtempSync(path.join(outDir, 'bot-'));
  const feedsFile = path.join(dir, 'feeds.txt');
  fs.writeFileSync(feedsFile, feeds.map((feed) => feed.url).join('\n'));
  const articlesDir = path.join(dir, 'articles');
  let done!: (summary: ImportSummary | null) => void;
  const cycle = new Promise<ImportSummary | null>((resolve) => (done = resolve));
  const imports = startFeedImports({
    config: {
      FEEDS_FILE: feedsFile,
      FEEDS_EVERY_MINUTES: 30,
      ARTICLES_DIR: articlesDir,
      DATA_DIR: path.join(dir, 'data'),
      MAX_ARTICLE_BYTES: 512 * 1024,
    },
    logger: createLogger('silent'),
    onCycle: done,
  });
  const summary = await cycle;
  await imports.stop();
  if (!summary) throw new Error('the scheduled import failed');
  return summary;
}

async function timed(label: string, run: () => Promise<ImportSummary>): Promise<void> {
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  stalls.enable();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const summary = await run();
  const seconds = (performance.now() - started) / 1000;
  // CPU of every thread of this process (the server, the import, its worker): a figure load does not inflate.
  const cpu = process.cpuUsage(cpuBefore);
  stalls.disable();
  const { items, feeds: counts } = summary;
  process.stdout.write(
    `${label.padEnd(28)} ${seconds.toFixed(2).padStart(6)} s (cpu ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s)   feeds read ${counts.read}, not modified ${counts.notModified}, failed ${counts.failed}; items new ${items.new}, updated ${items.updated}, unchanged ${items.unchanged}, rejected ${items.rejected}; longest event-loop stall ${(stalls.max / 1e6).toFixed(0)} ms\n`,
  );
}

try {
  process.stdout.write(
    `importFeeds: ${FEEDS} feeds × ${ITEMS} items from loopback (target: first import < 10 s)\n`,
  );
  await timed('first import (all new)', () => importFeeds({ feeds, outDir }));
  // Forget the validators (not the list of imported files), so the second run fetches every feed.
  const stateFile = path.join(outDir, STATE_FILE);
  fs.writeFileSync(
    stateFile,
    JSON.stringify({ ...JSON.parse(fs.readFileSync(stateFile, 'utf8')), feeds: {} }),
  );
  await timed('second import (unchanged)', () => importFeeds({ feeds, outDir }));
  await timed('third import (304s)', () => importFeeds({ feeds, outDir }));
  await timed('bot cycle in a worker', () => oneScheduledCycle());
} finally {
  server.close();
  fs.rmSync(outDir, { recursive: true, force: true });
}
