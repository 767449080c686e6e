/**
 * Kills a real bot process (SIGKILL) at every crash point of a digest run, restarts a clean process on
 * the same SQLite file, and checks against the loopback Discord that every run posted exactly one message
 * and recorded it: no duplicates, nothing lost.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { digestNonce } from '../src/digest/nonce.ts';
import { CRASH_POINTS, type CrashPointName } from '../src/digest/runner.ts';
import { SqliteStore } from '../src/store/sqliteStore.ts';
import { targetKey, type DigestTargetRef } from '../src/store/types.ts';
import type { CrashChildConfig } from './digest-support/crashChild.ts';
import { crashDueAt } from './digest-support/crashScenario.ts';
import { startFakeDiscord, type FakeDiscord } from './digest-support/fakeDiscord.ts';
import { IDS, makeTempDir } from './digest-support/harness.ts';

const CHILD = path.join(import.meta.dirname, 'digest-support', 'crashChild.ts');
const DAYS = [2, 3, 4, 5];
/** Every crash point, plus a kill while the post is on the wire (Discord created it, no answer yet). */
const KILL_POINTS = [...CRASH_POINTS, 'mid-post'] as const;
type KillPoint = (typeof KILL_POINTS)[number];

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let fake: FakeDiscord;
const tally = { killPoints: 0, processesKilled: 0, runs: 0, duplicates: 0, losses: 0 };

beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(async () => {
  await fake.close();
  console.log(`crash test: ${JSON.stringify(tally)}`);
});

function runChild(config: CrashChildConfig, killOnPost = false): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, CRASH_CHILD: JSON.stringify(config) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    if (killOnPost) {
      fake.onMessageCreated = async () => {
        fake.onMessageCreated = undefined;
        child.kill('SIGKILL');
        await exited;
      };
    }
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      fake.onMessageCreated = undefined;
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function seedTargets(dbPath: string): Promise<DigestTargetRef[]> {
  const store = new SqliteStore(dbPath);
  const now = crashDueAt(1) + 3_600_000;
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
  for (const ref of refs) await store.setNextDueAt(ref, crashDueAt(2), null);
  await store.close();
  return refs;
}

/** Counts, for one due time, what the fake received and what the store recorded. */
async function audit(dbPath: string, refs: DigestTargetRef[], dueAt: number) {
  const store = new SqliteStore(dbPath);
  const problems: string[] = [];
  let duplicates = 0;
  let losses = 0;
  for (const ref of refs) {
    const key = targetKey(ref);
    const messages = fake.messagesWithNonce(digestNonce(key, dueAt));
    const run = await store.getRun(ref, dueAt);
    if (messages.length > 1) {
      duplicates += messages.length - 1;
      problems.push(`${key}: ${messages.length} messages`);
    }
    const message = messages[0];
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
  const history = await Promise.all(refs.map((ref) => store.sentArticles(ref)));
  await store.close();
  return { duplicates, losses, problems, sentPerTarget: history.map((sent) => sent.articleIds.size) };
}

describe('GIVEN a bot process killed mid-digest THEN a restart posts every digest exactly once', () => {
  it.each(KILL_POINTS)(
    'killed at %s, four days, a server and a subscriber',
    async (point: KillPoint) => {
      fake.reset();
      tally.killPoints++;
      const dir = makeTempDir();
      const dbPath = path.join(dir, 'broadsheet.db');
      const api = fake.api;
      const refs = await seedTargets(dbPath);
      const crashAt: CrashPointName | null = point === 'mid-post' ? null : point;

      for (const day of DAYS) {
        const dueAt = crashDueAt(day);
        const crashed = await runChild({ dbPath, api, now: dueAt + 60_000, crashAt }, point === 'mid-post');
        expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
        tally.processesKilled++;

        // On the last day the first restart is killed as well, at the same point, before a clean one.
        if (day === DAYS.at(-1)) {
          const again = await runChild({ dbPath, api, now: dueAt + 90_000, crashAt }, point === 'mid-post');
          if (again.signal === 'SIGKILL') tally.processesKilled++;
          else expect(again.code, again.stderr).toBe(0);
        }

        const clean = await runChild({ dbPath, api, now: dueAt + 120_000, crashAt: null });
        expect(clean.code, clean.stderr).toBe(0);

        const result = await audit(dbPath, refs, dueAt);
        tally.runs += refs.length;
        tally.duplicates += result.duplicates;
        tally.losses += result.losses;
        expect(result.problems).toEqual([]);
      }

      // Four days, two targets: eight messages, and no article sent twice to the same target.
      expect(fake.messages).toHaveLength(DAYS.length * refs.length);
      for (const channel of [IDS.channel, fake.dmChannelOf(IDS.user)]) {
        const urls = fake.messagesIn(channel).flatMap((message) => message.embeds as { url: string }[]);
        expect(new Set(urls.map((embed) => embed.url)).size).toBe(urls.length);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
    180_000,
  );

  it('THEN no duplicates and no losses were found in all', () => {
    expect(tally).toMatchObject({ duplicates: 0, losses: 0 });
  });
});
