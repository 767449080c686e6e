/**
 * Delivery modes end to end: the real discord.js client and the digest's REST against the emulator, the
 * real SQLite store, digests set up with /digest-settings: one as forum posts (titled with the date,
 * tagged from its topics), one as threads started from the digest message, and what happens without
 * the permissions each needs.
 */

import { afterEach, describe, expect, it } from 'vitest';

import type { Digests } from '../src/discord/digests.ts';
import { forumTagsFor } from '../src/discord/discordDelivery.ts';
import { digestThreadName } from '../src/discord/renderDigest.ts';
import type { DigestContent } from '../src/digest/content.ts';
import { Library } from '../src/search/library.ts';
import type { SqliteStore } from '../src/store/sqliteStore.ts';
import type { InteractionRecord } from './emulator/index.ts';
import { DEFAULT_BOT_PERMISSIONS, Permissions } from './emulator/permissions.ts';
import { startDigestBot, type DigestBot } from './digest-support/digestBot.ts';
import { makeArticles, type FixtureArticle } from './support/articles.ts';
import { ADMIN, GENERAL, GUILD, MEMBER, type Harness } from './support/bot.ts';

const NEWS = '1100000000000000011';
const FORUM = '1100000000000000015';
const berlin = (day: number, hour: number, minute = 0) => Date.UTC(2025, 5, day, hour - 2, minute);

const ARTICLES: FixtureArticle[] = [
  {
    title: 'Telescope finds water on a distant exoplanet',
    topics: ['Science'],
    heat: 90,
    date: '2025-06-01T10:00:00Z',
  },
  {
    title: 'Chip makers race to build faster accelerators',
    topics: ['Machine Learning'],
    heat: 70,
    date: '2025-06-02T04:00:00Z',
  },
  {
    title: 'Models learn to read charts',
    topics: ['Machine Learning', 'Science'],
    heat: 60,
    date: '2025-06-02T05:00:00Z',
  },
];

let h: Harness;
let now: number;
let store: SqliteStore;
let digests: Digests;
let bot: DigestBot | undefined;

async function boot(botPermissions: bigint = DEFAULT_BOT_PERMISSIONS | Permissions.CreatePublicThreads) {
  now = berlin(2, 8);
  bot = await startDigestBot({
    library: Library.fromArticles(makeArticles(ARTICLES)),
    now: () => now,
    emulator: {
      guilds: [
        {
          id: GUILD,
          name: 'Newsroom',
          ownerId: ADMIN.id,
          botPermissions,
          members: [{ user: ADMIN.id }, { user: MEMBER.id }],
          channels: [
            { id: GENERAL, name: 'general' },
            { id: NEWS, name: 'news' },
            {
              id: FORUM,
              name: 'reading',
              type: 15,
              availableTags: [
                { name: 'Science' },
                { name: 'machine learning' },
                { name: 'Staff', moderated: true },
              ],
            },
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

async function settings(subcommand: string, options: Record<string, string | number | boolean>) {
  const record: InteractionRecord = await h.emu
    .sendCommand({
      name: 'digest-settings',
      subcommand,
      options,
      user: ADMIN,
      guildId: GUILD,
      channelId: GENERAL,
    })
    .settled();
  return [record.original, ...record.followUps].map((message) => message?.content ?? '').join('\n');
}

async function tickAt(instant: number) {
  now = instant;
  return (await digests.service.scheduler.tick()).runs;
}

describe('digest delivery modes', () => {
  it('GIVEN a forum digest and a thread digest THEN one forum post titled with the date and tagged from its topics, and one message with its thread', async () => {
    await boot();
    const forum = await settings('add', {
      name: 'AI',
      channel: FORUM,
      time: '09:00',
      timezone: 'Europe/Berlin',
      topics: 'Machine Learning, Science',
    });
    expect(forum).toContain('as a forum post');
    expect(forum).not.toContain('⚠️');
    const thread = await settings('add', {
      name: 'Science',
      channel: NEWS,
      time: '09:00',
      timezone: 'Europe/Berlin',
      topics: 'Science',
      delivery: 'thread',
      repeats: true,
    });
    expect(thread).toContain('as a thread started from a short message');

    const runs = await tickAt(berlin(2, 9));
    expect(runs.map((run) => run.state)).toEqual(['posted', 'posted']);
    const [post, ...otherPosts] = h.emu.threadsIn(FORUM);
    expect(otherPosts).toEqual([]);
    const tags = h.emu.forumTags(FORUM);
    expect(post).toMatchObject({ name: 'AI · Mon 2 Jun', ownerId: h.emu.botUser.id });
    expect(post!.appliedTags.sort()).toEqual(
      tags
        .filter((tag) => tag.name !== 'Staff')
        .map((tag) => tag.id)
        .sort(),
    );
    const [starter] = h.emu.botMessages(post!.id);
    expect(starter?.id).toBe(post!.id);
    expect(starter?.embeds.map((embed) => embed.title)).toEqual([
      '1. Telescope finds water on a distant exoplanet',
      '2. Chip makers race to build faster accelerators',
      '3. Models learn to read charts',
    ]);
    const forumRun = await store.latestRun({ kind: 'guild', guildId: GUILD });
    expect(forumRun).toMatchObject({ state: 'posted', channelId: post!.id, messageId: post!.id });

    const [message] = h.emu.botMessages(NEWS);
    expect(message?.content).toBe('**Science · Mon 2 Jun**');
    expect(h.emu.threadsIn(NEWS)).toEqual([
      expect.objectContaining({ id: message!.id, name: 'Science · Mon 2 Jun' }),
    ]);
    const status = await settings('status', {});
    expect(status).toContain(`posted: https://discord.com/channels/${GUILD}/${post!.id}/${post!.id}`);
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN the bot lacks Create Posts and Create Public Threads THEN setup names what is missing, and the forum run fails with the reason', async () => {
    await boot(DEFAULT_BOT_PERMISSIONS);
    h.emu.setBotChannelPermissions(FORUM, {
      deny: Permissions.SendMessages | Permissions.SendMessagesInThreads,
    });
    h.emu.setBotChannelPermissions(NEWS, {
      deny: Permissions.CreatePublicThreads | Permissions.SendMessagesInThreads,
    });
    const forum = await settings('add', {
      name: 'AI',
      channel: FORUM,
      time: '09:00',
      timezone: 'Europe/Berlin',
    });
    expect(forum).toContain(
      `⚠️ I cannot post in <#${FORUM}> as a forum post yet: give me Create Posts, Send Messages in Threads there.`,
    );
    const thread = await settings('add', {
      name: 'Science',
      channel: NEWS,
      time: '10:00',
      timezone: 'Europe/Berlin',
      delivery: 'thread',
    });
    expect(thread).toContain(
      `⚠️ I cannot post in <#${NEWS}> as a thread started from a short message yet: give me Create Public Threads, Send Messages in Threads there.`,
    );
    expect(
      await settings('add', { name: 'x', channel: NEWS, time: '10:00', timezone: 'UTC', delivery: 'forum' }),
    ).toContain('is not a forum: `delivery: forum` needs a forum channel.');

    expect(await tickAt(berlin(2, 9))).toMatchObject([
      { state: 'failed', problem: { kind: 'missing-permissions' } },
    ]);
    expect(h.emu.threadsIn(FORUM)).toEqual([]);
    // The thread digest's message is posted once even though its thread cannot be started.
    expect(await tickAt(berlin(2, 10))).toMatchObject([{ state: 'posted', channelId: NEWS }]);
    expect(h.emu.botMessages(NEWS)).toHaveLength(1);
    expect(h.emu.threadsIn(NEWS)).toEqual([]);
    expect(h.emu.takeViolations().map((violation) => [violation.status, violation.code])).toEqual([
      [403, 50013],
      [403, 50013],
    ]);
    expect(await settings('status', { name: 'AI' })).toContain(
      `Missing permissions in <#${FORUM}>: the bot needs View Channel, Embed Links, Read Message History, Create Posts, Send Messages in Threads there.`,
    );
    expect(await settings('status', { name: 'Science' })).toContain(
      `But: Posted, but its thread could not be started. Missing permissions in <#${NEWS}>: the bot needs View Channel, Embed Links, Read Message History, Send Messages, Create Public Threads, Send Messages in Threads there.`,
    );
  });
});

describe('thread names and forum tags within Discord’s limits', () => {
  const content = (topics: string[], articleTopics: string[] = []): DigestContent => ({
    version: 1,
    runId: 1,
    nonce: 'n',
    title: { kind: 'server', at: berlin(2, 9), timeZone: 'Europe/Berlin', name: 'x'.repeat(32) },
    mentionRoleId: null,
    articles: [
      {
        id: 'a',
        title: 't',
        webUrl: 'https://x.example',
        excerpt: '',
        providerName: 'p',
        publishedAt: null,
        heat: null,
        topics: articleTopics,
        imageUrl: null,
      },
    ],
    topics,
  });

  it('GIVEN a long title THEN the name keeps to 100 characters; GIVEN many matching topics THEN at most five tags, none moderated', () => {
    const long = { kind: 'subscription' as const, topic: 'y'.repeat(150), at: berlin(2, 9), timeZone: 'UTC' };
    expect(digestThreadName(long).length).toBeLessThanOrEqual(100);
    const tags = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name, i) => ({
      id: String(i),
      name,
      moderated: name === 'a',
      emoji_id: null,
      emoji_name: null,
    }));
    expect(forumTagsFor(content(['A', 'b', 'C', 'd', 'E', 'f', 'g']), tags)).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
    ]);
    // A digest of every topic takes its tags from its articles.
    expect(forumTagsFor(content([], ['G ']), tags)).toEqual(['6']);
  });
});
