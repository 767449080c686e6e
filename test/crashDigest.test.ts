/**
 * Kills a real bot process (SIGKILL) at every crash point of a digest run, restarts a clean process on
 * the same SQLite file, and checks against the Discord API emulator that every run posted exactly one
 * message and recorded it: no duplicates, nothing lost.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { digestNonce } from '../src/digest/nonce.ts';
import { CRASH_POINTS, type CrashPointName } from '../src/digest/protocol.ts';
import { SqliteStore } from '../src/store/sqliteStore.ts';
import { targetKey, type DigestTargetRef } from '../src/store/types.ts';
import type { CrashChildConfig } from './digest-support/crashChild.ts';
import { crashDueAt } from './digest-support/crashScenario.ts';
import { IDS, makeTempDir } from './digest-support/harness.ts';
import { startWireTap, type WireTap } from './digest-support/wireTap.ts';
import { startEmulator, type Emulator } from './emulator/index.ts';

const CHILD = path.join(import.meta.dirname, 'digest-support', 'crashChild.ts');
/** Days of June each scenario runs; scenarios use different days (same channels, so distinct nonces). */
const DAYS_PER_SCENARIO = 4;
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
const tally = { killPoints: 0, processesKilled: 0, runs: 0, duplicates: 0, losses: 0 };

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
  console.log(`crash test: ${JSON.stringify(tally)}`);
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

async function seedTargets(dbPath: string, firstDay: number): Promise<DigestTargetRef[]> {
  const store = new SqliteStore(dbPath);
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
  await store.close();
  return refs;
}

function channelOf(ref: DigestTargetRef): string {
  return ref.kind === 'guild' ? IDS.channel : emulator.dmChannelId(IDS.user);
}

/** For one due time, compares what Discord received (by nonce) with what the store recorded. */
async function audit(dbPath: string, refs: DigestTargetRef[], dueAt: number) {
  const store = new SqliteStore(dbPath);
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
  await store.close();
  return { duplicates, losses, problems };
}

describe('GIVEN a bot process killed mid-digest THEN a restart posts every digest exactly once', () => {
  it.each(KILL_POINTS)(
    'killed at %s, four days, a server and a subscriber',
    async (point: KillPoint) => {
      tally.killPoints++;
      const dir = makeTempDir();
      const dbPath = path.join(dir, 'broadsheet.db');
      const firstDay = 2 + KILL_POINTS.indexOf(point) * (DAYS_PER_SCENARIO + 1);
      const days = Array.from({ length: DAYS_PER_SCENARIO }, (_, index) => firstDay + index);
      const refs = await seedTargets(dbPath, firstDay);
      const before = new Map(
        refs.map((ref) => [targetKey(ref), emulator.botMessages(channelOf(ref)).length]),
      );
      const crashAt: CrashPointName | null = point === 'mid-post' ? null : point;
      const killOnWire = point === 'mid-post';

      for (const [index, day] of days.entries()) {
        const dueAt = crashDueAt(day);
        const crashed = await runChild({ dbPath, now: dueAt + 60_000, crashAt }, killOnWire);
        expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
        tally.processesKilled++;

        // On the last day the first restart is killed too, at the same point, before a clean one.
        if (index === days.length - 1) {
          const again = await runChild({ dbPath, now: dueAt + 90_000, crashAt }, killOnWire);
          if (again.signal === 'SIGKILL') tally.processesKilled++;
          else expect(again.code, again.stderr).toBe(0);
        }

        const clean = await runChild({ dbPath, now: dueAt + 120_000, crashAt: null });
        expect(clean.code, clean.stderr).toBe(0);

        const result = await audit(dbPath, refs, dueAt);
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

      // No article was sent twice to the same target over the four days.
      for (const ref of refs) {
        const urls = emulator
          .botMessages(channelOf(ref))
          .slice(before.get(targetKey(ref)))
          .flatMap((message) => message.embeds.map((embed) => embed.url));
        expect(urls).toHaveLength(new Set(urls).size);
      }
      expect(emulator.violations).toEqual([]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
    180_000,
  );

  it('THEN no duplicates and no losses were found in all', () => {
    expect(tally).toMatchObject({ killPoints: KILL_POINTS.length, duplicates: 0, losses: 0 });
  });
});
