/** What only the SQLite store has: its file, its pragmas, and its migrations from older builds. */
import fs from 'node:fs';
import path from 'node:path';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { MIGRATIONS } from '../src/store/migrations.ts';
import { DATABASE_FILE_NAME, SqliteStore } from '../src/store/sqliteStore.ts';
import { targetKey, type DigestTargetRef } from '../src/store/types.ts';
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

/** A database left by a build that knew only the first `version` migrations. */
function databaseAtVersion(version: number): Database.Database {
  const db = new Database(path.join(dir, DATABASE_FILE_NAME));
  for (const sql of MIGRATIONS.slice(0, version)) db.exec(sql);
  db.pragma(`user_version = ${version}`);
  return db;
}

async function replaceDatabase(version: number, fill: (db: Database.Database) => void): Promise<void> {
  await store.close();
  fs.rmSync(path.join(dir, DATABASE_FILE_NAME));
  const db = databaseAtVersion(version);
  fill(db);
  db.close();
  store = SqliteStore.openInDataDir(dir);
}

describe('SqliteStore: opening', () => {
  it('GIVEN a new data dir THEN it creates broadsheet.db in WAL mode with the schema and the lease columns', () => {
    const db = new Database(path.join(dir, DATABASE_FILE_NAME), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const tables = db
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => row.name);
    expect(tables).toEqual([
      'digest_runs',
      'feedback_votes',
      'guild_digests',
      'sent_articles',
      'subscriptions',
    ]);
    const columns = db
      .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('digest_runs')")
      .all()
      .map((row) => row.name);
    expect(columns).toEqual(expect.arrayContaining(['claimed_by', 'lease_until']));
    db.close();
  });

  it('GIVEN an existing database THEN reopening keeps the data and does not re-run migrations', async () => {
    await store.saveGuildDigest(
      { guildId: IDS.guild, channelId: IDS.channel, time: '09:00', timeZone: 'UTC' },
      T0,
    );
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

describe('SqliteStore: migrations from older builds', () => {
  it('GIVEN a version-1 database with plain-text reasons THEN the migration turns them into data', async () => {
    await replaceDatabase(1, (db) => {
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
    });
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

  it('GIVEN a version-3 database with one digest, its runs and history THEN it becomes digest 1 "daily" with all of them, and a second digest is separate', async () => {
    await replaceDatabase(3, (db) => {
      db.prepare(
        `INSERT INTO guild_digests (guild_id, channel_id, time, time_zone, topics, last_digest_at, created_at,
           updated_at)
         VALUES (?, ?, '09:00', 'Europe/Berlin', '["AI"]', ?, 0, 0)`,
      ).run(IDS.guild, IDS.channel, T0);
      db.prepare(
        `INSERT INTO digest_runs (id, target, due_at, state, nonce, window_start, window_end, channel_id,
           message_id, articles, claimed_at, finished_at)
         VALUES (7, ?, ?, 'posted', 'n1', 0, ?, ?, '300000000000000001', '[{"articleId":"a","storyId":"s"}]', ?, ?)`,
      ).run(targetKey(guildRef), T0, T0, IDS.channel, T0, T0);
      db.prepare(
        `INSERT INTO digest_runs (target, due_at, state, nonce, window_start, window_end, claimed_at,
           claimed_by, lease_until)
         VALUES (?, ?, 'claimed', 'n2', ?, ?, ?, 'old:1:1', 0)`,
      ).run(targetKey(guildRef), T0 + 86_400_000, T0, T0 + 86_400_000, T0);
      db.prepare(
        `INSERT INTO sent_articles (target, article_id, story_id, sent_at, run_id) VALUES (?, 'a', 's', ?, 7)`,
      ).run(targetKey(guildRef), T0);
    });
    const [migrated, ...others] = await store.listGuildDigests(IDS.guild);
    expect(others).toEqual([]);
    expect(migrated).toMatchObject({
      slot: 1,
      name: 'daily',
      delivery: 'message',
      allowRepeats: false,
      channelId: IDS.channel,
      topics: ['AI'],
      lastDigestAt: T0,
    });
    expect(await store.latestRun(guildRef, ['posted'])).toMatchObject({
      id: 7,
      messageId: '300000000000000001',
    });
    expect([...(await store.sentArticles(guildRef)).articleIds]).toEqual(['a']);
    expect(await store.listInterruptedRuns(T0 + 86_400_000, 10)).toMatchObject([
      { target: guildRef, nonce: 'n2' },
    ]);

    const second = await store.saveGuildDigest(
      { guildId: IDS.guild, name: 'Cloud', channelId: IDS.channel, time: '18:00', timeZone: 'UTC' },
      T0,
    );
    expect(second).toMatchObject({ slot: 2, name: 'Cloud' });
    const secondRef = { kind: 'guild', guildId: IDS.guild, slot: 2 } as const;
    expect((await store.sentArticles(secondRef)).articleIds.size).toBe(0);
    expect(await store.latestRun(secondRef)).toBeNull();
  });

  it('GIVEN a version-2 database with a run left claimed THEN it has no owner and a lapsed lease, so any process resumes it', async () => {
    await replaceDatabase(2, (db) => {
      db.prepare(
        `INSERT INTO guild_digests (guild_id, channel_id, time, time_zone, created_at, updated_at)
         VALUES (?, ?, '09:00', 'UTC', 0, 0)`,
      ).run(IDS.guild, IDS.channel);
      db.prepare(
        `INSERT INTO digest_runs (target, due_at, state, nonce, window_start, window_end, claimed_at)
         VALUES (?, ?, 'claimed', 'n', ?, ?, ?)`,
      ).run(targetKey(guildRef), T0, T0 - 86_400_000, T0, T0);
    });
    expect(await store.listInterruptedRuns(T0, 10)).toMatchObject([
      { dueAt: T0, claimedBy: null, leaseUntil: 0 },
    ]);
    const resumed = await store.claimRun({
      target: guildRef,
      dueAt: T0,
      nonce: 'n',
      windowStart: 0,
      windowEnd: T0,
      now: T0 + 1,
      owner: 'new:1:1',
      leaseUntil: T0 + 60_000,
    });
    expect(resumed).toMatchObject({ created: false, acquired: true, takenOverFrom: null });
    expect(resumed.run).toMatchObject({ claimedBy: 'new:1:1', windowEnd: T0 });
  });

  it('GIVEN a reason stored as plain text after the migration (a hand edit) THEN it reads back as text', async () => {
    await store.saveGuildDigest(
      { guildId: IDS.guild, channelId: IDS.channel, time: '09:00', timeZone: 'UTC' },
      T0,
    );
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
