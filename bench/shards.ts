/**
 * `npm run bench:shards [-- --servers 1000] [--interactions 200] [--corpus DIR] [--only digests|interactions]
 *   [--shards 1|2]`
 *
 * One process against two shards, in the same run, against the Discord API emulator with Discord's
 * global limit (50 requests a second for the bot, all processes together):
 *
 * 1. `servers` servers whose digests are due in the same minute: seconds from the due minute to the last
 *    digest, digests posted twice, the 429s the emulator answered (global and per route).
 * 2. `interactions` interactions dispatched at once: every one acknowledged? ack p50 / p99 / max.
 *
 * The bots are real processes (`node --import tsx src/main.ts`, with SHARD_COUNT=2 the shard manager and
 * its two shards). Two shards need Postgres: BROADSHEET_TEST_PG_URL (an admin URL) or initdb/pg_ctl on
 * this machine (a throwaway cluster, stopped at the end). One process uses SQLite.
 */
import fs from 'node:fs';
import path from 'node:path';

import { loadLibrary } from '../src/search/loadLibrary.ts';
import { openStore } from '../src/store/openStore.ts';
import type { Store } from '../src/store/types.ts';
import { startEmulator, type Emulator, type InteractionRecord } from '../test/emulator/index.ts';
import { articleFile, tempDir, writeCorpus } from '../test/support/articles.ts';
import {
  createTestDatabase,
  makeStateDir,
  STATE_DIR_ENV,
  stopClusterIn,
  URL_ENV,
  type TestDatabase,
} from '../test/support/postgres.ts';
import {
  groupMembers,
  startInGroup,
  waitForGroupGone,
  type GroupProcess,
} from '../test/support/processes.ts';
import { ackLatencies, dispatchBurst } from './ackLatency.ts';
import { percentile } from './measure.ts';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const SERVERS = Number(flag('servers') ?? 1000);
const INTERACTIONS = Number(flag('interactions') ?? 200);
const ONLY = flag('only');
/** `--shards 1` or `--shards 2`: only that layout (both by default). */
const SHARDS_ONLY = flag('shards');
/** Between the bots being ready and the burst of interactions. */
const SETTLE_MS = Number(flag('settle-seconds') ?? 10) * 1000;
const CORPUS = path.resolve(
  flag('corpus') ??
    process.env.BENCH_CORPUS ??
    (fs.existsSync('../shared/corpus/real') ? '../shared/corpus/real' : 'seeds'),
);
const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789AB';
const OWNER = { id: '1200000000000000001', username: 'reader' };
const MINUTE_MS = 60_000;
/** The target: every digest of the minute posted within this long (the global limit alone needs 20 s). */
const DIGEST_TARGET_S = 30;
const ACK_TARGET_P99_MS = 600;

type Layout = { name: string; shards: 1 | 2 };
const LAYOUTS: Layout[] = [
  { name: 'one process', shards: 1 },
  { name: '2 shards', shards: 2 },
];

/** Server ids spread over the shards as Discord spreads real ones: consecutive timestamp parts. */
function serverIds(count: number): { guild: string; channel: string }[] {
  const base = (1_100_000_000_000_000_000n >> 22n) + 7n;
  return Array.from({ length: count }, (_, i) => {
    const guild = ((base + BigInt(i) * 3n) << 22n).toString();
    return { guild, channel: (BigInt(guild) + 1n).toString() };
  });
}

function emulatorFor(servers: { guild: string; channel: string }[], shards: number): Promise<Emulator> {
  return startEmulator({
    token: TOKEN,
    heartbeatIntervalMs: 5_000,
    maxConcurrency: shards,
    users: [OWNER],
    guilds: servers.map(({ guild, channel }, i) => ({
      id: guild,
      name: `Server ${i}`,
      ownerId: OWNER.id,
      members: [{ user: OWNER.id }],
      channels: [{ id: channel, name: 'news' }],
    })),
  });
}

function startBots(emu: Emulator, layout: Layout, env: NodeJS.ProcessEnv): GroupProcess {
  // BENCH_PROFILE=<dir>: a CPU profile of every bot process (shards inherit the manager's exec arguments).
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_PROFILE)}`]
    : [];
  return startInGroup(process.execPath, [...profile, '--import', 'tsx', path.resolve('src/main.ts')], {
    ...process.env,
    DISCORD_TOKEN: TOKEN,
    DISCORD_API_URL: emu.apiUrl,
    SHARD_COUNT: String(layout.shards),
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    ...env,
  });
}

async function ready(emu: Emulator, layout: Layout, bots: GroupProcess): Promise<void> {
  const failed = bots.exited.then(({ code }) => {
    throw new Error(`the bot exited with ${code} before it was ready:\n${bots.output().slice(-3000)}`);
  });
  await Promise.race([
    layout.shards === 1 ? emu.waitForReady(180_000) : emu.waitForShards(layout.shards, 180_000),
    failed,
  ]);
}

async function stopBots(bots: GroupProcess): Promise<void> {
  process.kill(bots.pgid, 'SIGTERM');
  await waitForGroupGone(bots.pgid, 20_000).catch((error: unknown) => console.warn(String(error)));
}

function freshCorpus(): string {
  const files: Record<string, string> = {};
  for (let i = 0; i < 30; i++) {
    const date = new Date(Date.now() - (i + 1) * 1_800_000).toISOString().replace(/\.\d+Z$/, 'Z');
    files[`news-${i}.md`] = articleFile({
      title: `Morning briefing number ${i + 1}`,
      excerpt: `What happened in hour ${i + 1}.`,
      topics: ['News'],
      heat: 200 - i,
      date,
    });
  }
  return writeCorpus(files);
}

interface DigestResult {
  layout: string;
  posted: number;
  twice: number;
  missing: number;
  firstS: number;
  lastS: number;
  global429: number;
  route429: number;
  violations: number;
}

/** Digests of `SERVERS` servers due at one minute boundary, seeded while the bots run. */
async function digestBurst(layout: Layout, database: TestDatabase | null): Promise<DigestResult> {
  const servers = serverIds(SERVERS);
  const emu = await emulatorFor(servers, layout.shards);
  const dataDir = tempDir('broadsheet-bench-shards-');
  const databaseUrl = layout.shards > 1 ? database?.url : undefined;
  const bots = startBots(emu, layout, {
    DATA_DIR: dataDir,
    ARTICLES_DIR: freshCorpus(),
    ...(databaseUrl && { DATABASE_URL: databaseUrl }),
  });
  let store: Store | undefined;
  try {
    await ready(emu, layout, bots);
    store = await openStore({ DATABASE_URL: databaseUrl, DATA_DIR: dataDir });
    // A minute boundary far enough away to seed every server before it.
    let dueAt = Math.ceil(Date.now() / MINUTE_MS) * MINUTE_MS;
    if (dueAt - Date.now() < 25_000) dueAt += MINUTE_MS;
    const time = new Date(dueAt).toISOString().slice(11, 16);
    const seedStarted = Date.now();
    for (const { guild, channel } of servers) {
      await store.saveGuildDigest(
        { guildId: guild, channelId: channel, time, timeZone: 'UTC', size: 3 },
        Date.now(),
      );
      await store.setNextDueAt({ kind: 'guild', guildId: guild }, dueAt, null);
    }
    console.log(
      `  ${layout.name}: ${SERVERS} digests seeded in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s, due ${new Date(dueAt).toISOString()}`,
    );
    // One pass over the emulator's log per look: the bench must not slow the emulator it measures.
    const digests = () => {
      const byChannel = new Map<string, number[]>();
      for (const message of emu.messages) {
        if (message.authorId !== emu.botUser.id || message.interactionId !== null || message.deleted)
          continue;
        byChannel.set(message.channelId, [...(byChannel.get(message.channelId) ?? []), message.createdAt]);
      }
      return byChannel;
    };
    const deadline = dueAt + 120_000;
    while (Date.now() < deadline && digests().size < servers.length) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // a late second post would show now
    const posts = digests();
    const counts = servers.map(({ channel }) => posts.get(channel)?.length ?? 0);
    const times = [...posts.values()].flat();
    const violations = emu.takeViolations();
    if (violations.length) console.log(`  violations: ${JSON.stringify(violations.slice(0, 3))}`);
    return {
      layout: layout.name,
      posted: counts.filter((count) => count > 0).length,
      twice: counts.filter((count) => count > 1).length,
      missing: counts.filter((count) => count === 0).length,
      firstS: (Math.min(...times) - dueAt) / 1000,
      lastS: (Math.max(...times) - dueAt) / 1000,
      global429: emu.rateLimitCounts.global,
      route429: emu.rateLimitCounts.route,
      violations: violations.length,
    };
  } finally {
    await store?.close();
    await stopBots(bots);
    await emu.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** CPU milliseconds (user + system) each process of the group has used so far, from /proc. */
function groupCpuMs(pgid: number): Map<number, number> {
  const used = new Map<number, number>();
  for (const { pid } of groupMembers(pgid)) {
    try {
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      used.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
    } catch {
      // Gone between the listing and the read.
    }
  }
  return used;
}

/** CPU used during the burst: each bot process's busiest share, and the emulator's (this process). */
function cpuDuring(before: Map<number, number>, after: Map<number, number>, benchMs: number): string {
  const bots = [...after]
    .map(([pid, ms]) => ms - (before.get(pid) ?? 0))
    .filter((ms) => ms >= 10)
    .sort((a, b) => b - a)
    .map((ms) => ms.toFixed(0));
  return `bots ${bots.join(' + ')} ms, emulator ${benchMs.toFixed(0)} ms`;
}

interface AckResult {
  layout: string;
  /** CPU spent during the burst, by the bot processes and by the emulator. */
  cpu: string;
  acknowledged: number;
  /** The first acknowledgement: the burst's fixed cost (dispatching it, the first answer). */
  min: number;
  p50: number;
  p99: number;
  max: number;
  perShard: string;
  /** Acknowledgement p99 by what was sent, and how (answered at once, deferred then edited). */
  byKind: string;
  /** Dispatch to the answer a user reads (the edit of a deferred reply, or the reply itself). */
  answeredP99: number;
}

/** What a record was, for the per-kind breakdown: `/search`, `autocomplete /search`, … */
function kindOf(record: InteractionRecord): string {
  const data = record.payload.data as { name?: string } | undefined;
  const name = `/${data?.name ?? '?'}`;
  if (record.type === 4) return `autocomplete ${name}`;
  return record.callbacks[0]?.type === 5 ? `${name} (deferred)` : name;
}

/** When the user could read the answer: the first callback, or for a deferred reply the first edit. */
function answeredAt(record: InteractionRecord): number {
  const first = record.callbacks[0];
  if (!first) return Infinity;
  if (first.type !== 5) return first.at;
  return record.webhookRequests[0]?.at ?? Infinity;
}

/** `INTERACTIONS` interactions at once, spread over two servers (one on each shard). */
async function interactionBurst(
  layout: Layout,
  database: TestDatabase | null,
  ids: string[],
): Promise<AckResult> {
  // Two servers on different shards of 2: consecutive timestamp parts.
  const servers = serverIds(2);
  const emu = await emulatorFor(servers, layout.shards);
  emu.configure({ rateLimit: { limit: 100_000, windowMs: 1_000 } });
  const dataDir = path.resolve('data/bench-shards'); // caches kept between runs, as a deployed bot's are
  fs.mkdirSync(dataDir, { recursive: true });
  fs.rmSync(path.join(dataDir, 'broadsheet.db'), { force: true });
  const bots = startBots(emu, layout, {
    DATA_DIR: dataDir,
    ARTICLES_DIR: CORPUS,
    ...(layout.shards > 1 && database && { DATABASE_URL: database.url }),
  });
  try {
    await ready(emu, layout, bots);
    // What a bot does right after it is ready (watching the corpus, first ticks) is not the burst's cost.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const where = (i: number) => ({
      user: OWNER,
      guildId: servers[i % 2]!.guild,
      channelId: servers[i % 2]!.channel,
    });
    for (const i of [0, 1]) {
      await emu
        .sendCommand({ name: 'search', options: { query: 'warm up' }, ...where(i) })
        .settled({ timeoutMs: 60_000 })
        .catch(() => console.warn(`  warm-up in server ${i} got no answer within 60 s`));
    }
    const connectionsBefore = emu.connectionsAccepted;
    const cpuBefore = groupCpuMs(bots.pgid);
    const benchBefore = process.cpuUsage();
    const records = await Promise.all(
      // One never answered is counted as not acknowledged, not waited for forever.
      dispatchBurst(emu, INTERACTIONS, ids, where).map((handle) =>
        handle.settled({ timeoutMs: 30_000 }).catch(() => handle.record),
      ),
    );
    const benchUsed = process.cpuUsage(benchBefore);
    const cpu = cpuDuring(cpuBefore, groupCpuMs(bots.pgid), (benchUsed.user + benchUsed.system) / 1000);
    const connections = emu.connectionsAccepted - connectionsBefore;
    const latencies = ackLatencies(records);
    const kinds = new Map<string, number[]>();
    for (const [i, record] of records.entries())
      kinds.set(kindOf(record), [...(kinds.get(kindOf(record)) ?? []), latencies[i]!]);
    const byKind = [...kinds]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([kind, ms]) => `${kind} ×${ms.length} p99 ${percentile(ms, 99).toFixed(0)} ms`)
      .join('; ');
    const answered = records.map((record) => answeredAt(record) - record.dispatchedAt);
    const byShard = new Map<number, number>();
    for (const record of records)
      for (const shard of record.shards) byShard.set(shard, (byShard.get(shard) ?? 0) + 1);
    const violations = emu.takeViolations();
    if (violations.length) console.log(`  violations: ${JSON.stringify(violations.slice(0, 3))}`);
    return {
      layout: layout.name,
      cpu,
      acknowledged: records.filter((record) => record.callbacks.some((callback) => callback.accepted)).length,
      min: Math.min(...latencies),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: Math.max(...latencies),
      perShard: [...byShard].map(([shard, n]) => `shard ${shard}: ${n}`).join(', '),
      byKind: `${byKind}; new connections to the emulator: ${connections}`,
      answeredP99: percentile(answered, 99),
    };
  } finally {
    await stopBots(bots);
    await emu.close();
  }
}

async function postgres(): Promise<{ database: TestDatabase | null; stop: () => Promise<void> }> {
  let stateDir: string | undefined;
  if (!process.env[URL_ENV]) {
    stateDir = makeStateDir();
    process.env[STATE_DIR_ENV] = stateDir;
  }
  const database = await createTestDatabase('bench_shards');
  return {
    database,
    stop: async () => {
      await database?.drop();
      if (stateDir) {
        await stopClusterIn(stateDir);
        fs.rmSync(stateDir, { recursive: true, force: true });
      }
    },
  };
}

async function main(): Promise<void> {
  const pg = await postgres();
  const layouts = (pg.database ? LAYOUTS : LAYOUTS.filter((layout) => layout.shards === 1)).filter(
    (layout) => SHARDS_ONLY === undefined || layout.shards === Number(SHARDS_ONLY),
  );
  if (!pg.database) console.log('no Postgres here: the 2-shard runs are left out (see the warning above)');
  try {
    if (ONLY !== 'interactions') {
      console.log(`\n${SERVERS} servers, digests due in the same minute (global limit 50 requests/s):`);
      const results: DigestResult[] = [];
      for (const layout of layouts) results.push(await digestBurst(layout, pg.database));
      console.table(
        results.map((r) => ({
          layout: r.layout,
          posted: `${r.posted} of ${SERVERS}`,
          'posted twice': r.twice,
          'first (s after due)': r.firstS.toFixed(1),
          'last (s after due)': r.lastS.toFixed(1),
          [`within ${DIGEST_TARGET_S} s`]: r.missing === 0 && r.lastS <= DIGEST_TARGET_S ? 'yes' : 'NO',
          '429 global': r.global429,
          '429 route': r.route429,
          violations: r.violations,
        })),
      );
    }
    if (ONLY !== 'digests') {
      const { library } = loadLibrary({ articlesDir: CORPUS, dataDir: path.resolve('data/bench-shards') });
      const ids = library
        .articles()
        .filter((article) => article.published)
        .slice(0, 50)
        .map((article) => article.id);
      console.log(`\n${INTERACTIONS} interactions at once, corpus ${CORPUS} (${library.size} articles):`);
      const results: AckResult[] = [];
      for (const layout of layouts) results.push(await interactionBurst(layout, pg.database, ids));
      console.table(
        results.map((r) => ({
          layout: r.layout,
          acknowledged: `${r.acknowledged} of ${INTERACTIONS}`,
          'first (ms)': r.min.toFixed(0),
          'ack p50 (ms)': r.p50.toFixed(0),
          'ack p99 (ms)': r.p99.toFixed(0),
          'answered p99 (ms)': r.answeredP99.toFixed(0),
          'max (ms)': r.max.toFixed(0),
          [`p99 < ${ACK_TARGET_P99_MS} ms`]: r.p99 < ACK_TARGET_P99_MS ? 'yes' : 'NO',
          'dispatched to': r.perShard,
        })),
      );
      console.log(
        `CPU during the burst (until the last interaction settled):\n${results.map((r) => `  ${r.layout}: ${r.cpu}\n    ${r.byKind}`).join('\n')}`,
      );
    }
  } finally {
    await pg.stop();
  }
}

await main();
