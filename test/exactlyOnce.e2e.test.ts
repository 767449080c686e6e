/**
 * Exactly once after any outage: a bot process is killed after its digest reached Discord but before it
 * recorded the message, and restarts an hour later, long after Discord (the emulator) forgot the nonce.
 * The restart must find its own message in the channel's history and record it instead of posting again.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { REST } from '@discordjs/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { digestNonce } from '../src/digest/nonce.ts';
import { SqliteStore } from '../src/store/sqliteStore.ts';
import { PostgresStore } from '../src/store/postgresStore.ts';
import { targetKey, type DigestTargetRef, type Store } from '../src/store/types.ts';
import type { CrashChildConfig } from './digest-support/crashChild.ts';
import { crashDueAt } from './digest-support/crashScenario.ts';
import { IDS, makeTempDir } from './digest-support/harness.ts';
import { startWireTap, type WireTap } from './digest-support/wireTap.ts';
import { createTestDatabase } from './support/postgres.ts';
import { Permissions, startEmulator, type Emulator } from './emulator/index.ts';
import { DEFAULT_BOT_PERMISSIONS } from './emulator/permissions.ts';

const CHILD = path.join(import.meta.dirname, 'digest-support', 'crashChild.ts');
const HOUR_MS = 3_600_000;
const NONCE_WINDOW_MS = 5 * 60_000;
const DUE_AT = crashDueAt(3);
const MESSAGE_POST = /^\/channels\/\d+\/messages$/;
const FORUM = '200000000000000077';
const THREAD_POSTS = /^\/channels\/\d+\/(threads|messages\/\d+\/threads)$/;
type Seeded = DigestTargetRef['kind'] | 'forum' | 'thread';

let emulator: Emulator;
let tap: WireTap;
let dir: string;
let dbPath: string;

beforeEach(async () => {
  emulator = await startEmulator({
    nonceWindowMs: NONCE_WINDOW_MS,
    users: [{ id: IDS.user, username: 'reader' }],
    guilds: [
      {
        id: IDS.guild,
        name: 'Broadsheet readers',
        channels: [
          { id: IDS.channel, name: 'news' },
          { id: IDS.originChannel, name: 'general' },
          { id: FORUM, name: 'reading', type: 15, availableTags: [{ name: 'Science' }] },
        ],
        members: [{ user: IDS.user }],
        botPermissions: DEFAULT_BOT_PERMISSIONS | Permissions.CreatePublicThreads,
      },
    ],
  });
  tap = await startWireTap(emulator.apiUrl);
  dir = makeTempDir();
  dbPath = path.join(dir, 'broadsheet.db');
});

afterEach(async () => {
  await tap.close();
  await emulator.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

type Kill = 'after-post-before-record' | 'on-the-wire-after-discord' | 'on-the-wire-before-discord' | null;

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** One bot process at `now` (bot-side clock), killed as told. */
function runBot(now: number, kill: Kill, databaseUrl?: string): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const config: CrashChildConfig = {
      ...(databaseUrl && { databaseUrl }),
      dbPath,
      api: tap.api,
      token: emulator.token,
      now,
      crashAt: kill === 'after-post-before-record' ? kill : null,
      realRender: true,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, CRASH_CHILD: JSON.stringify(config) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    const killHere = async () => {
      child.kill('SIGKILL');
      await exited;
    };
    if (kill === 'on-the-wire-after-discord') tap.onMessageCreated = killHere;
    if (kill === 'on-the-wire-before-discord') tap.onMessagePost = killHere;
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      tap.onMessageCreated = undefined;
      tap.onMessagePost = undefined;
      resolve({ code, signal, stderr });
    });
  });
}

async function seed(kind: Seeded, databaseUrl?: string): Promise<DigestTargetRef> {
  const store: Store = databaseUrl ? await PostgresStore.open(databaseUrl) : new SqliteStore(dbPath);
  const now = DUE_AT - HOUR_MS;
  let ref: DigestTargetRef;
  if (kind !== 'subscription') {
    await store.saveGuildDigest(
      {
        guildId: IDS.guild,
        channelId: kind === 'forum' ? FORUM : IDS.channel,
        time: '09:00',
        timeZone: 'Europe/Berlin',
        size: 5,
        delivery: kind === 'guild' ? 'message' : kind,
        topics: kind === 'forum' ? ['Science'] : [],
      },
      now,
    );
    ref = { kind: 'guild', guildId: IDS.guild };
  } else {
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
    ref = { kind: 'subscription', subscriptionId: subscription.id };
  }
  await store.setNextDueAt(ref, DUE_AT, null);
  await store.close();
  return ref;
}

const channelOf = (ref: DigestTargetRef) =>
  ref.kind === 'guild' ? IDS.channel : emulator.dmChannelId(IDS.user);

const messagePostsSince = (seq: number) =>
  emulator.requests.filter(
    (request) => request.seq > seq && request.method === 'POST' && MESSAGE_POST.test(request.path),
  ).length;

const lastSeq = () => emulator.requests.at(-1)?.seq ?? 0;

/** Kills the first process as told, restarts a clean one `outageMs` later on both clocks, and reports. */
async function crashThenRestart(kind: Seeded, kill: Kill, outageMs: number, databaseUrl?: string) {
  const ref = await seed(kind, databaseUrl);
  const crashed = await runBot(DUE_AT + 60_000, kill, databaseUrl);
  expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
  const afterCrash = emulator.botMessages(channelOf(ref)).length;

  emulator.clock.advance(outageMs);
  const seqBeforeRestart = lastSeq();
  const restarted = await runBot(DUE_AT + 60_000 + outageMs, null, databaseUrl);
  expect(restarted.code, restarted.stderr).toBe(0);

  const store: Store = databaseUrl ? await PostgresStore.open(databaseUrl) : new SqliteStore(dbPath);
  const run = await store.getRun(ref, DUE_AT);
  await store.close();
  return {
    ref,
    run,
    afterCrash,
    messages: emulator.botMessages(channelOf(ref)),
    postsByRestart: messagePostsSince(seqBeforeRestart),
  };
}

describe('GIVEN a digest that reached Discord before the process died unrecorded', () => {
  it.each(['guild', 'subscription'] as const)(
    'WHEN the %s digest restarts an hour later (nonce forgotten) THEN exactly one message, recorded',
    async (kind) => {
      const result = await crashThenRestart(kind, 'after-post-before-record', HOUR_MS);
      expect(result.afterCrash).toBe(1);
      expect(result.messages).toHaveLength(1);
      expect(result.postsByRestart).toBe(0);
      expect(result.run).toMatchObject({ state: 'posted', messageId: result.messages[0]!.id });
      expect(result.run?.articles).toHaveLength(result.messages[0]!.embeds.length);
      expect(emulator.violations).toEqual([]);

      // The nonce alone would not have saved it: Discord now takes the same nonce as a new message.
      const rest = new REST({ api: emulator.apiUrl, retries: 0 }).setToken(emulator.token);
      await rest.post(`/channels/${channelOf(result.ref)}/messages`, {
        body: {
          content: 'same nonce',
          nonce: digestNonce(targetKey(result.ref), DUE_AT),
          enforce_nonce: true,
        },
      });
      expect(emulator.botMessages(channelOf(result.ref))).toHaveLength(2);
    },
    60_000,
  );

  it('WHEN the process was killed with the post on the wire (Discord created it, no answer) THEN one message after an hour', async () => {
    const result = await crashThenRestart('guild', 'on-the-wire-after-discord', HOUR_MS);
    expect(result.afterCrash).toBe(1);
    expect(result.messages).toHaveLength(1);
    expect(result.postsByRestart).toBe(0);
    expect(result.run).toMatchObject({ state: 'posted', messageId: result.messages[0]!.id });
    expect(emulator.violations).toEqual([]);
  }, 60_000);

  it('WHEN the post never reached Discord THEN the restart an hour later finds nothing and posts it, once', async () => {
    const result = await crashThenRestart('subscription', 'on-the-wire-before-discord', HOUR_MS);
    expect(result.afterCrash).toBe(0);
    expect(result.messages).toHaveLength(1);
    expect(result.postsByRestart).toBe(1);
    expect(result.run).toMatchObject({ state: 'posted', messageId: result.messages[0]!.id });
    expect(emulator.violations).toEqual([]);
  }, 60_000);

  it('WHEN the history cannot be read THEN the restart falls back to the nonce, which holds within the window', async () => {
    emulator.setBotChannelPermissions(IDS.channel, { deny: Permissions.ReadMessageHistory });
    const result = await crashThenRestart('guild', 'after-post-before-record', 60_000);
    expect(result.messages).toHaveLength(1);
    // It posted again, and Discord answered with the message it already had.
    expect(result.postsByRestart).toBe(1);
    expect(result.run).toMatchObject({ state: 'posted', messageId: result.messages[0]!.id });
    const refused = emulator.takeViolations();
    expect(refused.map((violation) => [violation.status, violation.code])).toEqual([[403, 50013]]);
  }, 60_000);
});

describe('GIVEN a forum post or a thread that reached Discord before the process died unrecorded', () => {
  const threadPostsSince = (seq: number) =>
    emulator.requests.filter(
      (request) => request.seq > seq && request.method === 'POST' && THREAD_POSTS.test(request.path),
    ).length;

  it.each(['after-post-before-record', 'on-the-wire-after-discord'] as const)(
    'WHEN the forum digest is killed %s and restarts an hour later THEN exactly one post, found among the active threads and recorded',
    async (kill) => {
      const seqAtStart = lastSeq();
      const result = await crashThenRestart('forum', kill, HOUR_MS);
      const posts = emulator.threadsIn(FORUM);
      expect(posts).toHaveLength(1);
      expect(threadPostsSince(seqAtStart)).toBe(1);
      expect(posts[0]!.appliedTags).toEqual(emulator.forumTags(FORUM).map((tag) => tag.id));
      expect(result.run).toMatchObject({ state: 'posted', channelId: posts[0]!.id, messageId: posts[0]!.id });
      expect(emulator.botMessages(posts[0]!.id)).toHaveLength(1);
      expect(emulator.violations).toEqual([]);
    },
    60_000,
  );

  it('WHEN the forum digest on Postgres is killed after posting and restarts an hour later THEN exactly one post', async (context) => {
    const database = await createTestDatabase('exactly-once-forum');
    if (!database) return context.skip();
    try {
      const result = await crashThenRestart('forum', 'after-post-before-record', HOUR_MS, database.url);
      const posts = emulator.threadsIn(FORUM);
      expect(posts).toHaveLength(1);
      expect(result.run).toMatchObject({ state: 'posted', channelId: posts[0]!.id });
      expect(emulator.violations).toEqual([]);
    } finally {
      await database.drop();
    }
  }, 60_000);

  it.each(['after-post-before-record', 'on-the-wire-after-discord'] as const)(
    'WHEN the thread digest is killed %s and restarts an hour later THEN one message and one thread from it',
    async (kill) => {
      const result = await crashThenRestart('thread', kill, HOUR_MS);
      expect(result.messages).toHaveLength(1);
      expect(result.postsByRestart).toBe(0);
      expect(emulator.threadsIn(IDS.channel)).toEqual([
        expect.objectContaining({ id: result.messages[0]!.id, name: 'Daily digest · Tue 3 Jun' }),
      ]);
      expect(result.run).toMatchObject({ state: 'posted', messageId: result.messages[0]!.id });
      expect(emulator.violations).toEqual([]);
    },
    60_000,
  );
});
