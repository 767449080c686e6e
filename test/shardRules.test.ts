/**
 * The rules every shard applies on its own: which digests it runs, its part of Discord's global limit,
 * whether the process manages shards at all, and the shard id on its logs and metrics.
 */
import { Writable } from 'node:stream';

import { afterEach, describe, expect, it } from 'vitest';

import type { Config } from '../src/config.ts';
import type { RunReport } from '../src/digest/protocol.ts';
import { DigestScheduler, ownsTarget } from '../src/digest/scheduler.ts';
import { digestRequestsPerSecond } from '../src/discord/client.ts';
import { gatewayBotFailure, planShards, type GatewayBotInfo } from '../src/discord/shardManager.ts';
import { createLogger } from '../src/logger.ts';
import { Metrics } from '../src/ops/metrics.ts';
import { shardIdentityFromEnv, shardOfGuild } from '../src/ops/shardIdentity.ts';
import { SqliteStore } from '../src/store/sqliteStore.ts';
import { targetKey, type DigestTargetRef, type Store } from '../src/store/types.ts';
import { tempDir } from './support/articles.ts';

const guild = (timestampPart: number) => (BigInt(timestampPart) << 22n).toString();
const SHARD_ENV = { SHARDING_MANAGER: 'true', SHARDS: '1', SHARD_COUNT: '3' };

describe('the shard a process serves', () => {
  it('GIVEN the variables discord.js gives a shard THEN its id and count; anything else is no shard', () => {
    expect(shardIdentityFromEnv(SHARD_ENV)).toEqual({ id: 1, count: 3 });
    expect(shardIdentityFromEnv({ SHARD_COUNT: '3' })).toBeNull(); // a host's setting, not a shard
    expect(shardIdentityFromEnv({ SHARDING_MANAGER: 'true' })).toBeNull(); // the manager itself
    expect(shardIdentityFromEnv({ ...SHARD_ENV, SHARDS: '3' })).toBeNull();
    expect(shardIdentityFromEnv({ ...SHARD_ENV, SHARDS: 'x' })).toBeNull();
  });

  it("GIVEN guild ids THEN Discord's (id >> 22) % count decides their shard", () => {
    expect([0, 1, 2, 3, 4].map((t) => shardOfGuild(guild(t), 3))).toEqual([0, 1, 2, 0, 1]);
    expect(shardOfGuild('1100000000000000001', 1)).toBe(0);
  });
});

describe('which digests a shard runs', () => {
  const refs: DigestTargetRef[] = [
    ...[10, 11, 12, 13].map((t): DigestTargetRef => ({ kind: 'guild', guildId: guild(t) })),
    ...[1, 2, 3, 4].map((id): DigestTargetRef => ({ kind: 'subscription', subscriptionId: id })),
  ];

  it('GIVEN 2 shards THEN every target has exactly one owner; one process owns all', () => {
    for (const ref of refs) {
      const owners = [0, 1].filter((id) => ownsTarget({ id, count: 2 }, ref));
      expect(owners, targetKey(ref)).toHaveLength(1);
      expect(ownsTarget(null, ref)).toBe(true);
    }
    expect(ownsTarget({ id: 0, count: 2 }, { kind: 'guild', guildId: guild(10) })).toBe(true);
    expect(ownsTarget({ id: 1, count: 2 }, { kind: 'subscription', subscriptionId: 3 })).toBe(true);
  });

  let store: Store | undefined;
  afterEach(async () => store?.close());

  it('GIVEN due servers and subscriptions WHEN each shard ticks THEN each runs only its own, all run once', async () => {
    const db = (store = SqliteStore.openInDataDir(tempDir()));
    const now = Date.UTC(2025, 5, 2, 9, 0);
    for (const t of [10, 11, 12, 13, 14]) {
      const guildId = guild(t);
      await db.saveGuildDigest({ guildId, channelId: guild(t + 100), time: '09:00', timeZone: 'UTC' }, now);
      await db.setNextDueAt({ kind: 'guild', guildId }, now, null);
    }
    for (const userId of ['1200000000000000001', '1200000000000000002', '1200000000000000003']) {
      const saved = await db.saveSubscription(
        { userId, topic: 'AI', topicKey: 'ai', time: '09:00', timeZone: 'UTC', originChannelId: guild(200) },
        now,
      );
      await db.setNextDueAt({ kind: 'subscription', subscriptionId: saved.id }, now, null);
    }
    const ranBy: Record<string, number[]> = {};
    const shardScheduler = (id: number) =>
      new DigestScheduler({
        store: db,
        now: () => now,
        shard: { id, count: 2 },
        runner: {
          runDue: async (ref, dueAt): Promise<RunReport> => {
            (ranBy[targetKey(ref)] ??= []).push(id);
            return { state: 'empty', target: targetKey(ref), dueAt };
          },
          drain: async () => undefined,
        },
      });
    const reports = [await shardScheduler(0).tick(), await shardScheduler(1).tick()];
    expect(Object.keys(ranBy)).toHaveLength(8);
    for (const [key, shards] of Object.entries(ranBy)) {
      const ref: DigestTargetRef = key.startsWith('guild:')
        ? { kind: 'guild', guildId: key.slice(6) }
        : { kind: 'subscription', subscriptionId: Number(key.slice(13)) };
      expect(shards, key).toEqual([[0, 1].find((id) => ownsTarget({ id, count: 2 }, ref))]);
    }
    expect(reports.every((report) => report.runs.length > 0)).toBe(true);
  });
});

describe("a shard's part of Discord's global limit", () => {
  it('GIVEN N shards THEN their digest clients together stay 5 a second under 50', () => {
    expect(digestRequestsPerSecond(null)).toBe(45);
    for (const count of [1, 2, 3, 4, 10, 45, 100]) {
      const each = digestRequestsPerSecond({ id: 0, count });
      expect(each).toBeGreaterThanOrEqual(1);
      if (count <= 45) expect(each * count).toBeLessThanOrEqual(45);
    }
    expect(digestRequestsPerSecond({ id: 1, count: 2 })).toBe(22);
  });
});

describe('whether npm start manages shards', () => {
  const base = {
    DISCORD_TOKEN: 'a.b.c',
    DISCORD_API_URL: 'http://127.0.0.1:1/api',
    HEALTH_HOST: '127.0.0.1',
    HEALTH_PORT: undefined,
    DATABASE_URL: 'postgres://localhost/broadsheet',
  } satisfies Partial<Config>;
  const recommends = (shards: number) => async (): Promise<GatewayBotInfo> => ({ shards, maxConcurrency: 1 });
  const never = async (): Promise<GatewayBotInfo> => {
    throw new Error('must not ask Discord');
  };

  it('GIVEN SHARD_COUNT=1, or a shard of a manager THEN the process runs the bot itself', async () => {
    expect(await planShards({ ...base, SHARD_COUNT: 1 }, never, {})).toEqual({ kind: 'one-process' });
    expect(await planShards({ ...base, SHARD_COUNT: 3 }, never, SHARD_ENV)).toEqual({ kind: 'one-process' });
  });

  it('GIVEN a number or auto with Postgres THEN a manager of that many shards, or one process for auto = 1', async () => {
    expect(await planShards({ ...base, SHARD_COUNT: 2 }, recommends(1), {})).toEqual({
      kind: 'manager',
      count: 2,
      maxConcurrency: 1,
    });
    expect(await planShards({ ...base, SHARD_COUNT: 'auto' }, recommends(4), {})).toMatchObject({ count: 4 });
    expect(await planShards({ ...base, SHARD_COUNT: 'auto' }, recommends(1), {})).toEqual({
      kind: 'one-process',
    });
  });

  it('GIVEN SQLite (no DATABASE_URL) and more than one shard THEN refused, before asking Discord for a number', async () => {
    const sqlite = { ...base, DATABASE_URL: undefined };
    expect(await planShards({ ...sqlite, SHARD_COUNT: 2 }, never, {})).toEqual({
      kind: 'refused',
      reason:
        'SHARD_COUNT=2 needs DATABASE_URL: SQLite serves one process; use Postgres (README, Scaling out).',
    });
    expect(await planShards({ ...sqlite, SHARD_COUNT: 'auto' }, recommends(2), {})).toMatchObject({
      kind: 'refused',
    });
    expect(await planShards({ ...sqlite, SHARD_COUNT: 'auto' }, recommends(1), {})).toEqual({
      kind: 'one-process',
    });
  });

  it('GIVEN Discord rejecting the token THEN the reason names the token', () => {
    expect(gatewayBotFailure(Object.assign(new Error('401: Unauthorized'), { status: 401 }), 'x')).toMatch(
      /DISCORD_TOKEN/,
    );
    expect(gatewayBotFailure(new Error('ECONNREFUSED'), 'http://api')).toMatch(/http:\/\/api/);
  });
});

describe('logs and metrics of a shard', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const key of Object.keys(SHARD_ENV)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('GIVEN a shard process THEN every log line carries shard: N and every series shard="N"', async () => {
    Object.assign(process.env, SHARD_ENV);
    let written = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    createLogger('info', sink).child({ module: 'digest' }).info('hello');
    expect(JSON.parse(written)).toMatchObject({ shard: 1, module: 'digest', msg: 'hello' });
    const metrics = new Metrics();
    metrics.digestRun('posted');
    expect((await metrics.render()).body).toContain(
      'broadsheet_digest_runs_total{outcome="posted",shard="1"} 1',
    );
  });

  it('GIVEN one process THEN no shard binding or label', async () => {
    let written = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    createLogger('info', sink).info('hello');
    expect(JSON.parse(written)).not.toHaveProperty('shard');
    expect((await new Metrics().render()).body).not.toContain('shard=');
  });
});
