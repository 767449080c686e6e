/**
 * Problems and pause reasons are data in the database (ids, no markup) and get their mentions only when
 * the Discord adapter words them; Discord's error codes are classified in the adapter.
 */
import fs from 'node:fs';
import path from 'node:path';

import { DiscordAPIError, HTTPError, RateLimitError } from '@discordjs/rest';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { describePauseReason, describeRunProblem } from '../src/discord/digestWording.ts';
import { classifyDiscordError } from '../src/discord/discordDelivery.ts';
import type { DigestTargetRef } from '../src/store/types.ts';
import { makeCorpus } from './digest-support/corpus.ts';
import { FAILURES, startFakeDiscord, type FakeDiscord } from './digest-support/fakeDiscord.ts';
import { createHarness, FakeClock, IDS, makeTempDir, type Harness } from './digest-support/harness.ts';

const nineAm = (day: number) => Date.UTC(2025, 5, day, 7, 0);
const articles = makeCorpus({ start: Date.UTC(2025, 4, 25), count: 24 * 20 });

let fake: FakeDiscord;
let dir: string;
let clock: FakeClock;
let bot: Harness;

beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  dir = makeTempDir();
  clock = new FakeClock(nineAm(2) - 3_600_000);
  bot = createHarness({ dbPath: path.join(dir, 'broadsheet.db'), api: fake.api, articles, clock });
});
afterEach(async () => {
  await bot.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every reason column as stored. */
function storedReasons(): string[] {
  const db = new Database(path.join(dir, 'broadsheet.db'), { readonly: true });
  const rows = db
    .prepare<[], { text: string | null }>(
      `SELECT pause_reason AS text FROM guild_digests UNION ALL SELECT pause_reason FROM subscriptions
       UNION ALL SELECT error_reason FROM digest_runs UNION ALL SELECT prepared_body FROM digest_runs`,
    )
    .all();
  db.close();
  return rows.flatMap((row) => (row.text === null ? [] : [row.text]));
}

async function tickOn(day: number) {
  clock.set(nineAm(day));
  return (await bot.scheduler.tick()).runs;
}

describe('GIVEN digests that fail and pause', () => {
  it('WHEN a server digest fails three days running THEN the rows hold ids only and status words them with mentions', async () => {
    await bot.store.saveGuildDigest(
      {
        guildId: IDS.guild,
        channelId: IDS.channel,
        time: '09:00',
        timeZone: 'Europe/Berlin',
        mentionRoleId: IDS.role,
      },
      clock.now(),
    );
    await bot.scheduler.start();
    fake.failChannel(IDS.channel, FAILURES.missingPermissions, 3);
    await tickOn(2);
    await tickOn(3);
    expect(await tickOn(4)).toMatchObject([{ state: 'failed', paused: true }]);

    const stored = storedReasons();
    expect(stored.length).toBeGreaterThanOrEqual(4);
    for (const text of stored) expect(text).not.toMatch(/<[#@]/);

    const status = await bot.digests.status(IDS.guild);
    expect(describePauseReason(status!.pauseReason!)).toBe(
      `Paused after 3 failed digests in a row. Last error: Missing permissions in <#${IDS.channel}>: the bot needs View Channel, Send Messages and Embed Links there.`,
    );
    expect(describeRunProblem(status!.lastRun!.problem!)).toContain(`<#${IDS.channel}>`);
  });

  it('WHEN a post succeeds with a role THEN the prepared content holds the role id as data, and the message mentions it', async () => {
    await bot.store.saveGuildDigest(
      {
        guildId: IDS.guild,
        channelId: IDS.channel,
        time: '09:00',
        timeZone: 'Europe/Berlin',
        mentionRoleId: IDS.role,
      },
      clock.now(),
    );
    await bot.scheduler.start();
    expect(await tickOn(2)).toMatchObject([{ state: 'posted' }]);
    const run = await bot.store.getRun({ kind: 'guild', guildId: IDS.guild }, nineAm(2));
    expect(JSON.parse(run!.preparedContent!)).toMatchObject({
      version: 1,
      runId: run!.id,
      mentionRoleId: IDS.role,
    });
    for (const text of storedReasons()) expect(text).not.toMatch(/<[#@]/);
    expect(fake.messages[0]?.content).toBe(`<@&${IDS.role}> Today in the news`);
  });

  it('WHEN a subscriber has closed DMs THEN the rows hold the user and channel ids and the wording mentions them', async () => {
    const subscription = await bot.store.saveSubscription(
      {
        userId: IDS.user,
        topic: 'Science',
        topicKey: 'science',
        time: '09:00',
        timeZone: 'Europe/Berlin',
        originChannelId: IDS.originChannel,
      },
      clock.now(),
    );
    const ref: DigestTargetRef = { kind: 'subscription', subscriptionId: subscription.id };
    await bot.scheduler.start();
    fake.closeDms(IDS.user);
    expect(await tickOn(2)).toMatchObject([{ state: 'failed', paused: true }]);
    for (const text of storedReasons()) expect(text).not.toMatch(/<[#@]/);
    const run = await bot.store.getRun(ref, nineAm(2));
    expect(describeRunProblem(run!.problem!)).toBe(
      `Cannot send DMs to <@${IDS.user}> (their DMs are closed). Paused; they were told in <#${IDS.originChannel}>.`,
    );
    const paused = await bot.store.getSubscription(subscription.id);
    expect(describePauseReason(paused!.pauseReason!)).toBe('Your direct messages are closed to the bot.');
  });

  it('WHEN a user pauses the digest THEN the row holds their id, and the wording mentions them', async () => {
    await bot.store.saveGuildDigest(
      { guildId: IDS.guild, channelId: IDS.channel, time: '09:00', timeZone: 'Europe/Berlin' },
      clock.now(),
    );
    const paused = await bot.store.setGuildDigestPaused(
      IDS.guild,
      true,
      { kind: 'paused-by-user', userId: IDS.user },
      clock.now(),
    );
    expect(storedReasons()).toEqual([JSON.stringify({ kind: 'paused-by-user', userId: IDS.user })]);
    expect(describePauseReason(paused!.pauseReason!)).toBe(
      `Paused by <@${IDS.user}> with /digest-settings pause.`,
    );
  });
});

describe('classifyDiscordError', () => {
  const channel = { kind: 'channel', channelId: IDS.channel } as const;
  const dm = { kind: 'direct-message', userId: IDS.user } as const;
  const apiError = (status: number, code: number) =>
    new DiscordAPIError({ code, message: 'refused' }, code, status, 'POST', '/x', {});

  it('GIVEN refusals THEN they are final, with the channel as data', () => {
    expect(classifyDiscordError(apiError(403, 50013), IDS.channel, channel)).toEqual({
      ok: false,
      problem: { kind: 'missing-permissions', channelId: IDS.channel },
      retryable: false,
      refused: true,
    });
    expect(classifyDiscordError(apiError(404, 10003), IDS.channel, channel).problem.kind).toBe(
      'unknown-channel',
    );
    expect(classifyDiscordError(apiError(403, 50007), 'dm', dm).problem).toEqual({
      kind: 'dms-closed',
      userId: IDS.user,
    });
    expect(classifyDiscordError(apiError(403, 50007), IDS.channel, channel).problem.kind).toBe('refused');
  });

  it('GIVEN outages, rate limits and a rejected token THEN outages retry and nothing counts toward a pause', () => {
    expect(classifyDiscordError(apiError(503, 0), IDS.channel, channel)).toMatchObject({
      retryable: true,
      refused: false,
    });
    expect(classifyDiscordError(apiError(401, 0), IDS.channel, channel)).toMatchObject({
      problem: { kind: 'token-rejected' },
      retryable: false,
      refused: false,
    });
    const http = new HTTPError(502, 'Bad Gateway', 'POST', '/x', {});
    expect(classifyDiscordError(http, null, channel)).toMatchObject({ retryable: true, refused: false });
    const limited = new RateLimitError({
      timeToReset: 90_000,
      limit: 1,
      method: 'POST',
      hash: 'h',
      url: '/x',
      route: '/x',
      majorParameter: 'x',
      global: false,
      retryAfter: 90_000,
      sublimitTimeout: 0,
      scope: 'user',
    });
    expect(classifyDiscordError(limited, null, channel)).toMatchObject({
      problem: { kind: 'rate-limited', retryAfterMs: 90_000 },
      retryAfterMs: 90_000,
      retryable: true,
    });
    expect(classifyDiscordError(new Error('ECONNRESET'), null, channel).problem).toEqual({
      kind: 'unreachable',
      message: 'ECONNRESET',
    });
  });

  it('GIVEN legacy plain-text reasons THEN they are shown as they were', () => {
    expect(describeRunProblem({ kind: 'text', text: 'offline' })).toBe('offline');
    expect(describePauseReason({ kind: 'text', text: 'Paused by an admin' })).toBe('Paused by an admin');
  });
});
