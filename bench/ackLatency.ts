/**
 * `npx tsx bench/ackLatency.ts [corpusDir] [--count 200]`
 *
 * The real bot (`src/main.ts`, discord.js over a real socket, its own process as in production) against
 * the Discord API emulator in this process, on a real corpus: `count` interactions dispatched at once
 * (searches, autocomplete, topics, related reading) and the time from dispatch to the emulator
 * receiving each first response (the acknowledgement Discord requires within 3 s).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadLibrary } from '../src/search/loadLibrary.ts';
import {
  startEmulator,
  type Emulator,
  type InteractionHandle,
  type InteractionRecord,
  type UserSpec,
} from '../test/emulator/index.ts';
import { percentile } from './measure.ts';

const args = process.argv.slice(2);
const countFlag = args.indexOf('--count');
const count = countFlag >= 0 ? Number(args[countFlag + 1]) : 200;
// A corpus folder from the arguments or BENCH_CORPUS; the bundled sample corpus otherwise.
const corpus = path.resolve(
  args.find((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--count') ??
    process.env.BENCH_CORPUS ??
    'seeds',
);
const TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GAbCdE.abcdefghijklmnopqrstuvwxyz0123456789AB';
const GUILD = '1100000000000000001';
const CHANNEL = '1100000000000000010';
const USER = { id: '1200000000000000001', username: 'reader' };

const QUERIES = [
  'self-driving cars',
  'covid vaccine',
  'azure kubernetes',
  'deep learning',
  'diablo 4 druid',
  'C++',
  'machne lerning',
  'power apps portals',
  'facial recognition',
  'stock market impact',
];
const PREFIXES = ['a', 'ma', 'mac', 'self-dr', 'covid va', 'azure fun'];

export interface BurstTarget {
  user: UserSpec;
  guildId: string;
  channelId: string;
}

/**
 * `count` interactions dispatched at once, as many users would send them: searches, autocomplete, topic
 * lists and related reading (`ids`: real article ids), each in the server `where(i)` names.
 */
export function dispatchBurst(
  emu: Emulator,
  count: number,
  ids: readonly string[],
  where: (i: number) => BurstTarget,
): InteractionHandle[] {
  return Array.from({ length: count }, (_, i) => {
    switch (i % 5) {
      case 0:
        return emu.sendCommand({
          name: 'search',
          options: { query: QUERIES[i % QUERIES.length]! },
          ...where(i),
        });
      case 1:
        return emu.sendAutocomplete({
          name: 'search',
          options: { query: PREFIXES[i % PREFIXES.length]! },
          focused: 'query',
          ...where(i),
        });
      case 2:
        return emu.sendCommand({
          name: 'topic',
          options: { name: ['AI', 'Azure', 'Coronavirus', 'Diablo 4'][i % 4]! },
          ...where(i),
        });
      case 3:
        return emu.sendCommand({ name: 'related', options: { article: ids[i % ids.length]! }, ...where(i) });
      default:
        return emu.sendAutocomplete({
          name: 'related',
          options: { article: PREFIXES[i % PREFIXES.length]! },
          focused: 'article',
          ...where(i),
        });
    }
  });
}

/** Dispatch to first response (the acknowledgement Discord wants within 3 s), per interaction. */
export function ackLatencies(records: readonly InteractionRecord[]): number[] {
  return records.map((record) => (record.callbacks[0]?.at ?? Infinity) - record.dispatchedAt);
}

async function main(): Promise<void> {
  // Only to pick real article ids for /related; the bot loads its own copy.
  const { library } = loadLibrary({ articlesDir: corpus, dataDir: path.resolve('data/bench-ack') });
  console.log(`corpus ${corpus}: ${library.size} articles`);
  const emu = await startEmulator({
    token: TOKEN,
    users: [USER],
    guilds: [
      {
        id: GUILD,
        name: 'Bench',
        ownerId: USER.id,
        members: [{ user: USER.id }],
        channels: [{ id: CHANNEL, name: 'general' }],
      },
    ],
    rateLimit: { limit: 100_000, windowMs: 1_000 },
  });
  const dataDir = path.resolve('data/bench-ack');
  const bot = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROFILE] : []),
      '--import',
      'tsx',
      'src/main.ts',
    ],
    {
      env: {
        ...process.env,
        DISCORD_TOKEN: TOKEN,
        DISCORD_API_URL: emu.apiUrl,
        ARTICLES_DIR: corpus,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  await emu.waitForReady(120_000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  // Warm up the JIT the way a running bot would be warm.
  await emu
    .sendCommand({
      name: 'search',
      options: { query: 'warm up' },
      user: USER,
      guildId: GUILD,
      channelId: CHANNEL,
    })
    .settled();

  const ids = library
    .articles()
    .filter((article) => article.published)
    .slice(0, 50)
    .map((article) => article.id);
  const where = { user: USER, guildId: GUILD, channelId: CHANNEL };
  const handles = dispatchBurst(emu, count, ids, () => where);
  const records = await Promise.all(handles.map((handle) => handle.settled({ timeoutMs: 30_000 })));
  const latencies = ackLatencies(records);
  const late = latencies.filter((ms) => ms > 3_000).length;
  console.log(
    `${count} concurrent interactions: ack p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms, over 3 s: ${late}`,
  );
  // The burst measures queueing (one bot process serves them in turn); one at a time measures the path.
  const sequential: number[] = [];
  for (let i = 0; i < 100; i++) {
    const record = await emu
      .sendCommand({ name: 'search', options: { query: QUERIES[i % QUERIES.length]! }, ...where })
      .settled({ quietMs: 0 });
    sequential.push((record.callbacks[0]?.at ?? Infinity) - record.dispatchedAt);
  }
  console.log(
    `100 interactions one at a time: ack p50 ${percentile(sequential, 50).toFixed(1)} ms, p99 ${percentile(sequential, 99).toFixed(1)} ms`,
  );
  const violations = emu.takeViolations();
  console.log(
    `emulator violations: ${violations.length}${violations.length ? ' ' + JSON.stringify(violations.slice(0, 3)) : ''}`,
  );
  bot.kill('SIGTERM');
  await new Promise((resolve) => bot.once('exit', resolve));
  await emu.close();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
