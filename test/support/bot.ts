import pino from 'pino';
import { createBot, type BotOptions, type RunningBot } from '../../src/discord/startBot.ts';
import { commands } from '../../commands/index.ts';
import { LibraryRef } from '../../src/app/libraryRef.ts';
import { Library } from '../../src/search/library.ts';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator/index.ts';
import { makeArticles, type FixtureArticle } from './articles.ts';

export const GUILD = '1100000000000000001';
export const GENERAL = '1100000000000000010';
export const ADMIN = { id: '1200000000000000001', username: 'alice' };
export const MEMBER = { id: '1200000000000000002', username: 'bob' };
export const CLOSED_DMS = { id: '1200000000000000003', username: 'carol', dmsClosed: true };
export const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789AB';

/** A small corpus with enough articles in one topic to need paging, and a syndicated pair. */
export function fixtureCorpus(): FixtureArticle[] {
  const base: FixtureArticle[] = [
    {
      title: 'Deep learning improves interpretation of tumors',
      excerpt:
        'Engineers use **deep learning** to read [PET scans](https://evil.example) of tumors. @everyone',
      topics: ['Machine Learning', 'AI'],
      heat: 79,
      date: '2021-10-19T13:40:00Z',
      provider: 'Medical Xpress',
      webUrl: 'https://medicalxpress.com/news/2021-10-deep-tumors.html',
      related: [
        {
          title: 'Overcoming challenges to machine learning in the lab',
          webUrl: 'https://labmanager.com/ml',
        },
      ],
    },
    {
      title: 'Deep learning improves interpretation of tumors',
      excerpt: 'A syndicated copy.',
      topics: ['Machine Learning'],
      heat: 20,
      date: '2021-10-18T15:53:00Z',
      provider: 'National Institutes of Health',
      webUrl: 'https://nih.gov/deep-learning-tumors',
    },
    {
      title: 'Self-driving cars learn to see pedestrians',
      excerpt: 'Autonomous vehicles and computer vision.',
      topics: ['AI in Autos'],
      heat: 300,
      date: '2021-10-17T10:00:00Z',
    },
  ];
  for (let i = 0; i < 12; i++) {
    base.push({
      title: `Machine learning roundup number ${i + 1}`,
      excerpt: `Week ${i + 1} in machine learning research and products.`,
      topics: ['Machine Learning'],
      heat: 100 - i,
      date: `2021-10-${String(1 + i).padStart(2, '0')}T09:00:00Z`,
    });
  }
  return base;
}

export interface Harness {
  emu: Emulator;
  bot: RunningBot;
  library: Library;
  stop(): Promise<void>;
}

/** The real discord.js bot logged in to a fresh emulator on loopback. */
export async function startHarness(
  options: {
    emulator?: EmulatorOptions;
    library?: Library;
    bot?: Partial<Omit<BotOptions, 'library' | 'logger' | 'config'>>;
  } = {},
): Promise<Harness> {
  const emu = await startEmulator({
    token: TOKEN,
    heartbeatIntervalMs: 500,
    users: [ADMIN, MEMBER, CLOSED_DMS],
    guilds: [
      {
        id: GUILD,
        name: 'Newsroom',
        ownerId: ADMIN.id,
        members: [{ user: ADMIN.id }, { user: MEMBER.id }, { user: CLOSED_DMS.id }],
        channels: [{ id: GENERAL, name: 'general' }],
      },
    ],
    ...options.emulator,
  });
  const library = options.library ?? Library.fromArticles(makeArticles(fixtureCorpus()));
  const bot = await createBot({
    config: { DISCORD_TOKEN: TOKEN, DISCORD_API_URL: emu.apiUrl, DM_MESSAGES_PER_MINUTE: 6 },
    library: new LibraryRef(library),
    commands,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...options.bot,
  });
  return {
    emu,
    bot,
    library,
    async stop() {
      await bot.stop();
      await emu.close();
    },
  };
}
