import type { Client } from 'discord.js';
import type { Config } from '../config.ts';
import { createDigestRest, DigestRunner } from '../digest/runner.ts';
import { formatLocalDay } from '../time/localTime.ts';
import { DigestScheduler, catchUpMsFromConfig } from '../digest/scheduler.ts';
import { SqliteStore } from '../store/sqliteStore.ts';
import type { DigestTargetSettings } from '../store/types.ts';
import type { CommandContext } from './command.ts';
import { DIGEST_MAX_WINDOW_MS } from './digestService.ts';
import { renderDigestBody } from './render.ts';

export type DigestConfig = Pick<
  Config,
  'DATA_DIR' | 'DISCORD_TOKEN' | 'DISCORD_API_URL' | 'DIGEST_CATCH_UP_HOURS'
>;

/** Test seams; `startBot` passes none. */
export interface AttachDigestsOptions {
  /** Where the database lives (default `config.DATA_DIR`). */
  dataDir?: string;
  now?: () => number;
  catchUpMs?: number;
  /** When node-cron wakes the scheduler; tests pass one that never fires and call `tick()` themselves. */
  cronExpression?: string;
}

function digestTitle(target: DigestTargetSettings, now: number): string {
  const day = formatLocalDay(now, target.timeZone);
  return target.kind === 'guild' ? `Daily digest · ${day}` : `Your ${target.topic} digest · ${day}`;
}

/**
 * Server digests and subscriptions: opens the database, starts the scheduler (which first catches up on
 * what was missed while the bot was down) and puts the service on the context. Returns the stop function.
 */
export async function attachDigests(
  context: CommandContext,
  client: Client,
  config: DigestConfig,
  options: AttachDigestsOptions = {},
): Promise<() => Promise<void>> {
  const token = config.DISCORD_TOKEN ?? client.token;
  if (!token) throw new Error('Digests need the bot token (DISCORD_TOKEN) to post.');
  const now = options.now ?? Date.now;
  const logger = context.logger.child({ module: 'digest' });
  const store = SqliteStore.openInDataDir(options.dataDir ?? config.DATA_DIR);
  const runner = new DigestRunner({
    store,
    rest: createDigestRest(token, { api: config.DISCORD_API_URL }),
    // Read at call time: the library is swapped when the corpus changes.
    select: (query) => context.library.selectDigest(query),
    storyOf: (article) => context.library.storyOf(article),
    render: (articles, target) =>
      renderDigestBody(articles, {
        title: digestTitle(target, now()),
        mentionRoleId: target.kind === 'guild' ? target.mentionRoleId : null,
      }),
    now,
    logger,
    maxWindowMs: DIGEST_MAX_WINDOW_MS,
  });
  const scheduler = new DigestScheduler({
    store,
    runner,
    now,
    logger,
    catchUpMs: options.catchUpMs ?? catchUpMsFromConfig(config),
    ...(options.cronExpression !== undefined && { cronExpression: options.cronExpression }),
  });

  // Commands may arrive while the first pass catches up, so the service is there before it starts.
  context.digest = { store, runner, scheduler, library: () => context.library, now };
  try {
    const report = await scheduler.start();
    logger.info(
      { runs: report.runs.length, skipped: report.skipped.length, scheduled: report.scheduled },
      'digest scheduler started',
    );
  } catch (error) {
    delete context.digest;
    await scheduler.stop().catch(() => undefined);
    await store.close();
    throw error;
  }

  return async () => {
    delete context.digest;
    await scheduler.stop();
    await store.close();
  };
}
