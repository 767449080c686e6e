/**
 * Feedback end to end: a digest posted through the emulator carries 👍 👎 per article and a "More like
 * this…" menu; several readers vote through the real discord.js client; the votes are acknowledged
 * privately, a flood is refused, a DM vote is not counted, and the next digest and /topic list of the
 * server change order in the way the feedback model says.
 */

import { afterEach, describe, expect, it } from 'vitest';

import { topic as topicVerb } from '../src/app/verbs.ts';
import type { Digests } from '../src/discord/digests.ts';
import { VOTES_PER_MINUTE } from '../src/discord/feedbackButtons.ts';
import { Library } from '../src/search/library.ts';
import type { SqliteStore } from '../src/store/sqliteStore.ts';
import type { StoredMessage } from './emulator/index.ts';
import { startDigestBot, type DigestBot } from './digest-support/digestBot.ts';
import { makeArticles, type FixtureArticle } from './support/articles.ts';
import { ADMIN, GENERAL, GUILD, MEMBER, type Harness } from './support/bot.ts';

const NEWS = '1100000000000000011';
const berlin = (day: number, hour: number) => Date.UTC(2025, 5, day, hour - 2);
const READERS = [1, 2, 3].map((n) => ({ id: `120000000000000010${n}`, username: `reader${n}` }));
const FLOODER = { id: '1200000000000000199', username: 'flood' };

const FIRST_DAY: FixtureArticle[] = [
  {
    title: 'Parliament passes the budget',
    topics: ['Politics'],
    heat: 90,
    provider: 'Daily Desk',
    date: '2025-06-01T10:00:00Z',
  },
  {
    title: 'Chips for faster models',
    topics: ['Machine Learning'],
    heat: 80,
    provider: 'Lab Weekly',
    date: '2025-06-01T12:00:00Z',
  },
  {
    title: 'Bees count to four',
    topics: ['Science'],
    heat: 70,
    provider: 'Field Notes',
    date: '2025-06-01T14:00:00Z',
  },
];
const SECOND_DAY: FixtureArticle[] = [
  {
    title: 'Senate debates the budget again',
    topics: ['Politics'],
    heat: 80,
    provider: 'Daily Desk',
    date: '2025-06-02T10:00:00Z',
  },
  {
    title: 'Glaciers melt faster than expected',
    topics: ['Science'],
    heat: 75,
    provider: 'Field Notes',
    date: '2025-06-02T11:00:00Z',
  },
  {
    title: 'Models learn to read charts',
    topics: ['Machine Learning'],
    heat: 70,
    provider: 'Lab Weekly',
    date: '2025-06-02T12:00:00Z',
  },
];

let h: Harness;
let now: number;
let store: SqliteStore;
let digests: Digests;
let bot: DigestBot | undefined;

async function boot() {
  now = berlin(2, 8);
  bot = await startDigestBot({
    library: Library.fromArticles(makeArticles(FIRST_DAY)),
    now: () => now,
    emulator: {
      users: [ADMIN, MEMBER, ...READERS, FLOODER],
      guilds: [
        {
          id: GUILD,
          name: 'Newsroom',
          ownerId: ADMIN.id,
          members: [ADMIN, MEMBER, ...READERS, FLOODER].map((user) => ({ user: user.id })),
          channels: [
            { id: GENERAL, name: 'general' },
            { id: NEWS, name: 'news' },
          ],
        },
      ],
    },
  });
  ({ h, store, digests } = bot);
}

afterEach(async () => {
  await bot?.stop();
  bot = undefined;
});

const customIds = (message: StoredMessage | undefined) =>
  (message?.components ?? []).flatMap((row) =>
    'components' in row ? row.components.map((c) => ('custom_id' in c ? c.custom_id : '')) : [],
  );
const titles = (message: StoredMessage | undefined) =>
  (message?.embeds ?? []).map((embed) => embed.title?.replace(/^\d+\. /, ''));

async function click(customId: string, messageId: string, user: { id: string; username: string }) {
  const record = await h.emu.clickButton({ customId, messageId, user }).settled();
  expect(record.ephemeral).toBe(true);
  return record.original?.content ?? '';
}

async function tickAt(instant: number) {
  now = instant;
  return (await digests.service.scheduler.tick()).runs;
}

describe('👍 👎 feedback', () => {
  it('GIVEN readers who like Machine Learning and dislike Politics THEN the next digest and /topic lists lean that way, and status says so', async () => {
    await boot();
    await h.emu
      .sendCommand({
        name: 'digest-settings',
        subcommand: 'add',
        options: { name: 'News', channel: NEWS, time: '09:00', timezone: 'Europe/Berlin', size: 3 },
        user: ADMIN,
        guildId: GUILD,
        channelId: GENERAL,
      })
      .settled();
    expect(await tickAt(berlin(2, 9))).toMatchObject([{ state: 'posted' }]);
    const [first] = h.emu.botMessages(NEWS);
    expect(titles(first)).toEqual([
      'Parliament passes the budget',
      'Chips for faster models',
      'Bees count to four',
    ]);
    const ids = customIds(first);
    const [politics, chips] = first!.embeds.map((embed) => embed.footer!.text.match(/id ([\w-]+)/)![1]!);
    expect(ids).toEqual(
      expect.arrayContaining([`vote:up:${chips}`, `vote:down:${chips}`, `vote:down:${politics}`, 'morelike']),
    );

    for (const reader of READERS) {
      expect(await click(`vote:up:${chips}`, first!.id, reader)).toContain(
        'Thanks: 👍 on “Chips for faster models”',
      );
      expect(await click(`vote:down:${politics}`, first!.id, reader)).toContain('Thanks: 👎');
    }
    expect(await click(`vote:down:${chips}`, first!.id, READERS[0]!)).toContain('Changed your vote');
    expect(await click(`vote:up:${chips}`, first!.id, READERS[0]!)).toContain('Changed your vote');
    expect(await click(`vote:up:${chips}`, first!.id, READERS[0]!)).toContain('already voted 👍');
    expect(await store.listVotes(GUILD, 0, 100)).toHaveLength(6);

    // A reader with the buttons in a DM (a personal digest, a DM search) votes for no server.
    const dm = h.emu.seedMessage(h.emu.dmChannelId(MEMBER.id), {
      content: 'dm',
      components: [
        { type: 1, components: [{ type: 2, style: 2, label: '👍 1', custom_id: `vote:up:${politics}` }] },
      ],
    });
    expect(await click(`vote:up:${politics}`, dm.id, MEMBER)).toContain('Votes count in servers only');
    expect(await store.listVotes(GUILD, 0, 100)).toHaveLength(6);

    const status = (
      await h.emu
        .sendCommand({
          name: 'digest-settings',
          subcommand: 'status',
          user: ADMIN,
          guildId: GUILD,
          channelId: GENERAL,
        })
        .settled()
    ).original?.content;
    expect(status).toContain(
      '**Feedback:** readers here prefer Machine Learning, Lab Weekly; less Politics, Daily Desk',
    );

    // Without the votes the day's digest would be by heat alone: budget 80, glaciers 75, charts 70.
    h.bot.context.library.replace(Library.fromArticles(makeArticles([...FIRST_DAY, ...SECOND_DAY])));
    expect(await tickAt(berlin(3, 9))).toMatchObject([{ state: 'posted' }]);
    const second = h.emu.botMessages(NEWS).filter((message) => !message.interactionId)[1];
    expect(titles(second)).toEqual([
      'Models learn to read charts',
      'Glaciers melt faster than expected',
      'Senate debates the budget again',
    ]);

    // Each moved article says why, with the size of the move (factor − 1).
    const why = (i: number) => JSON.stringify(second!.embeds[i]);
    expect(why(0)).toMatch(
      /top by heat since the last digest; readers here like (Machine Learning|Lab Weekly) \(\+2\d %\)/,
    );
    expect(why(1)).not.toContain('readers here');
    expect(why(2)).toMatch(/readers here like (Politics|Daily Desk) less \(-2\d %\)/);

    // The same weights re-rank the server's lists (the /topic hook): a list by score alone, then re-ranked.
    const library = h.bot.context.library.current;
    const politicsList = topicVerb(library, { name: 'Politics', limit: 5 });
    const chartsList = topicVerb(library, { name: 'Machine Learning', limit: 5 });
    const budget = politicsList.items[0]!;
    const charts = chartsList.items.find(
      (item) => item.kind === 'article' && item.article.title.includes('charts'),
    )!;
    // Equal scores: only the feedback tells them apart.
    const list = {
      ...politicsList,
      items: [
        { ...budget, score: 1 },
        { ...charts, score: 1 },
      ],
    };
    const reranked = await digests.service.rerank!(GUILD, list);
    expect(reranked.items).toEqual([list.items[1], list.items[0]]);
    expect(await digests.service.rerank!('100000000000000999', list)).toEqual(list);
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it(`GIVEN a reader voting more than ${VOTES_PER_MINUTE} times a minute THEN the rest are refused politely and not counted; "More like this" answers privately`, async () => {
    await boot();
    await h.emu
      .sendCommand({
        name: 'digest-settings',
        subcommand: 'add',
        options: { name: 'News', channel: NEWS, time: '09:00', timezone: 'Europe/Berlin' },
        user: ADMIN,
        guildId: GUILD,
        channelId: GENERAL,
      })
      .settled();
    await tickAt(berlin(2, 9));
    const [digest] = h.emu.botMessages(NEWS);
    const [a, b] = digest!.embeds.map((embed) => embed.footer!.text.match(/id ([\w-]+)/)![1]!);
    const answers: string[] = [];
    for (let i = 0; i <= VOTES_PER_MINUTE; i++) {
      answers.push(await click(`vote:${i % 2 ? 'up' : 'down'}:${i % 4 < 2 ? a : b}`, digest!.id, FLOODER));
    }
    expect(answers.at(-2)).not.toContain('very fast');
    expect(answers.at(-1)).toMatch(
      /You are voting very fast: votes are counted up to 20 a minute\. Try again in \d+ s\./,
    );

    const more = await h.emu
      .selectMenu({ customId: 'morelike', messageId: digest!.id, user: MEMBER, values: [b!] })
      .settled();
    expect(more.ephemeral).toBe(true);
    expect(more.original?.content).toContain('Related to: Chips for faster models');
    expect(h.emu.takeViolations()).toEqual([]);
  });
});
