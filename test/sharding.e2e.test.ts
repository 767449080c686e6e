/**
 * Two shards as a host runs them: `npm start` with SHARD_COUNT=2 and a Postgres DATABASE_URL becomes the
 * shard manager, which starts one bot process per shard against the emulator. Servers live on both shards;
 * every command, button and DM is answered once, by the shard Discord sends it to; 20 servers whose
 * digests are due in the same minute get one digest each although shard 1 is killed with SIGKILL while it
 * is posting them (the manager restarts it); subscriptions made on one shard are delivered once, by the
 * shard that runs them; SIGTERM to the manager stops the whole group with exit 0.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openStore } from '../src/store/openStore.ts';
import type { Store } from '../src/store/types.ts';
import { startEmulator, type Emulator, type StoredMessage } from './emulator/index.ts';
import { articleFile, tempDir, writeCorpus } from './support/articles.ts';
import { ADMIN, TOKEN } from './support/bot.ts';
import { createTestDatabase } from './support/postgres.ts';
import {
  botEnv,
  eventually,
  killGroup,
  logLines,
  shardPid,
  startInGroup,
  waitForGroupGone,
  type GroupProcess,
} from './support/processes.ts';

const SHARDS = 2;
const MINUTE_MS = 60_000;
/** 20 servers, alternating between the shards: (id >> 22) % 2 is i % 2. */
const BASE = (1_100_000_000_000_000_000n >> 22n) + 1n; // an odd timestamp part: i = 0 is on shard 1
const SERVERS = Array.from({ length: 20 }, (_, i) => {
  const guild = ((BASE + BigInt(i) + 1n) << 22n).toString(); // i = 0 → even → shard 0
  return { guild, channel: (BigInt(guild) + 1n).toString() };
});
const READERS = [
  { id: '1200000000000000011', username: 'reader-one' },
  { id: '1200000000000000012', username: 'reader-two' },
];
const DIGEST_POST = { route: '/channels/:channel_id/messages', method: 'POST', ms: 400 };

/** Shards share one Postgres database; without one here the sharded tests skip, saying so. */
const database = await createTestDatabase('sharding');

let emu: Emulator;
let store: Store;
let group: GroupProcess;
let killed: Promise<{ pid: number; postedBefore: number; recordedBefore: number; at: number }>;
/** Subscriptions run by shard 1 made due this minute (the others are due tomorrow). */
const dueSubscriptions: number[] = [];

function shardOf(guild: string): number {
  return emu.shardOf(guild, SHARDS);
}

/** Digests are posted by the scheduler, not in answer to an interaction. */
function digestMessages(channelId: string): StoredMessage[] {
  return emu.botMessages(channelId).filter((message) => message.interactionId === null);
}

function freshCorpus(): string {
  const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z');
  const files: Record<string, string> = {};
  for (let i = 0; i < 12; i++) {
    files[`ml-${i}.md`] = articleFile({
      title: `Machine learning roundup number ${i + 1}`,
      excerpt: `Week ${i + 1} in machine learning.`,
      topics: ['Machine Learning'],
      heat: 100 - i,
      date: hoursAgo(i + 1),
    });
  }
  return writeCorpus(files);
}

/** Every digest server's settings, due at the start of this minute (in UTC), as if just reached. */
async function seedDigestsDueThisMinute(target: Store): Promise<number> {
  const now = Date.now();
  const dueAt = now - (now % MINUTE_MS);
  const time = new Date(dueAt).toISOString().slice(11, 16);
  for (const { guild, channel } of SERVERS) {
    await target.saveGuildDigest({ guildId: guild, channelId: channel, time, timeZone: 'UTC', size: 3 }, now);
    await target.setNextDueAt({ kind: 'guild', guildId: guild }, dueAt, null);
  }
  return dueAt;
}

beforeAll(async () => {
  if (!database) return;
  emu = await startEmulator({
    token: TOKEN,
    heartbeatIntervalMs: 500,
    maxConcurrency: SHARDS, // both shards may identify at once: the manager starts them together
    users: [ADMIN, ...READERS],
    guilds: SERVERS.map(({ guild, channel }, i) => ({
      id: guild,
      name: `Newsroom ${i}`,
      ownerId: ADMIN.id,
      members: [{ user: ADMIN.id }, ...READERS.map((reader) => ({ user: reader.id }))],
      channels: [{ id: channel, name: 'news' }],
    })),
  });
  const dataDir = tempDir();
  store = await openStore({ DATABASE_URL: database.url, DATA_DIR: dataDir });
  await seedDigestsDueThisMinute(store);
  // A slow Discord: each digest exists a while before its shard hears so, so a kill lands mid-post.
  emu.delayResponses(DIGEST_POST);
  group = startInGroup('npm', ['start'], {
    ...process.env,
    ...botEnv(emu, {
      SHARD_COUNT: String(SHARDS),
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      ARTICLES_DIR: freshCorpus(),
      DIGEST_CLAIM_TIMEOUT_SECONDS: '3',
      LOG_LEVEL: 'info',
    }),
  });
  // Shard 1 dies by SIGKILL as soon as the first of its servers' digests reached Discord.
  const shardOneChannels = SERVERS.filter(({ guild }) => shardOf(guild) === 1).map(({ channel }) => channel);
  killed = eventually(
    () => {
      const posted = shardOneChannels.filter((channel) => digestMessages(channel).length > 0).length;
      const pid = shardPid(group.output(), 1);
      return posted > 0 && pid !== undefined && { pid, posted };
    },
    "shard 1's first digest",
    100_000,
  ).then(async ({ pid, posted }) => {
    process.kill(pid, 'SIGKILL');
    const at = Date.now();
    let recorded = 0;
    for (const { guild } of SERVERS.filter((server) => shardOf(server.guild) === 1)) {
      if ((await store.latestRun({ kind: 'guild', guildId: guild }))?.state === 'posted') recorded++;
    }
    return { pid, postedBefore: posted, recordedBefore: recorded, at };
  });
  killed.catch(() => undefined); // awaited by the tests
}, 30_000);

afterAll(async () => {
  if (group) killGroup(group.pgid);
  await store?.close();
  await emu?.close();
  await database?.drop();
});

describe.skipIf(!database)('two shards under one manager (npm start, SHARD_COUNT=2)', () => {
  it('GIVEN 20 servers THEN each shard is sent READY and GUILD_CREATE for its own servers only', async () => {
    await eventually(
      () => emu.gatewayLog.filter((entry) => entry.t === 'READY').length >= SHARDS,
      'both shards to be READY',
      100_000,
    );
    const readies = emu.gatewayLog.filter((entry) => entry.t === 'READY');
    expect(new Set(readies.map((entry) => JSON.stringify((entry.d as { shard: number[] }).shard)))).toEqual(
      new Set(['[0,2]', '[1,2]']),
    );
    const created = emu.gatewayLog.filter((entry) => entry.t === 'GUILD_CREATE');
    for (const entry of created) expect(entry.shard).toBe(shardOf((entry.d as { id: string }).id));
    expect(new Set(SERVERS.map(({ guild }) => shardOf(guild)))).toEqual(new Set([0, 1]));
    // The manager itself never opens a gateway session: two shards, two sessions.
    expect(emu.stats.identifies).toBeGreaterThanOrEqual(SHARDS);
  }, 110_000);

  it('GIVEN two readers subscribing in a server on shard 0 THEN each is answered once, by shard 0', async () => {
    await eventually(
      () => emu.sessions.some((session) => session.shard?.[0] === 0 && session.connected),
      'shard 0 to be connected',
      100_000,
    );
    // Subscribed for this very minute: the first one is tomorrow's...
    const now = Date.now();
    const thisMinute = now - (now % MINUTE_MS);
    const time = new Date(thisMinute).toISOString().slice(11, 16);
    const onShardZero = SERVERS.find(({ guild }) => shardOf(guild) === 0)!;
    for (const reader of READERS) {
      const handle = emu.sendCommand({
        name: 'subscribe',
        options: { topic: 'Machine Learning', time, timezone: 'UTC' },
        channelId: onShardZero.channel,
        user: reader,
      });
      const record = await handle.settled({ timeoutMs: 15_000 });
      expect(record.shards).toEqual([0]);
      expect(record.callbacks).toHaveLength(1);
      expect(handle.messages().map((message) => message.content)).toEqual([
        expect.stringContaining('Subscribed'),
      ]);
    }
    // ...but the ones shard 1 runs fall due now, while shard 1 restarts: it catches them up when it is back.
    for (const reader of READERS) {
      const [subscription] = await store.listSubscriptions(reader.id);
      const ref = { kind: 'subscription', subscriptionId: subscription!.id } as const;
      if (subscription!.id % SHARDS === 1) {
        expect(await store.setNextDueAt(ref, thisMinute, subscription!.nextDueAt)).toBe(true);
        dueSubscriptions.push(subscription!.id);
      }
    }
    expect(dueSubscriptions).toHaveLength(1); // two consecutive ids: one for each shard
  }, 110_000);

  it('GIVEN digests due in the same minute WHEN shard 1 is SIGKILLed while posting THEN the manager restarts it and every server gets its digest exactly once', async () => {
    const kill = await killed;
    // Killed mid-run: some of its digests had reached Discord, not all of them were recorded as posted.
    // (They reach Discord together, so the count that had is no measure; the store's record is.)
    const shardOne = SERVERS.filter(({ guild }) => shardOf(guild) === 1);
    expect(kill.postedBefore).toBeGreaterThan(0);
    expect(kill.recordedBefore).toBeLessThan(shardOne.length);
    await eventually(
      () => {
        const pid = shardPid(group.output(), 1);
        return pid !== undefined && pid !== kill.pid;
      },
      'the manager to start shard 1 again',
      15_000,
    );
    await eventually(
      () => SERVERS.every(({ channel }) => digestMessages(channel).length > 0),
      'a digest in every server',
      60_000,
    );
    // The killed process's posts reached Discord unrecorded: the restarted shard records them once their
    // claims lapse (DIGEST_CLAIM_TIMEOUT_SECONDS=3), without waiting for the next minute's tick.
    const states = async () =>
      Promise.all(
        SERVERS.map(async ({ guild }) => (await store.latestRun({ kind: 'guild', guildId: guild }))?.state),
      );
    const deadline = Date.now() + 30_000;
    while ((await states()).some((state) => state !== 'posted') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await states()).toEqual(SERVERS.map(() => 'posted'));
    await new Promise((resolve) => setTimeout(resolve, 2 * DIGEST_POST.ms + 500)); // any late duplicate
    expect(SERVERS.map(({ channel }) => digestMessages(channel).length)).toEqual(SERVERS.map(() => 1));
    const lines = logLines(group.output());
    expect(lines).toContainEqual(
      expect.objectContaining({
        role: 'shard-manager',
        shard: 1,
        msg: expect.stringMatching(/died \(signal SIGKILL\)/),
      }),
    );
    // The restarted shard took over what its killed process had claimed, without posting it again.
    expect(lines.some((line) => line.shard === 1 && /resuming|stopped process/.test(String(line.msg)))).toBe(
      true,
    );
    // Each digest was posted by the shard that serves its server.
    for (const line of lines.filter((each) => each.msg === 'digest posted')) {
      const guild = String(line.target).replace(/^guild:/, '');
      if (String(line.target).startsWith('guild:')) expect(line.shard).toBe(shardOf(guild));
    }
    expect(emu.rateLimitCounts.global).toBe(0);
    expect(emu.takeViolations()).toEqual([]);
  }, 90_000);

  it('GIVEN both shards up THEN commands, buttons and DMs are answered once each, by the shard that owns them', async () => {
    await emu.waitForShards(SHARDS, 30_000);
    emu.delayResponses(); // the slow Discord was for the digests
    for (const shard of [0, 1]) {
      const { channel } = SERVERS.find(({ guild }) => shardOf(guild) === shard)!;
      const topic = await emu
        .sendCommand({
          name: 'topic',
          options: { name: 'Machine Learning' },
          channelId: channel,
          user: ADMIN,
        })
        .settled({ timeoutMs: 15_000 });
      expect(topic.shards).toEqual([shard]);
      expect(topic.callbacks.map((callback) => callback.accepted)).toEqual([true]);
      const next = customIds(topic.original).find((id) => id.startsWith('page:') && id.endsWith(':1'))!;
      const paged = await emu
        .clickButton({ customId: next, messageId: topic.original!.id, user: READERS[0]! })
        .settled({ timeoutMs: 15_000 });
      expect(paged.shards).toEqual([shard]);
      expect(paged.callbacks.map((callback) => [callback.type, callback.accepted])).toEqual([[7, true]]);
      expect(emu.getMessage(topic.original!.id)!.embeds[0]?.title).toMatch(/^6\. /);
    }
    const dm = emu.sendDirectMessage({ user: ADMIN, content: 'machine learning' });
    expect(dm.shards).toEqual([0]);
    const replies = await dm.settled({ timeoutMs: 15_000 });
    expect(replies).toHaveLength(1);
    const handled = logLines(group.output()).filter((line) => line.msg === 'interaction handled');
    expect(handled.filter((line) => line.shard === 1).length).toBeGreaterThan(0);
    expect(emu.takeViolations()).toEqual([]);
  }, 60_000);

  it('GIVEN a subscription made on shard 0 and run by shard 1 THEN shard 1 delivers it, once; the others wait', async () => {
    const dmOf = (reader: { id: string }) => digestMessages(emu.dmChannelId(reader.id));
    const owners = await Promise.all(
      READERS.map(async (reader) => (await store.listSubscriptions(reader.id))[0]!),
    );
    const due = READERS.filter((_, i) => dueSubscriptions.includes(owners[i]!.id));
    // Caught up by the restarted shard 1 at its start, or at its next minute tick if it was back already.
    await eventually(() => due.every((reader) => dmOf(reader).length > 0), 'the due subscription', 75_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(READERS.map((reader) => dmOf(reader).length)).toEqual(
      READERS.map((reader) => (due.includes(reader) ? 1 : 0)),
    );
    const posted = logLines(group.output()).filter(
      (line) => line.msg === 'digest posted' && String(line.target).startsWith('subscription:'),
    );
    expect(posted.map((line) => [line.target, line.shard])).toEqual(
      dueSubscriptions.map((id) => [`subscription:${id}`, 1]),
    );
    expect(emu.takeViolations()).toEqual([]);
  }, 90_000);

  it('GIVEN SIGTERM to the manager THEN every shard stops cleanly and nothing of the group is left, exit 0', async () => {
    const closesBefore = emu.gatewayCloses.length;
    process.kill(group.pgid, 'SIGTERM');
    await waitForGroupGone(group.pgid, 15_000);
    expect(await group.exited).toEqual({ code: 0, signal: null });
    await eventually(
      () => emu.gatewayCloses.length >= closesBefore + SHARDS,
      'both gateway sessions to close',
    );
    expect(emu.gatewayCloses.slice(closesBefore).map((close) => close.code)).toEqual([1000, 1000]);
    expect(logLines(group.output())).toContainEqual(expect.objectContaining({ msg: 'every shard stopped' }));
  }, 30_000);
});

describe('shards without Postgres', () => {
  it('GIVEN SQLite and SHARD_COUNT=2, or auto with Discord recommending 3 THEN start is refused with a clear message and exit 1', async () => {
    const cases = [
      { setting: '2', recommended: null, message: 'SHARD_COUNT=2 needs DATABASE_URL' },
      {
        setting: 'auto',
        recommended: 3,
        message: 'SHARD_COUNT=auto (Discord recommends 3 shards) needs DATABASE_URL',
      },
    ];
    const emulators = await Promise.all(
      cases.map(({ recommended }) => startEmulator({ token: TOKEN, recommendedShards: recommended })),
    );
    try {
      const started = cases.map(({ setting }, i) =>
        startInGroup('npm', ['start'], {
          ...process.env,
          ...botEnv(emulators[i]!, { SHARD_COUNT: setting, DATABASE_URL: '' }),
        }),
      );
      for (const [i, { message }] of cases.entries()) {
        expect(await started[i]!.exited).toEqual({ code: 1, signal: null });
        await waitForGroupGone(started[i]!.pgid, 5_000);
        expect(started[i]!.output()).toContain(
          `Broadsheet stopped: ${message}: SQLite serves one process; use Postgres (README, Scaling out).`,
        );
        expect(emulators[i]!.stats.identifies).toBe(0);
      }
    } finally {
      await Promise.all(emulators.map((each) => each.close()));
    }
  }, 40_000);
});

function customIds(message: StoredMessage | null | undefined): string[] {
  return (message?.components ?? []).flatMap((row) =>
    'components' in row
      ? row.components.map((component) => ('custom_id' in component ? (component.custom_id ?? '') : ''))
      : [],
  );
}
