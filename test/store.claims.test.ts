/**
 * Claims across processes, end to end through the runner and the scheduler: each "process" is a digest
 * module with its own store instance on one database (SQLite file, Postgres database) and its own claim
 * owner, posting to a loopback Discord fake. A process at work renews its lease and keeps its run; one that
 * stopped is taken over, once, after its lease lapses; one stopped mid-retry hands over at once.
 */
import fs from 'node:fs';
import path from 'node:path';

import { REST } from '@discordjs/rest';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createDigestModule, type DigestModule } from '../src/digest/digests.ts';
import { digestNonce } from '../src/digest/nonce.ts';
import type { CrashPointName } from '../src/digest/protocol.ts';
import { createDiscordDelivery } from '../src/discord/discordDelivery.ts';
import { PostgresStore } from '../src/store/postgresStore.ts';
import { SqliteStore } from '../src/store/sqliteStore.ts';
import { targetKey, type DigestTargetRef, type Store } from '../src/store/types.ts';
import { engineOver, makeCorpus, renderDigest } from './digest-support/corpus.ts';
import { FAILURES, startFakeDiscord, type FakeDiscord } from './digest-support/fakeDiscord.ts';
import { FakeClock, IDS, makeTempDir } from './digest-support/harness.ts';
import { createTestDatabase } from './support/postgres.ts';
import { eventuallyAsync } from './support/processes.ts';

/** The lease, on the fake clock; the heartbeat beats every third of it in real time (300 ms). */
const LEASE_MS = 900;
const DUE_AT = Date.UTC(2025, 5, 2, 7, 0);
const guildRef: DigestTargetRef = { kind: 'guild', guildId: IDS.guild };
const NONCE = digestNonce(targetKey(guildRef), DUE_AT);
const engine = engineOver(makeCorpus({ start: Date.UTC(2025, 4, 20), count: 24 * 20 }));

const postgres = await createTestDatabase('store-claims');
afterAll(async () => {
  await postgres?.drop();
});

interface Process {
  name: string;
  store: Store;
  digests: DigestModule;
  /** The retry waits it asked for. */
  sleeps: number[];
}

let fake: FakeDiscord;
let clock: FakeClock;
const processes: Process[] = [];

beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  clock = new FakeClock(DUE_AT);
});
afterEach(async () => {
  fake.onMessageCreated = undefined;
  for (const each of processes.splice(0)) {
    await each.digests.stop();
    await each.store.close();
  }
});

/** Claims and leases move on timers of their own: poll often, and allow a loaded machine time. */
const CLAIM_WAIT_MS = 10_000;

const messagePosts = () =>
  fake.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/messages'));

interface Backend {
  name: 'sqlite' | 'postgres';
  available: boolean;
  fresh(): Promise<() => Promise<Store>>;
}

let sqliteDir = '';
let postgresMigrated = false;
const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    available: true,
    async fresh() {
      if (sqliteDir) fs.rmSync(sqliteDir, { recursive: true, force: true });
      sqliteDir = makeTempDir();
      const dbPath = path.join(sqliteDir, 'broadsheet.db');
      return async () => new SqliteStore(dbPath);
    },
  },
  {
    name: 'postgres',
    available: postgres !== null,
    async fresh() {
      const url = postgres!.url;
      // One database for the file, migrated by the first open; emptied (rows only) between tests.
      if (!postgresMigrated) await (await PostgresStore.open(url)).close();
      postgresMigrated = true;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('TRUNCATE guild_digests, subscriptions, digest_runs, sent_articles');
      await client.end();
      return () => PostgresStore.open(url);
    },
  },
];

describe.each(BACKENDS)('Claims across processes ($name)', (backend) => {
  let openStore: () => Promise<Store>;

  beforeEach(async () => {
    if (!backend.available) return;
    openStore = await backend.fresh();
    const setup = await openStore();
    await setup.saveGuildDigest(
      { guildId: IDS.guild, channelId: IDS.channel, time: '09:00', timeZone: 'Europe/Berlin' },
      clock.now(),
    );
    await setup.setNextDueAt(guildRef, DUE_AT, null);
    await setup.close();
  });
  afterAll(() => {
    if (sqliteDir) fs.rmSync(sqliteDir, { recursive: true, force: true });
  });

  async function start(
    name: string,
    options: { crashAt?: CrashPointName; sleep?: (ms: number) => Promise<void> } = {},
  ): Promise<Process> {
    const store = await openStore();
    const sleeps: number[] = [];
    const rest = new REST({ api: fake.api, retries: 0, timeout: 10_000 }).setToken('x');
    const digests = createDigestModule({
      store,
      delivery: createDiscordDelivery({ rest, render: renderDigest }),
      engine: () => engine,
      now: clock.now,
      claimOwner: `${name}:1:test`,
      claimTimeoutMs: LEASE_MS,
      retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 1 },
      sleep: options.sleep ?? (async (ms) => void sleeps.push(ms)),
      cronExpression: '0 0 0 1 1 *', // never: the test ticks
      ...(options.crashAt && {
        crashPoint: (point: CrashPointName) => {
          if (point === options.crashAt) throw new Error(`${name} stops at ${point}`);
        },
      }),
    });
    const started = { name, store, digests, sleeps };
    processes.push(started);
    return started;
  }

  it.skipIf(!backend.available)(
    'GIVEN process A still posting past its first lease THEN its heartbeat keeps the run, B leaves it alone, one post',
    async () => {
      let answer!: () => void;
      const answered = new Promise<void>((resolve) => (answer = resolve));
      fake.onMessageCreated = () => answered;
      const a = await start('a');
      const b = await start('b');

      const posting = a.digests.runner.runDue(guildRef, DUE_AT);
      await eventuallyAsync(
        async () => fake.messagesWithNonce(NONCE).length === 1,
        "A's post reaching Discord",
        CLAIM_WAIT_MS,
        25,
      );
      const claimedAt = (await b.store.getRun(guildRef, DUE_AT))!;
      expect(claimedAt).toMatchObject({ state: 'claimed', claimedBy: 'a:1:test' });

      // Well past the lease A took: without renewals B would now take the run over.
      clock.advance(3 * LEASE_MS);
      await eventuallyAsync(
        async () => (await b.store.getRun(guildRef, DUE_AT))!.leaseUntil > clock.now(),
        "A's heartbeat renewing its lease",
        CLAIM_WAIT_MS,
        25,
      );
      expect(await b.digests.runner.runDue(guildRef, DUE_AT)).toMatchObject({
        state: 'claimed-elsewhere',
        owner: 'a:1:test',
      });
      expect((await b.digests.scheduler.tick()).runs).toMatchObject([{ state: 'claimed-elsewhere' }]);
      expect(await b.store.listInterruptedRuns(clock.now(), 10)).toEqual([]);

      answer();
      expect(await posting).toMatchObject({ state: 'posted', resumed: false });
      expect(await b.digests.runner.runDue(guildRef, DUE_AT)).toMatchObject({
        state: 'already-finished',
        previous: 'posted',
      });
      expect(messagePosts()).toHaveLength(1);
      expect(fake.messages).toHaveLength(1);
      expect(await b.store.getRun(guildRef, DUE_AT)).toMatchObject({
        state: 'posted',
        messageId: fake.messages[0]!.id,
      });
    },
  );

  it.skipIf(!backend.available)(
    'GIVEN process A stopped after preparing THEN B and C leave it until its lease lapses, then exactly one takes it over and posts once',
    async () => {
      const a = await start('a', { crashAt: 'after-select' });
      await expect(a.digests.runner.runDue(guildRef, DUE_AT)).rejects.toThrow(/stops at after-select/);
      const prepared = (await a.store.getRun(guildRef, DUE_AT))!;
      expect(prepared).toMatchObject({ state: 'claimed', claimedBy: 'a:1:test' });
      expect(prepared.preparedContent).not.toBeNull();

      const b = await start('b');
      const c = await start('c');
      clock.set(prepared.leaseUntil - 1);
      const early = await Promise.all([b.digests.scheduler.tick(), c.digests.scheduler.tick()]);
      // Whichever ticks first finds the target due and leaves the run to A (the other may find it scheduled on).
      const earlyStates = early.flatMap((report) => report.runs.map((run) => run.state));
      expect(earlyStates.length).toBeGreaterThanOrEqual(1);
      expect(new Set(earlyStates)).toEqual(new Set(['claimed-elsewhere']));
      expect(fake.messages).toHaveLength(0);

      clock.set(prepared.leaseUntil);
      const late = await Promise.all([b.digests.scheduler.tick(), c.digests.scheduler.tick()]);
      const states = late.flatMap((report) => report.runs.map((run) => run.state)).sort();
      expect(states.filter((state) => state === 'posted')).toHaveLength(1);
      expect(
        states.every((state) => ['posted', 'claimed-elsewhere', 'already-finished'].includes(state)),
      ).toBe(true);
      expect(messagePosts()).toHaveLength(1);
      const run = (await b.store.getRun(guildRef, DUE_AT))!;
      expect(run).toMatchObject({ state: 'posted', messageId: fake.messages[0]!.id });
      expect(['b:1:test', 'c:1:test']).toContain(run.claimedBy);
      // The articles A selected are the ones posted and recorded.
      expect(run.articles).toEqual(prepared.articles);
      expect((await c.store.sentArticles(guildRef)).articleIds.size).toBe(prepared.articles.length);
    },
  );

  it.skipIf(!backend.available)(
    "GIVEN a started scheduler that met a stopped process's live claim THEN it takes the run over once the lease lapses, without waiting for a cron tick",
    async () => {
      const a = await start('a', { crashAt: 'after-select' });
      await expect(a.digests.runner.runDue(guildRef, DUE_AT)).rejects.toThrow(/stops at after-select/);
      const prepared = (await a.store.getRun(guildRef, DUE_AT))!;

      const b = await start('b');
      clock.set(prepared.leaseUntil - 1);
      const first = await b.digests.start(); // its ticker never fires in this test
      expect(first.runs).toMatchObject([{ state: 'claimed-elsewhere', leaseUntil: prepared.leaseUntil }]);
      expect(fake.messages).toHaveLength(0);

      clock.set(prepared.leaseUntil); // the lease lapses; nothing but B's own re-check ticks now
      await eventuallyAsync(
        async () => (await b.store.getRun(guildRef, DUE_AT))!.state === 'posted',
        'B to take over',
        CLAIM_WAIT_MS,
        25,
      );
      expect(messagePosts()).toHaveLength(1);
      expect((await b.store.getRun(guildRef, DUE_AT))!.claimedBy).toBe('b:1:test');
    },
  );

  it.skipIf(!backend.available)(
    'GIVEN process A shutting down while retrying an outage THEN it releases its claim and B posts at once, without waiting for the lease',
    async () => {
      fake.failChannel(IDS.channel, FAILURES.unavailable);
      const a: Process = await start('a', {
        // A shutdown arrives while A waits to retry.
        sleep: async () => {
          void a.digests.runner.drain();
        },
      });
      expect(await a.digests.runner.runDue(guildRef, DUE_AT)).toMatchObject({ state: 'interrupted' });
      const left = (await a.store.getRun(guildRef, DUE_AT))!;
      expect(left).toMatchObject({ state: 'claimed', claimedBy: 'a:1:test', leaseUntil: clock.now() });

      fake.clearFailures();
      const b = await start('b');
      // Resumed by the tick's recovery; the tick then finds the due time already run.
      expect((await b.digests.scheduler.tick()).runs).toMatchObject([
        { state: 'posted', resumed: true },
        { state: 'already-finished', previous: 'posted' },
      ]);
      expect(fake.messages).toHaveLength(1);
      expect(await b.store.getRun(guildRef, DUE_AT)).toMatchObject({
        state: 'posted',
        claimedBy: 'b:1:test',
      });
    },
  );
});
