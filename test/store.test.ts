/**
 * The `Store` contract, run against both stores: SQLite (a file in a temp folder) and Postgres (a fresh
 * database on the run's test server, emptied before each test). "Another process" is a second store
 * instance on the same database: a second connection for SQLite, a second pool for Postgres.
 * Store-specific behaviour (SQLite's file and migrations, Postgres's migrations under a lock, credentials)
 * is in store.sqlite.test.ts and store.postgres.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';

import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';

import { digestNonce } from '../src/digest/nonce.ts';
import { PostgresStore } from '../src/store/postgresStore.ts';
import { DATABASE_FILE_NAME, SqliteStore } from '../src/store/sqliteStore.ts';
import { targetKey, type DigestTargetRef, type RunFinish, type Store } from '../src/store/types.ts';
import { StoreValidationError } from '../src/store/validation.ts';
import { IDS, makeTempDir } from './digest-support/harness.ts';
import { createTestDatabase } from './support/postgres.ts';

const T0 = Date.UTC(2025, 5, 2, 7, 0);
const LEASE = 60_000;
const guildRef: DigestTargetRef = { kind: 'guild', guildId: IDS.guild };
const A = 'host-a:101:aaaa';
const B = 'host-b:202:bbbb';

/** One kind of database: a fresh, empty one per test, and any number of stores on it. */
interface Backend {
  name: 'sqlite' | 'postgres';
  available: boolean;
  /** Empties (or replaces) the database before a test. */
  reset(): Promise<void>;
  /** A store on the current database, as one more process would open it. */
  open(): Promise<Store>;
  /** Every pause and error reason as stored, raw. */
  rawReasons(): Promise<string[]>;
}

let sqliteDir = '';
let postgresMigrated = false;
const postgres = await createTestDatabase('store-contract');
afterAll(async () => {
  await postgres?.drop();
});

const REASON_QUERIES = [
  'SELECT pause_reason AS text FROM guild_digests',
  'SELECT pause_reason AS text FROM subscriptions',
  'SELECT error_reason AS text FROM digest_runs',
];

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    available: true,
    async reset() {
      if (sqliteDir) fs.rmSync(sqliteDir, { recursive: true, force: true });
      sqliteDir = makeTempDir();
    },
    open: async () => SqliteStore.openInDataDir(sqliteDir),
    async rawReasons() {
      const db = new Database(path.join(sqliteDir, DATABASE_FILE_NAME), { readonly: true });
      const rows = REASON_QUERIES.flatMap((sql) => db.prepare<[], { text: string | null }>(sql).all());
      db.close();
      return rows.map((row) => row.text ?? '');
    },
  },
  {
    name: 'postgres',
    available: postgres !== null,
    async reset() {
      // The schema stays (migrated by the first open); the rows go.
      if (!postgresMigrated) await (await PostgresStore.open(postgres!.url)).close();
      postgresMigrated = true;
      await rawPostgres(async (client) => {
        for (const table of ['sent_articles', 'digest_runs', 'subscriptions', 'guild_digests']) {
          await client.query(`DELETE FROM ${table}`);
        }
      });
    },
    open: () => PostgresStore.open(postgres!.url),
    async rawReasons() {
      const texts: string[] = [];
      await rawPostgres(async (client) => {
        for (const sql of REASON_QUERIES) {
          const { rows } = await client.query<{ text: string | null }>(sql);
          texts.push(...rows.map((row) => row.text ?? ''));
        }
      });
      return texts;
    },
  },
];

async function rawPostgres<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgres!.url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe.each(BACKENDS)('Store contract ($name)', (backend) => {
  let store: Store;
  const opened: Store[] = [];

  /** Another process on the same database. */
  async function another(): Promise<Store> {
    const other = await backend.open();
    opened.push(other);
    return other;
  }

  beforeEach(async () => {
    if (!backend.available) return;
    await backend.reset();
    store = await another();
  });
  afterEach(async () => {
    for (const each of opened.splice(0)) await each.close();
  });
  afterAll(() => {
    if (backend.name === 'sqlite' && sqliteDir) fs.rmSync(sqliteDir, { recursive: true, force: true });
  });

  async function saveDefaultGuild(on: Store = store) {
    return on.saveGuildDigest(
      { guildId: IDS.guild, channelId: IDS.channel, time: '9:00', timeZone: 'europe/berlin' },
      T0,
    );
  }

  /** Claims the run due at `dueAt` as `owner`, at `now`, with a lease of LEASE. */
  async function claim(
    dueAt: number,
    {
      ref = guildRef,
      owner = A,
      now = dueAt,
      on = store,
    }: Partial<{ ref: DigestTargetRef; owner: string; now: number; on: Store }> = {},
  ) {
    return on.claimRun({
      target: ref,
      dueAt,
      nonce: digestNonce(targetKey(ref), dueAt),
      windowStart: dueAt - 86_400_000,
      windowEnd: dueAt,
      now,
      owner,
      leaseUntil: now + LEASE,
    });
  }

  function failed(
    runId: number,
    overrides: Partial<Extract<RunFinish, { state: 'failed' }>> = {},
  ): RunFinish {
    return {
      runId,
      owner: A,
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

  describe.skipIf(!backend.available)('guild digest settings', () => {
    it('GIVEN minimal settings THEN defaults apply and the time and zone are normalised', async () => {
      const saved = await saveDefaultGuild();
      expect(saved).toEqual({
        kind: 'guild',
        guildId: IDS.guild,
        slot: 1,
        name: 'daily',
        delivery: 'message',
        allowRepeats: false,
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
      expect(await store.getGuildDigest(IDS.guild)).toEqual(saved);
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
      expect(await store.setGuildDigestPaused('100000000000000999', true, null, T0)).toBeNull();
    });

    it('GIVEN a deleted digest THEN its runs and sent history are gone too', async () => {
      await saveDefaultGuild();
      const { run } = await claim(T0);
      await store.prepareRun({
        runId: run.id,
        owner: A,
        channelId: IDS.channel,
        articles: [{ articleId: 'a1', storyId: 's1' }],
        content: '{}',
      });
      await store.finishRun({
        runId: run.id,
        owner: A,
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

  describe.skipIf(!backend.available)('several digests per server', () => {
    const ai = {
      guildId: IDS.guild,
      name: 'AI news',
      channelId: IDS.channel,
      time: '08:00',
      timeZone: 'UTC',
    };
    const cloud = {
      ...ai,
      name: 'Cloud',
      channelId: '200000000000000009',
      time: '18:00',
      delivery: 'forum' as const,
    };

    it('GIVEN two named digests THEN each has its own slot, settings and due time, found by name in any case', async () => {
      const first = await store.saveGuildDigest({ ...ai, topics: ['AI'] }, T0);
      const second = await store.saveGuildDigest({ ...cloud, topics: ['Azure'], allowRepeats: true }, T0);
      expect([first.slot, second.slot]).toEqual([1, 2]);
      expect(await store.findGuildDigest(IDS.guild, '  ai   NEWS ')).toMatchObject({
        slot: 1,
        name: 'AI news',
      });
      expect(await store.listGuildDigests(IDS.guild)).toMatchObject([
        { slot: 1, name: 'AI news', delivery: 'message', allowRepeats: false, topics: ['AI'] },
        { slot: 2, name: 'Cloud', delivery: 'forum', allowRepeats: true, topics: ['Azure'] },
      ]);
      const secondRef = { kind: 'guild', guildId: IDS.guild, slot: 2 } as const;
      expect(await store.setNextDueAt(secondRef, T0 + 5, null)).toBe(true);
      expect((await store.getGuildDigest(IDS.guild, 1))!.nextDueAt).toBeNull();
      expect(await store.listDueTargets(T0 + 5, 10)).toMatchObject([
        { kind: 'guild', slot: 2, name: 'Cloud' },
      ]);
      expect(await store.listUnscheduledTargets(10)).toMatchObject([{ kind: 'guild', slot: 1 }]);
      expect(await store.getTarget(secondRef)).toMatchObject({ name: 'Cloud' });
    });

    it('GIVEN an edit by slot THEN it renames and changes only that digest; a taken name is refused', async () => {
      await store.saveGuildDigest(ai, T0);
      await store.saveGuildDigest(cloud, T0);
      const renamed = await store.saveGuildDigest(
        { guildId: IDS.guild, slot: 2, name: 'Cloud & infra', size: 3 },
        T0 + 1,
      );
      expect(renamed).toMatchObject({
        slot: 2,
        name: 'Cloud & infra',
        size: 3,
        delivery: 'forum',
        time: '18:00',
      });
      expect(await store.getGuildDigest(IDS.guild, 1)).toMatchObject({ name: 'AI news', size: 5 });
      await expect(
        store.saveGuildDigest({ guildId: IDS.guild, slot: 2, name: 'ai news' }, T0),
      ).rejects.toThrow(/already has a digest called "ai news"/);
      await expect(store.saveGuildDigest({ guildId: IDS.guild, slot: 7, size: 2 }, T0)).rejects.toThrow(
        StoreValidationError,
      );
      await expect(store.saveGuildDigest({ ...ai, name: 'bad `name`' }, T0)).rejects.toThrow(
        StoreValidationError,
      );
    });

    it('GIVEN a paused or removed digest THEN only it is affected, with its runs and history', async () => {
      await store.saveGuildDigest(ai, T0);
      await store.saveGuildDigest(cloud, T0);
      const secondRef = { kind: 'guild', guildId: IDS.guild, slot: 2 } as const;
      const paused = await store.setGuildDigestPaused(
        IDS.guild,
        true,
        { kind: 'paused-by-user', userId: IDS.user },
        T0,
        2,
      );
      expect(paused).toMatchObject({ slot: 2, paused: true });
      expect((await store.getGuildDigest(IDS.guild, 1))!.paused).toBe(false);

      for (const ref of [guildRef, secondRef]) {
        const { run } = await claim(T0, { ref });
        await store.prepareRun({
          runId: run.id,
          owner: A,
          channelId: IDS.channel,
          articles: [{ articleId: `a-${targetKey(ref)}`, storyId: 's' }],
          content: '{}',
        });
        await store.finishRun({
          runId: run.id,
          owner: A,
          state: 'posted',
          channelId: IDS.channel,
          messageId: '9',
          now: T0,
        });
      }
      expect([...(await store.sentArticles(secondRef)).articleIds]).toEqual([`a-${targetKey(secondRef)}`]);
      expect(await store.deleteGuildDigest(IDS.guild, 2)).toBe(true);
      expect(await store.getRun(secondRef, T0)).toBeNull();
      expect((await store.sentArticles(secondRef)).articleIds.size).toBe(0);
      expect((await store.sentArticles(guildRef)).articleIds.size).toBe(1);
      expect(await store.listGuildDigests(IDS.guild)).toMatchObject([{ slot: 1 }]);
      // A new digest takes the next slot, never the removed one's history.
      expect((await store.saveGuildDigest({ ...cloud, name: 'Later' }, T0)).slot).toBe(2);
    });

    it('GIVEN two processes adding digests to one server at once THEN each gets its own slot', async () => {
      const other = await another();
      const saved = await Promise.all(
        ['one', 'two', 'three', 'four'].map((name, i) =>
          (i % 2 ? other : store).saveGuildDigest({ ...ai, name }, T0),
        ),
      );
      expect(new Set(saved.map((digest) => digest.slot)).size).toBe(4);
    });
  });

  describe.skipIf(!backend.available)('feedback votes', () => {
    const vote = {
      guildId: IDS.guild,
      userId: IDS.user,
      articleId: 'a1',
      vote: 1 as const,
      topics: ['AI'],
      provider: 'Wire',
      votedAt: T0,
    };

    it('GIVEN a vote changed by its user THEN one vote per user and article is kept, and the old one is reported', async () => {
      expect(await store.saveVote(vote)).toEqual({ previous: null });
      expect(await store.saveVote({ ...vote, vote: -1, votedAt: T0 + 1 })).toEqual({ previous: 1 });
      await store.saveVote({ ...vote, userId: '400000000000000002', votedAt: T0 + 2 });
      await store.saveVote({ ...vote, guildId: '100000000000000002', votedAt: T0 + 3 });
      expect(await store.listVotes(IDS.guild, 0, 10)).toMatchObject([
        { userId: '400000000000000002', vote: 1, votedAt: T0 + 2 },
        { userId: IDS.user, vote: -1, topics: ['AI'], provider: 'Wire', votedAt: T0 + 1 },
      ]);
      expect(await store.listVotes(IDS.guild, T0 + 2, 10)).toHaveLength(1);
      await expect(store.saveVote({ ...vote, userId: 'not an id' })).rejects.toThrow(StoreValidationError);
    });
  });

  describe.skipIf(!backend.available)('subscriptions', () => {
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
      expect(await store.listSubscriptions(IDS.user)).toEqual([second]);
      expect(await store.getSubscription(first.id)).toEqual(second);
    });

    it('GIVEN several topics THEN they are listed by topic, regardless of case', async () => {
      for (const topic of ['science', 'AI', 'Biology']) {
        await store.saveSubscription({ ...input, topic, topicKey: topic.toLowerCase() }, T0);
      }
      expect((await store.listSubscriptions(IDS.user)).map((sub) => sub.topic)).toEqual([
        'AI',
        'Biology',
        'science',
      ]);
    });

    it('GIVEN a bad zone THEN it is rejected', async () => {
      await expect(store.saveSubscription({ ...input, timeZone: 'Nowhere' }, T0)).rejects.toThrow(
        /time zone/,
      );
    });

    it('GIVEN due guilds and subscriptions THEN listDueTargets returns both, earliest first, unpaused only', async () => {
      await saveDefaultGuild();
      const sub = await store.saveSubscription(input, T0);
      const subRef: DigestTargetRef = { kind: 'subscription', subscriptionId: sub.id };
      expect((await store.listUnscheduledTargets(10)).map((target) => target.kind).sort()).toEqual([
        'guild',
        'subscription',
      ]);
      await store.setNextDueAt(guildRef, T0 + 20, null);
      await store.setNextDueAt(subRef, T0 + 10, null);
      expect(await store.listUnscheduledTargets(10)).toEqual([]);
      expect((await store.listDueTargets(T0 + 30, 10)).map((target) => target.kind)).toEqual([
        'subscription',
        'guild',
      ]);
      expect(await store.listDueTargets(T0 + 15, 10)).toHaveLength(1);
      await store.setSubscriptionPaused(sub.id, true, { kind: 'dms-closed', userId: IDS.user }, T0);
      expect((await store.listDueTargets(T0 + 30, 10)).map((target) => target.kind)).toEqual(['guild']);
      expect(await store.getTarget(subRef)).toMatchObject({ paused: true, kind: 'subscription' });
      expect(await store.deleteSubscription(sub.id)).toBe(true);
      expect(await store.getTarget(subRef)).toBeNull();
    });
  });

  describe.skipIf(!backend.available)('digest runs', () => {
    beforeEach(() => saveDefaultGuild());

    it('GIVEN a claimed run WHEN its owner claims it again THEN the same row comes back, still held', async () => {
      const first = await claim(T0);
      const second = await claim(T0, { now: T0 + 1 });
      expect(first).toMatchObject({ created: true, acquired: true, takenOverFrom: null });
      expect(second).toMatchObject({ created: false, acquired: true, takenOverFrom: null });
      expect(second.run.id).toBe(first.run.id);
      expect(second.run).toMatchObject({
        state: 'claimed',
        nonce: first.run.nonce,
        windowEnd: T0,
        claimedBy: A,
        leaseUntil: T0 + 1 + LEASE,
      });
      expect(first.run.nonce.length).toBeLessThanOrEqual(25);
    });

    it('GIVEN a posted run THEN the message, sent articles and lastDigestAt are recorded once', async () => {
      const { run } = await claim(T0);
      const articles = [
        { articleId: 'a1', storyId: 's1' },
        { articleId: 'a2', storyId: 's2' },
      ];
      expect(
        await store.prepareRun({
          runId: run.id,
          owner: A,
          channelId: IDS.channel,
          articles,
          content: '{"version":1}',
        }),
      ).toBe(true);
      expect(await store.markPostStarted(run.id, IDS.channel, T0 + 2, A)).toBe(true);
      const done = await store.finishRun({
        runId: run.id,
        owner: A,
        state: 'posted',
        channelId: IDS.channel,
        messageId: '42',
        now: T0 + 5,
      });
      expect(done).toMatchObject({ applied: true, consecutiveFailures: 0, paused: false });
      const again = await store.finishRun(failed(run.id));
      expect(again.applied).toBe(false);
      // A second posted or empty finish is refused too, answers the target's status and writes nothing.
      const repost = { runId: run.id, state: 'posted', channelId: IDS.channel, messageId: '43' } as const;
      expect(await store.finishRun({ ...repost, owner: A, now: T0 + 6 })).toMatchObject({
        applied: false,
        consecutiveFailures: 0,
        paused: false,
      });
      expect((await store.finishRun({ runId: run.id, owner: A, state: 'empty', now: T0 + 7 })).applied).toBe(
        false,
      );

      expect(await store.getRun(guildRef, T0)).toMatchObject({
        state: 'posted',
        messageId: '42',
        channelId: IDS.channel,
        articles,
        preparedContent: '{"version":1}',
        postStartedAt: T0 + 2,
        finishedAt: T0 + 5,
      });
      const history = await store.sentArticles(guildRef);
      expect([...history.articleIds].sort()).toEqual(['a1', 'a2']);
      expect([...history.storyIds].sort()).toEqual(['s1', 's2']);
      expect((await store.getGuildDigest(IDS.guild))?.lastDigestAt).toBe(T0);
      expect(await store.latestRun(guildRef, ['posted'])).toMatchObject({ id: run.id });
      expect(await store.latestRun(guildRef, ['failed', 'empty'])).toBeNull();
    });

    it('GIVEN an empty run THEN lastDigestAt advances and nothing is recorded as sent', async () => {
      const { run } = await claim(T0);
      expect(await store.finishRun({ runId: run.id, owner: A, state: 'empty', now: T0 })).toMatchObject({
        applied: true,
      });
      expect((await store.getGuildDigest(IDS.guild))?.lastDigestAt).toBe(T0);
      expect((await store.sentArticles(guildRef)).articleIds.size).toBe(0);
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
        owner: A,
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
      const { run, created, acquired } = await claim(T0);
      expect([created, acquired]).toEqual([false, false]);
      expect(run).toMatchObject({ state: 'skipped', problem: offline });
      expect(await store.latestRun(guildRef)).toMatchObject({ state: 'skipped' });
    });

    it('GIVEN nextDueAt changed by someone else THEN a compare-and-set with the old value does nothing', async () => {
      expect(await store.setNextDueAt(guildRef, T0, null)).toBe(true);
      expect(await store.setNextDueAt(guildRef, T0 + 1, null)).toBe(false);
      expect(await store.setNextDueAt(guildRef, T0 + 1, T0)).toBe(true);
      expect((await store.getGuildDigest(IDS.guild))?.nextDueAt).toBe(T0 + 1);
    });

    it('GIVEN failures, a DM pause and a user pause THEN the rows hold ids as JSON and no Discord markup', async () => {
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
      const { run } = await claim(T0, { ref: subRef });
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

      const rows = (await backend.rawReasons()).filter(Boolean);
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
      expect((await store.getRun(subRef, T0))?.problem).toMatchObject({
        kind: 'dms-closed',
        userId: IDS.user,
      });

      await store.setGuildDigestPaused(IDS.guild, true, { kind: 'paused-by-user', userId: IDS.user }, T0);
      expect(await backend.rawReasons()).toContain(
        JSON.stringify({ kind: 'paused-by-user', userId: IDS.user }),
      );
    });
  });

  describe.skipIf(!backend.available)('claims across processes', () => {
    beforeEach(() => saveDefaultGuild());

    it('GIVEN a live claim by A WHEN B claims the run THEN B does not get it and nothing changes', async () => {
      const b = await another();
      const first = await claim(T0);
      const second = await claim(T0, { owner: B, now: T0 + LEASE - 1, on: b });
      expect(second).toMatchObject({ created: false, acquired: false, takenOverFrom: null });
      expect(second.run).toMatchObject({
        id: first.run.id,
        state: 'claimed',
        claimedBy: A,
        leaseUntil: T0 + LEASE,
      });
      expect(await b.listInterruptedRuns(T0 + LEASE - 1, 10)).toEqual([]);
      // B's writes are fenced off; A's go through.
      expect(await b.renewLease(first.run.id, B, T0 + 10 * LEASE)).toBe(false);
      expect(
        await b.prepareRun({ runId: first.run.id, owner: B, channelId: null, articles: [], content: '{}' }),
      ).toBe(false);
      expect(await b.markPostStarted(first.run.id, IDS.channel, T0, B)).toBe(false);
      expect((await b.finishRun({ runId: first.run.id, owner: B, state: 'empty', now: T0 })).applied).toBe(
        false,
      );
      expect((await b.finishRun({ runId: first.run.id, state: 'empty', now: T0 + LEASE - 1 })).applied).toBe(
        false,
      );
      expect(await store.getRun(guildRef, T0)).toMatchObject({
        state: 'claimed',
        claimedBy: A,
        postStartedAt: null,
      });
    });

    it('GIVEN A renews its lease THEN B still cannot take over after the first lease would have lapsed', async () => {
      const b = await another();
      const { run } = await claim(T0);
      expect(await store.renewLease(run.id, A, T0 + 3 * LEASE)).toBe(true);
      expect((await claim(T0, { owner: B, now: T0 + 2 * LEASE, on: b })).acquired).toBe(false);
      expect(await b.listInterruptedRuns(T0 + 2 * LEASE, 10)).toEqual([]);
      expect((await b.listInterruptedRuns(T0 + 3 * LEASE, 10)).map((each) => each.id)).toEqual([run.id]);
    });

    it('GIVEN A stopped renewing WHEN its lease lapses THEN B takes the run over, and A is fenced off', async () => {
      const b = await another();
      const { run } = await claim(T0);
      expect(
        await store.prepareRun({
          runId: run.id,
          owner: A,
          channelId: IDS.channel,
          articles: [{ articleId: 'a1', storyId: 's1' }],
          content: '{"v":1}',
        }),
      ).toBe(true);
      const interrupted = await b.listInterruptedRuns(T0 + LEASE, 10);
      expect(interrupted).toMatchObject([{ id: run.id, target: guildRef, dueAt: T0, claimedBy: A }]);

      const taken = await claim(T0, { owner: B, now: T0 + LEASE, on: b });
      expect(taken).toMatchObject({ created: false, acquired: true, takenOverFrom: A });
      // What A prepared is kept, so B posts the same content.
      expect(taken.run).toMatchObject({
        claimedBy: B,
        leaseUntil: T0 + 2 * LEASE,
        preparedContent: '{"v":1}',
      });
      expect(await b.listInterruptedRuns(T0 + LEASE, 10)).toEqual([]);

      // A wakes up: every write it tries is refused, so it neither posts nor records.
      expect(await store.renewLease(run.id, A, T0 + 5 * LEASE)).toBe(false);
      expect(await store.markPostStarted(run.id, IDS.channel, T0 + LEASE, A)).toBe(false);
      expect((await store.finishRun(failed(run.id, { now: T0 + LEASE }))).applied).toBe(false);
      expect(
        (
          await store.finishRun({
            runId: run.id,
            owner: B,
            state: 'posted',
            channelId: IDS.channel,
            messageId: '7',
            now: T0 + LEASE,
          })
        ).applied,
      ).toBe(true);
      expect(await store.getRun(guildRef, T0)).toMatchObject({ state: 'posted', messageId: '7' });
    });

    it("GIVEN a lapsed claim THEN a finish without an owner applies (skipping a dead process's run), a live one not", async () => {
      const { run } = await claim(T0);
      const skip = { runId: run.id, state: 'skipped', problem: { kind: 'target-removed' } } as const;
      expect((await store.finishRun({ ...skip, now: T0 + LEASE - 1 })).applied).toBe(false);
      expect((await store.finishRun({ ...skip, now: T0 + LEASE })).applied).toBe(true);
      expect(await store.getRun(guildRef, T0)).toMatchObject({
        state: 'skipped',
        problem: { kind: 'target-removed' },
      });
    });

    it('GIVEN two processes claiming the same new runs at once THEN exactly one gets each', async () => {
      const b = await another();
      const dueTimes = Array.from({ length: 20 }, (_, index) => T0 + index * 60_000);
      const results = await Promise.all(
        dueTimes.flatMap((dueAt) => [claim(dueAt, { owner: A }), claim(dueAt, { owner: B, on: b })]),
      );
      for (let index = 0; index < dueTimes.length; index++) {
        const pair = [results[2 * index]!, results[2 * index + 1]!];
        expect(pair.filter((result) => result.acquired)).toHaveLength(1);
        expect(pair.filter((result) => result.created)).toHaveLength(1);
        expect(pair[0]!.run.id).toBe(pair[1]!.run.id);
        const winner = pair.find((result) => result.acquired)!;
        expect((await store.getRun(guildRef, dueTimes[index]!))?.claimedBy).toBe(winner.run.claimedBy);
      }
    });

    it('GIVEN four processes taking over the same lapsed runs at once THEN exactly one gets each', async () => {
      const others = await Promise.all([another(), another(), another(), another()]);
      const owners = ['p1:1:1', 'p2:2:2', 'p3:3:3', 'p4:4:4'];
      const dueTimes = Array.from({ length: 10 }, (_, index) => T0 + index * 60_000);
      for (const dueAt of dueTimes) await claim(dueAt, { owner: A, now: T0 });
      const later = T0 + LEASE + 1;
      const attempts = await Promise.all(
        dueTimes.flatMap((dueAt) =>
          others.map((other, index) => claim(dueAt, { owner: owners[index]!, now: later, on: other })),
        ),
      );
      for (let index = 0; index < dueTimes.length; index++) {
        const round = attempts.slice(index * 4, index * 4 + 4);
        const winners = round.filter((result) => result.acquired);
        expect(winners).toHaveLength(1);
        expect(winners[0]).toMatchObject({ created: false, takenOverFrom: A });
        const stored = await store.getRun(guildRef, dueTimes[index]!);
        expect(stored?.claimedBy).toBe(winners[0]!.run.claimedBy);
        expect(stored?.leaseUntil).toBe(later + LEASE);
      }
    });

    it('GIVEN many runs THEN listInterruptedRuns returns only lapsed claims, oldest first, up to the limit', async () => {
      await claim(T0 + 2, { now: T0 + 2 });
      await claim(T0 + 1, { now: T0 + 1 });
      const done = await claim(T0 + 3, { now: T0 });
      await store.finishRun({ runId: done.run.id, owner: A, state: 'empty', now: T0 });
      await claim(T0 + 4, { now: T0 + 100 });
      const lapsed = await store.listInterruptedRuns(T0 + LEASE + 2, 10);
      expect(lapsed.map((run) => run.dueAt)).toEqual([T0 + 1, T0 + 2]);
      expect((await store.listInterruptedRuns(T0 + LEASE + 2, 1)).map((run) => run.dueAt)).toEqual([T0 + 1]);
    });
  });
});
