/**
 * What only the Postgres store has: migrations under an advisory lock, statement timeouts, a pool closed
 * cleanly, `FOR UPDATE SKIP LOCKED` takeovers, and credentials that never reach a message or a log.
 */

import pg from 'pg';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

import { describeDatabaseUrl, redactSecrets } from '../src/store/databaseUrl.ts';
import { openStore, StoreUnavailableError } from '../src/store/openStore.ts';
import { POSTGRES_MIGRATIONS } from '../src/store/postgresMigrations.ts';
import { PostgresStore } from '../src/store/postgresStore.ts';
import { SqliteStore } from '../src/store/sqliteStore.ts';
import type { DigestTargetRef, Store } from '../src/store/types.ts';
import { IDS, makeTempDir } from './digest-support/harness.ts';
import { createTestDatabase, type TestDatabase } from './support/postgres.ts';
import { freeLoopbackPort } from './support/ports.ts';

const T0 = Date.UTC(2025, 5, 2, 7, 0);
const guildRef: DigestTargetRef = { kind: 'guild', guildId: IDS.guild };
const PASSWORD = 's3cr#t/p@ss:word';
const ENCODED_PASSWORD = encodeURIComponent(PASSWORD);

const probe = await createTestDatabase('store-postgres');
const databases: TestDatabase[] = probe ? [probe] : [];
const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});
afterAll(async () => {
  for (const database of databases) await database.drop();
});

async function freshDatabase(label: string): Promise<TestDatabase> {
  const database = await createTestDatabase(label);
  if (!database) throw new Error('Postgres went away');
  databases.push(database);
  return database;
}

async function opened(url: string, options: Parameters<typeof PostgresStore.open>[1] = {}) {
  const store = await PostgresStore.open(url, options);
  stores.push(store);
  return store;
}

async function raw<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function capturingLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(line) });
  return { logger, text: () => lines.join('') };
}

describe('DATABASE_URL in words (no Postgres needed)', () => {
  it('GIVEN a URL with user and password THEN it is described as host:port/database only', () => {
    expect(describeDatabaseUrl(`postgres://bot:${ENCODED_PASSWORD}@db.example.com:6543/broadsheet`)).toBe(
      'db.example.com:6543/broadsheet',
    );
    expect(describeDatabaseUrl('postgresql://db.example.com/news')).toBe('db.example.com:5432/news');
    expect(describeDatabaseUrl('not a url')).toBe('(unparsable URL)');
  });

  it('GIVEN text echoing the URL or the password THEN both are masked, encoded or not', () => {
    const url = `postgres://bot:${ENCODED_PASSWORD}@db.example.com/broadsheet`;
    const text = `failed for ${url}; password was ${PASSWORD} (${ENCODED_PASSWORD})`;
    const redacted = redactSecrets(text, url);
    expect(redacted).not.toContain(PASSWORD);
    expect(redacted).not.toContain(ENCODED_PASSWORD);
    expect(redacted).toContain('postgres://bot:***@db.example.com/broadsheet');
  });
});

describe('openStore (no Postgres needed)', () => {
  it('GIVEN no DATABASE_URL THEN it opens SQLite in DATA_DIR and logs where', async () => {
    const dir = makeTempDir();
    const { logger, text } = capturingLogger();
    const store = await openStore({ DATA_DIR: dir }, logger);
    stores.push(store);
    expect(store).toBeInstanceOf(SqliteStore);
    expect(text()).toContain('"kind":"sqlite"');
    expect(text()).toContain(`${dir}/broadsheet.db`);
  });

  it('GIVEN an unreachable Postgres with a password in the URL THEN the error names host:port/db and never the password', async () => {
    const port = await freeLoopbackPort();
    const url = `postgres://bot:${ENCODED_PASSWORD}@127.0.0.1:${port}/broadsheet`;
    const { logger, text } = capturingLogger();
    const error = await openStore({ DATABASE_URL: url, DATA_DIR: makeTempDir() }, logger).then(
      () => null,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain(`127.0.0.1:${port}/broadsheet`);
    expect(message).toMatch(/ECONNREFUSED/);
    expect(message).toContain('Check DATABASE_URL');
    for (const secret of [PASSWORD, ENCODED_PASSWORD, 'bot:']) {
      expect(message).not.toContain(secret);
      expect((error as Error).stack).not.toContain(secret);
      expect(text()).not.toContain(secret);
    }
  });
});

describe.skipIf(!probe)('PostgresStore: migrations', () => {
  it('GIVEN a fresh database THEN each migration is applied once and recorded; reopening applies none', async () => {
    const database = await freshDatabase('migrations');
    await (await opened(database.url)).close();
    await (await opened(database.url)).close();
    const { versions, tables } = await raw(database.url, async (client) => ({
      versions: (
        await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
      ).rows.map((row) => row.version),
      tables: (
        await client.query<{ tablename: string }>(
          "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        )
      ).rows.map((row) => row.tablename),
    }));
    expect(versions).toEqual(POSTGRES_MIGRATIONS.map((_, index) => index + 1));
    expect(tables).toEqual([
      'digest_runs',
      'feedback_votes',
      'guild_digests',
      'schema_migrations',
      'sent_articles',
      'subscriptions',
    ]);
  });

  it('GIVEN a version-1 database with one digest, its runs and history THEN it becomes digest 1 "daily" with all of them', async () => {
    const database = await freshDatabase('migrations-digests');
    await raw(database.url, async (client) => {
      await client.query(
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
      );
      await client.query(POSTGRES_MIGRATIONS[0]!);
      await client.query('INSERT INTO schema_migrations (version) VALUES (1)');
      await client.query(
        `INSERT INTO guild_digests (guild_id, channel_id, time, time_zone, topics, last_digest_at, created_at, updated_at)
         VALUES ($1, $2, '09:00', 'Europe/Berlin', '["AI"]', $3, 0, 0)`,
        [IDS.guild, IDS.channel, T0],
      );
      await client.query(
        `INSERT INTO digest_runs (id, target, due_at, state, nonce, window_start, window_end, channel_id,
           message_id, articles, claimed_at, finished_at)
         VALUES (7, 'guild:' || $1, $2, 'posted', 'n1', 0, $2, $3, '300000000000000001',
           '[{"articleId":"a","storyId":"s"}]', $2, $2)`,
        [IDS.guild, T0, IDS.channel],
      );
      await client.query(
        `INSERT INTO sent_articles (target, article_id, story_id, sent_at, run_id) VALUES ('guild:' || $1, 'a', 's', $2, 7)`,
        [IDS.guild, T0],
      );
    });
    const store = await opened(database.url);
    expect(await store.listGuildDigests(IDS.guild)).toMatchObject([
      { slot: 1, name: 'daily', delivery: 'message', allowRepeats: false, topics: ['AI'], lastDigestAt: T0 },
    ]);
    expect(await store.latestRun(guildRef, ['posted'])).toMatchObject({
      id: 7,
      messageId: '300000000000000001',
    });
    expect([...(await store.sentArticles(guildRef)).articleIds]).toEqual(['a']);
    const second = await store.saveGuildDigest(
      { guildId: IDS.guild, name: 'Cloud', channelId: IDS.channel, time: '18:00', timeZone: 'UTC' },
      T0,
    );
    expect(second).toMatchObject({ slot: 2, name: 'Cloud' });
    expect((await store.sentArticles({ kind: 'guild', guildId: IDS.guild, slot: 2 })).articleIds.size).toBe(
      0,
    );
  });

  it('GIVEN six processes starting on a fresh database at once THEN all open and each migration runs once', async () => {
    const database = await freshDatabase('migrations-race');
    const all = await Promise.all(Array.from({ length: 6 }, () => opened(database.url)));
    await all[0]!.saveGuildDigest(
      { guildId: IDS.guild, channelId: IDS.channel, time: '09:00', timeZone: 'UTC' },
      T0,
    );
    for (const store of all)
      expect(await store.getGuildDigest(IDS.guild)).toMatchObject({ channelId: IDS.channel });
    const counts = await raw(database.url, (client) =>
      client.query<{ version: number; count: number }>(
        'SELECT version, count(*)::integer AS count FROM schema_migrations GROUP BY version ORDER BY version',
      ),
    );
    expect(counts.rows).toEqual(POSTGRES_MIGRATIONS.map((_, index) => ({ version: index + 1, count: 1 })));
  });

  it('GIVEN a database migrated by a newer build THEN opening fails with a clear message', async () => {
    const database = await freshDatabase('migrations-newer');
    await (await opened(database.url)).close();
    await raw(database.url, (client) =>
      client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [POSTGRES_MIGRATIONS.length + 1]),
    );
    await expect(PostgresStore.open(database.url)).rejects.toThrow(/newer than this build knows/);
    await expect(openStore({ DATABASE_URL: database.url, DATA_DIR: makeTempDir() })).rejects.toThrow(
      StoreUnavailableError,
    );
  });
});

describe.skipIf(!probe)('PostgresStore: connections', () => {
  it('GIVEN DATABASE_URL THEN openStore opens Postgres and logs the database without credentials', async () => {
    const url = new URL(probe!.url);
    url.username = 'postgres';
    url.password = PASSWORD; // the test server trusts loopback: any password is accepted, and must not show
    const { logger, text } = capturingLogger();
    const store = await openStore({ DATABASE_URL: url.toString(), DATA_DIR: makeTempDir() }, logger);
    stores.push(store);
    expect(store).toBeInstanceOf(PostgresStore);
    expect(text()).toContain(`"database":"${describeDatabaseUrl(probe!.url)}"`);
    expect(text()).not.toContain(ENCODED_PASSWORD);
    expect(text()).not.toContain(PASSWORD);
  });

  it('GIVEN a database that does not exist THEN the error names it and not the password', async () => {
    const url = new URL(probe!.url);
    url.pathname = '/no_such_database';
    url.password = PASSWORD;
    const error = await PostgresStore.open(url.toString()).then(
      () => new Error('opened a database that does not exist'),
      (failure: unknown) => failure as Error,
    );
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error.message).toContain(`${url.hostname}:${url.port}/no_such_database`);
    expect(error.message).toMatch(/does not exist/);
    expect(error.message).not.toContain(PASSWORD);
    expect(error.message).not.toContain(ENCODED_PASSWORD);
  });

  it('GIVEN a row locked by another process THEN a statement waiting on it is cancelled after the statement timeout', async () => {
    const store = await opened(probe!.url, { statementTimeoutMs: 300 });
    await store.saveGuildDigest(
      { guildId: IDS.guild, channelId: IDS.channel, time: '09:00', timeZone: 'UTC' },
      T0,
    );
    const { run } = await store.claimRun({
      target: guildRef,
      dueAt: T0,
      nonce: 'n',
      windowStart: 0,
      windowEnd: T0,
      now: T0,
      owner: 'a',
      leaseUntil: T0 + 1000,
    });
    const locker = new pg.Client({ connectionString: probe!.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT id FROM digest_runs WHERE id = $1 FOR UPDATE', [run.id]);
      const started = Date.now();
      await expect(store.finishRun({ runId: run.id, owner: 'a', state: 'empty', now: T0 })).rejects.toThrow(
        /statement timeout/,
      );
      expect(Date.now() - started).toBeLessThan(10_000);
      // A takeover does not wait for the lock either: it skips the row another process is busy with.
      const attempt = await store.claimRun({
        target: guildRef,
        dueAt: T0,
        nonce: 'n',
        windowStart: 0,
        windowEnd: T0,
        now: T0 + 2000,
        owner: 'b',
        leaseUntil: T0 + 3000,
      });
      expect(attempt).toMatchObject({ acquired: false, run: { claimedBy: 'a' } });
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await store.finishRun({ runId: run.id, owner: 'a', state: 'empty', now: T0 })).applied).toBe(
      true,
    );
  });

  it('GIVEN a closed store THEN closing again is harmless and no connection is left behind', async () => {
    const database = await freshDatabase('close');
    const store = await PostgresStore.open(database.url, { poolSize: 3 });
    await Promise.all([1, 2, 3].map(() => store.getGuildDigest(IDS.guild)));
    const connected = () =>
      raw(database.url, async (client) => {
        const { rows } = await client.query<{ count: number }>(
          "SELECT count(*)::integer AS count FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'broadsheet'",
        );
        return rows[0]!.count;
      });
    expect(await connected()).toBeGreaterThan(0);
    await store.close();
    await store.close();
    expect(await connected()).toBe(0);
    await expect(store.getGuildDigest(IDS.guild)).rejects.toThrow();
  });
});
