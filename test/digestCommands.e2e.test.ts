/**
 * The digest commands end to end: the real discord.js client logged in to the Discord API emulator, the
 * real SQLite store in a temp folder, the real runner and scheduler driven by an injected clock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { PermissionFlagsBits, Routes, type TextChannel } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';

import pino from 'pino';

import { commands } from '../commands/index.ts';
import { createDigests, type Digests } from '../src/discord/digests.ts';
import { createDigestRest } from '../src/discord/discordDelivery.ts';
import type { DigestService } from '../src/discord/digestService.ts';
import { Library } from '../src/search/library.ts';
import { SqliteStore } from '../src/store/sqliteStore.ts';
import type { InteractionRecord } from './emulator/index.ts';
import { Permissions } from './emulator/permissions.ts';
import { makeArticles, type FixtureArticle } from './support/articles.ts';
import {
  ADMIN,
  CLOSED_DMS,
  GENERAL,
  GUILD,
  MEMBER,
  TOKEN,
  startHarness,
  type Harness,
} from './support/bot.ts';

const NEWS = '1100000000000000011';
const ANNOUNCEMENTS = '1100000000000000012';
const VOICE = '1100000000000000013';
const ROLE = '1100000000000000020';
/** Never fires during a test: the tests call `tick()` themselves. */
const NEVER = '0 0 0 1 1 *';

/** The instant the wall clock in Berlin (CEST, UTC+2) reads June `day`, 2025, `hour`:`minute`. */
const berlin = (day: number, hour: number, minute = 0) => Date.UTC(2025, 5, day, hour - 2, minute);

const FIRST_DAY: FixtureArticle[] = [
  {
    title: 'Telescope finds water on a distant exoplanet',
    topics: ['Science'],
    heat: 90,
    quality: 80,
    provider: 'Space News',
    webUrl: 'https://space.example/water',
    date: '2025-06-01T10:00:00Z',
  },
  {
    title: 'Parliament passes the new budget after a long debate',
    topics: ['Politics'],
    heat: 85,
    quality: 60,
    date: '2025-06-01T12:00:00Z',
  },
  {
    title: 'Bees learn to count to four in a new experiment',
    topics: ['Science'],
    heat: 40,
    quality: 30,
    date: '2025-06-01T18:00:00Z',
  },
  {
    title: 'Chip makers race to build faster accelerators',
    topics: ['Machine Learning'],
    heat: 70,
    quality: 90,
    date: '2025-06-02T04:00:00Z',
  },
  {
    title: 'An archive story from last year',
    topics: ['Science'],
    heat: 99,
    date: '2024-05-01T10:00:00Z',
  },
];

/** Published on June 2 after the first digest: a syndicated copy of a story already sent, and news. */
const SECOND_DAY: FixtureArticle[] = [
  {
    title: 'Telescope finds water on a distant exoplanet',
    topics: ['Science'],
    heat: 95,
    provider: 'Wire Service',
    webUrl: 'https://wire.example/telescope-water',
    date: '2025-06-02T12:00:00Z',
  },
  {
    title: 'Glaciers are melting faster than models predicted',
    topics: ['Science'],
    heat: 50,
    date: '2025-06-02T15:00:00Z',
  },
];

let h: Harness;
let dir: string;
let now: number;
let store: SqliteStore | undefined;
let digests: Digests | undefined;

/** As the composition root does it: store → digests → bot (given the digest service) → digests.start(). */
async function boot(options: { digests?: boolean } = {}) {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broadsheet-digest-commands-'));
  now = berlin(2, 8);
  const rest = createDigestRest(TOKEN);
  if (options.digests !== false) {
    store = SqliteStore.openInDataDir(dir);
    digests = createDigests({
      store,
      rest,
      library: () => h.bot.context.library.current,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      now: () => now,
      catchUpMs: 6 * 3_600_000,
      cronExpression: NEVER,
    });
  }
  h = await startHarness({
    library: Library.fromArticles(makeArticles(FIRST_DAY)),
    emulator: {
      guilds: [
        {
          id: GUILD,
          name: 'Newsroom',
          ownerId: ADMIN.id,
          members: [{ user: ADMIN.id }, { user: MEMBER.id }, { user: CLOSED_DMS.id }],
          channels: [
            { id: GENERAL, name: 'general' },
            { id: NEWS, name: 'news' },
            { id: ANNOUNCEMENTS, name: 'announcements', type: 5 },
            { id: VOICE, name: 'voice', type: 2 },
          ],
          roles: [{ id: ROLE, name: 'news-pings', mentionable: true }],
        },
      ],
    },
    bot: { digest: digests?.service ?? null },
  });
  // The emulator the client talks to; its address is known once the harness has started it.
  rest.options.api = h.emu.apiUrl;
  await digests?.start();
  // Registered like deploy-commands does, so the emulator checks the definitions and types the options.
  await h.bot.client.rest.put(Routes.applicationCommands(h.emu.application.id), {
    body: commands.map((command) => command.data),
  });
}

afterEach(async () => {
  // The shutdown order of main.ts: drain the bot, stop the digests, close the store, then the gateway.
  await h?.bot.drain();
  await digests?.stop();
  await store?.close();
  await h?.stop();
  digests = undefined;
  store = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function service(): DigestService {
  if (!digests) throw new Error('digests are not running');
  return digests.service;
}

interface Invocation {
  subcommand?: string;
  options?: Parameters<Harness['emu']['sendCommand']>[0]['options'];
  user?: typeof ADMIN;
  /** Omitted: the bot's DM with the user. */
  channelId?: string | null;
}

async function command(name: string, invocation: Invocation = {}): Promise<InteractionRecord> {
  const channelId = invocation.channelId === undefined ? GENERAL : invocation.channelId;
  return h.emu
    .sendCommand({
      name,
      user: invocation.user ?? ADMIN,
      ...(invocation.subcommand && { subcommand: invocation.subcommand }),
      ...(invocation.options && { options: invocation.options }),
      ...(channelId !== null && { guildId: GUILD, channelId }),
    })
    .settled();
}

/** Everything the bot answered, reply and follow-ups. */
function answer(record: InteractionRecord): string {
  return [record.original, ...record.followUps].map((message) => message?.content ?? '').join('\n');
}

function expectPrivate(record: InteractionRecord) {
  expect(record.ephemeral).toBe(true);
  for (const followUp of record.followUps) expect(followUp.ephemeral).toBe(true);
}

const scheduleNews = (options: Record<string, string | number> = {}) =>
  command('digest-settings', {
    subcommand: 'schedule',
    options: { channel: NEWS, time: '09:00', timezone: 'Europe/Berlin', ...options },
  });

async function tickAt(instant: number) {
  now = instant;
  return (await service().scheduler.tick()).runs;
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The kinds and codes of the rejections a test caused on purpose, taken so the next check starts clean. */
function rejections() {
  return h.emu.takeViolations().map((violation) => [violation.kind, violation.code]);
}

describe('/digest-settings', () => {
  it('GIVEN an admin WHEN they schedule the digest THEN it is saved, scheduled at the next local time and confirmed privately', async () => {
    await boot();
    const record = await scheduleNews({
      time: '9:00',
      timezone: 'europe/berlin',
      size: 3,
      topics: 'science, Politics',
      min_quality: 20,
      role: ROLE,
    });
    expectPrivate(record);
    expect(answer(record)).toContain('**Digest scheduled.** Up to 3 articles in <#1100000000000000011>');
    expect(answer(record)).toContain('Next run: Mon, 2 Jun 2025, 09:00 CEST');
    const saved = await service().store.getGuildDigest(GUILD);
    expect(saved).toMatchObject({
      channelId: NEWS,
      time: '09:00',
      timeZone: 'Europe/Berlin',
      size: 3,
      topics: ['Science', 'Politics'],
      minQuality: 20,
      mentionRoleId: ROLE,
      paused: false,
      nextDueAt: berlin(2, 9),
    });
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN a member without Manage Server WHEN the command reaches the bot anyway THEN it is refused and nothing is saved', async () => {
    await boot();
    const record = await command('digest-settings', {
      subcommand: 'schedule',
      user: MEMBER,
      options: { channel: NEWS, time: '09:00', timezone: 'Europe/Berlin' },
    });
    expectPrivate(record);
    expect(answer(record)).toMatch(/Manage Server/);
    const status = await command('digest-settings', { subcommand: 'status', user: MEMBER });
    expect(answer(status)).toMatch(/Manage Server/);
    const inDm = await command('digest-settings', { subcommand: 'status', channelId: null });
    expect(answer(inDm)).toMatch(/only works in a server/);
    expect(await service().store.getGuildDigest(GUILD)).toBeNull();
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN values no Discord client would send THEN every problem is named and nothing is saved', async () => {
    await boot();
    const record = await command('digest-settings', {
      subcommand: 'schedule',
      options: {
        channel: VOICE,
        time: '25:61',
        timezone: 'Mars/Olympus_Mons',
        size: 42,
        topics: 'science, knitting, politic',
      },
    });
    expectPrivate(record);
    const text = answer(record);
    expect(text).toMatch(/^Nothing was saved/);
    expect(text).toContain('<#1100000000000000013> is not a text, announcement or forum channel');
    expect(text).toContain('`time` must be a 24-hour time written HH:MM, e.g. 08:30 (got `25:61`)');
    expect(text).toContain('`timezone` must be a time zone');
    expect(text).toContain('`size` must be a whole number from 1 to 10');
    expect(text).toContain('There are no topics `knitting`, `politic` (did you mean Politics?)');
    expect(text).toContain('`/topics` lists every topic');

    // Options of the wrong type altogether (a hand-made payload).
    const forged = await command('digest-settings', {
      options: [
        {
          type: 1,
          name: 'schedule',
          options: [
            { type: 3, name: 'channel', value: NEWS },
            { type: 4, name: 'time', value: 9 },
            { type: 3, name: 'timezone', value: 'UTC' },
            { type: 3, name: 'size', value: 'five' },
          ],
        },
      ],
    });
    expect(answer(forged)).toContain('`channel` must be a text, announcement or forum channel');
    expect(answer(forged)).toContain('`time` must be text');
    expect(answer(forged)).toContain('`size` must be a whole number');
    expect(await service().store.getGuildDigest(GUILD)).toBeNull();
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN a schedule THEN status shows the next run in the server’s time and previews what would be posted', async () => {
    await boot();
    await scheduleNews({ timezone: 'America/New_York', time: '07:30', topics: 'Science' });
    const record = await command('digest-settings', { subcommand: 'status' });
    expectPrivate(record);
    const text = answer(record);
    expect(text).toContain('**daily** in <#1100000000000000011> at 07:30 (America/New_York)');
    // 08:00 in Berlin is 02:00 in New York: the next 07:30 there is the same day.
    expect(text).toContain(
      `Next run: Mon, 2 Jun 2025, 07:30 GMT-4 (<t:${Date.UTC(2025, 5, 2, 11, 30) / 1000}:R>)`,
    );
    expect(text).toContain('Last run: none yet.');
    expect(text).toContain('**If it ran now** it would post:');
    expect(text).toContain('1. Telescope finds water on a distant exoplanet · Space News');
    expect(text).toContain('2. Bees learn to count to four');
    expect(text).not.toContain('Parliament');
    expect(text).not.toContain('archive');
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN post-now THEN one digest is posted in the channel within limits, pinging only the configured role', async () => {
    await boot();
    await scheduleNews({ size: 3, topics: 'Science, Politics', role: ROLE });
    const record = await command('digest-settings', { subcommand: 'post-now' });
    expectPrivate(record);
    expect(record.original?.content).toBe('Posting a digest in <#1100000000000000011>…');
    const [posted, ...others] = h.emu.botMessages(NEWS);
    expect(others).toEqual([]);
    expect(answer(record)).toContain(
      `Posted 3 articles in <#${NEWS}>: https://discord.com/channels/${GUILD}/${NEWS}/${posted?.id}`,
    );
    expect(posted?.content).toBe(`<@&${ROLE}> **Daily digest · Mon 2 Jun**`);
    expect(posted?.allowedMentions).toEqual({ parse: [], roles: [ROLE] });
    expect(posted?.embeds.map((embed) => embed.title)).toEqual([
      '1. Telescope finds water on a distant exoplanet',
      '2. Parliament passes the new budget after a long debate',
      '3. Bees learn to count to four in a new experiment',
    ]);
    now += 60_000;
    const again = await command('digest-settings', { subcommand: 'post-now' });
    expect(answer(again)).toContain('Nothing new to post');
    expect(h.emu.botMessages(NEWS)).toHaveLength(1);
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN Discord holds the post back longer than the 1 s defer THEN post-now still answers, privately', async () => {
    await boot();
    await scheduleNews();
    h.emu.rateLimit({ route: '/channels/:channel_id/messages', method: 'POST', retryAfterMs: 1_500 });
    const handle = h.emu.sendCommand({
      name: 'digest-settings',
      subcommand: 'post-now',
      user: ADMIN,
      guildId: GUILD,
      channelId: GENERAL,
    });
    await waitFor(() => handle.record.followUps.length > 0);
    const posts = h.emu.requests.filter((request) => request.path === `/channels/${NEWS}/messages`);
    expect(posts.map((request) => request.status)).toEqual([429, 200]);
    // Answered at once and privately, not deferred (a deferred reply would have been public).
    expect(handle.record.responseType).toBe(4);
    expectPrivate(handle.record);
    expect(answer(handle.record)).toMatch(/Posted 4 articles/);
    expect(h.emu.botMessages(NEWS)).toHaveLength(1);
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN a schedule WHEN the injected clock reaches 09:00 Berlin THEN the digest is posted, once', async () => {
    await boot();
    await scheduleNews();
    expect(await tickAt(berlin(2, 8, 59))).toEqual([]);
    expect(await tickAt(berlin(2, 9))).toMatchObject([{ state: 'posted', dueAt: berlin(2, 9) }]);
    expect(await tickAt(berlin(2, 9, 1))).toEqual([]);
    const [posted, ...others] = h.emu.botMessages(NEWS);
    expect(others).toEqual([]);
    expect(posted?.allowedMentions).toEqual({ parse: [] });
    expect(posted?.embeds).toHaveLength(4);
    const status = answer(await command('digest-settings', { subcommand: 'status' }));
    expect(status).toContain(`Last run: Mon, 2 Jun 2025, 09:00 CEST, posted: https://discord.com/channels/`);
    expect(status).toContain('Next run: Tue, 3 Jun 2025, 09:00 CEST');
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN a posted digest THEN the next day sends only new stories, and a day with nothing new posts nothing and says so', async () => {
    await boot();
    await scheduleNews();
    await tickAt(berlin(2, 9));
    // The corpus grows: a syndicated copy of a story already sent, and one new story.
    h.bot.context.library.replace(Library.fromArticles(makeArticles([...FIRST_DAY, ...SECOND_DAY])));
    expect(await tickAt(berlin(3, 9))).toMatchObject([{ state: 'posted' }]);
    const second = h.emu.botMessages(NEWS)[1];
    expect(second?.embeds.map((embed) => embed.title)).toEqual([
      '1. Glaciers are melting faster than models predicted',
    ]);
    expect(await tickAt(berlin(4, 9))).toMatchObject([{ state: 'empty' }]);
    expect(h.emu.botMessages(NEWS)).toHaveLength(2);
    const status = answer(await command('digest-settings', { subcommand: 'status' }));
    expect(status).toContain(
      'Last run: Wed, 4 Jun 2025, 09:00 CEST, nothing new to post, so nothing was posted.',
    );
    expect(status).toContain('**If it ran now** there would be nothing new to post');
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN the bot may not send in the channel THEN the schedule warns, the run fails and status shows why', async () => {
    await boot();
    h.emu.setBotChannelPermissions(NEWS, { deny: Permissions.SendMessages });
    await waitFor(() => {
      const channel = h.bot.client.channels.cache.get(NEWS) as TextChannel | undefined;
      const me = channel?.guild.members.me;
      return !!channel && !!me && !channel.permissionsFor(me).has(PermissionFlagsBits.SendMessages);
    });
    const scheduled = await scheduleNews();
    expect(answer(scheduled)).toContain(
      '⚠️ I cannot post in <#1100000000000000011> as a message yet: give me Send Messages there.',
    );
    expect(await tickAt(berlin(2, 9))).toMatchObject([{ state: 'failed', final: true, paused: false }]);
    expect(rejections()).toEqual([['rejected', 50013]]);
    const status = answer(await command('digest-settings', { subcommand: 'status' }));
    expect(status).toContain(
      'Last run: Mon, 2 Jun 2025, 09:00 CEST, failed: Missing permissions in <#1100000000000000011>',
    );
    expect(status).toMatch(/Last error \(Mon, 2 Jun 2025, 09:00 CEST\): Missing permissions/);
    expect(status).toContain('Failures in a row: 1');
    expect(h.emu.botMessages(NEWS)).toEqual([]);
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN the digest channel was deleted THEN the failure is recorded and shown', async () => {
    await boot();
    await scheduleNews();
    h.emu.deleteChannel(NEWS);
    const [run] = await tickAt(berlin(2, 9));
    expect(run).toMatchObject({ state: 'failed', final: true });
    expect(rejections()).toEqual([['rejected', 10003]]);
    const status = answer(await command('digest-settings', { subcommand: 'status' }));
    expect(status).toContain('The channel <#1100000000000000011> no longer exists: choose another channel.');
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN pause THEN nothing is posted until the digest is scheduled again', async () => {
    await boot();
    await scheduleNews();
    const paused = await command('digest-settings', { subcommand: 'pause' });
    expect(answer(paused)).toContain('The **daily** digest is paused');
    expect(answer(await command('digest-settings', { subcommand: 'status' }))).toContain(
      `**Paused:** Paused by <@${ADMIN.id}> with /digest-settings pause.`,
    );
    expect(await tickAt(berlin(2, 9))).toEqual([]);
    const resumed = await scheduleNews({ channel: ANNOUNCEMENTS });
    expect(answer(resumed)).toContain('It was paused; it runs again from now on.');
    expect(answer(resumed)).toContain('Next run: Tue, 3 Jun 2025, 09:00 CEST');
    h.bot.context.library.replace(Library.fromArticles(makeArticles([...FIRST_DAY, ...SECOND_DAY])));
    expect(await tickAt(berlin(3, 9))).toMatchObject([{ state: 'posted', channelId: ANNOUNCEMENTS }]);
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN the time zone option THEN autocomplete offers matching zones', async () => {
    await boot();
    const record = await h.emu
      .sendAutocomplete({
        name: 'digest-settings',
        subcommand: 'schedule',
        options: { timezone: 'new yo' },
        focused: 'timezone',
        user: ADMIN,
        guildId: GUILD,
        channelId: GENERAL,
      })
      .settled();
    expect(record.autocompleteChoices?.[0]).toEqual({ name: 'America/New_York', value: 'America/New_York' });
    expect(h.emu.takeViolations()).toEqual([]);
  });
});

describe('/subscribe, /subscriptions, /unsubscribe', () => {
  it('GIVEN a subscription made in a DM THEN the digest arrives by DM, is listed, and unsubscribing stops it', async () => {
    await boot();
    const topics = await h.emu
      .sendAutocomplete({ name: 'subscribe', options: { topic: 'sci' }, focused: 'topic', user: MEMBER })
      .settled();
    expect(topics.autocompleteChoices?.[0]).toMatchObject({ value: 'Science' });
    const subscribed = await command('subscribe', {
      user: MEMBER,
      channelId: null,
      options: { topic: 'Science', time: '16:00', timezone: 'Asia/Tokyo' },
    });
    expectPrivate(subscribed);
    expect(answer(subscribed)).toContain(
      'Subscribed: a digest of **Science** in your direct messages every day at 16:00 (Asia/Tokyo).',
    );
    // 16:00 in Tokyo is 07:00 UTC; the digest covers the day before it.
    expect(answer(subscribed)).toContain('First one: Mon, 2 Jun 2025, 16:00 GMT+9');
    const [subscription] = await service().store.listSubscriptions(MEMBER.id);
    expect(subscription).toMatchObject({
      topicKey: 'science',
      originChannelId: h.emu.dmChannelId(MEMBER.id),
    });

    expect(await tickAt(Date.UTC(2025, 5, 2, 7, 0))).toMatchObject([{ state: 'posted' }]);
    const dm = h.emu.botMessages(h.emu.dmChannelId(MEMBER.id)).find((message) => !message.interactionId);
    expect(dm?.content).toBe('**Your Science digest · Mon 2 Jun**');
    expect(dm?.embeds.map((embed) => embed.title)).toEqual([
      '1. Telescope finds water on a distant exoplanet',
      '2. Bees learn to count to four in a new experiment',
    ]);

    const listed = answer(await command('subscriptions', { user: MEMBER }));
    expect(listed).toContain('• **Science** at 16:00 (Asia/Tokyo): next Tue, 3 Jun 2025, 16:00 GMT+9');
    const choices = await h.emu
      .sendAutocomplete({ name: 'unsubscribe', options: { topic: '' }, focused: 'topic', user: MEMBER })
      .settled();
    expect(choices.autocompleteChoices).toEqual([{ name: 'Science · 16:00 Asia/Tokyo', value: 'science' }]);
    const gone = await command('unsubscribe', { user: MEMBER, options: { topic: 'science' } });
    expect(answer(gone)).toContain('Unsubscribed from **Science**');
    expect(answer(await command('subscriptions', { user: MEMBER }))).toMatch(/You have no subscriptions/);
    expect(answer(await command('unsubscribe', { user: MEMBER, options: { topic: 'science' } }))).toContain(
      'You are not subscribed to `science`. You have no subscriptions.',
    );
    expect(await tickAt(Date.UTC(2025, 5, 3, 7, 0))).toEqual([]);
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN an unknown topic or a bad time THEN nothing is saved and the reply says what to fix', async () => {
    await boot();
    const record = await command('subscribe', {
      user: MEMBER,
      options: { topic: 'Knitting', time: 'noon', timezone: 'Europe/Berlin' },
    });
    expectPrivate(record);
    expect(answer(record)).toContain('There is no topic `Knitting`. `/topics` lists every topic.');
    expect(answer(record)).toContain('`time` must be a 24-hour time written HH:MM');
    expect(await service().store.listSubscriptions(MEMBER.id)).toEqual([]);
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN a subscriber whose DMs are closed THEN they are told where they subscribed and the subscription pauses', async () => {
    await boot();
    await command('subscribe', {
      user: CLOSED_DMS,
      options: { topic: 'Politics', time: '09:00', timezone: 'Europe/Berlin' },
    });
    expect(await tickAt(berlin(2, 9))).toMatchObject([{ state: 'failed', paused: true }]);
    expect(rejections()).toEqual([['rejected', 50007]]);
    const [notice] = h.emu.botMessages(GENERAL).filter((message) => !message.interactionId);
    expect(notice?.content).toContain(`<@${CLOSED_DMS.id}> I couldn't send your **Politics** digest`);
    expect(notice?.allowedMentions).toEqual({ parse: [], users: [CLOSED_DMS.id] });
    const listed = answer(await command('subscriptions', { user: CLOSED_DMS }));
    expect(listed).toContain('• **Politics** at 09:00 (Europe/Berlin): **paused**.');
    expect(listed).toContain('direct messages are closed');
    expect(await tickAt(berlin(3, 9))).toEqual([]);

    // Subscribing again resumes it.
    const again = await command('subscribe', {
      user: CLOSED_DMS,
      options: { topic: 'politics', time: '09:00', timezone: 'Europe/Berlin' },
    });
    expect(answer(again)).toContain('It was paused; it runs again from now on.');
    expect((await service().store.listSubscriptions(CLOSED_DMS.id))[0]?.paused).toBe(false);
    expect(h.emu.takeViolations()).toEqual([]);
  });
});

describe('without a database', () => {
  it('GIVEN the bot runs without digests THEN every digest command says so instead of failing', async () => {
    await boot({ digests: false });
    const answers = await Promise.all([
      command('digest-settings', { subcommand: 'status' }),
      command('subscribe', { user: MEMBER, options: { topic: 'Science', time: '09:00', timezone: 'UTC' } }),
      command('subscriptions', { user: MEMBER, channelId: null }),
      command('unsubscribe', { user: MEMBER, options: { topic: 'Science' } }),
    ]);
    for (const record of answers) {
      expectPrivate(record);
      expect(answer(record)).toBe(
        'Digests are not available in this mode: the bot is running without its database.',
      );
    }
    const choices = await h.emu
      .sendAutocomplete({ name: 'unsubscribe', options: { topic: '' }, focused: 'topic', user: MEMBER })
      .settled();
    expect(choices.autocompleteChoices).toEqual([]);
    expect(h.emu.takeViolations()).toEqual([]);
  });
});

describe('several digests per server', () => {
  const add = (name: string, channel: string, options: Record<string, string | number | boolean> = {}) =>
    command('digest-settings', {
      subcommand: 'add',
      options: { name, channel, time: '09:00', timezone: 'Europe/Berlin', ...options },
    });
  const run = (subcommand: string, options: Record<string, string | number | boolean> = {}) =>
    command('digest-settings', { subcommand, options });

  it('GIVEN two digests on different topics THEN each posts its own articles in its own channel, and list, autocomplete and status show both', async () => {
    await boot();
    expectPrivate(await add('Science', NEWS, { topics: 'Science' }));
    const tech = await add('Tech and politics', ANNOUNCEMENTS, { topics: 'Machine Learning, Politics' });
    expect(answer(tech)).toContain('**Digest added.** Up to 5 articles in <#1100000000000000012>');
    expect(answer(await add('science', GENERAL))).toContain('already has a digest called **Science**');

    const runs = await tickAt(berlin(2, 9));
    expect(runs).toHaveLength(2);
    expect(runs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ state: 'posted', channelId: NEWS, target: `guild:${GUILD}` }),
        expect.objectContaining({ state: 'posted', channelId: ANNOUNCEMENTS, target: `guild:${GUILD}:2` }),
      ]),
    );
    const titles = (channel: string) =>
      h.emu
        .botMessages(channel)
        .filter((message) => !message.interactionId)
        .flatMap((message) => message.embeds.map((embed) => embed.title));
    expect(titles(NEWS)).toEqual([
      '1. Telescope finds water on a distant exoplanet',
      '2. Bees learn to count to four in a new experiment',
    ]);
    expect(titles(ANNOUNCEMENTS)).toEqual([
      '1. Parliament passes the new budget after a long debate',
      '2. Chip makers race to build faster accelerators',
    ]);

    const listed = answer(await run('list'));
    expect(listed).toContain('**2 digests** in this server:');
    expect(listed).toContain('• **Science**: up to 5 in <#1100000000000000011> at 09:00 (Europe/Berlin)');
    expect(listed).toContain('• **Tech and politics**: up to 5 in <#1100000000000000012>');
    const names = await h.emu
      .sendAutocomplete({
        name: 'digest-settings',
        subcommand: 'pause',
        options: { name: 'TECH' },
        focused: 'name',
        user: ADMIN,
        guildId: GUILD,
        channelId: GENERAL,
      })
      .settled();
    expect(names.autocompleteChoices).toEqual([{ name: 'Tech and politics', value: 'Tech and politics' }]);
    const status = answer(await run('status'));
    expect(status).toContain('**Science** in <#1100000000000000011> at 09:00 (Europe/Berlin)');
    expect(status).toContain('**Tech and politics** in <#1100000000000000012>');
    expect(
      status.match(/Last run: Mon, 2 Jun 2025, 09:00 CEST, posted: https:\/\/discord\.com\/channels\//g),
    ).toHaveLength(2);
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN two digests whose topics overlap THEN an article is posted once per server, unless the second allows repeats', async () => {
    await boot();
    await add('Everything', NEWS);
    await add('Science', ANNOUNCEMENTS, { topics: 'Science', time: '10:00' });
    expect(await tickAt(berlin(2, 9))).toMatchObject([{ state: 'posted', channelId: NEWS }]);
    const science = await service().store.findGuildDigest(GUILD, 'science');
    // Everything posted every Science article of the day: nothing is left for Science.
    expect(await service().preview(science!)).toEqual([]);
    expect(answer(await run('edit', { name: 'Science', repeats: true }))).toContain(
      'may repeat articles of overlapping digests',
    );
    const repeating = await service().store.findGuildDigest(GUILD, 'science');
    expect((await service().preview(repeating!)).map((article) => article.title)).toEqual([
      'Telescope finds water on a distant exoplanet',
      'Bees learn to count to four in a new experiment',
    ]);
    expect(await tickAt(berlin(2, 10))).toMatchObject([{ state: 'posted', channelId: ANNOUNCEMENTS }]);
    expect(h.emu.takeViolations()).toEqual([]);
  });

  it('GIVEN several digests THEN pause, resume, edit and remove act on the one named, and an unnamed pause asks which', async () => {
    await boot();
    await add('Science', NEWS, { topics: 'Science' });
    await add('Politics', ANNOUNCEMENTS, { topics: 'Politics' });
    expect(answer(await run('pause'))).toContain(
      'This server has 2 digests (**Science**, **Politics**): say which with `name`.',
    );
    expect(answer(await run('pause', { name: 'nope' }))).toContain('no digest called **nope**');
    expect(answer(await run('pause', { name: 'politics' }))).toContain('The **Politics** digest is paused');
    expect(await tickAt(berlin(2, 9))).toMatchObject([{ state: 'posted', channelId: NEWS }]);
    const resumed = answer(await run('resume', { name: 'Politics' }));
    expect(resumed).toContain('The **Politics** digest runs again from <t:');
    const edited = answer(await run('edit', { name: 'Politics', rename: 'World', time: '18:30', size: 2 }));
    expect(edited).toContain(
      '**Digest updated.** Up to 2 articles in <#1100000000000000012> every day at 18:30',
    );
    expect(edited).toContain('the **World** digest');
    expect(await service().store.findGuildDigest(GUILD, 'World')).toMatchObject({
      slot: 2,
      topics: ['Politics'],
    });
    expect(answer(await run('remove', { name: 'Science' }))).toContain('Removed the **Science** digest');
    expect((await service().store.listGuildDigests(GUILD)).map((digest) => digest.name)).toEqual(['World']);
    // Its one Politics article is older than the day its first run covers.
    expect(await tickAt(berlin(2, 18, 30))).toMatchObject([{ state: 'empty', target: `guild:${GUILD}:2` }]);
    expect(h.emu.takeViolations()).toEqual([]);
  });
});
