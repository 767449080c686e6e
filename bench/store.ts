/**
 * `npx tsx bench/store.ts [--ops 2000] [--no-sqlite] [--no-postgres]` (also run by `npm run bench`)
 *
 * Latency of the store operations a digest run and `/digest-settings status` make, one at a time on
 * loopback: the run's writes (claim, prepare, mark posted-started, renew the lease, finish as posted with
 * five articles) and the status reads (getTarget, latestRun, sentArticles, listDueTargets), `--ops` of each,
 * over 200 servers whose history grows as the bench runs. Then claims contended by four processes (four
 * store instances) at once, and takeovers of lapsed claims. Target: Postgres p99 under 5 ms.
 *
 * Postgres: `BENCH_PG_URL` or `BROADSHEET_TEST_PG_URL` (an admin URL; a scratch database is created and
 * dropped), otherwise two throwaway clusters from /usr/lib/postgresql: fsync on (commits as a real server
 * makes them, bound by the disk) and fsync off (the store's own cost). SQLite: a file in a temp folder with
 * the bot's own settings (WAL, synchronous=FULL).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import pg from 'pg';

import { PostgresStore } from '../src/store/postgresStore.ts';
import { SqliteStore } from '../src/store/sqliteStore.ts';
import type { DigestTargetRef, Store } from '../src/store/types.ts';
import { findPostgresBin, startThrowawayCluster } from '../test/support/postgres.ts';
import { fmtMs, nowMs, renderTable, summarize, type LatencySummary } from './measure.ts';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const OPS = Number(flag('ops') ?? 2000);
const GUILDS = 200;
const LEASE_MS = 120_000;
const T0 = Date.UTC(2026, 0, 1, 9, 0);
const P99_TARGET_MS = 5;

type Timings = Map<string, number[]>;

async function timed<T>(timings: Timings, op: string, work: () => Promise<T>): Promise<T> {
  const started = nowMs();
  const value = await work();
  const sample = timings.get(op) ?? [];
  sample.push(nowMs() - started);
  timings.set(op, sample);
  return value;
}

const guildId = (index: number) => String(100_000_000_000_000_000n + BigInt(index));
const refOf = (index: number): DigestTargetRef => ({ kind: 'guild', guildId: guildId(index) });

/** A digest run's life and a status read, `OPS` times, one operation at a time. */
async function measure(open: () => Promise<Store>): Promise<Map<string, LatencySummary>> {
  const timings: Timings = new Map();
  const store = await open();
  for (let index = 0; index < GUILDS; index++) {
    await store.saveGuildDigest(
      { guildId: guildId(index), channelId: '200000000000000001', time: '09:00', timeZone: 'Europe/Berlin' },
      T0,
    );
    await store.setNextDueAt(refOf(index), T0, null);
  }
  const owner = `${os.hostname()}:${process.pid}:bench`;
  for (let op = 0; op < OPS; op++) {
    const ref = refOf(op % GUILDS);
    const dueAt = T0 + Math.floor(op / GUILDS) * 86_400_000;
    const now = dueAt + 1000;
    const { run } = await timed(timings, 'claim', () =>
      store.claimRun({
        target: ref,
        dueAt,
        nonce: `n${op}`,
        windowStart: dueAt - 86_400_000,
        windowEnd: dueAt,
        now,
        owner,
        leaseUntil: now + LEASE_MS,
      }),
    );
    const articles = Array.from({ length: 5 }, (_, index) => ({
      articleId: `a${op}-${index}`,
      storyId: `s${op}-${index}`,
    }));
    await timed(timings, 'prepare', () =>
      store.prepareRun({
        runId: run.id,
        owner,
        channelId: '200000000000000001',
        articles,
        content: '{"v":1}',
      }),
    );
    await timed(timings, 'mark post started', () =>
      store.markPostStarted(run.id, '200000000000000001', now, owner),
    );
    await timed(timings, 'renew lease', () => store.renewLease(run.id, owner, now + 2 * LEASE_MS));
    await timed(timings, 'finish (posted, 5 articles)', () =>
      store.finishRun({
        runId: run.id,
        owner,
        state: 'posted',
        channelId: '200000000000000001',
        messageId: String(op),
        now,
      }),
    );
    await timed(timings, 'getTarget', () => store.getTarget(ref));
    await timed(timings, 'latestRun', () => store.latestRun(ref));
    await timed(timings, 'sentArticles', () => store.sentArticles(ref));
    if (op % 10 === 0) await timed(timings, 'listDueTargets (100)', () => store.listDueTargets(now, 100));
  }
  await measureContention(open, timings);
  await store.close();
  return new Map([...timings].map(([op, sample]) => [op, summarize(sample)]));
}

/** Four processes claiming the same new runs at once, then taking over the same lapsed ones at once. */
async function measureContention(open: () => Promise<Store>, timings: Timings): Promise<void> {
  const others = await Promise.all([open(), open(), open(), open()]);
  const rounds = Math.max(1, Math.floor(OPS / 8));
  let wins = 0;
  let takeovers = 0;
  for (let round = 0; round < rounds; round++) {
    const ref = refOf(round % GUILDS);
    const dueAt = T0 + 1_000 * 86_400_000 + round * 60_000;
    const claimAs = (other: Store, owner: string, now: number) =>
      timed(timings, now === dueAt ? 'claim, 4 processes at once' : 'takeover, 4 processes at once', () =>
        other.claimRun({
          target: ref,
          dueAt,
          nonce: `c${round}`,
          windowStart: dueAt - 86_400_000,
          windowEnd: dueAt,
          now,
          owner,
          leaseUntil: now + LEASE_MS,
        }),
      );
    const claimed = await Promise.all(others.map((other, index) => claimAs(other, `p${index}`, dueAt)));
    wins += claimed.filter((result) => result.acquired).length;
    const lapsed = dueAt + LEASE_MS + 1;
    const taken = await Promise.all(others.map((other, index) => claimAs(other, `q${index}`, lapsed)));
    takeovers += taken.filter((result) => result.acquired).length;
  }
  for (const other of others) await other.close();
  if (wins !== rounds || takeovers !== rounds) {
    throw new Error(`contention: ${wins} claims and ${takeovers} takeovers acquired in ${rounds} rounds`);
  }
}

interface PostgresTarget {
  label: string;
  url: string;
  done(): Promise<void>;
}

/**
 * The given server, or two throwaway clusters: one durable (fsync on: every commit waits for the disk, as
 * on a real server) and one with fsync off, which shows what the store itself costs apart from the disk.
 */
async function postgresTargets(): Promise<PostgresTarget[]> {
  const given = process.env.BENCH_PG_URL ?? process.env.BROADSHEET_TEST_PG_URL;
  if (given) return [await scratchDatabase('Postgres', given)];
  const bin = findPostgresBin();
  if (!bin) return [];
  const targets: PostgresTarget[] = [];
  for (const durable of [true, false]) {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'broadsheet-bench-pg-'));
    fs.chmodSync(folder, 0o755);
    const server = await startThrowawayCluster(path.join(folder, 'cluster'), bin, { durable });
    const target = await scratchDatabase(durable ? 'Postgres' : 'Postgres, fsync off', server.adminUrl);
    targets.push({
      ...target,
      async done() {
        await target.done();
        await server.stop();
        fs.rmSync(folder, { recursive: true, force: true });
      },
    });
  }
  return targets;
}

async function scratchDatabase(label: string, adminUrl: string): Promise<PostgresTarget> {
  const name = `bench_store_${process.pid}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { label, url: url.toString(), done: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function main(): Promise<void> {
  const results = new Map<string, Map<string, LatencySummary>>();
  if (!args.includes('--no-postgres')) {
    const targets = await postgresTargets();
    if (targets.length === 0)
      console.log('Postgres: none found (set BENCH_PG_URL or install postgresql); skipped');
    for (const target of targets) {
      try {
        results.set(target.label, await measure(() => PostgresStore.open(target.url)));
      } finally {
        await target.done();
      }
    }
  }
  if (!args.includes('--no-sqlite')) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broadsheet-bench-sqlite-'));
    try {
      // A busy timeout long enough for four connections contending for the write lock.
      results.set(
        'SQLite',
        await measure(async () => SqliteStore.openInDataDir(dir, { busyTimeoutMs: 30_000 })),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  const stores = [...results.keys()];
  const ops = [...new Set(stores.flatMap((store) => [...results.get(store)!.keys()]))];
  console.log(`\n### Store operations on loopback, ${OPS} of each (p50 / p99 / max)\n`);
  console.log(
    renderTable(
      ['operation', ...stores],
      ops.map((op) => [
        op,
        ...stores.map((store) => {
          const summary = results.get(store)!.get(op);
          return summary ? `${fmtMs(summary.p50)} / ${fmtMs(summary.p99)} / ${fmtMs(summary.max)}` : '—';
        }),
      ]),
    ),
  );
  const postgres = results.get('Postgres');
  if (postgres) {
    const single = [...postgres].filter(([op]) => !op.includes('at once'));
    const worst = Math.max(...single.map(([, summary]) => summary.p99));
    console.log(
      `\nPostgres: worst single-operation p99 ${fmtMs(worst)} (target < ${P99_TARGET_MS} ms): ${worst < P99_TARGET_MS ? 'met' : 'NOT met'}`,
    );
  }
}

await main();
