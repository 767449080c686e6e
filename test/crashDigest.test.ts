/**
 * Kills a real bot process (SIGKILL) at every crash point of a digest run, restarts a clean process on
 * the same database (a SQLite file, and a Postgres database when one is available), and checks against the
 * Discord API emulator that every run posted exactly one message and recorded it: no duplicates, nothing
 * lost. A restart takes the dead process's claim over once its lease (20 s on the children's clock) lapsed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { digestNonce } from '../src/digest/nonce.ts';
import { CRASH_POINTS, type CrashPointName } from '../src/digest/protocol.ts';
import { PostgresStore } from '../src/store/postgresStore.ts';
import { SqliteStore } from '../src/store/sqliteStore.ts';
import { targetKey, type DigestTargetRef, type Store } from '../src/store/types.ts';
import type { CrashChildConfig } from './digest-support/crashChild.ts';
import { crashDueAt } from './digest-support/crashScenario.ts';
import { IDS, makeTempDir } from './digest-support/harness.ts';
import { startWireTap, type WireTap } from './digest-support/wireTap.ts';
import { startEmulator, type Emulator } from './emulator/index.ts';
import { createTestDatabase, postgresAvailable } from './support/postgres.ts';

const CHILD = path.join(import.meta.dirname, 'digest-support', 'crashChild.ts');
/** Days of June each scenario runs; scenarios use different days (same channels, so distinct nonces). */
const DAYS_PER_SCENARIO = 4;

/** Where a scenario's processes keep their digests: a database each, and how a child is pointed at it. */
interface Backend {
  name: 'sqlite' | 'postgres';
  /** Days per kill point (Postgres repeats fewer: the store contract tests cover the rest). */
  days: number;
  /**
   * Both backends' scenarios post to the same channels with the same target keys: each uses its own days
   * (so its own nonces). SQLite takes the first four days of each five, Postgres the fifth.
   */
  firstDayOffset: number;
  create(): Promise<{
    open(): Promise<Store>;
    child: Pick<CrashChildConfig, 'dbPath' | 'databaseUrl'>;
    drop(): Promise<void>;
  }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    days: DAYS_PER_SCENARIO,
    firstDayOffset: 0,
    async create() {
      const dir = makeTempDir();
      const dbPath = path.join(dir, 'broadsheet.db');
      return {
        open: async () => new SqliteStore(dbPath),
        child: { dbPath },
        drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    days: 1,
    firstDayOffset: DAYS_PER_SCENARIO,
    async create() {
      const db = await createTestDatabase('crash-digest');
      if (!db) throw new Error('Postgres went away');
      return {
        open: () => PostgresStore.open(db.url),
        child: { dbPath: '', databaseUrl: db.url },
        drop: db.drop,
      };
    },
  },
];
const withPostgres = await postgresAvailable('crash-digest');
/** Every crash point, plus a kill while the post is on the wire (Discord created it, no answer yet). */
const KILL_POINTS = [...CRASH_POINTS, 'mid-post'] as const;
type KillPoint = (typeof KILL_POINTS)[number];

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

let emulator: Emulator;
let tap: WireTap;
const newTally = () => ({ killPoints: 0, processesKilled: 0, runs: 0, duplicates: 0, losses: 0 });
const tallies = { sqlite: newTally(), postgres: newTally() };

beforeAll(async () => {
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
        members: [{ user: IDS.user }],
      },
    ],
  });
  tap = await startWireTap(emulator.apiUrl);
});
afterAll(async () => {
  await tap.close();
  await emulator.close();
  console.log(`crash test: ${JSON.stringify(tallies)}`);
});

function runChild(config: Omit<CrashChildConfig, 'api' | 'token'>, killOnWire = false): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const full: CrashChildConfig = { ...config, api: tap.api, token: emulator.token };
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, CRASH_CHILD: JSON.stringify(full) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    if (killOnWire) {
      tap.onMessageCreated = async () => {
        child.kill('SIGKILL');
        await exited;
      };
    }
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      tap.onMessageCreated = undefined;
      resolve({ code, signal, stderr });
    });
  });
}

async function seedTargets(store: Store, firstDay: number): Promise<DigestTargetRef[]> {
  const now = crashDueAt(firstDay - 1) + 3_600_000;
  await store.saveGuildDigest(
    { guildId: IDS.guild, channelId: IDS.channel, time: '09:00', timeZone: 'Europe/Berlin', size: 5 },
    now,
  );
  const subscription = await store.saveSubscription(
    {
      userId: IDS.user,
      topic: 'Science',
      topicKey: 'science',
      time: '09:00',
      timeZone: 'Europe/Berlin',
      originChannelId: IDS.originChannel,
    },
    now,
  );
  const refs: DigestTargetRef[] = [
    { kind: 'guild', guildId: IDS.guild },
    { kind: 'subscription', subscriptionId: subscription.id },
  ];
  for (const ref of refs) await store.setNextDueAt(ref, crashDueAt(firstDay), null);
  return refs;
}

function channelOf(ref: DigestTargetRef): string {
  return ref.kind === 'guild' ? IDS.channel : emulator.dmChannelId(IDS.user);
}

/** For one due time, compares what Discord received (by nonce) with what the store recorded. */
async function audit(store: Store, refs: DigestTargetRef[], dueAt: number) {
  const problems: string[] = [];
  let duplicates = 0;
  let losses = 0;
  for (const ref of refs) {
    const key = targetKey(ref);
    const withNonce = emulator
      .botMessages(channelOf(ref))
      .filter((message) => message.nonce === digestNonce(key, dueAt));
    if (withNonce.length > 1) {
      duplicates += withNonce.length - 1;
      problems.push(`${key}: ${withNonce.length} messages with the nonce`);
    }
    const message = withNonce[0];
    const run = await store.getRun(ref, dueAt);
    const recorded =
      message !== undefined &&
      run?.state === 'posted' &&
      run.messageId === message.id &&
      run.articles.length === message.embeds.length;
    if (!recorded) {
      losses++;
      problems.push(`${key}: message ${message?.id ?? 'none'}, run ${JSON.stringify(run)}`);
    }
  }
  return { duplicates, losses, problems };
}

describe.each(BACKENDS)(
  'GIVEN a bot process killed mid-digest ($name) THEN a restart posts every digest exactly once',
  (backend) => {
    const tally = tallies[backend.name];
    const skip = backend.name === 'postgres' && !withPostgres;

    it.skipIf(skip).each(KILL_POINTS)(
      `killed at %s, ${backend.days} day(s), a server and a subscriber`,
      async (point: KillPoint) => {
        tally.killPoints++;
        const database = await backend.create();
        const firstDay = 2 + KILL_POINTS.indexOf(point) * (DAYS_PER_SCENARIO + 1) + backend.firstDayOffset;
        const days = Array.from({ length: backend.days }, (_, index) => firstDay + index);
        const seeding = await database.open();
        const refs = await seedTargets(seeding, firstDay);
        await seeding.close();
        const before = new Map(
          refs.map((ref) => [targetKey(ref), emulator.botMessages(channelOf(ref)).length]),
        );
        const crashAt: CrashPointName | null = point === 'mid-post' ? null : point;
        const killOnWire = point === 'mid-post';

        for (const [index, day] of days.entries()) {
          const dueAt = crashDueAt(day);
          const crashed = await runChild({ ...database.child, now: dueAt + 60_000, crashAt }, killOnWire);
          expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
          tally.processesKilled++;

          // On the last day the first restart is killed too, at the same point, before a clean one.
          if (index === days.length - 1) {
            const again = await runChild({ ...database.child, now: dueAt + 90_000, crashAt }, killOnWire);
            if (again.signal === 'SIGKILL') tally.processesKilled++;
            else expect(again.code, again.stderr).toBe(0);
          }

          const clean = await runChild({ ...database.child, now: dueAt + 120_000, crashAt: null });
          expect(clean.code, clean.stderr).toBe(0);

          const auditing = await database.open();
          const result = await audit(auditing, refs, dueAt);
          await auditing.close();
          // Distinct messages per channel, too (earlier kill points used the same channels: count this one's).
          const counted = refs.map(
            (ref) => emulator.botMessages(channelOf(ref)).length - before.get(targetKey(ref))! - (index + 1),
          );
          const extra = counted.reduce((sum, n) => sum + Math.max(0, n), 0);
          tally.runs += refs.length;
          tally.duplicates += result.duplicates + extra;
          tally.losses += result.losses;
          expect(result.problems).toEqual([]);
          expect(counted).toEqual([0, 0]);
        }

        // No article was sent twice to the same target over the days.
        for (const ref of refs) {
          const urls = emulator
            .botMessages(channelOf(ref))
            .slice(before.get(targetKey(ref)))
            .flatMap((message) => message.embeds.map((embed) => embed.url));
          expect(urls).toHaveLength(new Set(urls).size);
        }
        expect(emulator.violations).toEqual([]);
        await database.drop();
      },
      180_000,
    );

    it.skipIf(skip)('THEN no duplicates and no losses were found in all', () => {
      expect(tally).toMatchObject({ killPoints: KILL_POINTS.length, duplicates: 0, losses: 0 });
    });
  },
);
