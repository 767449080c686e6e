/**
 * The living corpus through the real processes: local mode's JSON pipe and the bot against the Discord
 * API emulator see an article file written into ARTICLES_DIR while they run, forget it once it is
 * deleted, and SIGHUP rescans; the bot's next digest includes the new article.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REST, type APIActionRowComponent, type APIComponentInMessageActionRow } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { commands } from '../commands/index.ts';
import { deployCommands } from '../src/discord/deployCommands.ts';
import type { Emulator, StoredMessage } from './emulator/index.ts';
import { articleFile, tempDir, writeCorpus, type FixtureArticle } from './support/articles.ts';
import { ADMIN, GENERAL, GUILD, TOKEN } from './support/bot.ts';
import {
  eventually,
  eventuallyAsync,
  killGroup,
  newsroomEmulator,
  startBotInGroup,
  type GroupProcess,
} from './support/processes.ts';

const MAIN = path.resolve('src/main.ts');
/** Generous: a loaded machine starts workers slowly. */
const DEADLINE_MS = 30_000;

const CORPUS: Record<string, FixtureArticle> = {
  'cars.md': {
    title: 'Self-driving cars learn to see pedestrians',
    topics: ['AI in Autos'],
    heat: 300,
    date: '2021-10-17T10:00:00Z',
  },
  'tumors.md': {
    title: 'Deep learning improves interpretation of tumors',
    topics: ['Machine Learning'],
    heat: 79,
    date: '2021-10-19T13:40:00Z',
  },
};
for (let i = 1; i <= 8; i++) {
  CORPUS[`roundup-${i}.md`] = {
    title: `Machine learning roundup number ${i}`,
    topics: ['Machine Learning'],
    heat: 100 - i,
    date: `2021-10-0${i}T09:00:00Z`,
  };
}

/** Published an hour ago: inside the first digest's window (the last 24 hours). */
const fresh = (): FixtureArticle => ({
  title: 'Photonic processors reach the data centre',
  excerpt: 'Light instead of electrons for matrix maths.',
  topics: ['Hardware'],
  heat: 900,
  date: new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
});

const corpusDir = () =>
  writeCorpus(
    Object.fromEntries(Object.entries(CORPUS).map(([name, fixture]) => [name, articleFile(fixture)])),
  );

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('local mode follows the corpus', () => {
  interface Answer {
    command: string;
    results?: Array<{ title: string }>;
    notice?: string;
  }

  it('GIVEN the --json pipe WHEN a file is written, then deleted THEN a later line finds it, then not; SIGHUP rescans; stdout stays JSON', async () => {
    const dir = corpusDir();
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN, '--json'], {
      env: { ...process.env, DISCORD_TOKEN: '', ARTICLES_DIR: dir, DATA_DIR: tempDir(), NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    cleanups.push(() => killGroup(child.pid!));
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const answers = () =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Answer);
    const ask = (line: string) => child.stdin!.write(`${line}\n`);
    /** Asks `line` again and again until an answer after the first `skip` satisfies `done`. */
    const askUntil = async (line: string, done: (answer: Answer) => boolean, what: string, skip = 0) => {
      const timer = setInterval(() => ask(line), 250);
      try {
        return await eventually(() => answers().slice(skip).find(done), what, DEADLINE_MS);
      } finally {
        clearInterval(timer);
      }
    };
    const article = fresh();

    await askUntil('search pedestrians', (answer) => answer.results?.length === 1, 'a first answer');
    expect(answers().some((answer) => answer.results?.[0]?.title === article.title)).toBe(false);

    fs.writeFileSync(path.join(dir, 'photonic.md'), articleFile(article));
    await askUntil(
      'search photonic processors',
      (answer) => answer.results?.[0]?.title === article.title,
      'the new article',
    );
    await eventually(
      () =>
        /Library reloaded: 1 added, 0 changed, 0 removed, 0 rejected in \d+ ms \(11 articles\)\./.test(
          stderr,
        ),
      'the reload line',
      DEADLINE_MS,
    );

    fs.rmSync(path.join(dir, 'photonic.md'));
    await askUntil(
      'search photonic processors',
      (answer) => answer.results?.length === 0,
      'the article gone',
      answers().length,
    );
    await eventually(
      () => /0 added, 0 changed, 1 removed, 0 rejected/.test(stderr),
      'the removal line',
      DEADLINE_MS,
    );

    process.kill(child.pid!, 'SIGHUP');
    await eventually(
      () => /Library rescanned: 0 added, 0 changed, 0 removed, 0 rejected/.test(stderr),
      'the rescan line',
      DEADLINE_MS,
    );
    // Still answering after the signal.
    const count = answers().length;
    ask('topics');
    await eventually(
      () =>
        answers()
          .slice(count)
          .find((answer) => answer.command === 'topics'),
      'topics',
      DEADLINE_MS,
    );

    child.stdin!.end();
    expect(await exited).toBe(1); // some searches found nothing: the pipe's highest status
    // Every line on stdout was one JSON answer (answers() parsed them all); the reload lines went to stderr.
    expect(stdout).not.toContain('Library');
  }, 90_000);
});

describe('the bot follows the corpus', () => {
  function rows(message: StoredMessage | null | undefined) {
    return (message?.components ?? []) as APIActionRowComponent<APIComponentInMessageActionRow>[];
  }
  const customIds = (message: StoredMessage | null | undefined) =>
    rows(message).flatMap((row) =>
      row.components.map((component) => ('custom_id' in component ? component.custom_id : '')),
    );
  const titles = (message: StoredMessage | null | undefined) =>
    (message?.embeds ?? []).map((embed) => embed.title ?? '');

  it('GIVEN a running bot WHEN a file is written THEN /search finds it, paging says what was removed since, and the next digest includes it', async () => {
    const emu: Emulator = await newsroomEmulator();
    cleanups.push(() => emu.close());
    await deployCommands({
      rest: new REST({ api: emu.apiUrl }).setToken(TOKEN),
      dataDir: null,
      definitions: commands.map((command) => command.data),
    });
    const dir = corpusDir();
    const bot: GroupProcess = startBotInGroup(emu, { ARTICLES_DIR: dir, LOG_FORMAT: 'json' });
    cleanups.push(() => killGroup(bot.pgid));
    await eventually(() => bot.output().includes('"bot ready"'), 'bot ready', DEADLINE_MS).catch(
      (error: Error) => {
        throw new Error(`${error.message}; the bot said:\n${bot.output().slice(-3_000)}`);
      },
    );
    const slash = async (name: string, options: Record<string, string> = {}, subcommand?: string) =>
      (
        await emu
          .sendCommand({
            name,
            options,
            user: ADMIN,
            guildId: GUILD,
            channelId: GENERAL,
            ...(subcommand && { subcommand }),
          })
          .settled()
      ).original;
    const article = fresh();

    // A result list made before the change, with a second page.
    const list = await slash('search', { query: 'machine learning roundup' });
    expect(titles(list)).toHaveLength(5);
    expect((await slash('search', { query: 'photonic processors' }))?.content).toContain('No articles match');

    fs.writeFileSync(path.join(dir, 'photonic.md'), articleFile(article));
    fs.rmSync(path.join(dir, 'roundup-7.md')); // number 7 sits on the list's second page
    await eventuallyAsync(
      async () =>
        titles(await slash('search', { query: 'photonic processors' }))[0] === `1. ${article.title}`,
      'the new article in /search',
      DEADLINE_MS,
      200,
    );
    await eventually(
      () => bot.output().includes('"msg":"library reloaded"'),
      'the reload log line',
      DEADLINE_MS,
    );
    const reloads = bot
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"library reloaded"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(reloads.reduce((sum, line) => sum + Number(line.added), 0)).toBe(1);
    await eventually(
      () =>
        bot
          .output()
          .split('\n')
          .some((line) => line.includes('"msg":"library reloaded"') && line.includes('"removed":1')),
      'the removal',
      DEADLINE_MS,
    );

    const next = customIds(list).find((id) => id.startsWith('page:') && id.endsWith(':1'))!;
    await emu.clickButton({ customId: next, messageId: list!.id, user: ADMIN }).settled();
    const paged = emu.getMessage(list!.id)!;
    expect(paged.content).toContain('1 article on this page was removed from the library since this search.');
    // The others keep their numbers: 6, 8, 9, … with 7 left out.
    expect(titles(paged).slice(0, 2)).toEqual([
      '6. Machine learning roundup number 6',
      '8. Machine learning roundup number 8',
    ]);
    expect(titles(paged).join('\n')).not.toMatch(/^7\. |number 7/m);

    await slash('digest-settings', { channel: GENERAL, time: '09:00', timezone: 'UTC' }, 'schedule');
    await slash('digest-settings', {}, 'post-now');
    const digest = await eventually(
      () => emu.botMessages(GENERAL).find((message) => message.content.includes('Daily digest')),
      'the digest post',
      DEADLINE_MS,
    );
    expect(titles(digest)[0]).toBe(`1. ${article.title}`);
    expect(emu.takeViolations()).toEqual([]);

    process.kill(bot.pgid, 'SIGTERM');
    expect(await bot.exited).toEqual({ code: 0, signal: null });
  }, 120_000);
});
