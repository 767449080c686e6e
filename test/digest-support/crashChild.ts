/**
 * One bot process for the crash test: opens the SQLite file (or the Postgres database at `databaseUrl`),
 * runs whatever digests are due (resuming interrupted runs first), and, if told to, SIGKILLs itself at a
 * crash point. Prints the tick report.
 *
 *   CRASH_CHILD='{"dbPath":…,"api":…,"token":…,"now":…,"crashAt":"after-claim"|null,"realRender"?:true}' \
 *     node --import tsx crashChild.ts
 */
import { REST } from '@discordjs/rest';

import { createDigestModule } from '../../src/digest/digests.ts';
import type { CrashPointName } from '../../src/digest/protocol.ts';
import { createDiscordDelivery } from '../../src/discord/discordDelivery.ts';
import { renderDigestMessage } from '../../src/discord/renderDigest.ts';
import { PostgresStore } from '../../src/store/postgresStore.ts';
import { SqliteStore } from '../../src/store/sqliteStore.ts';
import { engineOver, renderDigest } from './corpus.ts';
import { crashCorpus } from './crashScenario.ts';

export interface CrashChildConfig {
  dbPath: string;
  api: string;
  token: string;
  now: number;
  crashAt: CrashPointName | null;
  /** Render with the bot's own renderer instead of the plain test one. */
  realRender?: boolean;
  /** Postgres instead of SQLite at dbPath. */
  databaseUrl?: string;
  /** Lease of a claim on the child's clock; default 20 s (restarts come 30 s or more later). */
  claimTimeoutMs?: number;
}

const config = JSON.parse(process.env.CRASH_CHILD ?? '{}') as CrashChildConfig;
const engine = engineOver(crashCorpus);

const store = config.databaseUrl
  ? await PostgresStore.open(config.databaseUrl)
  : new SqliteStore(config.dbPath);
const digests = createDigestModule({
  store,
  delivery: createDiscordDelivery({
    rest: new REST({ api: config.api, retries: 0, timeout: 5_000 }).setToken(config.token),
    render: config.realRender ? renderDigestMessage : renderDigest,
  }),
  engine: () => engine,
  now: () => config.now,
  retry: { baseDelayMs: 10, maxDelayMs: 50 },
  claimTimeoutMs: config.claimTimeoutMs ?? 20_000,
  crashPoint: (name) => {
    if (name === config.crashAt) process.kill(process.pid, 'SIGKILL');
  },
});

const report = await digests.start();
await digests.stop();
await store.close();
process.stdout.write(JSON.stringify(report));
