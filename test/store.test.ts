import fs from 'node:fs';
import path from 'node:path';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { digestNonce } from '../src/digest/nonce.ts';
import { MIGRATIONS } from '../src/store/migrations.ts';
import { DATABASE_FILE_NAME, SqliteStore } from '../src/store/sqliteStore.ts';
import { targetKey, type DigestTargetRef, type RunFinish } from '../src/store/types.ts';
import { StoreValidationError } from '../src/store/validation.ts';
import { IDS, makeTempDir } from './digest-support/harness.ts';

const T0 = Date.UTC(2025, 5, 2, 7, 0);
const guildRef: DigestTargetRef = { kind: 'guild', guildId: IDS.guild };

let dir: string;
let store: SqliteStore;

beforeEach(() => {
  dir = makeTempDir();
  store = SqliteStore.openInDataDir(dir);
});

afterEach(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function saveDefaultGuild() {
  return store.saveGuildDigest(
    { guildId: IDS.guild, channelId: IDS.channel, time: '9:00', timeZone: 'europe/berlin' },
    T0,
  );
}

async function claim(dueAt: number, ref: DigestTargetRef = guildRef) {
  return store.claimRun({
    target: ref,
    dueAt,
    nonce: digestNonce(targetKey(ref), dueAt),
    windowStart: dueAt - 86_400_000,
    windowEnd: dueAt,
    now: dueAt,
  });
}

function failed(runId: number, overrides: Partial<Extract<RunFinish, { state: 'failed' }>> = {}): RunFinish {
  return {
    runId,
    state: 'failed',
    problem: { kind: 'missing-permissions', channelId: IDS.channel },
    countsTowardPause: true,
    pauseAfter: 3,
    pauseReason: {
      kind: 'failures-in-a-row',
      count: 3,
      last: { kind: 'missing-permissions', channelId: IDS.channel },
    },
    now: T0,
    ...overrides,
  };
}

describe('SqliteStore: opening', () => {
  it('GIVEN a new data dir THEN it creates broadsheet.db in WAL mode with foreign keys and the schema', () => {
    const db = new Database(path.join(dir, DATABASE_FILE_NAME), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => row.name);
    expect(tables).toEqual(['digest_runs', 'guild_digests', 'sent_articles', 'subscriptions']);
    db.close();
  });

  it('GIVEN an existing database THEN reopening keeps the data and does not re-run migrations', async () => {
    await saveDefaultGuild();
    await store.close();
    store = SqliteStore.openInDataDir(dir);
    expect(await store.getGuildDigest(IDS.guild)).toMatchObject({ channelId: IDS.channel });
  });

  it('GIVEN a database from a newer build THEN opening fails with a clear message', async () => {
    await store.close();
    const db = new Database(path.join(dir, DATABASE_FILE_NAME));
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => SqliteStore.openInDataDir(dir)).toThrow(/newer than this build/);
    const restore = new Database(path.join(dir, DATABASE_FILE_NAME));
    restore.pragma(`user_version = ${MIGRATIONS.length}`);
    restore.close();
    store = SqliteStore.openInDataDir(dir);
  });
});

describe('SqliteStore: guild digest settings', () => {
  it('GIVEN minimal settings THEN defaults apply and the time and zone are normalised', async () => {
    const saved = await saveDefaultGuild();
    expect(saved).toMatchObject({
      kind: 'guild',
      guildId: IDS.guild,
      channelId: IDS.channel,
      time: '09:00',
      timeZone: 'Europe/Berlin',
      size: 5,
      topics: [],
      minQuality: null,
      mentionRoleId: null,
      paused: false,
      pauseReason: null,
      consecutiveFailures: 0,
      nextDueAt: null,
      lastDigestAt: null,
      createdAt: T0,
      updatedAt: T0,
    });
  });

  it('GIVEN bad input THEN one StoreValidationError names every problem and nothing is saved', async () => {
    const attempt = store.saveGuildDigest(
      {
        guildId: IDS.guild,
        channelId: 'general',
        time: '25:00',
        timeZone: 'Mars/Olympus',
        size: 11,
        minQuality: 101,
      },
      T0,
    );
    await expect(attempt).rejects.toThrow(StoreValidationError);
    await expect(attempt).rejects.toThrow(
      /channelId.*time.*25:00.*Mars\/Olympus.*size must be 1–10.*minQuality/s,
    );
    expect(await store.getGuildDigest(IDS.guild)).toBeNull();
  });

  it('GIVEN a new digest without a channel THEN it is rejected', async () => {
    await expect(store.saveGuildDigest({ guildId: IDS.guild, time: '09:00' }, T0)).rejects.toThrow(
      /needs a channel, a time and a time zone/,
    );
  });

  it('GIVEN a partial update THEN other fields keep their values and only a time change clears nextDueAt', async () => {
    await saveDefaultGuild();
    await store.setNextDueAt(guildRef, T0 + 1000, null);

    const retopiced = await store.saveGuildDigest(
      { guildId: IDS.guild, topics: ['Science', 'Science', 'AI'], minQuality: 40, mentionRoleId: IDS.role },
      T0 + 1,
    );
    expect(retopiced).toMatchObject({
      channelId: IDS.channel,
      time: '09:00',
      topics: ['Science', 'AI'],
      minQuality: 40,
      mentionRoleId: IDS.role,
      nextDueAt: T0 + 1000,
      updatedAt: T0 + 1,
      createdAt: T0,
    });

    const retimed = await store.saveGuildDigest({ guildId: IDS.guild, time: '10:30' }, T0 + 2);
    expect(retimed).toMatchObject({ time: '10:30', nextDueAt: null, topics: ['Science', 'AI'] });
  });

  it('GIVEN a paused digest WHEN resumed THEN failures reset and it is rescheduled from now', async () => {
    await saveDefaultGuild();
    await store.setNextDueAt(guildRef, T0, null);
    const { run } = await claim(T0);
    await store.finishRun(failed(run.id));
    const byAdmin = { kind: 'paused-by-user', userId: IDS.user } as const;
    const paused = await store.setGuildDigestPaused(IDS.guild, true, byAdmin, T0);
    expect(paused).toMatchObject({ paused: true, pauseReason: byAdmin, consecutiveFailures: 1 });
    expect(await store.listDueTargets(T0 + 1, 10)).toEqual([]);

    const resumed = await store.setGuildDigestPaused(IDS.guild, false, null, T0);
    expect(resumed).toMatchObject({
      paused: false,
      pauseReason: null,
      consecutiveFailures: 0,
      nextDueAt: null,
    });
  });

  it('GIVEN a deleted digest THEN its runs and sent history are gone too', async () => {
    await saveDefaultGuild();
    const { run } = await claim(T0);
    await store.prepareRun({
      runId: run.id,
      channelId: IDS.channel,
      articles: [{ articleId: 'a1', storyId: 's1' }],
      content: '{}',
    });
    await store.finishRun({
      runId: run.id,
      state: 'posted',
      channelId: IDS.channel,
      messageId: '9',
      now: T0,
    });
    expect(await store.deleteGuildDigest(IDS.guild)).toBe(true);
    expect(await store.getRun(guildRef, T0)).toBeNull();
    expect((await store.sentArticles(guildRef)).articleIds.size).toBe(0);
    expect(await store.deleteGuildDigest(IDS.guild)).toBe(false);
  });
});

describe('SqliteStore: subscriptions', () => {
  const input = {
    userId: IDS.user,
    topic: 'Science',
    topicKey: 'science',
    time: '07:15',
    timeZone: 'America/New_York',
    originChannelId: IDS.originChannel,
  };

  it('GIVEN the same user and topic twice THEN the subscription is updated, not duplicated', async () => {
    const first = await store.saveSubscription(input, T0);
    await store.setNextDueAt({ kind: 'subscription', subscriptionId: first.id }, T0 + 5, null);
    const second = await store.saveSubscription({ ...input, time: '08:00' }, T0 + 1);
    expect(second.id).toBe(first.id);
    expect(second).toMatchObject({ time: '08:00', nextDueAt: null, createdAt: T0, updatedAt: T0 + 1 });
    expect(await store.listSubscriptions(IDS.user)).toHaveLength(1);
  });

  it('GIVEN a bad zone THEN it is rejected', async () => {
    await expect(store.saveSubscription({ ...input, timeZone: 'Nowhere' }, T0)).rejects.toThrow(/time zone/);
  });

  it('GIVEN due guilds and subscriptions THEN listDueTargets returns both, earliest first, unpaused only', async () => {
    await saveDefaultGuild();
    const sub = await store.saveSubscription(input, T0);
    const subRef: DigestTargetRef = { kind: 'subscription', subscriptionId: sub.id };
    await store.setNextDueAt(guildRef, T0 + 20, null);
    await store.setNextDueAt(subRef, T0 + 10, null);
    expect((await store.listDueTargets(T0 + 30, 10)).map((target) => target.kind)).toEqual([
      'subscription',
      'guild',
    ]);
    expect(await store.listDueTargets(T0 + 15, 10)).toHaveLength(1);
    await store.setSubscriptionPaused(sub.id, true, { kind: 'dms-closed', userId: IDS.user }, T0);
    expect((await store.listDueTargets(T0 + 30, 10)).map((target) => target.kind)).toEqual(['guild']);
  });
});

describe('SqliteStore: digest runs', () => {
  beforeEach(saveDefaultGuild);

  it('GIVEN a claimed run WHEN it is claimed again THEN the same row comes back and created is false', async () => {
    const first = await claim(T0);
    const second = await claim(T0);
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.run.id).toBe(first.run.id);
    expect(second.run).toMatchObject({ state: 'claimed', nonce: first.run.nonce, windowEnd: T0 });
    expect(first.run.nonce.length).toBeLessThanOrEqual(25);
  });

  it('GIVEN a posted run THEN the message, sent articles and lastDigestAt are recorded once', async () => {
    const { run } = await claim(T0);
    const articles = [
      { articleId: 'a1', storyId: 's1' },
      { articleId: 'a2', storyId: 's2' },
    ];
    await store.prepareRun({ runId: run.id, channelId: IDS.channel, articles, content: '{"version":1}' });
    const done = await store.finishRun({
      runId: run.id,
      state: 'posted',
      channelId: IDS.channel,
      messageId: '42',
      now: T0 + 5,
    });
    expect(done).toMatchObject({ applied: true, consecutiveFailures: 0, paused: false });
    const again = await store.finishRun(failed(run.id));
    expect(again.applied).toBe(false);

    expect(await store.getRun(guildRef, T0)).toMatchObject({
      state: 'posted',
      messageId: '42',
      articles,
      preparedContent: '{"version":1}',
      finishedAt: T0 + 5,
    });
    const history = await store.sentArticles(guildRef);
    expect([...history.articleIds]).toEqual(['a1', 'a2']);
    expect([...history.storyIds]).toEqual(['s1', 's2']);
    expect((await store.getGuildDigest(IDS.guild))?.lastDigestAt).toBe(T0);
  });

  it('GIVEN three final failures in a row THEN the digest is paused; a transient one does not count', async () => {
    const results = [];
    for (const [index, countsTowardPause] of [true, false, true, true].entries()) {
      const { run } = await claim(T0 + index);
      results.push(await store.finishRun(failed(run.id, { countsTowardPause })));
    }
    expect(results.map((result) => [result.consecutiveFailures, result.paused])).toEqual([
      [1, false],
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(await store.getGuildDigest(IDS.guild)).toMatchObject({
      paused: true,
      pauseReason: { kind: 'failures-in-a-row', count: 3 },
    });
  });

  it('GIVEN a failure that pauses now THEN the target is paused at once', async () => {
    const { run } = await claim(T0);
    const dmsClosed = { kind: 'dms-closed', userId: IDS.user } as const;
    const result = await store.finishRun(failed(run.id, { pauseNow: dmsClosed }));
    expect(result).toMatchObject({ paused: true, pauseReason: dmsClosed, consecutiveFailures: 1 });
  });

  it('GIVEN a success after failures THEN the failure count resets', async () => {
    const first = await claim(T0);
    await store.finishRun(failed(first.run.id));
    const second = await claim(T0 + 1);
    await store.finishRun({
      runId: second.run.id,
      state: 'posted',
      channelId: IDS.channel,
      messageId: '1',
      now: T0,
    });
    expect((await store.getGuildDigest(IDS.guild))?.consecutiveFailures).toBe(0);
  });

  it('GIVEN a skipped due time THEN it is recorded once and blocks a later claim from running it', async () => {
    const offline = { kind: 'missed-offline', dueAt: T0, timeZone: 'UTC', lateMs: 7, limitMs: 6 } as const;
    expect(await store.recordSkippedRun(guildRef, T0, 'n', offline, T0 + 7)).toBe(true);
    expect(await store.recordSkippedRun(guildRef, T0, 'n', offline, T0 + 8)).toBe(false);
    const { run, created } = await claim(T0);
    expect(created).toBe(false);
    expect(run).toMatchObject({ state: 'skipped', problem: offline });
    expect(await store.latestRun(guildRef)).toMatchObject({ state: 'skipped' });
  });

  it('GIVEN runs left claimed THEN listInterruptedRuns returns them with their target', async () => {
    await claim(T0);
    const done = await claim(T0 + 1);
    await store.finishRun({ runId: done.run.id, state: 'empty', now: T0 });
    const interrupted = await store.listInterruptedRuns(10);
    expect(interrupted.map((run) => [run.target, run.dueAt])).toEqual([[guildRef, T0]]);
  });

  it('GIVEN nextDueAt changed by someone else THEN a compare-and-set with the old value does nothing', async () => {
    expect(await store.setNextDueAt(guildRef, T0, null)).toBe(true);
    expect(await store.setNextDueAt(guildRef, T0 + 1, null)).toBe(false);
    expect(await store.setNextDueAt(guildRef, T0 + 1, T0)).toBe(true);
    expect((await store.getGuildDigest(IDS.guild))?.nextDueAt).toBe(T0 + 1);
  });

  it('GIVEN two connections claiming the same run THEN only one creates it', async () => {
    const other = new SqliteStore(path.join(dir, DATABASE_FILE_NAME));
    const [a, b] = await Promise.all([
      claim(T0),
      other.claimRun({
        target: guildRef,
        dueAt: T0,
        nonce: 'x',
        windowStart: 0,
        windowEnd: T0,
        now: T0,
      }),
    ]);
    expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
    await other.close();
  });
});

describe('SqliteStore: reasons as data', () => {
  function rawRows() {
    const db = new Database(path.join(dir, DATABASE_FILE_NAME), { readonly: true });
    const rows = [
      ...db.prepare('SELECT pause_reason AS text FROM guild_digests').all(),
      ...db.prepare('SELECT pause_reason AS text FROM subscriptions').all(),
      ...db.prepare('SELECT error_reason AS text FROM digest_runs').all(),
    ] as { text: string | null }[];
    db.close();
    return rows.map((row) => row.text ?? '');
  }

  it('GIVEN failures, a DM pause and a user pause THEN the rows hold ids as JSON and no Discord markup', async () => {
    await saveDefaultGuild();
    const sub = await store.saveSubscription(
      {
        userId: IDS.user,
        topic: 'Science',
        topicKey: 'science',
        time: '07:15',
        timeZone: 'UTC',
        originChannelId: IDS.originChannel,
      },
      T0,
    );
    const subRef: DigestTargetRef = { kind: 'subscription', subscriptionId: sub.id };
    for (let index = 0; index < 3; index++) {
      const { run } = await claim(T0 + index);
      await store.finishRun(failed(run.id));
    }
    const { run } = await claim(T0, subRef);
    await store.finishRun(
      failed(run.id, {
        problem: {
          kind: 'dms-closed',
          userId: IDS.user,
          notice: { channelId: IDS.originChannel, delivered: true },
        },
        pauseNow: { kind: 'dms-closed', userId: IDS.user },
      }),
    );

    const rows = rawRows().filter(Boolean);
    expect(rows.length).toBeGreaterThanOrEqual(5);
    for (const text of rows) {
      expect(text).not.toMatch(/<[#@]/);
      expect(JSON.parse(text)).toHaveProperty('kind');
    }
    expect((await store.getGuildDigest(IDS.guild))?.pauseReason).toEqual({
      kind: 'failures-in-a-row',
      count: 3,
      last: { kind: 'missing-permissions', channelId: IDS.channel },
    });
    expect((await store.getRun(subRef, T0))?.problem).toMatchObject({ kind: 'dms-closed', userId: IDS.user });

    await store.setGuildDigestPaused(IDS.guild, true, { kind: 'paused-by-user', userId: IDS.user }, T0);
    expect(rawRows()[0]).toBe(JSON.stringify({ kind: 'paused-by-user', userId: IDS.user }));
  });

  it('GIVEN a version-1 database with plain-text reasons THEN the migration turns them into data', async () => {
    await store.close();
    fs.rmSync(path.join(dir, DATABASE_FILE_NAME));
    const db = new Database(path.join(dir, DATABASE_FILE_NAME));
    db.exec(MIGRATIONS[0]!);
    db.pragma('user_version = 1');
    db.prepare(
      `INSERT INTO guild_digests (guild_id, channel_id, time, time_zone, paused, pause_reason, created_at, updated_at)
       VALUES (?, ?, '09:00', 'UTC', 1, ?, 0, 0)`,
    ).run(IDS.guild, IDS.channel, `Paused by <@${IDS.user}> with /digest-settings pause.`);
    db.prepare(
      `INSERT INTO subscriptions (user_id, topic, topic_key, time, time_zone, origin_channel_id, paused,
         pause_reason, created_at, updated_at)
       VALUES (?, 'Science', 'science', '09:00', 'UTC', ?, 1, 'Your direct messages are closed to the bot.', 0, 0)`,
    ).run(IDS.user, IDS.originChannel);
    db.prepare(
      `INSERT INTO digest_runs (target, due_at, state, nonce, error_reason, claimed_at)
       VALUES (?, ?, 'failed', 'n', ?, 0)`,
    ).run(
      targetKey(guildRef),
      T0,
      'The channel <#200000000000000001> no longer exists: choose another channel.',
    );
    db.close();

    store = SqliteStore.openInDataDir(dir);
    expect((await store.getGuildDigest(IDS.guild))?.pauseReason).toEqual({
      kind: 'paused-by-user',
      userId: IDS.user,
    });
    expect((await store.listSubscriptions(IDS.user))[0]?.pauseReason).toEqual({
      kind: 'dms-closed',
      userId: IDS.user,
    });
    // Text the migration cannot tell apart is kept, marked as text, and shown as it was.
    expect((await store.getRun(guildRef, T0))?.problem).toEqual({
      kind: 'text',
      text: 'The channel <#200000000000000001> no longer exists: choose another channel.',
    });
  });

  it('GIVEN a reason stored as plain text after the migration (a hand edit) THEN it reads back as text', async () => {
    await saveDefaultGuild();
    await store.close();
    const db = new Database(path.join(dir, DATABASE_FILE_NAME));
    db.prepare('UPDATE guild_digests SET paused = 1, pause_reason = ?').run('Paused for the holidays');
    db.close();
    store = SqliteStore.openInDataDir(dir);
    expect((await store.getGuildDigest(IDS.guild))?.pauseReason).toEqual({
      kind: 'text',
      text: 'Paused for the holidays',
    });
  });
});
