/**
 * Digests against the Discord API emulator: its permission model, deleted channels, closed DMs and
 * message validation decide the outcome, not a scripted failure.
 */
import fs from 'node:fs';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { describeRunProblem } from '../src/discord/digestWording.ts';
import { targetKey, type DigestTargetRef } from '../src/store/types.ts';
import { makeCorpus } from './digest-support/corpus.ts';
import { createHarness, FakeClock, IDS, makeTempDir, type Harness } from './digest-support/harness.ts';
import { Permissions, startEmulator, type Emulator } from './emulator/index.ts';

const nineAm = (day: number) => Date.UTC(2025, 5, day, 7, 0);
const articles = makeCorpus({ start: Date.UTC(2025, 4, 25), count: 24 * 20 });
const guildRef: DigestTargetRef = { kind: 'guild', guildId: IDS.guild };

let emulator: Emulator;
let dir: string;
let clock: FakeClock;
let bot: Harness;

beforeEach(async () => {
  emulator = await startEmulator({
    users: [{ id: IDS.user, username: 'reader' }],
    guilds: [
      {
        id: IDS.guild,
        name: 'Broadsheet readers',
        channels: [
          { id: IDS.channel, name: 'news' },
          { id: IDS.originChannel, name: 'general' },
        ],
        roles: [{ id: IDS.role, name: 'news-pings', mentionable: true }],
        members: [{ user: IDS.user, roles: [IDS.role] }],
      },
    ],
  });
  dir = makeTempDir();
  clock = new FakeClock(nineAm(2) - 3_600_000);
  bot = createHarness({
    dbPath: path.join(dir, 'broadsheet.db'),
    api: emulator.apiUrl,
    token: emulator.token,
    articles,
    clock,
  });
});

afterEach(async () => {
  await bot.close();
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function configureGuild(patch: Record<string, unknown> = {}) {
  await bot.store.saveGuildDigest(
    { guildId: IDS.guild, channelId: IDS.channel, time: '09:00', timeZone: 'Europe/Berlin', ...patch },
    clock.now(),
  );
  await bot.scheduler.start();
}

async function tickOn(day: number) {
  clock.set(nineAm(day));
  return (await bot.scheduler.tick()).runs;
}

describe('GIVEN the Discord API emulator', () => {
  it('THEN a digest with a role mention is accepted as valid and pings only that role', async () => {
    await configureGuild({ mentionRoleId: IDS.role });
    expect(await tickOn(2)).toMatchObject([{ state: 'posted' }]);
    const [message] = emulator.botMessages(IDS.channel);
    expect(message?.content.startsWith(`<@&${IDS.role}>`)).toBe(true);
    expect(message?.allowedMentions).toEqual({ parse: [], roles: [IDS.role] });
    expect(message?.embeds).toHaveLength(5);
    expect(emulator.violations).toEqual([]);
  });

  it('WHEN the bot may not send messages in the channel THEN three days fail with 50013 and the digest pauses', async () => {
    await configureGuild();
    emulator.setBotChannelPermissions(IDS.channel, { deny: Permissions.SendMessages });
    const outcomes = [...(await tickOn(2)), ...(await tickOn(3)), ...(await tickOn(4)), ...(await tickOn(5))];
    expect(outcomes.map((outcome) => outcome.state)).toEqual(['failed', 'failed', 'failed']);
    const status = await bot.digests.status(IDS.guild);
    expect(status?.paused).toBe(true);
    expect(status?.lastError?.problem).toEqual({ kind: 'missing-permissions', channelId: IDS.channel });
    expect(describeRunProblem(status!.lastError!.problem)).toMatch(
      /^Missing permissions in <#200000000000000001>/,
    );
    expect(emulator.botMessages(IDS.channel)).toEqual([]);
  });

  it('WHEN the channel was deleted THEN the run fails with "no longer exists" and is not retried', async () => {
    await configureGuild();
    emulator.deleteChannel(IDS.channel);
    const [run] = await tickOn(2);
    expect(run).toMatchObject({ state: 'failed', final: true, paused: false });
    expect(run?.state === 'failed' && describeRunProblem(run.problem)).toMatch(/no longer exists/);
    const posts = emulator.requests.filter((request) => request.method === 'POST');
    expect(posts).toHaveLength(1);
  });

  it('WHEN a subscriber closed their DMs THEN the subscription pauses and the notice pings only them', async () => {
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
    emulator.setDmsClosed(IDS.user, true);
    expect(await tickOn(2)).toMatchObject([{ state: 'failed', paused: true, target: targetKey(ref) }]);
    const [notice] = emulator.botMessages(IDS.originChannel);
    expect(notice?.allowedMentions).toEqual({ parse: [], users: [IDS.user] });
    expect(notice?.content).toMatch(/direct messages are closed/);
    // The refused DM is the only request Discord rejected; the notice itself is valid.
    expect(emulator.violations.map((violation) => [violation.kind, violation.code])).toEqual([
      ['rejected', 50007],
    ]);
    expect(await tickOn(3)).toEqual([]);
  });

  it('WHEN Discord is down for the whole run THEN it is recorded as a transient failure and the next day posts', async () => {
    await configureGuild();
    expect(await tickOn(2)).toMatchObject([{ state: 'posted' }]);
    emulator.outage(true);
    expect(await tickOn(3)).toMatchObject([{ state: 'failed', final: false, paused: false }]);
    emulator.outage(false);
    expect(await tickOn(4)).toMatchObject([{ state: 'posted' }]);
    expect((await bot.store.getRun(guildRef, nineAm(4)))?.windowStart).toBe(nineAm(2));
    expect(emulator.botMessages(IDS.channel)).toHaveLength(2);
  });
});
