/**
 * One bot process for the crash test: opens the SQLite file, runs whatever digests are due (resuming
 * interrupted runs first), and, if told to, SIGKILLs itself at a crash point. Prints the tick report.
 *
 *   CRASH_CHILD='{"dbPath":…,"api":…,"token":…,"now":…,"crashAt":"after-claim"|null}' \
 *     node --import tsx crashChild.ts
 */
import { REST } from '@discordjs/rest';

import { DigestRunner, type CrashPointName } from '../../src/digest/runner.ts';
import { DigestScheduler } from '../../src/digest/scheduler.ts';
import { SqliteStore } from '../../src/store/sqliteStore.ts';
import { renderDigest, selectFrom, storyOf } from './corpus.ts';
import { crashCorpus } from './crashScenario.ts';

export interface CrashChildConfig {
  dbPath: string;
  api: string;
  token: string;
  now: number;
  crashAt: CrashPointName | null;
}

const config = JSON.parse(process.env.CRASH_CHILD ?? '{}') as CrashChildConfig;
const now = () => config.now;

const store = new SqliteStore(config.dbPath);
const runner = new DigestRunner({
  store,
  rest: new REST({ api: config.api, retries: 0, timeout: 5_000 }).setToken(config.token),
  select: selectFrom(crashCorpus),
  storyOf,
  render: renderDigest,
  now,
  retry: { baseDelayMs: 10, maxDelayMs: 50 },
  crashPoint: (name) => {
    if (name === config.crashAt) process.kill(process.pid, 'SIGKILL');
  },
});
const scheduler = new DigestScheduler({ store, runner, now });

const report = await scheduler.start();
await scheduler.stop();
await store.close();
process.stdout.write(JSON.stringify(report));
