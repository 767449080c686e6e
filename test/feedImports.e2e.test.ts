import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCorpus } from '../src/articles/loadCorpus.ts';
import { STATE_FILE } from '../src/feeds/feedState.ts';
import { LOCK_FILE } from '../src/feeds/importLock.ts';
import type { Emulator } from './emulator/index.ts';
import { ADMIN, GENERAL, GUILD } from './support/bot.ts';
import { articleFile, tempDir, writeCorpus } from './support/articles.ts';
import { fixture, serve, startFeedServer, type FeedServer } from './support/feedServer.ts';
import {
  eventually,
  killGroup,
  newsroomEmulator,
  startBotInGroup,
  startInGroup,
  waitForGroupGone,
  type GroupProcess,
} from './support/processes.ts';

const MAIN = path.resolve('src/main.ts');

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const jsonLines = (text: string): LogLine[] =>
  text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);

const leftovers = (dir: string) =>
  fs.readdirSync(dir).filter((name) => name.endsWith('.tmp') || name === LOCK_FILE);

let feeds: FeedServer;
let emu: Emulator | undefined;
const groups: GroupProcess[] = [];

beforeAll(async () => {
  feeds = await startFeedServer({
    '/atom': serve(fixture('atom.xml'), 'application/atom+xml'),
    '/json': serve(fixture('feed.json'), 'application/feed+json'),
    '/broken': serve(fixture('malformed.xml')),
    '/never-answers': () => undefined,
  });
});
afterAll(() => feeds.close());
afterEach(async () => {
  for (const group of groups.splice(0)) killGroup(group.pgid);
  await emu?.close();
  emu = undefined;
});

function feedsFile(lines: string[]): string {
  const file = path.join(tempDir(), 'feeds.yaml');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('the bot imports FEEDS_FILE on its own', () => {
  it('GIVEN FEEDS_FILE THEN the running bot writes the feeds’ items into ARTICLES_DIR, /search finds them, the cycle and the bad feed are logged, and a SIGTERM mid-import exits 0 leaving nothing behind', async () => {
    emu = await newsroomEmulator();
    const articlesDir = writeCorpus({
      'own.md': articleFile({ title: 'Self-driving cars learn to see pedestrians', topics: ['AI'] }),
    });
    const bot = startBotInGroup(emu, {
      ARTICLES_DIR: articlesDir,
      FEEDS_FILE: feedsFile([
        `- url: ${feeds.url('/atom')}`,
        '  topics: [Science]',
        `- ${feeds.url('/json')}`,
        `- ${feeds.url('/broken')}`,
        `- ${feeds.url('/never-answers')}`,
      ]),
    });
    groups.push(bot);
    await eventually(() => bot.output().includes('"bot ready"'), 'bot ready', 30_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}; the bot said:\n${bot.output().slice(-3_000)}`);
      },
    );
    // Three feeds answer at once; the fourth never does, so the cycle is still running.
    const imported = () => fs.readdirSync(articlesDir).filter((name) => /-[\w-]{8}\.md$/.test(name));
    await eventually(() => imported().length === 4 && feeds.hits('/never-answers') > 0, 'four files', 30_000);
    // The corpus watcher takes them in: /search finds an imported article while the import still runs.
    await eventually(
      () => jsonLines(bot.output()).some((line) => line.msg === 'library reloaded' && line.articles === 5),
      'the library reloaded with the imported articles',
      20_000,
    );
    const search = await emu
      .sendCommand({
        name: 'search',
        options: { query: 'hedgehogs' },
        user: ADMIN,
        guildId: GUILD,
        channelId: GENERAL,
      })
      .settled({ timeoutMs: 20_000 });
    expect(search.original?.embeds[0]?.title).toContain('Robot lawnmowers learn to avoid hedgehogs');
    expect(emu.takeViolations()).toEqual([]);

    process.kill(bot.pgid, 'SIGTERM');
    expect(await bot.exited).toEqual({ code: 0, signal: null });
    await waitForGroupGone(bot.pgid, 10_000);

    const lines = jsonLines(bot.output());
    const cycle = lines.find((line) => line.msg.startsWith('feeds imported'))!;
    expect(cycle).toMatchObject({
      level: 30,
      stopped: true,
      feeds: { listed: 4, read: 2, failed: 1, skipped: 1 },
      items: { new: 4, updated: 0, unchanged: 0, rejected: 0 },
    });
    expect(lines.filter((line) => line.level === 40 && line.feed)).toEqual([
      expect.objectContaining({
        feed: feeds.url('/broken'),
        problems: [expect.objectContaining({ code: 'invalid-xml' })],
      }),
    ]);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);

    const corpus = loadCorpus(articlesDir, { cacheDir: null });
    expect(corpus.problems).toEqual([]);
    expect(corpus.articles.map((article) => article.title).sort()).toEqual(
      [
        'Passkeys pass half of sign-ins',
        'Robot lawnmowers learn to avoid hedgehogs',
        'Scaling search to a billion documents',
        'Self-driving cars learn to see pedestrians',
        'Why we moved to ARM servers',
      ].sort(),
    );
    expect(leftovers(articlesDir)).toEqual([]);
    // A stop is not a failure: the feed that never answered is not backing off.
    const state = JSON.parse(fs.readFileSync(path.join(articlesDir, STATE_FILE), 'utf8'));
    expect(state.feeds[feeds.url('/never-answers')]).toBeUndefined();
    expect(state.feeds[feeds.url('/broken')]).toMatchObject({ failures: 1 });
  }, 60_000);

  it('GIVEN a FEEDS_FILE that does not exist THEN the bot stops at once with exit 1 and says which file', async () => {
    const missing = path.join(tempDir(), 'feeds.yaml');
    const run = startInGroup(process.execPath, ['--import', 'tsx', MAIN], {
      ...process.env,
      ARTICLES_DIR: writeCorpus({ 'a.md': articleFile({ title: 'One article' }) }),
      DATA_DIR: tempDir(),
      FEEDS_FILE: missing,
    });
    groups.push(run);
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(run.output()).toBe(
      `FEEDS_FILE: ${missing} could not be read: ENOENT. Fix the file or unset FEEDS_FILE.\n`,
    );
  }, 30_000);
});

describe('local mode imports FEEDS_FILE too', () => {
  it('GIVEN FEEDS_FILE and a --json pipe THEN the items are imported and found, the report goes to stderr only, and stdout stays one JSON line per command', async () => {
    const articlesDir = writeCorpus({
      'own.md': articleFile({ title: 'Self-driving cars learn to see pedestrians' }),
    });
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--json'], {
      env: {
        ...process.env,
        DISCORD_TOKEN: '',
        ARTICLES_DIR: articlesDir,
        DATA_DIR: tempDir(),
        FEEDS_FILE: feedsFile([feeds.url('/json'), feeds.url('/broken')]),
        LOG_FORMAT: 'json',
      },
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    groups.push({ child, pgid: child.pid!, output: () => '', exited: new Promise(() => undefined) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    await eventually(() => stderr.includes('feeds imported'), 'the import summary on stderr', 30_000);
    await eventually(
      () => /Library reloaded: .*\(3 articles\)/.test(stderr),
      'the reload with the imported articles',
      20_000,
    );
    child.stdin.end('topics\nsearch hedgehogs\n');
    expect(await exited).toBe(0);
    await waitForGroupGone(child.pid!, 10_000);

    const answers = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(answers.map((answer) => answer.command)).toEqual(['topics', 'search']);
    expect(answers[1].results[0].title).toBe('Robot lawnmowers learn to avoid hedgehogs');
    const summary = jsonLines(stderr).find((line) => line.msg.startsWith('feeds imported'))!;
    expect(summary).toMatchObject({ feeds: { listed: 2, read: 1, failed: 1 }, items: { new: 2 } });
    expect(jsonLines(stderr).find((line) => line.level === 40)).toMatchObject({ feed: feeds.url('/broken') });
    expect(loadCorpus(articlesDir, { cacheDir: null }).articles).toHaveLength(3);
    expect(leftovers(articlesDir)).toEqual([]);
  }, 60_000);
});
