import fs from 'node:fs';
import path from 'node:path';

import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { digestNonce } from '../src/digest/nonce.ts';
import { CRASH_POINTS, type CrashPointName } from '../src/digest/protocol.ts';
import { DEFAULT_CATCH_UP_MS, catchUpMsFromConfig, missedDueTimes } from '../src/digest/scheduler.ts';
import { describePauseReason, describeRunProblem } from '../src/discord/digestWording.ts';
import { targetKey, type DigestTargetRef } from '../src/store/types.ts';
import { makeCorpus } from './digest-support/corpus.ts';
import { FAILURES, startFakeDiscord, type FakeDiscord } from './digest-support/fakeDiscord.ts';
import {
  createHarness,
  FakeClock,
  IDS,
  makeTempDir,
  type Harness,
  type HarnessOptions,
} from './digest-support/harness.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;
/** 09:00 in Europe/Berlin (CEST) on June `day`, 2025. */
const nineAm = (day: number) => Date.UTC(2025, 5, day, 7, 0);
const guildRef: DigestTargetRef = { kind: 'guild', guildId: IDS.guild };
const guildKey = targetKey(guildRef);
const articles = makeCorpus({ start: Date.UTC(2025, 2, 1), count: 24 * 130 });

let fake: FakeDiscord;
let dir: string;
let dbPath: string;
let clock: FakeClock;
const open: Harness[] = [];

beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  dir = makeTempDir();
  dbPath = path.join(dir, 'broadsheet.db');
  clock = new FakeClock(nineAm(2) - HOUR);
});
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A bot process: store, runner and scheduler on the shared database file. */
function boot(options: Partial<HarnessOptions> = {}): Harness {
  const harness = createHarness({ dbPath, api: fake.api, articles, clock, ...options });
  open.push(harness);
  return harness;
}

async function shutDown(harness: Harness) {
  open.splice(open.indexOf(harness), 1);
  await harness.close();
}

async function configureGuild(harness: Harness, patch: Record<string, unknown> = {}) {
  await harness.store.saveGuildDigest(
    { guildId: IDS.guild, channelId: IDS.channel, time: '09:00', timeZone: 'Europe/Berlin', ...patch },
    clock.now(),
  );
  return harness.scheduler.schedule(guildRef);
}

function messagePosts() {
  return fake.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/messages'));
}

describe('DigestScheduler: on time', () => {
  it('GIVEN a digest at 09:00 WHEN the clock reaches it THEN one message is posted and the next run is tomorrow', async () => {
    const bot = boot();
    expect(await configureGuild(bot)).toBe(nineAm(2));
    expect((await bot.scheduler.start()).runs).toEqual([]);

    clock.set(nineAm(2) + 30_000);
    const report = await bot.scheduler.tick();
    expect(report.runs).toMatchObject([{ state: 'posted', target: guildKey, dueAt: nineAm(2) }]);
    expect(await bot.scheduler.tick()).toMatchObject({ runs: [], skipped: [] });

    const [message] = fake.messagesIn(IDS.channel);
    expect(fake.messages).toHaveLength(1);
    expect(message?.body).toMatchObject({
      nonce: digestNonce(guildKey, nineAm(2)),
      enforce_nonce: true,
      allowed_mentions: { parse: [] },
    });
    expect(message?.embeds).toHaveLength(5);

    const run = await bot.store.getRun(guildRef, nineAm(2));
    expect(run).toMatchObject({ state: 'posted', messageId: message?.id, windowEnd: nineAm(2) });
    expect(run?.windowStart).toBe(nineAm(2) - 24 * HOUR);
    expect((await bot.store.sentArticles(guildRef)).articleIds.size).toBe(5);
    expect(await bot.store.getGuildDigest(IDS.guild)).toMatchObject({
      nextDueAt: nineAm(3),
      lastDigestAt: nineAm(2),
    });
  });

  it('GIVEN consecutive days THEN each digest covers only the time since the last one and never repeats an article or story', async () => {
    const bot = boot();
    await configureGuild(bot, { size: 10 });
    await bot.scheduler.start();
    const perDay: string[][] = [];
    for (const day of [2, 3, 4]) {
      clock.set(nineAm(day));
      const [run] = (await bot.scheduler.tick()).runs;
      expect(run?.state).toBe('posted');
      if (run?.state === 'posted') perDay.push(run.articleIds);
    }
    const all = perDay.flat();
    expect(new Set(all).size).toBe(all.length);
    const stories = all.map((id) => articles.find((article) => article.id === id)!.path.split('/')[0]);
    expect(new Set(stories).size).toBe(stories.length);
    perDay.forEach((ids, index) => {
      for (const id of ids) {
        const published = articles.find((article) => article.id === id)!.publishedAt!;
        expect(published).toBeGreaterThanOrEqual(nineAm(index + 1));
        expect(published).toBeLessThan(nineAm(index + 2));
      }
    });
  });

  it('GIVEN a time in the spring-forward gap THEN the digest is posted at 03:00 local that day and 02:30 the next', async () => {
    clock.set(Date.UTC(2025, 2, 29, 12));
    const bot = boot();
    expect(await configureGuild(bot, { time: '02:30' })).toBe(Date.UTC(2025, 2, 30, 1));
    await bot.scheduler.start();
    clock.set(Date.UTC(2025, 2, 30, 0, 59));
    expect((await bot.scheduler.tick()).runs).toEqual([]);
    clock.set(Date.UTC(2025, 2, 30, 1, 0));
    expect((await bot.scheduler.tick()).runs).toMatchObject([{ state: 'posted' }]);
    expect((await bot.store.getGuildDigest(IDS.guild))?.nextDueAt).toBe(Date.UTC(2025, 2, 31, 0, 30));
  });

  it('GIVEN a role to mention THEN the content mentions it and only that role may be pinged', async () => {
    const bot = boot();
    await configureGuild(bot, { mentionRoleId: IDS.role });
    await bot.scheduler.start();
    clock.set(nineAm(2));
    await bot.scheduler.tick();
    const [message] = fake.messages;
    expect(message?.content).toBe(`<@&${IDS.role}> Today in the news`);
    expect(message?.allowedMentions).toEqual({ parse: [], roles: [IDS.role] });
  });

  it('GIVEN nothing new since the last digest THEN the run is recorded empty and nothing is posted', async () => {
    const bot = boot();
    await configureGuild(bot, { topics: ['no-such-topic'] });
    await bot.scheduler.start();
    clock.set(nineAm(2));
    expect((await bot.scheduler.tick()).runs).toMatchObject([{ state: 'empty' }]);
    expect(fake.requests).toHaveLength(0);
    expect(await bot.store.getRun(guildRef, nineAm(2))).toMatchObject({ state: 'empty' });
  });

  it('GIVEN a post-now THEN it posts at once and the scheduled digest leaves those articles out', async () => {
    const bot = boot();
    await configureGuild(bot);
    await bot.scheduler.start();
    clock.set(nineAm(2) - 2 * HOUR);
    const now = await bot.runner.postNow(guildRef);
    expect(now.state).toBe('posted');
    clock.set(nineAm(2));
    const [scheduled] = (await bot.scheduler.tick()).runs;
    expect(scheduled?.state).toBe('posted');
    if (now.state === 'posted' && scheduled?.state === 'posted') {
      expect(scheduled.articleIds.filter((id) => now.articleIds.includes(id))).toEqual([]);
    }
    const run = await bot.store.getRun(guildRef, nineAm(2));
    expect(run?.windowStart).toBe(nineAm(2) - 2 * HOUR);
  });
});

describe('DigestScheduler: downtime and restarts', () => {
  it('GIVEN the bot was down at 09:00 and restarts 3 h later THEN the missed digest is posted once', async () => {
    const first = boot();
    await configureGuild(first);
    await first.scheduler.start();
    await shutDown(first);

    clock.set(nineAm(2) + 3 * HOUR);
    const second = boot();
    expect((await second.scheduler.start()).runs).toMatchObject([{ state: 'posted', dueAt: nineAm(2) }]);
    await shutDown(second);

    clock.advance(5 * MINUTE);
    const third = boot();
    expect((await third.scheduler.start()).runs).toEqual([]);
    expect(fake.messages).toHaveLength(1);
    expect((await third.store.getGuildDigest(IDS.guild))?.nextDueAt).toBe(nineAm(3));
  });

  it('GIVEN the bot restarts more than 6 h late THEN the digest is skipped, recorded, and status says so', async () => {
    const first = boot();
    await configureGuild(first);
    await first.scheduler.start();
    await shutDown(first);

    clock.set(nineAm(2) + 7 * HOUR);
    const second = boot();
    const report = await second.scheduler.start();
    expect(report.runs).toEqual([]);
    expect(report.skipped).toMatchObject([{ target: guildKey, dueAt: nineAm(2) }]);
    expect(fake.requests).toHaveLength(0);

    const status = await second.digests.status(IDS.guild);
    expect(status?.lastRun).toMatchObject({ state: 'skipped', dueAt: nineAm(2) });
    expect(status?.lastRun?.problem).toMatchObject({ kind: 'missed-offline', lateMs: 7 * HOUR });
    expect(describeRunProblem(status!.lastRun!.problem!)).toMatch(/offline.*7\.0 h late.*limit is 6\.0 h/);
    expect(status?.nextRunAt).toBe(nineAm(3));

    // A second restart does not skip (or post) it again; the next day runs normally.
    await shutDown(second);
    const third = boot();
    expect(await third.scheduler.start()).toMatchObject({ runs: [], skipped: [] });
    clock.set(nineAm(3));
    expect((await third.scheduler.tick()).runs).toMatchObject([{ state: 'posted' }]);
  });

  it('GIVEN several days of downtime THEN older days are skipped and only a recent-enough one is caught up', async () => {
    const first = boot();
    await configureGuild(first);
    await first.scheduler.start();
    await shutDown(first);

    clock.set(nineAm(5) + HOUR);
    const second = boot();
    const report = await second.scheduler.start();
    expect(report.skipped.map((skip) => skip.dueAt)).toEqual([nineAm(2), nineAm(3), nineAm(4)]);
    expect(report.runs).toMatchObject([{ state: 'posted', dueAt: nineAm(5) }]);
    expect(fake.messages).toHaveLength(1);
  });

  it('GIVEN DIGEST_CATCH_UP_HOURS THEN the catch-up limit follows it', async () => {
    expect(catchUpMsFromConfig({})).toBe(DEFAULT_CATCH_UP_MS);
    expect(catchUpMsFromConfig({ DIGEST_CATCH_UP_HOURS: 1 })).toBe(HOUR);
    const first = boot();
    await configureGuild(first);
    await first.scheduler.start();
    await shutDown(first);
    clock.set(nineAm(2) + 2 * HOUR);
    const second = boot({ catchUpMs: catchUpMsFromConfig({ DIGEST_CATCH_UP_HOURS: 1 }) });
    expect((await second.scheduler.start()).skipped).toHaveLength(1);
  });

  it.each(CRASH_POINTS)(
    'GIVEN the process stops at %s THEN the next start finishes the run with exactly one message',
    async (point) => {
      const crashing = boot({
        crashPoint: (name: CrashPointName) => {
          if (name === point) throw new Error(`simulated crash at ${name}`);
        },
      });
      await configureGuild(crashing);
      clock.set(nineAm(2));
      await crashing.scheduler.start();
      await shutDown(crashing);

      clock.advance(MINUTE);
      const restarted = boot();
      const afterCrash = await restarted.store.getRun(guildRef, nineAm(2));
      // Only a stop after recording finishes the run; everything earlier leaves it claimed.
      expect(afterCrash?.state).toBe(point === 'after-record' ? 'posted' : 'claimed');
      await restarted.scheduler.start();
      const run = await restarted.store.getRun(guildRef, nineAm(2));
      const messages = fake.messagesWithNonce(digestNonce(guildKey, nineAm(2)));
      expect(messages).toHaveLength(1);
      expect(fake.messages).toHaveLength(1);
      expect(run).toMatchObject({ state: 'posted', messageId: messages[0]?.id });
      expect((await restarted.store.sentArticles(guildRef)).articleIds.size).toBe(messages[0]?.embeds.length);
      expect((await restarted.store.getGuildDigest(IDS.guild))?.nextDueAt).toBe(nineAm(3));
    },
  );

  it('GIVEN a run left claimed, before posting, and a restart beyond the catch-up limit THEN it is skipped, not posted', async () => {
    const crashing = boot({
      crashPoint: (name) => {
        if (name === 'after-select') throw new Error('crash');
      },
    });
    await configureGuild(crashing);
    clock.set(nineAm(2));
    await crashing.scheduler.start();
    await shutDown(crashing);

    clock.set(nineAm(2) + 8 * HOUR);
    const restarted = boot();
    const report = await restarted.scheduler.start();
    expect(report.skipped).toHaveLength(1);
    expect(fake.messages).toHaveLength(0);
    expect(await restarted.store.getRun(guildRef, nineAm(2))).toMatchObject({ state: 'skipped' });
  });
});

describe('DigestScheduler: settings changes', () => {
  it('GIVEN the time is changed while running THEN the new time applies without a restart', async () => {
    clock.set(nineAm(2) - 2 * HOUR); // 07:00 local
    const bot = boot();
    await configureGuild(bot);
    await bot.scheduler.start();

    // Saved straight to the store, without calling schedule(): the tick notices the change.
    await bot.store.saveGuildDigest({ guildId: IDS.guild, time: '07:30' }, clock.now());
    clock.advance(MINUTE);
    expect((await bot.scheduler.tick()).scheduled).toBe(1);
    expect((await bot.store.getGuildDigest(IDS.guild))?.nextDueAt).toBe(nineAm(2) - 90 * MINUTE);

    clock.set(nineAm(2) - 90 * MINUTE);
    expect((await bot.scheduler.tick()).runs).toMatchObject([{ state: 'posted' }]);
    clock.set(nineAm(2));
    expect((await bot.scheduler.tick()).runs).toEqual([]);

    await bot.store.saveGuildDigest({ guildId: IDS.guild, channelId: IDS.otherChannel }, clock.now());
    clock.set(nineAm(3) - 90 * MINUTE);
    await bot.scheduler.tick();
    expect(fake.messagesIn(IDS.channel)).toHaveLength(1);
    expect(fake.messagesIn(IDS.otherChannel)).toHaveLength(1);
  });

  it('GIVEN a paused digest THEN nothing runs; resumed, it runs from the next due time on', async () => {
    const bot = boot();
    await configureGuild(bot);
    await bot.scheduler.start();
    await bot.store.setGuildDigestPaused(
      IDS.guild,
      true,
      { kind: 'paused-by-user', userId: IDS.user },
      clock.now(),
    );
    clock.set(nineAm(2));
    expect((await bot.scheduler.tick()).runs).toEqual([]);
    await bot.store.setGuildDigestPaused(IDS.guild, false, null, clock.now());
    expect(await bot.scheduler.schedule(guildRef)).toBe(nineAm(3));
  });
});

describe('DigestScheduler: broken stored schedules', () => {
  it('GIVEN a stored time zone the runtime no longer knows THEN the target is paused with a reason, not retried every tick', async () => {
    const bot = boot();
    await configureGuild(bot);
    await bot.store.close();
    const db = new Database(dbPath);
    db.prepare("UPDATE guild_digests SET time_zone = 'Atlantis/Capital', next_due_at = NULL").run();
    db.close();
    const restarted = boot();
    await restarted.scheduler.start();
    const settings = await restarted.store.getGuildDigest(IDS.guild);
    expect(settings?.paused).toBe(true);
    expect(settings?.pauseReason).toMatchObject({ kind: 'unschedulable', timeZone: 'Atlantis/Capital' });
    expect(describePauseReason(settings!.pauseReason!)).toMatch(
      /Atlantis\/Capital cannot be computed.*Set the time and time zone again/,
    );
  });
});

describe('DigestRunner: failures', () => {
  it('GIVEN three days of missing permissions THEN each fails once, without retries, and the digest pauses', async () => {
    const bot = boot();
    await configureGuild(bot);
    await bot.scheduler.start();
    fake.failChannel(IDS.channel, FAILURES.missingPermissions);

    const outcomes = [];
    for (const day of [2, 3, 4, 5]) {
      clock.set(nineAm(day));
      outcomes.push(...(await bot.scheduler.tick()).runs);
    }
    expect(outcomes).toMatchObject([
      { state: 'failed', final: true, paused: false },
      { state: 'failed', final: true, paused: false },
      { state: 'failed', final: true, paused: true },
    ]);
    expect(messagePosts()).toHaveLength(3);

    const status = await bot.digests.status(IDS.guild);
    expect(status).toMatchObject({
      paused: true,
      consecutiveFailures: 3,
      nextRunAt: null,
      nextRunLocal: null,
    });
    expect(status?.pauseReason).toEqual({
      kind: 'failures-in-a-row',
      count: 3,
      last: { kind: 'missing-permissions', channelId: IDS.channel },
    });
    expect(describePauseReason(status!.pauseReason!)).toMatch(
      /Paused after 3 failed digests in a row.*Missing permissions in <#\d+>/,
    );
    expect(describeRunProblem(status!.lastError!.problem)).toMatch(
      /needs View Channel, Send Messages and Embed Links/,
    );
    expect((await bot.store.getGuildDigest(IDS.guild))?.lastDigestAt).toBeNull();
  });

  it.each([
    ['unknown channel (10003)', FAILURES.unknownChannel, /no longer exists/],
    ['missing access (50001)', FAILURES.missingAccess, /cannot see <#\d+> \(missing access\)/],
  ])(
    'GIVEN %s THEN the run fails at once with a reason a person can act on',
    async (_name, failure, reason) => {
      const bot = boot();
      await configureGuild(bot);
      await bot.scheduler.start();
      fake.failChannel(IDS.channel, failure);
      clock.set(nineAm(2));
      const [run] = (await bot.scheduler.tick()).runs;
      expect(run).toMatchObject({ state: 'failed', final: true });
      expect(run?.state === 'failed' && describeRunProblem(run.problem)).toMatch(reason);
      expect(messagePosts()).toHaveLength(1);
    },
  );

  it('GIVEN Discord answers 503 THEN the post is retried with growing delays, then recorded without counting toward a pause', async () => {
    const sleeps: number[] = [];
    const bot = boot({ sleeps, retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 } });
    await configureGuild(bot);
    await bot.scheduler.start();
    clock.set(nineAm(2));
    expect((await bot.scheduler.tick()).runs).toMatchObject([{ state: 'posted' }]);

    fake.failChannel(IDS.channel, FAILURES.unavailable);
    clock.set(nineAm(3));
    expect((await bot.scheduler.tick()).runs).toMatchObject([
      { state: 'failed', final: false, paused: false },
    ]);
    expect(messagePosts()).toHaveLength(1 + 3);
    expect(sleeps).toEqual([10, 40]);
    expect(await bot.store.getGuildDigest(IDS.guild)).toMatchObject({
      consecutiveFailures: 0,
      paused: false,
    });

    // The next digest covers the failed day too: lastDigestAt did not move.
    fake.clearFailures();
    clock.set(nineAm(4));
    expect((await bot.scheduler.tick()).runs).toMatchObject([{ state: 'posted' }]);
    expect((await bot.store.getRun(guildRef, nineAm(4)))?.windowStart).toBe(nineAm(2));
  });

  it('GIVEN @discordjs/rest retries too THEN the attempts multiply only as configured (no storm)', async () => {
    const bot = boot({ restRetries: 1, retry: { attempts: 2 } });
    await configureGuild(bot);
    await bot.scheduler.start();
    fake.failChannel(IDS.channel, FAILURES.unavailable);
    clock.set(nineAm(2));
    await bot.scheduler.tick();
    expect(messagePosts()).toHaveLength(4);
  });

  it('GIVEN one 503 THEN the retry posts the digest once', async () => {
    const bot = boot();
    await configureGuild(bot);
    await bot.scheduler.start();
    fake.failChannel(IDS.channel, FAILURES.unavailable, 1);
    clock.set(nineAm(2));
    expect((await bot.scheduler.tick()).runs).toMatchObject([{ state: 'posted' }]);
    expect(fake.messages).toHaveLength(1);
  });

  it('GIVEN the response to a successful post is lost THEN the retry with the same nonce does not duplicate it', async () => {
    const bot = boot();
    await configureGuild(bot);
    await bot.scheduler.start();
    fake.failChannel(IDS.channel, FAILURES.loseResponse, 1);
    clock.set(nineAm(2));
    const [run] = (await bot.scheduler.tick()).runs;
    expect(messagePosts()).toHaveLength(2);
    expect(fake.messages).toHaveLength(1);
    expect(run).toMatchObject({ state: 'posted', messageId: fake.messages[0]?.id });
  });

  it('GIVEN a short rate limit THEN the REST client waits it out and the digest is posted', async () => {
    const bot = boot();
    await configureGuild(bot);
    await bot.scheduler.start();
    fake.failChannel(IDS.channel, { kind: 'rate-limit', retryAfterSeconds: 0.05 }, 1);
    clock.set(nineAm(2));
    expect((await bot.scheduler.tick()).runs).toMatchObject([{ state: 'posted' }]);
    expect(fake.messages).toHaveLength(1);
  });
});

describe('DigestRunner: personal subscriptions', () => {
  async function subscribe(bot: Harness) {
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
    await bot.scheduler.schedule(ref);
    return ref;
  }

  it('GIVEN a subscription THEN the digest goes to the user DM, on their topic only, mentioning nobody', async () => {
    const bot = boot();
    const ref = await subscribe(bot);
    await bot.scheduler.start();
    clock.set(nineAm(2));
    const [run] = (await bot.scheduler.tick()).runs;
    expect(run).toMatchObject({ state: 'posted', channelId: fake.dmChannelOf(IDS.user) });
    const [message] = fake.messagesIn(fake.dmChannelOf(IDS.user));
    expect(message?.allowedMentions).toEqual({ parse: [] });
    expect(message?.content).toBe('Your Science digest');
    if (run?.state === 'posted') {
      for (const id of run.articleIds) {
        expect(articles.find((article) => article.id === id)?.topicKeys).toEqual(['science']);
      }
    }
    expect((await bot.store.getRun(ref, nineAm(2)))?.state).toBe('posted');
  });

  it('GIVEN the user closed their DMs THEN the subscription pauses and they are told where they subscribed', async () => {
    const bot = boot();
    const ref = await subscribe(bot);
    await bot.scheduler.start();
    fake.closeDms(IDS.user);
    clock.set(nineAm(2));
    const [run] = (await bot.scheduler.tick()).runs;
    expect(run).toMatchObject({ state: 'failed', paused: true });

    const [notice] = fake.messagesIn(IDS.originChannel);
    expect(fake.messagesIn(IDS.originChannel)).toHaveLength(1);
    expect(notice?.content).toMatch(new RegExp(`^<@${IDS.user}> .*direct messages are closed`));
    expect(notice?.allowedMentions).toEqual({ parse: [], users: [IDS.user] });

    const subscription = await bot.store.getTarget(ref);
    expect(subscription).toMatchObject({
      paused: true,
      pauseReason: { kind: 'dms-closed', userId: IDS.user },
    });
    expect(describePauseReason(subscription!.pauseReason!)).toMatch(/direct messages/);
    const problem = (await bot.store.getRun(ref, nineAm(2)))?.problem;
    expect(problem).toEqual({
      kind: 'dms-closed',
      userId: IDS.user,
      notice: { channelId: IDS.originChannel, delivered: true },
    });
    expect(describeRunProblem(problem!)).toMatch(/they were told in <#\d+>/);

    clock.set(nineAm(3));
    expect((await bot.scheduler.tick()).runs).toEqual([]);
  });
});

describe('DigestScheduler: node-cron and shutdown', () => {
  it('GIVEN the real node-cron ticker THEN it wakes the scheduler, which posts the due digest once', async () => {
    const bot = boot({ cronExpression: '* * * * * *' });
    await configureGuild(bot);
    await bot.scheduler.start();
    clock.set(nineAm(2));
    const deadline = Date.now() + 5_000;
    while (fake.messages.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 2_100)); // two more ticks
    await shutDown(bot);
    expect(fake.messages).toHaveLength(1);
  });

  it('GIVEN a post in flight THEN stop() waits for it to be recorded', async () => {
    const bot = boot();
    await configureGuild(bot);
    await bot.scheduler.start();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let created!: () => void;
    const wasCreated = new Promise<void>((resolve) => (created = resolve));
    fake.onMessageCreated = async () => {
      created();
      await held;
    };
    clock.set(nineAm(2));
    const tick = bot.scheduler.tick();
    await wasCreated;
    let stopped = false;
    const stopping = shutDown(bot).then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect((await tick).runs).toMatchObject([{ state: 'posted' }]);
    const reopened = boot();
    expect((await reopened.store.getRun(guildRef, nineAm(2)))?.state).toBe('posted');
  });

  it('GIVEN a status request THEN it shows the next run in the server time zone and the last run', async () => {
    const bot = boot();
    await configureGuild(bot, { timeZone: 'America/New_York', time: '06:45' });
    await bot.scheduler.start();
    const status = await bot.digests.status(IDS.guild);
    expect(status).toMatchObject({
      paused: false,
      lastRun: null,
      lastError: null,
      timeZone: 'America/New_York',
    });
    expect(status?.nextRunLocal).toMatch(/Mon, 2 Jun 2025, 06:45 (EDT|GMT-4)/);
    expect(await bot.digests.status('999999999999999999')).toBeNull();
  });
});

describe('missedDueTimes', () => {
  it('GIVEN a long outage THEN only the last days are listed, after the stored one', () => {
    const times = missedDueTimes(nineAm(1), nineAm(20) + HOUR, '09:00', 'Europe/Berlin');
    expect(times[0]).toBe(nineAm(1));
    expect(times.slice(1)).toEqual([nineAm(18), nineAm(19), nineAm(20)]);
  });
});
