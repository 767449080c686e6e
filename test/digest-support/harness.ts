import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { REST } from '@discordjs/rest';

import type { Article } from '../../src/articles/article.ts';
import { createDigestModule } from '../../src/digest/digests.ts';
import type { RunReport } from '../../src/digest/protocol.ts';
import type { CrashPointName } from '../../src/digest/protocol.ts';
import type { RetryPolicy } from '../../src/digest/retry.ts';
import { createDiscordDelivery } from '../../src/discord/discordDelivery.ts';
import type { DigestMessageBody } from '../../src/discord/renderDigest.ts';
import type { DigestContent } from '../../src/digest/content.ts';
import { SqliteStore } from '../../src/store/sqliteStore.ts';
import type { Store } from '../../src/store/types.ts';
import { engineOver, renderDigest } from './corpus.ts';

export const IDS = {
  guild: '100000000000000001',
  channel: '200000000000000001',
  otherChannel: '200000000000000002',
  role: '300000000000000001',
  user: '400000000000000001',
  originChannel: '200000000000000009',
} as const;

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'broadsheet-digest-'));
}

export class FakeClock {
  constructor(public current: number) {}
  now = (): number => this.current;
  set(ms: number): void {
    this.current = ms;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export interface HarnessOptions {
  dbPath: string;
  /** A store to use instead of SQLite at dbPath (a Postgres one); the harness closes it. */
  store?: Store;
  api: string;
  /** Bot token the API expects (the fake accepts any). */
  token?: string;
  articles: Article[];
  clock: FakeClock;
  catchUpMs?: number;
  crashPoint?: (name: CrashPointName) => void;
  retry?: Partial<RetryPolicy>;
  /** @discordjs/rest's own retries of 5xx; 0 keeps request counts exact in tests. */
  restRetries?: number;
  cronExpression?: string;
  sleeps?: number[];
  /** How the delivery renders content; default the plain test renderer (pass the real one to test it). */
  render?: (content: DigestContent) => DigestMessageBody;
  onRun?: (report: RunReport) => void;
  /** Lease of a claim (fake-clock ms); default 30 s, so a restart a minute later takes a crashed run over. */
  claimTimeoutMs?: number;
  claimOwner?: string;
}

/** Store, runner and scheduler wired as in the app, on a real SQLite file and a loopback Discord. */
export function createHarness(options: HarnessOptions) {
  const store = options.store ?? new SqliteStore(options.dbPath);
  const rest = new REST({ api: options.api, retries: options.restRetries ?? 0, timeout: 5_000 });
  rest.setToken(options.token ?? 'x');
  const engine = engineOver(options.articles);
  const digests = createDigestModule({
    store,
    delivery: createDiscordDelivery({ rest, render: options.render ?? renderDigest }),
    engine: () => engine,
    now: options.clock.now,
    retry: { baseDelayMs: 1, maxDelayMs: 5, ...options.retry },
    sleep: async (ms) => {
      options.sleeps?.push(ms);
    },
    ...(options.crashPoint && { crashPoint: options.crashPoint }),
    ...(options.catchUpMs !== undefined && { catchUpMs: options.catchUpMs }),
    ...(options.cronExpression !== undefined && { cronExpression: options.cronExpression }),
    ...(options.onRun && { onRun: options.onRun }),
    claimTimeoutMs: options.claimTimeoutMs ?? 30_000,
    ...(options.claimOwner !== undefined && { claimOwner: options.claimOwner }),
  });
  return {
    store,
    rest,
    digests,
    runner: digests.runner,
    scheduler: digests.scheduler,
    async close() {
      await digests.stop();
      await store.close();
    },
  };
}

export type Harness = ReturnType<typeof createHarness>;
